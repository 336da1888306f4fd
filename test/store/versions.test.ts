/**
 * Versions and branches: O(1) branches that isolate changes, merges (appends, every
 * conflict kind, strategies), time travel, history, diffs, unsafe names, compaction and
 * garbage collection that keep every reachable version's answers.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MergeConflictError, openSync, SqlError, type Database } from '../../src/index.js';
import { databasePath } from '../helpers.js';

function ids(db: Database): string[] {
  return db.executeSync('SELECT id FROM o ORDER BY id').rows().map((row) => row.id as string);
}

function seeded(): { db: Database; path: string } {
  const path = databasePath();
  const db = openSync(path);
  db.executeSync('CREATE TABLE o (id TEXT PRIMARY KEY, reward DOUBLE PRECISION)');
  db.executeSync("INSERT INTO o VALUES ('a', 0.5), ('b', 0.9), ('c', 0.1)");
  return { db, path };
}

test('a branch isolates its changes and is created without copying data', async () => {
  const { db, path } = seeded();
  await db.commit('seed');
  const segments = () => readdirSync(join(path, 'segments')).length;
  const before = segments();
  await db.branch('experiment/high-efficiency-only');
  assert.equal(segments(), before, 'creating a branch copies no segment');
  assert.deepEqual(await db.branches(), ['experiment/high-efficiency-only', 'main']);
  await db.checkout('experiment/high-efficiency-only');
  assert.equal(db.currentBranch, 'experiment/high-efficiency-only');
  db.executeSync('DELETE FROM o WHERE reward < 0.2');
  db.executeSync("UPDATE o SET reward = 1 WHERE id = 'a'");
  assert.deepEqual(ids(db), ['a', 'b']);
  await db.checkout('main');
  assert.deepEqual(ids(db), ['a', 'b', 'c']);
  assert.deepEqual(db.executeSync("SELECT reward FROM o WHERE id = 'a'").rows(), [{ reward: 0.5 }]);
  db.close();
  const reopened = openSync(path, { branch: 'experiment/high-efficiency-only' });
  assert.deepEqual(ids(reopened), ['a', 'b'], 'pending branch changes were committed by checkout and survive reopen');
  reopened.close();
});

test('merging appends is a union; history and diff describe it', async () => {
  const { db } = seeded();
  await db.commit('seed');
  await db.branch('more');
  await db.checkout('more');
  db.executeSync("INSERT INTO o VALUES ('d', 0.7)");
  await db.commit('add d');
  await db.checkout('main');
  db.executeSync("INSERT INTO o VALUES ('e', 0.2)");
  assert.deepEqual(await db.diff('main', 'more'), { o: { added: 1, removed: 1 } });
  const result = await db.merge('more');
  assert.equal(result.upToDate, false);
  assert.deepEqual(ids(db), ['a', 'b', 'c', 'd', 'e']);
  assert.equal((await db.merge('more')).upToDate, true, 'merging again changes nothing');
  const log = await db.log({ limit: 3 });
  assert.equal(log[0]!.kind, 'merge');
  assert.equal(log[0]!.parents.length, 2);
  assert.deepEqual(log[0]!.rowCounts, { o: 5 });
  db.close();
});

test('conflicts: the same row changed on both sides, the same key added on both, differing schemas', async () => {
  const { db } = seeded();
  await db.commit('seed');
  await db.branch('left');
  await db.branch('right');
  await db.checkout('left');
  db.executeSync("DELETE FROM o WHERE id = 'c'");
  db.executeSync("INSERT INTO o VALUES ('k', 1)");
  await db.checkout('right');
  db.executeSync("UPDATE o SET reward = 0.2 WHERE id = 'c'");
  db.executeSync("INSERT INTO o VALUES ('k', 2)");
  await db.commit('right changes');
  await db.checkout('left');
  const before = ids(db);
  await assert.rejects(db.merge('right'), (error: MergeConflictError) => {
    assert.ok(error instanceof MergeConflictError);
    assert.deepEqual(error.conflicts.map((c) => c.kind).sort(), ['primary_key', 'row']);
    return true;
  });
  assert.deepEqual(ids(db), before, 'a failed merge changes nothing');
  const theirs = await db.merge('right', { strategy: 'theirs' });
  assert.equal(theirs.resolved.length, 2);
  assert.deepEqual(db.executeSync("SELECT reward FROM o WHERE id IN ('c', 'k') ORDER BY id").rows(), [{ reward: 0.2 }, { reward: 2 }]);

  await db.checkout('main');
  await db.branch('schema');
  await db.checkout('schema');
  db.executeSync('DROP TABLE o');
  db.executeSync('CREATE TABLE o (id TEXT PRIMARY KEY, reward DOUBLE PRECISION, extra INT)');
  await db.checkout('main');
  await assert.rejects(db.merge('schema'), (error: MergeConflictError) => error.conflicts.some((c) => c.kind === 'schema'));
  db.close();
});

test('ours keeps the target side of a key conflict', async () => {
  const { db } = seeded();
  await db.branch('other');
  await db.checkout('other');
  db.executeSync("INSERT INTO o VALUES ('k', 2)");
  await db.checkout('main');
  db.executeSync("INSERT INTO o VALUES ('k', 1)");
  await db.merge('other', { strategy: 'ours' });
  assert.deepEqual(db.executeSync("SELECT reward FROM o WHERE id = 'k'").rows(), [{ reward: 1 }]);
  db.close();
});

test('time travel reads old versions read-only; unknown versions and unsafe names are errors', async () => {
  const { db } = seeded();
  const first = await db.commit('three rows');
  db.executeSync("DELETE FROM o WHERE id = 'a'");
  await db.commit('two rows');
  const old = db.at(first);
  assert.deepEqual(ids(old), ['a', 'b', 'c']);
  assert.throws(() => old.executeSync("INSERT INTO o VALUES ('z', 1)"), (e: SqlError) => e.code === 'read_only_sql_transaction');
  await old.close();
  assert.deepEqual(ids(db), ['b', 'c']);
  assert.throws(() => db.at('no-such-version'), (e: SqlError) => e.code === 'undefined_object');
  for (const name of ['', '..', '../escape', '/abs', 'a//b', 'bad name', 'x.lock', 'tab\tname', 'a/.hidden', 'ends.']) {
    await assert.rejects(db.branch(name), (e: SqlError) => e.code === 'invalid_name', JSON.stringify(name));
  }
  await assert.rejects(db.branch('main'), (e: SqlError) => e.code === 'duplicate_object');
  await assert.rejects(db.checkout('missing'), (e: SqlError) => e.code === 'undefined_object');
  await assert.rejects(db.deleteBranch('main'), (e: SqlError) => e.code === 'object_in_use');
  db.close();
});

test('compaction (explicit and automatic) and gc keep every reachable version answering the same', async () => {
  const path = databasePath();
  const db = openSync(path, { compactionThresholdSegments: 4 });
  db.executeSync('CREATE TABLE o (id INT PRIMARY KEY, reward DOUBLE PRECISION)');
  const versions: { id: string; count: number }[] = [];
  for (let i = 0; i < 12; i++) {
    db.executeSync('INSERT INTO o VALUES (?, ?)', [i, i / 10]);
    if (i % 3 === 0) db.executeSync('DELETE FROM o WHERE id = ?', [i - 1]);
    versions.push({ id: await db.commit(`step ${i}`), count: ids2(db).length });
  }
  const segmentFiles = readdirSync(join(path, 'segments')).filter((name) => name.endsWith('.seg'));
  assert.ok(segmentFiles.length > 4, 'many small commits made many segments');
  const log = await db.log();
  assert.ok(log.some((entry) => entry.kind === 'optimize'), 'automatic compaction ran');
  await db.optimize();
  assert.equal(await db.optimize(), '', 'nothing left to compact');
  await db.gc();
  for (const version of versions) {
    const view = db.at(version.id);
    assert.equal(ids2(view).length, version.count, `version ${version.id} still answers`);
    await view.close();
  }
  assert.deepEqual(ids2(db), [0, 1, 3, 4, 6, 7, 9, 10, 11]);
  db.close();
});

function ids2(db: Database): number[] {
  return Array.from(db.executeSync('SELECT id FROM o ORDER BY id').column('id') as Int32Array);
}
