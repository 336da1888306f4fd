/**
 * Several writers on one database: handles in one process and separate processes. Each
 * writes to its own session log; commits serialise on LOCK and replay uncommitted changes
 * on top of whatever was committed meanwhile; readers see other commits at their next
 * statement; conflicts are SqlErrors that change nothing; a killed writer's acknowledged
 * rows are taken in by the next opener exactly once.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { open, openSync, type Database, type SqlError } from '../../src/index.js';
import { databasePath, runFixture } from '../helpers.js';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures');
const writerScript = join(fixtures, 'session_writer.js');

function count(db: Database, sql = 'SELECT count(*) AS n FROM t'): number {
  return Number(db.executeSync(sql).rows()[0]!.n);
}

test('two handles: commits become visible at the next statement, uncommitted rows stay private and are rebased', async () => {
  const path = databasePath();
  const a = openSync(path);
  a.executeSync('CREATE TABLE t (id INT, who TEXT)');
  await a.commit();
  const b = openSync(path);
  a.executeSync("INSERT INTO t VALUES (1, 'a'), (2, 'a')");
  b.executeSync("INSERT INTO t VALUES (10, 'b')");
  assert.equal(count(a), 2, 'a sees its own uncommitted rows');
  assert.equal(count(b), 1, "b does not see a's uncommitted rows");
  await a.commit('a');
  assert.equal(count(b), 3, "b's next statement sees a's commit under its own row");
  assert.equal(await b.refresh(), false, 'nothing new');
  await b.commit('b');
  assert.equal(count(a), 3);
  const log = await a.log();
  assert.deepEqual(log.slice(0, 2).map((entry) => entry.message), ['b', 'a'], 'b committed on top of a');
  // refresh() picks commits up between statements too.
  b.executeSync("INSERT INTO t VALUES (11, 'b')");
  await b.commit();
  assert.equal(await a.refresh(), true);
  assert.equal(count(a), 4);
  await a.close();
  await b.close();
  const reopened = openSync(path);
  assert.equal(count(reopened), 4);
  await reopened.close();
});

test('conflicts: a key taken meanwhile, a row deleted on both sides, a compaction under deletes; rollback recovers', async () => {
  const path = databasePath();
  const a = openSync(path);
  a.executeSync('CREATE TABLE k (id TEXT PRIMARY KEY, v INT)');
  a.executeSync("INSERT INTO k VALUES ('x', 1), ('y', 2)");
  await a.commit();
  const b = openSync(path);

  // The same new key on both sides: the second to look conflicts.
  a.executeSync("INSERT INTO k VALUES ('z', 1)");
  b.executeSync("INSERT INTO k VALUES ('z', 2)");
  await a.commit();
  assert.throws(() => b.executeSync('SELECT * FROM k'), (error: SqlError) => error.code === 'serialization_failure' && /primary key of "k"/.test(error.message));
  await assert.rejects(b.commit(), (error: SqlError) => error.code === 'serialization_failure');
  await b.rollback();
  assert.deepEqual(b.executeSync("SELECT v FROM k WHERE id = 'z'").rows(), [{ v: 1 }], "after rollback b sees a's row");

  // The same row updated on both sides.
  a.executeSync("UPDATE k SET v = 10 WHERE id = 'x'");
  b.executeSync("UPDATE k SET v = 20 WHERE id = 'x'");
  await a.commit();
  await assert.rejects(b.refresh(), (error: SqlError) => error.code === 'serialization_failure');
  for (let i = 0; i < 2; i++) {
    assert.throws(() => b.executeSync('SELECT 1 AS one'), (error: SqlError) => error.code === 'serialization_failure', 'b keeps failing until it rolls back');
  }
  await b.rollback();
  assert.deepEqual(b.executeSync("SELECT v FROM k WHERE id = 'x'").rows(), [{ v: 10 }]);

  // Rows deleted by b in a segment that a's compaction rewrote.
  b.executeSync("DELETE FROM k WHERE id = 'y'");
  await a.optimize();
  await assert.rejects(b.commit(), (error: SqlError) => error.code === 'serialization_failure' && /compaction/.test(error.message));
  await b.rollback();
  assert.equal(count(b, 'SELECT count(*) AS n FROM k'), 3);

  // CREATE TABLE IF NOT EXISTS racing in two handles: the same table, both sides' rows kept.
  a.executeSync('CREATE TABLE IF NOT EXISTS s (n INT)');
  b.executeSync('CREATE TABLE IF NOT EXISTS s (n INT)');
  a.executeSync('INSERT INTO s VALUES (1)');
  b.executeSync('INSERT INTO s VALUES (2)');
  await a.commit();
  await b.commit();
  assert.deepEqual(a.executeSync('SELECT n FROM s ORDER BY n').column('n') as Int32Array, Int32Array.from([1, 2]));
  // …while the same name with other columns is a conflict.
  a.executeSync('CREATE TABLE u (n INT)');
  b.executeSync('CREATE TABLE u (n TEXT)');
  await a.commit();
  await assert.rejects(b.commit(), (error: SqlError) => error.code === 'serialization_failure' && /other columns/.test(error.message));
  await b.rollback();
  await a.close();
  await b.close();
});

test('a table dropped and created again by another process is a conflict for rows written to the old one', async () => {
  const path = databasePath();
  const a = openSync(path);
  a.executeSync('CREATE TABLE d (n INT)');
  await a.commit();
  const b = openSync(path);
  b.executeSync('INSERT INTO d VALUES (1)');
  a.executeSync('DROP TABLE d');
  a.executeSync('CREATE TABLE d (n INT)');
  await a.commit();
  assert.throws(() => b.executeSync('SELECT 1 AS one'), (error: SqlError) => error.code === 'serialization_failure' && /dropped and created again/.test(error.message));
  await b.rollback();
  assert.equal(count(b, 'SELECT count(*) AS n FROM d'), 0);
  await a.close();
  await b.close();
});

test('a crashed session whose branch was deleted meanwhile is kept aside; opening still works', async () => {
  const path = databasePath();
  const main = openSync(path);
  main.executeSync('CREATE TABLE t (n INT)');
  await main.branch('scratch');
  await main.commit();
  const run = await runFixture(join(fixtures, 'branch_writer.js'), [path, 'scratch'], 50);
  assert.ok(run.killed && run.lastAck === 1);
  await main.deleteBranch('scratch');
  await main.close();
  const reopened = openSync(path);
  assert.equal(count(reopened), 0);
  assert.equal(readdirSync(join(path, 'tail')).filter((name) => name.endsWith('.log.conflict')).length, 1, "the dead session's rows are kept in a .conflict file");
  await reopened.close();
});

test('a format-1 database is upgraded by a writer; an unknown format is refused', async () => {
  const path = databasePath();
  (await open(path)).close();
  writeFileSync(join(path, 'REPLAYDB'), 'replaydb database\nformat 1\n');
  const db = openSync(path);
  assert.equal(readFileSync(join(path, 'REPLAYDB'), 'utf8'), 'replaydb database\nformat 2\n');
  await db.close();
  writeFileSync(join(path, 'REPLAYDB'), 'replaydb database\nformat 9\n');
  assert.throws(() => openSync(path), (error: SqlError) => error.code === 'feature_not_supported');
});

test('a session log left behind after its commit is not taken in twice', async () => {
  const path = databasePath();
  const db = openSync(path);
  db.executeSync('CREATE TABLE t (id INT, who TEXT)');
  db.executeSync("INSERT INTO t VALUES (1, 'x'), (2, 'y')");
  const logs = readdirSync(join(path, 'tail')).filter((name) => name.endsWith('.log'));
  assert.equal(logs.length, 1);
  const saved = join(path, 'saved-log');
  copyFileSync(join(path, 'tail', logs[0]!), saved);
  await db.commit();
  await db.close();
  // As if the process died after its commit's ref swap, before removing its log.
  copyFileSync(saved, join(path, 'tail', logs[0]!));
  const reopened = openSync(path);
  assert.equal(count(reopened), 2);
  assert.deepEqual(readdirSync(join(path, 'tail')).filter((name) => name === logs[0]), [], 'the absorbed log was removed');
  await reopened.close();
});

interface WriterRun {
  lastAck: number;
  finished: boolean;
}

async function runWriter(path: string, writer: number, rows: number, commitEvery: number, killAfterMs?: number): Promise<WriterRun> {
  const run = await runFixture(writerScript, [path, String(writer), String(rows), String(commitEvery)], killAfterMs);
  return { lastAck: run.lastAck ?? writer * 1_000_000 - 1, finished: run.output.includes('done\n') };
}

/** Every writer's ids from writer*1e6 up to its last acknowledged one are present exactly once. */
function checkRows(path: string, runs: { writer: number; lastAck: number; all?: number }[]): void {
  const db = openSync(path);
  const total = count(db, 'SELECT count(*) AS n FROM steps');
  const distinct = count(db, 'SELECT count(DISTINCT id) AS n FROM steps');
  assert.equal(total, distinct, 'no row was taken in twice');
  for (const { writer, lastAck, all } of runs) {
    const acknowledged = lastAck - writer * 1_000_000 + 1;
    const present = count(db, `SELECT count(*) AS n FROM steps WHERE writer = ${writer} AND id <= ${lastAck}`);
    assert.equal(present, acknowledged, `writer ${writer}: every acknowledged row is present`);
    if (all !== undefined) assert.equal(count(db, `SELECT count(*) AS n FROM steps WHERE writer = ${writer}`), all);
  }
  db.close();
}

