/** The public API: open, execute/executeSync, results (rows, columns, Arrow), close and reopen. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { open, openSync, SqlError } from '../src/index.js';
import { databasePath, SEED_INSERT, SEED_OUTCOMES, SEED_TRAJECTORIES, temporaryDirectory } from './helpers.js';

test('open() creates the directory; the seed statements work as written', async () => {
  const path = databasePath();
  const db = await open(path);
  assert.ok(existsSync(path));
  await db.execute(SEED_TRAJECTORIES);
  await db.execute(SEED_OUTCOMES);
  const embedding = new Float32Array(1536).map((_, i) => i / 1536);
  const inserted = await db.execute(SEED_INSERT, ['run-1', 0, 'user', 'Fix the failing test', null, null, embedding]);
  assert.equal(inserted.rowCount, 1);
  await db.execute(SEED_INSERT, ['run-1', 1, 'assistant', 'Running tests', { name: 'run_tests', arguments: { path: 'src' } }, null, embedding]);
  const result = await db.execute('SELECT trajectory_id, step, role, tool_call, embedding, created_at FROM trajectories ORDER BY step');
  assert.equal(result.rowCount, 2);
  const rows = result.rows();
  assert.deepEqual(rows[1]!.tool_call, { name: 'run_tests', arguments: { path: 'src' } });
  assert.deepEqual(Array.from(rows[0]!.embedding as Float32Array), Array.from(embedding));
  assert.ok(rows[0]!.created_at instanceof Date);
  assert.ok(Math.abs((rows[0]!.created_at as Date).getTime() - Date.now()) < 60_000, 'DEFAULT NOW() fills created_at');
  await db.close();
});

test('IF NOT EXISTS is idempotent and CREATE TABLE of an existing table is an error', async () => {
  const db = await open(databasePath());
  await db.execute(SEED_OUTCOMES);
  await db.execute(SEED_OUTCOMES);
  await assert.rejects(db.execute(SEED_OUTCOMES.replace(' IF NOT EXISTS', '')), (error: SqlError) => error.code === 'duplicate_table');
  await db.execute('DROP TABLE trajectory_outcomes');
  await db.execute('DROP TABLE IF EXISTS trajectory_outcomes');
  await assert.rejects(db.execute('DROP TABLE trajectory_outcomes'), (error: SqlError) => error.code === 'undefined_table');
  await db.close();
});

test('rows, tables and schema survive close and reopen', async () => {
  const path = databasePath();
  const db = await open(path);
  await db.execute('CREATE TABLE t (id INT PRIMARY KEY, name TEXT)');
  await db.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
  await db.close();
  const again = await open(path);
  assert.deepEqual(again.executeSync('SELECT id, name FROM t ORDER BY id').rows(), [
    { id: 1, name: 'one' },
    { id: 2, name: 'two' },
  ]);
  await assert.rejects(again.execute('INSERT INTO t VALUES (2, $1)', ['again']), (error: SqlError) => error.code === 'unique_violation');
  await again.execute("INSERT INTO t VALUES (3, 'three')");
  await again.commit('third row');
  await again.execute("INSERT INTO t VALUES (4, 'four')");
  await again.close();
  const third = await open(path);
  assert.deepEqual(third.executeSync('SELECT count(*) AS n, max(id) AS top FROM t').rows(), [{ n: 4, top: 4 }]);
  await third.close();
});

test('result columns: typed arrays over native memory, decoded values, Arrow', async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE m (i INT, b BIGINT, r REAL, d DOUBLE PRECISION, t TEXT, v VECTOR(2))');
  await db.execute("INSERT INTO m VALUES (1, 10, 0.5, 0.25, 'a', '[1,2]'), (2, 20, 1.5, 1.25, 'b', '[3,4]')");
  const result = await db.execute('SELECT i, b, r, d, t, v FROM m ORDER BY i');
  assert.ok(result.column('i') instanceof Int32Array);
  assert.ok(result.column('b') instanceof BigInt64Array);
  assert.ok(result.column('r') instanceof Float32Array);
  assert.deepEqual(Array.from(result.column('d') as Float64Array), [0.25, 1.25]);
  assert.deepEqual(result.column('t'), ['a', 'b']);
  assert.throws(() => result.column('nope'), /no column "nope"/);
  const table = result.toArrow();
  assert.equal(table.numRows, 2);
  assert.deepEqual(table.getChild('t')!.toArray(), ['a', 'b']);
  assert.deepEqual(Array.from(table.getChild('v')!.get(1) as Iterable<number>), [3, 4]);
  assert.equal(table.getChild('b')!.get(0), 10n);
  await db.close();
});

test('BIGINT beyond 2^53 is an error as a number and exact with { bigint: true }', async () => {
  const path = databasePath();
  const db = await open(path);
  await db.execute('CREATE TABLE big (x BIGINT)');
  await db.execute('INSERT INTO big VALUES ($1)', [2n ** 60n]);
  assert.throws(() => db.executeSync('SELECT x FROM big').rows(), (error: SqlError) => error.code === 'numeric_value_out_of_range');
  await assert.rejects(db.execute('INSERT INTO big VALUES ($1)', [2 ** 60]), (error: SqlError) => error.code === 'numeric_value_out_of_range');
  await db.close();
  const exact = await open(path, { bigint: true });
  assert.deepEqual(exact.executeSync('SELECT x FROM big').rows(), [{ x: 2n ** 60n }]);
  await exact.close();
});

test('a closed database refuses statements; close is idempotent', async () => {
  const db = await open(databasePath());
  await db.close();
  await db.close();
  await assert.rejects(db.execute('SELECT 1'), (error: SqlError) => error.code === 'connection_closed');
  assert.throws(() => db.executeSync('SELECT 1'), (error: SqlError) => error.code === 'connection_closed');
});

test('a second open of the same directory in this process is a second writer beside the first', async () => {
  const path = databasePath();
  const first = await open(path);
  const second = openSync(path);
  first.executeSync('CREATE TABLE t (n INT)');
  await first.commit();
  second.executeSync('INSERT INTO t VALUES (1)');
  await second.close();
  assert.deepEqual(first.executeSync('SELECT n FROM t').rows(), [{ n: 1 }]);
  await first.close();
});

test('a directory that is not a database is refused, not overwritten', () => {
  const directory = temporaryDirectory();
  writeFileSync(join(directory, 'notes.txt'), 'mine');
  assert.throws(() => openSync(directory), /not empty and is not a replaydb database/);
  assert.throws(() => openSync(join(directory, 'missing'), { create: false }), /does not exist/);
});

test('execute runs off the JS thread and results match executeSync', async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE n (x INT)');
  const values = Array.from({ length: 5000 }, (_, i) => i);
  await db.execute(`INSERT INTO n VALUES ${values.map(() => '(?)').join(',')}`, values);
  const pending = db.execute('SELECT x FROM n WHERE x >= 100 ORDER BY x DESC LIMIT 3');
  assert.ok(pending instanceof Promise);
  assert.deepEqual((await pending).rows(), db.executeSync('SELECT x FROM n WHERE x >= 100 ORDER BY x DESC LIMIT 3').rows());
  assert.deepEqual((await pending).column('x'), new Int32Array([4999, 4998, 4997]));
  await db.close();
});

test('a long run of short queries does not grow the process heap', { skip: process.platform !== 'linux' && 'reads /proc/self/smaps' }, async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE k (id TEXT PRIMARY KEY, score FLOAT)');
  await db.execute(`INSERT INTO k VALUES ${Array.from({ length: 200 }, (_, i) => `('k${i}', ${i / 200})`).join(', ')}`);
  /** Resident bytes of the malloc heap (brk), where small result buffers live. */
  const heapBytes = () => {
    let resident = 0;
    let inHeap = false;
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inHeap = line.trimEnd().endsWith('[heap]');
      else if (inHeap && line.startsWith('Rss:')) resident += Number(line.split(/\s+/)[1]) * 1024;
    }
    return resident;
  };
  const run = (count: number) => {
    for (let i = 0; i < count; i++) db.executeSync('SELECT id, score FROM k WHERE score > $1 ORDER BY score LIMIT 3', [(i % 100) / 100]).rows();
    (globalThis as { gc?: () => void }).gc?.();
  };
  run(5000);  // caches and pools settle
  const before = heapBytes();
  run(60000);
  // Each statement once left ~900 bytes behind in glibc's heap (52 MiB here; only malloc_trim returned it).
  const grown = heapBytes() - before;
  assert.ok(grown < 8 * 1024 * 1024, `the heap grew by ${(grown / 1048576).toFixed(1)} MiB over 60,000 queries`);
  await db.close();
});

