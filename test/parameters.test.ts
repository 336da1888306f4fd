/** Parameters in all four styles; values are bound, never spliced into SQL text. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { open, SqlError } from '../src/index.js';
import { databasePath } from './helpers.js';

const TRICKY = "it's %s, $1, ?, :name and '' -- not a comment /* nor this */";

test('%s, $n, ? and :name bind the same values', async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE p (id INT, body TEXT)');
  await db.execute('INSERT INTO p (id, body) VALUES (%s, %s)', [1, TRICKY]);
  await db.execute('INSERT INTO p (body, id) VALUES ($2, $1)', [2, TRICKY]);
  await db.execute('INSERT INTO p (id, body) VALUES (?, ?)', [3, TRICKY]);
  await db.execute('INSERT INTO p (id, body) VALUES (:id, :body)', { id: 4, body: TRICKY });
  await db.execute("INSERT INTO p (id, body) VALUES (:id, '%s $1 ? :name')", { id: 5 });
  const rows = db.executeSync('SELECT id, body FROM p ORDER BY id').rows();
  assert.deepEqual(rows.map((r) => r.id), [1, 2, 3, 4, 5]);
  for (const row of rows.slice(0, 4)) assert.equal(row.body, TRICKY);
  assert.equal(rows[4]!.body, '%s $1 ? :name', 'markers inside a SQL string literal are text');
  for (const [sql, params] of [
    ['SELECT id FROM p WHERE id = %s AND body = %s', [2, TRICKY]],
    ['SELECT id FROM p WHERE body = $2 AND id = $1', [2, TRICKY]],
    ['SELECT id FROM p WHERE id = ? AND body = ?', [2, TRICKY]],
    ['SELECT id FROM p WHERE id = :id AND body = :body AND id = :id', { id: 2, body: TRICKY }],
  ] as const) {
    assert.deepEqual(db.executeSync(sql, params as never).rows(), [{ id: 2 }], sql);
  }
  await db.close();
});

test('wrong number, kind or names of parameters are errors that change nothing', async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE p (id INT, body TEXT)');
  const fails = async (sql: string, params: unknown, pattern: RegExp) =>
    assert.rejects(db.execute(sql, params as never), (error: SqlError) => {
      assert.ok(error instanceof SqlError);
      assert.equal(error.code, 'invalid_parameter');
      assert.match(error.message, pattern);
      return true;
    });
  await fails('INSERT INTO p VALUES (%s, %s)', [1], /takes 2 parameters, but 1 were given/);
  await fails('INSERT INTO p VALUES (%s, %s)', [1, 'a', 'b'], /takes 2 parameters, but 3 were given/);
  await fails('INSERT INTO p VALUES ($1, $2)', { id: 1 }, /pass an array/);
  await fails('INSERT INTO p VALUES (:id, :body)', [1, 'a'], /named parameters/);
  await fails('INSERT INTO p VALUES (:id, :body)', { id: 1 }, /no value given for parameter :body/);
  await fails("INSERT INTO p VALUES (1, 'a')", [1], /takes no parameters/);
  assert.deepEqual(db.executeSync('SELECT count(*) AS n FROM p').rows(), [{ n: 0 }]);
  await db.close();
});

test('a JS object, array, number or boolean bound to JSONB is stored as JSON; a string is JSON text', async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE j (k INT, doc JSONB)');
  const docs: unknown[] = [{ a: 1, b: [true, null] }, [1, 'x'], 42, true, '{"from": "text"}'];
  for (const [k, doc] of docs.entries()) await db.execute('INSERT INTO j VALUES (?, ?)', [k, doc]);
  const rows = db.executeSync('SELECT doc FROM j ORDER BY k').rows();
  assert.deepEqual(rows.map((r) => r.doc), [{ a: 1, b: [true, null] }, [1, 'x'], 42, true, { from: 'text' }]);
  await db.close();
});

test('LIMIT and OFFSET take parameters', async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE n (x INT)');
  await db.execute('INSERT INTO n VALUES (1), (2), (3), (4), (5)');
  assert.deepEqual(db.executeSync('SELECT x FROM n ORDER BY x LIMIT $1 OFFSET $2', [2, 1]).rows(), [{ x: 2 }, { x: 3 }]);
  assert.deepEqual(db.executeSync('SELECT x FROM n ORDER BY x LIMIT $1 OFFSET $2', [1, 4]).rows(), [{ x: 5 }]);
  assert.throws(() => db.executeSync('SELECT x FROM n LIMIT ?', [-1]), (e: SqlError) => e.code === 'invalid_parameter');
  await db.close();
});
