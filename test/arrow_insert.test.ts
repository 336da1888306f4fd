/** db.insertArrow(): Arrow tables appended by column name, every type converted, bad input refused before anything is inserted. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  Bool,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  tableFromArrays,
  TimestampMicrosecond,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { open, SqlError } from '../src/index.js';
import { databasePath, SEED_OUTCOMES, SEED_TRAJECTORIES } from './helpers.js';

function vectorColumn(rows: number[][]): ReturnType<typeof makeVector> {
  const dimension = rows[0]!.length;
  const child = makeData({ type: new Float32(), length: rows.length * dimension, data: Float32Array.from(rows.flat()) });
  return makeVector(makeData({ type: new FixedSizeList(dimension, new Field('item', new Float32(), false)), length: rows.length, child }));
}

test('insertArrow appends rows: text, integers, floats, booleans, JSONB text, timestamps (µs exact), vectors; missing columns get DEFAULT', async () => {
  const db = await open(databasePath());
  try {
    await db.execute('CREATE TABLE items (id INT PRIMARY KEY, big BIGINT, score REAL, weight DOUBLE PRECISION, ok BOOLEAN, name TEXT, doc JSONB, v VECTOR(2), at TIMESTAMP, made TIMESTAMP DEFAULT NOW())');
    const table = new Table({
      id: vectorFromArray([1, 2, 3], new Int32()),
      big: vectorFromArray([1n, 2n ** 40n, null], new Int64()),
      score: vectorFromArray([0.5, null, 2], new Float32()),
      weight: vectorFromArray([1.25, 2.5, null], new Float64()),
      ok: vectorFromArray([true, false, null], new Bool()),
      name: vectorFromArray(['a', null, 'c'], new Utf8()),
      doc: vectorFromArray(['{"k":[1,2]}', null, '"text"'], new Utf8()),
      v: vectorColumn([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
      at: makeVector(makeData({ type: new TimestampMicrosecond('UTC'), length: 3, data: BigInt64Array.from([1714566600123456n, 0n, -1n]) })),
    });
    assert.equal(await db.insertArrow('items', table), 3);
    const result = await db.execute('SELECT id, big, score, weight, ok, name, doc, v, made IS NOT NULL AS has_default FROM items ORDER BY id');
    const rows = result.rows().map((row) => ({ ...row, v: Array.from(row.v as Float32Array) }));
    assert.deepEqual(rows, [
      { id: 1, big: 1, score: 0.5, weight: 1.25, ok: true, name: 'a', doc: { k: [1, 2] }, v: [1, 2], has_default: true },
      { id: 2, big: 2 ** 40, score: null, weight: 2.5, ok: false, name: null, doc: null, v: [3, 4], has_default: true },
      { id: 3, big: null, score: 2, weight: null, ok: null, name: 'c', doc: 'text', v: [5, 6], has_default: true },
    ]);
    const at = (await db.execute('SELECT at FROM items ORDER BY id')).toArrow().getChild('at')!.data[0]!.values as BigInt64Array;
    assert.deepEqual(Array.from(at), [1714566600123456n, 0n, -1n], 'timestamps keep their microseconds');
    // Other units convert to microseconds.
    const nanos = new Table({
      id: vectorFromArray([4], new Int32()),
      at: makeVector(makeData({ type: new TimestampNanosecond('UTC'), length: 1, data: BigInt64Array.from([1714566600123456789n]) })),
    });
    assert.equal(await db.insertArrow('items', nanos), 1);
    const nanoRow = (await db.execute('SELECT at FROM items WHERE id = 4')).toArrow().getChild('at')!.data[0]!.values as BigInt64Array;
    assert.equal(nanoRow[0], 1714566600123456n);
  } finally {
    await db.close();
  }
});

test('insertArrow fills the seed table from a result of another database (Arrow round trip), in several statements', async () => {
  const source = await open(databasePath());
  const target = await open(databasePath());
  try {
    await source.execute(SEED_TRAJECTORIES);
    await target.execute(SEED_TRAJECTORIES);
    await target.execute(SEED_OUTCOMES);
    const embedding = new Float32Array(1536).map((_, i) => i / 1536);
    const rows = 5000;
    for (let start = 0; start < rows; start += 500) {
      const values: unknown[] = [];
      for (let i = start; i < start + 500; i++) values.push(`run-${i >> 4}`, i & 15, 'assistant', `content ${i}`, i % 2 ? { name: 'tool', i } : null, null, i % 100 === 0 ? embedding : null);
      await source.execute(
        `INSERT INTO trajectories (trajectory_id, step, role, content, tool_call, tool_result, embedding) VALUES ${new Array(500).fill('(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        values,
      );
    }
    const exported = (await source.execute('SELECT * FROM trajectories ORDER BY trajectory_id, step')).toArrow();
    assert.equal(await target.insertArrow('trajectories', exported), rows);
    const check = (await target.execute("SELECT count(*) AS n, count(embedding) AS e, count(tool_call) AS t FROM trajectories")).rows();
    assert.deepEqual(check, [{ n: rows, e: rows / 100, t: rows / 2 }]);
    const first = (await target.execute("SELECT tool_call, embedding FROM trajectories WHERE trajectory_id = 'run-0' AND step = 0")).rows()[0]!;
    assert.deepEqual(Array.from(first.embedding as Float32Array), Array.from(embedding));
    // Only some columns: the rest are NULL or their DEFAULT.
    const outcomes = tableFromArrays({ trajectory_id: ['a', 'b'], reward_score: Float64Array.from([0.25, 0.75]) });
    assert.equal(await target.insertArrow('trajectory_outcomes', outcomes), 2);
    assert.deepEqual((await target.execute('SELECT trajectory_id, reward_score, success, completed_at IS NOT NULL AS dated FROM trajectory_outcomes ORDER BY 1')).rows(), [
      { trajectory_id: 'a', reward_score: 0.25, success: null, dated: true },
      { trajectory_id: 'b', reward_score: 0.75, success: null, dated: true },
    ]);
  } finally {
    await source.close();
    await target.close();
  }
});

test('insertArrow refuses bad input before inserting anything', async () => {
  const db = await open(databasePath());
  try {
    await db.execute('CREATE TABLE t (id INT NOT NULL, doc JSONB, v VECTOR(3))');
    const refuse = async (table: Table, code: string, message: RegExp, name = 't') => {
      await assert.rejects(db.insertArrow(name, table), (error: SqlError) => {
        assert.ok(error instanceof SqlError);
        assert.equal(error.code, code);
        assert.match(error.message, message);
        return true;
      });
    };
    await refuse(tableFromArrays({ id: Int32Array.from([1]), extra: Int32Array.from([1]) }), 'undefined_column', /column "extra" of relation "t" does not exist/);
    await refuse(tableFromArrays({ id: Int32Array.from([1]) }), 'undefined_table', /relation "nope" does not exist/, 'nope');
    await refuse(new Table({ id: vectorFromArray(['one'], new Utf8()) }), 'datatype_mismatch', /column "id" is integer, but the Arrow column is Utf8/);
    await refuse(new Table({ id: vectorFromArray([1, null], new Int32()) }), 'not_null_violation', /row 1, column "id": NULL in a NOT NULL column/);
    await refuse(new Table({ id: vectorFromArray([1n, 2n ** 40n], new Int64()) }), 'numeric_value_out_of_range', /row 1, column "id": 1099511627776 is out of range for type integer/);
    await refuse(new Table({ id: vectorFromArray([1, 2], new Int32()), doc: vectorFromArray(['{}', '{bad'], new Utf8()) }), 'invalid_json', /row 1, column "doc": invalid JSON text/);
    await refuse(new Table({ id: vectorFromArray([1], new Int32()), v: vectorColumn([[1, 2]]) }), 'datatype_mismatch', /column "v" is vector\(3\).*\(2 dimensions, the column has 3\)/);
    assert.deepEqual((await db.execute('SELECT count(*) AS n FROM t')).rows(), [{ n: 0 }]);
    assert.equal(await db.insertArrow('t', new Table({ id: vectorFromArray([], new Int32()) })), 0);
  } finally {
    await db.close();
  }
});

test('a primary key taken in the table fails its chunk, naming the rows; earlier chunks stay', async () => {
  const db = await open(databasePath());
  try {
    await db.execute('CREATE TABLE k (id INT PRIMARY KEY, a TEXT)');
    await db.execute('INSERT INTO k (id) VALUES (3000)');
    // 2048 rows per statement: rows 2048.. are the second chunk, which holds id 3000.
    const ids = Int32Array.from({ length: 4000 }, (_, i) => i + 1);
    await assert.rejects(db.insertArrow('k', tableFromArrays({ id: ids, a: Array.from(ids, String) }) as Table), (error: SqlError) => {
      assert.equal(error.code, 'unique_violation');
      assert.match(error.message, /^insertArrow\("k"\): rows 2048-3999: .*\(2048 earlier rows stay inserted\)/);
      return true;
    });
    assert.deepEqual((await db.execute('SELECT count(*) AS n FROM k')).rows(), [{ n: 2049 }]);
  } finally {
    await db.close();
  }
});
