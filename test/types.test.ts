/** Every column type round-trips, with NULLs, through the tail, sealed segments and a reopen. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { open, SqlError, type Database } from '../src/index.js';
import { databasePath } from './helpers.js';

const CREATE =
  'CREATE TABLE every (i INT, b BIGINT, r REAL, f FLOAT, d DOUBLE PRECISION, flag BOOLEAN, t TEXT, j JSONB, v VECTOR(3), ts TIMESTAMP)';
const INSERT = 'INSERT INTO every VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)';

const when = new Date('2024-05-06T07:08:09.123Z');
const rows = [
  [-2147483648, -9007199254740991, 1.5, 0.1, -1e300, true, 'héllo ✓ "quotes" \n newline', { nested: { list: [1, 'two', null, true] } }, new Float32Array([0.5, -1, 2]), when],
  [2147483647, 9007199254740991, -0.25, 2.5, 1e-300, false, '', [1, 2, 3], [1, 2, 3], new Date(0)],
  [null, null, null, null, null, null, null, null, null, null],
  [0, 0, 0, 0, 0, false, '%s $1 ? :name', 'null', new Float32Array(3), '2024-01-02 03:04:05.5+02:00'],
];

const expected = (row: unknown[]) => ({
  i: row[0],
  b: row[1],
  r: row[2],
  f: row[3],
  d: row[4],
  flag: row[5],
  t: row[6],
  j: row[7] === 'null' ? null : row[7],
  v: row[8] === null ? null : Array.from(row[8] as ArrayLike<number>),
  ts: row[9] === null ? null : typeof row[9] === 'string' ? new Date('2024-01-02T01:04:05.500Z') : row[9],
});

function check(db: Database, label: string): void {
  const result = db.executeSync('SELECT i, b, r, f, d, flag, t, j, v, ts FROM every');
  assert.deepEqual(
    result.columns.map((c) => c.type),
    ['integer', 'bigint', 'real', 'double precision', 'double precision', 'boolean', 'text', 'jsonb', 'vector(3)', 'timestamp'],
  );
  const actual = result.rows().map((row) => ({ ...row, v: row.v === null ? null : Array.from(row.v as Float32Array) }));
  assert.deepEqual(actual, rows.map(expected), label);
}

test('every type and NULL round-trips through tail, segments and reopen', async () => {
  const path = databasePath();
  let db = await open(path);
  await db.execute(CREATE);
  for (const row of rows) await db.execute(INSERT, row);
  check(db, 'from the tail');
  await db.commit();
  check(db, 'from a sealed segment');
  await db.close();
  db = await open(path);
  check(db, 'after reopen');
  await db.execute(INSERT, rows[0]!);
  const both = db.executeSync('SELECT count(*) AS n FROM every WHERE i = $1', [-2147483648]).rows();
  assert.deepEqual(both, [{ n: 2 }], 'segment and tail rows are scanned together');
  await db.close();
});

test('literals in SQL text are typed by their column', async () => {
  const db = await open(databasePath());
  await db.execute(CREATE);
  await db.execute(
    `INSERT INTO every VALUES (-5, 12345678901, 1.25, '2.5', 3, 'yes', 'it''s', '{"a": [1, {"b": null}]}', '[1, 2.5, -3]', '2024-01-01')`,
  );
  const [row] = db.executeSync('SELECT * FROM every').rows();
  assert.deepEqual({ ...row, v: Array.from(row!.v as Float32Array) }, {
    i: -5,
    b: 12345678901,
    r: 1.25,
    f: 2.5,
    d: 3,
    flag: true,
    t: "it's",
    j: { a: [1, { b: null }] },
    v: [1, 2.5, -3],
    ts: new Date('2024-01-01T00:00:00Z'),
  });
  await db.close();
});

test('DEFAULT constants, DEFAULT NOW(), NOT NULL and PRIMARY KEY', async () => {
  const db = await open(databasePath());
  await db.execute("CREATE TABLE d (id TEXT PRIMARY KEY, n INT NOT NULL DEFAULT 7, label TEXT DEFAULT 'none', at TIMESTAMP DEFAULT NOW(), x REAL)");
  const before = Date.now();
  await db.execute("INSERT INTO d (id) VALUES ('a')");
  const [row] = db.executeSync('SELECT id, n, label, at, x FROM d').rows();
  assert.equal(row!.n, 7);
  assert.equal(row!.label, 'none');
  assert.equal(row!.x, null);
  assert.ok((row!.at as Date).getTime() >= before - 5 && (row!.at as Date).getTime() <= Date.now() + 5);
  await assert.rejects(db.execute("INSERT INTO d (id, n) VALUES ('b', NULL)"), (e: SqlError) => e.code === 'not_null_violation' && /"n"/.test(e.message));
  await assert.rejects(db.execute('INSERT INTO d (n) VALUES (1)'), (e: SqlError) => e.code === 'not_null_violation' && /"id"/.test(e.message));
  await assert.rejects(db.execute("INSERT INTO d (id) VALUES ('a')"), (e: SqlError) => e.code === 'unique_violation');
  await assert.rejects(db.execute("INSERT INTO d (id) VALUES ('c'), ('c')"), (e: SqlError) => e.code === 'unique_violation');
  await db.execute('CREATE TABLE pair (a INT, b TEXT, PRIMARY KEY (a, b))');
  await db.execute("INSERT INTO pair VALUES (1, 'x'), (1, 'y'), (2, 'x')");
  await assert.rejects(db.execute("INSERT INTO pair VALUES (1, 'y')"), (e: SqlError) => e.code === 'unique_violation');
  assert.deepEqual(db.executeSync('SELECT count(*) AS n FROM d').rows(), [{ n: 1 }], 'failed inserts wrote nothing');
  await db.close();
});

test('values of the wrong type or range are errors, and nothing is written', async () => {
  const db = await open(databasePath());
  await db.execute(CREATE);
  const cases: [number, unknown, string][] = [
    [0, 'seven', 'datatype_mismatch'],
    [0, 1.5, 'datatype_mismatch'],
    [0, 2 ** 31, 'numeric_value_out_of_range'],
    [1, 2 ** 60, 'numeric_value_out_of_range'],
    [2, 1e39, 'numeric_value_out_of_range'],
    [5, 1, 'datatype_mismatch'],
    [6, 42, 'datatype_mismatch'],
    [7, '{not json', 'invalid_json'],
    [8, [1, 2], 'data_exception'],
    [8, [1, 2, NaN], 'data_exception'],
    [8, new Float32Array([1, Infinity, 2]), 'data_exception'],
    [8, 'vector please', 'invalid_text_representation'],
    [9, 'yesterday', 'invalid_text_representation'],
    [9, new Date(NaN), 'datatype_mismatch'],
  ];
  for (const [column, value, code] of cases) {
    const params: unknown[] = Array(10).fill(null);
    params[column] = value;
    await assert.rejects(db.execute(INSERT, params), (error: SqlError) => {
      assert.equal(error.code, code, `${String(value)} into column ${column}: ${error.message}`);
      assert.equal(error.line, 1);
      assert.equal(error.column, INSERT.indexOf(`$${column + 1}`) + 1, 'points at the parameter');
      return true;
    });
  }
  assert.deepEqual(db.executeSync('SELECT count(*) AS n FROM every').rows(), [{ n: 0 }]);
  await db.close();
});
