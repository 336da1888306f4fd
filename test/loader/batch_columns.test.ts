/**
 * Batch columns on the CPU: every type arrives as the documented typed array or text
 * column, holding exactly the query's values for the rows of the batch (shuffled, so that
 * the gather by row index is what is checked), and rows() matches Result.rows().
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Database, Result, TextColumn } from '../../src/index.js';
import { typedDatabase } from './loader_fixtures.js';

const ROWS = 250;
const SQL = 'SELECT * FROM items ORDER BY id';
let db: Database;
let result: Result;

before(async () => {
  db = await typedDatabase(ROWS);
  result = await db.execute(SQL);
});
// The database stays open until the process ends: helpers.ts removes its directory in an after() hook that runs first.

function text(column: TextColumn, row: number): string {
  return new TextDecoder().decode(column.data.subarray(column.offsets[row], column.offsets[row + 1]));
}

test('every column type arrives as typed arrays holding the query values, by row index', async () => {
  const expected = result.rows();
  const loader = db.dataloader(SQL).batchSize(32).shuffle(3);
  let seen = 0;
  for await (const batch of loader) {
    const c = batch.columns;
    assert.ok(c.id instanceof Int32Array);
    assert.ok(c.big instanceof BigInt64Array);
    assert.ok(c.score instanceof Float32Array);
    assert.ok(c.reward instanceof Float64Array);
    assert.ok(c.ok instanceof Uint8Array);
    assert.ok(c.v instanceof Float32Array && c.v.length === batch.size * 3);
    assert.ok(c.at instanceof BigInt64Array);
    for (let r = 0; r < batch.size; r++) {
      const id: number = (c.id as Int32Array)[r]!;
      const row: Record<string, unknown> = expected[id]!;
      assert.equal((c.big as BigInt64Array)[r], BigInt(id) * 1_000_000_007n - 5n);
      assert.equal((c.score as Float32Array)[r], row.score);
      assert.equal((c.reward as Float64Array)[r], row.reward);
      assert.equal((c.ok as Uint8Array)[r], row.ok ? 1 : 0);
      assert.equal(text(c.name as TextColumn, r), row.name);
      const meta = text(c.meta as TextColumn, r);
      assert.deepEqual(meta === '' ? null : JSON.parse(meta), row.meta);
      assert.deepEqual(Array.from((c.v as Float32Array).subarray(r * 3, r * 3 + 3)), Array.from(row.v as Float32Array));
      assert.equal(Number((c.at as BigInt64Array)[r]) / 1000, (row.at as Date).getTime());
      assert.equal(batch.validity.maybe![r], row.maybe === null ? 0 : 1);
      if (row.maybe !== null) assert.equal((c.maybe as Int32Array)[r], row.maybe);
      assert.equal(batch.validity.meta![r], row.meta === null ? 0 : 1);
    }
    assert.equal(batch.validity.id, undefined, 'columns without NULLs have no validity');
    seen += batch.size;
    batch.release();
  }
  assert.equal(seen, ROWS);
});

test('rows() decodes a batch like Result.rows() does', async () => {
  const expected = result.rows();
  const loader = db.dataloader(SQL).batchSize(64);
  let offset = 0;
  for await (const batch of loader) {
    const rows = batch.rows();
    assert.equal(rows.length, batch.size);
    for (let r = 0; r < rows.length; r++) assert.deepEqual(rows[r], expected[offset + r]);
    offset += batch.size;
    batch.release();
  }
  assert.equal(offset, ROWS);
});

test('a batch not released keeps its values while later batches arrive', async () => {
  const kept: { ids: Int32Array; copy: number[] }[] = [];
  for await (const batch of db.dataloader('SELECT id FROM items ORDER BY id').batchSize(10).prefetch(3)) {
    const ids = batch.columns.id as Int32Array;
    kept.push({ ids, copy: Array.from(ids) });
    if (kept.length % 2 === 0) batch.release(); // every other batch is handed back
  }
  for (let i = 0; i < kept.length; i += 2) assert.deepEqual(Array.from(kept[i]!.ids), kept[i]!.copy);
});

test('a query without rows gives no batches; info() counts rows, items and batches', async () => {
  let batches = 0;
  for await (const batch of db.dataloader('SELECT id FROM items WHERE id < 0')) {
    batches++;
    batch.release();
  }
  assert.equal(batches, 0);
  const info = await db.dataloader(SQL).batchSize(32).shard(1, 3).info();
  assert.deepEqual(info, { rows: ROWS, items: ROWS, itemsPerEpoch: 83, batchesPerEpoch: 3 });
});
