/**
 * Durability: a writer killed with SIGKILL at a random moment (mid-insert, mid-seal) loses
 * no acknowledged row, and the database opens cleanly afterwards.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openSync } from '../../src/index.js';
import { databasePath, runFixture } from '../helpers.js';

const writer = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures', 'writer.js');

/** Runs the writer until `killAfterMs` after it is ready, kills it, returns the last acknowledged id. */
async function runAndKill(path: string, start: number, mode: string, killAfterMs: number): Promise<number> {
  const run = await runFixture(writer, [path, String(start), mode], killAfterMs);
  if (!run.killed) throw new Error('writer exited on its own');
  return run.lastAck ?? start - 1;
}

for (const mode of ['single', 'mixed']) {
  test(`SIGKILL during ${mode} inserts loses no acknowledged row (5 kills)`, async () => {
    const path = databasePath();
    let next = 0;
    for (let round = 0; round < 5; round++) {
      const lastAcked = await runAndKill(path, next, mode, 150 + round * 70);
      assert.ok(lastAcked >= next, `round ${round}: the writer acknowledged rows`);
      const db = openSync(path);
      const ids = db.executeSync('SELECT id FROM events ORDER BY id').column('id') as Int32Array;
      // Every acknowledged id is present exactly once; at most the one statement in flight is extra.
      for (let id = 0; id <= lastAcked; id++) assert.equal(ids[id], id, `round ${round}: row ${id} present`);
      assert.ok(ids.length - (lastAcked + 1) <= 50, `round ${round}: only the unacknowledged statement may be extra`);
      next = ids.length === 0 ? 0 : ids[ids.length - 1]! + 1;
      db.close();
    }
  });
}
