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

test('a query run again binds its new parameters: every run answers as a fresh statement would', async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE p (id INT PRIMARY KEY, tag TEXT, score FLOAT)');
  await db.execute('CREATE TABLE q (id INT PRIMARY KEY, x INT)');
  await db.execute(`INSERT INTO p VALUES ${Array.from({ length: 40 }, (_, i) => `(${i}, 't${i % 4}', ${i / 10})`).join(', ')}`);
  await db.execute(`INSERT INTO q VALUES ${Array.from({ length: 40 }, (_, i) => `(${i}, ${i % 7})`).join(', ')}`);
  // Parameters in a filter, an IN subquery and a scalar subquery, run with changing values.
  const sql = `SELECT id, (SELECT max(x) FROM q WHERE x < $3) AS m FROM p
    WHERE tag = $1 AND id IN (SELECT id FROM q WHERE x >= $2) ORDER BY id`;
  const expected = (tag: string, minX: number, below: number) => {
    const rows = [];
    for (let id = 0; id < 40; id++) if (`t${id % 4}` === tag && id % 7 >= minX) rows.push({ id, m: below > 0 ? Math.min(6, below - 1) : null });
    return rows;
  };
  for (const [tag, minX, below] of [['t1', 3, 5], ['t2', 0, 1], ['t1', 6, 0], ['t3', 2, 9], ['t1', 3, 5]] as const) {
    assert.deepEqual(db.executeSync(sql, [tag, minX, below]).rows(), expected(tag, minX, below), `${tag} ${minX} ${below}`);
    assert.deepEqual((await db.execute(sql, [tag, minX, below])).rows(), expected(tag, minX, below));
  }
  // A failed run (a value of the wrong type) leaves the statement usable for the next one.
  await assert.rejects(db.execute(sql, ['t1', 'three', 5]), (error: SqlError) => error.code === 'invalid_text_representation' || error.code === 'datatype_mismatch');
  assert.deepEqual(db.executeSync(sql, ['t1', 3, 5]).rows(), expected('t1', 3, 5));
  // Runs at once (the first holds the prepared statement, the others read it again).
  const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => db.execute(sql, [`t${i % 4}`, i % 7, i])));
  runs.forEach((result, i) => assert.deepEqual(result.rows(), expected(`t${i % 4}`, i % 7, i), `concurrent run ${i}`));
  // now() is the time of each run, not of the first.
  const first = db.executeSync('SELECT now() AS t').rows()[0]!.t as Date;
  await new Promise((resolve) => setTimeout(resolve, 5));
  const second = db.executeSync('SELECT now() AS t').rows()[0]!.t as Date;
  assert.ok(second.getTime() > first.getTime(), `${second.toISOString()} after ${first.toISOString()}`);
  await db.close();
});
