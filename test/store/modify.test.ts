/**
 * DELETE, UPDATE and INSERT … ON CONFLICT change rows through deletion flags and appends:
 * their effects hold across tail, sealed segments, reopen and replay, and keep the primary
 * key right.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSync, SqlError, type Database } from '../../src/index.js';
import { databasePath } from '../helpers.js';

function ids(db: Database): string[] {
  return db.executeSync('SELECT id FROM o ORDER BY id').rows().map((row) => row.id as string);
}

test('deletes and updates apply to sealed and unsealed rows and survive reopen', () => {
  const path = databasePath();
  let db = openSync(path);
  db.executeSync('CREATE TABLE o (id TEXT PRIMARY KEY, reward DOUBLE PRECISION, n INT)');
  db.executeSync("INSERT INTO o VALUES ('a', 0.5, 1), ('b', 0.7, 2), ('c', 0.9, 3)");
  db.commit(); // a, b, c now live in a segment
  db.executeSync("INSERT INTO o VALUES ('d', 0.1, 4), ('e', 0.2, 5)"); // d, e in the tail
  assert.equal(db.executeSync("DELETE FROM o WHERE id IN ('b', 'd')").rowCount, 2);
  assert.equal(db.executeSync('UPDATE o SET n = n + 100 WHERE reward > 0.15').rowCount, 3);
  assert.deepEqual(ids(db), ['a', 'c', 'e']);
  assert.deepEqual(db.executeSync('SELECT count(*) AS rows, sum(n) AS total FROM o').rows(), [{ rows: 3, total: 101 + 103 + 105 }]);
  db.close();
  db = openSync(path);
  assert.deepEqual(ids(db), ['a', 'c', 'e']);
  assert.deepEqual(db.executeSync('SELECT n FROM o ORDER BY id').column('n'), new Int32Array([101, 103, 105]));
  // Deleted keys are free again; live ones are still taken.
  db.executeSync("INSERT INTO o VALUES ('b', 1, 1), ('d', 1, 1)");
  assert.throws(() => db.executeSync("INSERT INTO o VALUES ('a', 1, 1)"), (e: SqlError) => e.code === 'unique_violation');
  assert.deepEqual(ids(db), ['a', 'b', 'c', 'd', 'e']);
  assert.ok(readdirSync(join(path, 'segments')).some((name) => name.endsWith('.del')), 'deletions of sealed rows are written as deletion files');
  db.close();
});

test('an UPDATE that moves keys checks them against the table after its own deletions', () => {
  const db = openSync(databasePath());
  db.executeSync('CREATE TABLE k (id INT PRIMARY KEY)');
  db.executeSync('INSERT INTO k VALUES (1), (2), (3)');
  assert.equal(db.executeSync('UPDATE k SET id = id + 1').rowCount, 3);
  assert.deepEqual(Array.from(db.executeSync('SELECT id FROM k ORDER BY id').column('id') as Int32Array), [2, 3, 4]);
  assert.throws(() => db.executeSync('UPDATE k SET id = 2 WHERE id = 4'), (e: SqlError) => e.code === 'unique_violation');
  assert.throws(() => db.executeSync('UPDATE k SET id = NULL'), (e: SqlError) => e.code === 'not_null_violation');
  assert.deepEqual(Array.from(db.executeSync('SELECT id FROM k ORDER BY id').column('id') as Int32Array), [2, 3, 4], 'failed updates change nothing');
  db.close();
});

test('ON CONFLICT DO NOTHING and DO UPDATE with excluded', () => {
  const db = openSync(databasePath());
  db.executeSync('CREATE TABLE o (id TEXT PRIMARY KEY, reward DOUBLE PRECISION, runs INT DEFAULT 1)');
  db.executeSync("INSERT INTO o (id, reward) VALUES ('a', 0.5), ('b', 0.7)");
  assert.equal(db.executeSync("INSERT INTO o (id, reward) VALUES ('a', 9), ('c', 1), ('c', 2) ON CONFLICT (id) DO NOTHING").rowCount, 1);
  assert.equal(
    db.executeSync(
      "INSERT INTO o (id, reward) VALUES ('a', $1), ('d', 0.3) ON CONFLICT (id) DO UPDATE SET reward = excluded.reward, runs = o.runs + 1",
      [0.75],
    ).rowCount,
    2,
  );
  assert.deepEqual(db.executeSync('SELECT id, reward, runs FROM o ORDER BY id').rows(), [
    { id: 'a', reward: 0.75, runs: 2 },
    { id: 'b', reward: 0.7, runs: 1 },
    { id: 'c', reward: 1, runs: 1 },
    { id: 'd', reward: 0.3, runs: 1 },
  ]);
  // DO UPDATE … WHERE leaves rows that fail the condition alone.
  db.executeSync("INSERT INTO o (id, reward) VALUES ('b', 0.1) ON CONFLICT (id) DO UPDATE SET reward = excluded.reward WHERE excluded.reward > o.reward");
  assert.deepEqual(db.executeSync("SELECT reward FROM o WHERE id = 'b'").rows(), [{ reward: 0.7 }]);
  assert.throws(
    () => db.executeSync("INSERT INTO o (id) VALUES ('a'), ('a') ON CONFLICT (id) DO UPDATE SET runs = 0"),
    (e: SqlError) => e.code === 'cardinality_violation',
  );
  assert.throws(() => db.executeSync("INSERT INTO o (id) VALUES ('a') ON CONFLICT (reward) DO NOTHING"), (e: SqlError) => e.code === 'invalid_column_reference');
  db.close();
});

test('UPDATE and DELETE type-check their SET values and accept subqueries', () => {
  const db = openSync(databasePath());
  db.executeSync('CREATE TABLE o (id TEXT, n INT, tag TEXT)');
  db.executeSync("INSERT INTO o VALUES ('a', 1, 'x'), ('b', 2, 'y'), ('c', 3, 'x')");
  assert.throws(() => db.executeSync('UPDATE o SET n = tag'), (e: SqlError) => e.code === 'datatype_mismatch' && e.column === 18);
  assert.throws(() => db.executeSync('UPDATE o SET nn = 1'), (e: SqlError) => e.code === 'undefined_column' && /Perhaps you meant "n"/.test(e.message));
  assert.equal(db.executeSync('UPDATE o SET n = 2.6 WHERE id = $1', ['a']).rowCount, 1);
  assert.deepEqual(db.executeSync("SELECT n FROM o WHERE id = 'a'").rows(), [{ n: 3 }], 'a double assigned to INT rounds, as in Postgres');
  assert.equal(db.executeSync("DELETE FROM o WHERE n = (SELECT max(n) FROM o WHERE tag = 'x')").rowCount, 2);
  assert.deepEqual(db.executeSync('SELECT id FROM o').rows(), [{ id: 'b' }]);
  assert.equal(db.executeSync('DELETE FROM o').rowCount, 1);
  assert.equal(db.executeSync('SELECT count(*) AS n FROM o').rows()[0]!.n, 0);
  db.close();
});