test('4 writer processes x 10k rows at once: nothing lost, nothing doubled', async () => {
  const path = databasePath();
  const runs = await Promise.all([1, 2, 3, 4].map((writer) => runWriter(path, writer, 10_000, 1_500)));
  for (const run of runs) assert.ok(run.finished);
  checkRows(path, runs.map((run, i) => ({ writer: i + 1, lastAck: run.lastAck, all: 10_000 })));
  const db = openSync(path);
  assert.equal(count(db, 'SELECT count(*) AS n FROM steps'), 40_000);
  await db.close();
});

test('a writer killed mid-commit among others: its acknowledged rows are taken in once, the others finish', async () => {
  const path = databasePath();
  for (let round = 0; round < 3; round++) {
    const victim = 10 + round;
    const [killed, ...others] = await Promise.all([
      runWriter(path, victim, 50_000, 200, 300 + round * 150),
      runWriter(path, 20 + round, 3_000, 500),
      runWriter(path, 30 + round, 3_000, 700),
    ]);
    assert.ok(!killed!.finished, `round ${round}: the victim was killed before it finished`);
    for (const other of others) assert.ok(other.finished);
    checkRows(path, [
      { writer: victim, lastAck: killed!.lastAck },
      { writer: 20 + round, lastAck: others[0]!.lastAck, all: 3_000 },
      { writer: 30 + round, lastAck: others[1]!.lastAck, all: 3_000 },
    ]);
  }
  // No session log is left once every handle is closed.
  const db = openSync(path);
  await db.close();
  assert.deepEqual(readdirSync(join(path, 'tail')).filter((name) => name.endsWith('.log')), []);
});