test('rows() keys every column by its name, whatever the name', async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE odd ("a b" INT, "it\'\'s" TEXT, "__proto__" INT, "constructor" INT, "x""y" INT)');
  await db.execute(`INSERT INTO odd VALUES (1, 'q', 5, 6, 7), (2, 'r', 8, 9, 10)`);
  const rows = db.executeSync('SELECT * FROM odd ORDER BY "a b"').rows();
  assert.equal(rows.length, 2);
  assert.deepEqual(Object.keys(rows[1]!), ['a b', "it''s", '__proto__', 'constructor', 'x"y']);
  assert.deepEqual(Object.values(rows[1]!), [2, 'r', 8, 9, 10]);
  assert.equal(Object.getPrototypeOf(rows[0]), Object.prototype, 'a column named __proto__ is a property, not the prototype');
  assert.equal(JSON.stringify(rows[0]), '{"a b":1,"it\'\'s":"q","__proto__":5,"constructor":6,"x\\"y":7}');
  // A duplicated name keeps its first position and the later column's value.
  assert.deepEqual(db.executeSync('SELECT 1 AS v, 2 AS w, 3 AS v').rows(), [{ v: 3, w: 2 }]);
  assert.deepEqual(Object.keys(db.executeSync('SELECT 1 AS v, 2 AS w, 3 AS v').rows()[0]!), ['v', 'w']);
  await db.close();
});
