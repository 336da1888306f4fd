/**
 * Resumable state: a loader stopped anywhere (mid-epoch, at an epoch's end, mid-trajectory
 * while packing) and resumed from its JSON state in a new loader continues with exactly
 * the batches an uninterrupted loader gives; a state from another configuration or other
 * data is refused.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Batch, Database, DataLoader, LoaderState } from '../../src/index.js';
import { trajectoryDatabase, TRAJECTORY_SQL, typedDatabase } from './loader_fixtures.js';

// The databases stay open until the process ends: helpers.ts removes their directories in an after() hook that runs first.
let rowsDb: Database;
let tokensDb: Database;
before(async () => {
  rowsDb = await typedDatabase(101);
  tokensDb = await trajectoryDatabase(23);
});

const ROWS_SQL = 'SELECT id, name, v FROM items ORDER BY id';

/** A batch's identity and content, for comparing sequences of batches. */
function fingerprint(batch: Batch): string {
  const parts = Object.entries(batch.columns).map(([name, values]) => {
    const array = ArrayBuffer.isView(values) ? Array.from(values as Int32Array) : Array.from(values.data);
    return `${name}=${array.join(',')}`;
  });
  return `${batch.epoch}/${batch.index}:${parts.join(';')}`;
}

/** Consumes up to `limit` batches; returns their fingerprints and the state after them. */
async function take(loader: DataLoader, limit = Infinity): Promise<{ batches: string[]; state: LoaderState }> {
  const batches: string[] = [];
  if (limit > 0) {
    for await (const batch of loader) {
      batches.push(fingerprint(batch));
      batch.release();
      if (batches.length >= limit) break;
    }
  }
  return { batches, state: JSON.parse(JSON.stringify(loader.state())) as LoaderState };
}

test('a row loader resumed from its JSON state continues exactly, wherever it stopped', async () => {
  const make = () => rowsDb.dataloader(ROWS_SQL).batchSize(8).shuffle(99).epochs(3).prefetch(3);
  const { batches: full } = await take(make());
  assert.equal(full.length, 3 * 13);
  for (const cut of [0, 1, 5, 12, 13, 14, 25, 38, 39]) {
    const first = await take(make(), cut);
    const rest = await take(make().resume(first.state));
    assert.deepEqual([...first.batches, ...rest.batches], full, `stopped after ${cut} batches`);
    assert.equal(rest.state.batchesDelivered, full.length);
  }
});

test('the state says where the loader stands, and a second loop continues from it', async () => {
  const loader = rowsDb.dataloader(ROWS_SQL).batchSize(10).epochs(2);
  const before = loader.state();
  assert.equal(before.query.rows, null, 'before the loader runs the row count is unknown');
  const first = await take(loader, 12);
  assert.deepEqual(first.state.cursor, { epoch: 1, batch: 1, position: 10, token: 0 });
  assert.equal(first.state.query.rows, 101);
  assert.equal(first.state.config.batchSize, 10);
  const second = await take(loader);
  assert.equal(second.batches.length, 10, 'the same loader continues where its last loop stopped');
  assert.deepEqual(second.state.cursor, { epoch: 2, batch: 0, position: 0, token: 0 });
});

test('packed token batches resume mid-trajectory from the packer leftover in the state', async () => {
  const make = () => tokensDb.dataloader(TRAJECTORY_SQL).batchSize(2).shuffle(5).epochs(2).tokens({ seqLen: 48, lossOn: ['assistant'] });
  const { batches: full } = await take(make());
  let midTrajectory = 0;
  for (const cut of [1, 2, 3, 7, 11, Math.floor(full.length / 2), full.length - 1]) {
    const first = await take(make(), cut);
    if (first.state.cursor.token > 0) midTrajectory++;
    const rest = await take(make().resume(first.state));
    assert.deepEqual([...first.batches, ...rest.batches], full, `stopped after ${cut} batches`);
  }
  assert.ok(midTrajectory > 0, 'some cut fell inside a trajectory');
  // Without packing too.
  const unpacked = () => tokensDb.dataloader(TRAJECTORY_SQL).batchSize(3).tokens({ seqLen: 32, pack: false });
  const all = await take(unpacked());
  const head = await take(unpacked(), 4);
  const tail = await take(unpacked().resume(head.state));
  assert.deepEqual([...head.batches, ...tail.batches], all.batches);
});

test('resume refuses a state from another configuration, query or data', async () => {
  const { state } = await take(rowsDb.dataloader(ROWS_SQL).batchSize(8).shuffle(1), 2);
  const start = (loader: DataLoader) => loader[Symbol.asyncIterator]().next();
  await assert.rejects(start(rowsDb.dataloader(ROWS_SQL).batchSize(9).shuffle(1).resume(state)), /batchSize: saved 8, now 9/);
  await assert.rejects(start(rowsDb.dataloader(ROWS_SQL).batchSize(8).shuffle(2).resume(state)), /seed/);
  await assert.rejects(start(rowsDb.dataloader(ROWS_SQL).batchSize(8).shuffle(1).shard(0, 2).resume(state)), /worldSize/);
  await assert.rejects(start(rowsDb.dataloader('SELECT id FROM items ORDER BY id').batchSize(8).shuffle(1).resume(state)), /different query/);
  assert.throws(() => rowsDb.dataloader(ROWS_SQL).resume({ ...state, version: 2 } as unknown as LoaderState), /version 2/);
  assert.throws(() => rowsDb.dataloader(ROWS_SQL).resume('{"format":"other"}'), /not a dataloader state/);
  // The data changed: the same query now returns another row count.
  await rowsDb.execute("INSERT INTO items (id, name) VALUES (1000, 'late')");
  await assert.rejects(start(rowsDb.dataloader(ROWS_SQL).batchSize(8).shuffle(1).resume(state)), /the data changed/);
  await rowsDb.execute('DELETE FROM items WHERE id = 1000');
});
