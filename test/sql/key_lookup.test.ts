/**
 * Primary-key lookups in place of scans: joins where one side scans a table on its whole
 * primary key and the other is bounded (a LIMIT, a vector top-k), and IN / EXISTS
 * sub-plans probed one row at a time by the vector scan. Each must give exactly the rows a
 * full scan gives: rows in segments and in the tail, deleted rows, the scan's own filter,
 * LEFT JOIN's unmatched rows, duplicate probes, composite keys, and keys of another type.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSync, type Database } from '../../src/index.js';
import { databasePath } from '../helpers.js';

const OUTCOMES = 400;

/** outcomes: o-000…o-399 (reward i/400, success when i is even), first half sealed; rewards > 0.9 deleted. */
async function outcomes(db: Database): Promise<void> {
  db.executeSync('CREATE TABLE o (id TEXT PRIMARY KEY, success BOOLEAN, reward FLOAT)');
  const insert = (from: number, to: number) => {
    const rows = [];
    for (let i = from; i < to; i++) rows.push(`('o-${String(i).padStart(3, '0')}', ${i % 2 === 0}, ${i / OUTCOMES})`);
    db.executeSync(`INSERT INTO o VALUES ${rows.join(', ')}`);
  };
  insert(0, OUTCOMES / 2);
  await db.commit();
  insert(OUTCOMES / 2, OUTCOMES);
  db.executeSync('DELETE FROM o WHERE reward > 0.9');
}

function live(i: number): boolean {
  return i / OUTCOMES <= 0.9;
}

function ids(rows: Record<string, unknown>[], column = 'id'): unknown[] {
  return rows.map((row) => row[column]);
}

test('a bounded side joined to a primary key finds the rows a scan finds', async () => {
  const db = openSync(databasePath());
  await outcomes(db);
  // Probes: every 11th id (some deleted, some in the tail), one twice, and ids with no outcome.
  db.executeSync('CREATE TABLE p (k TEXT, n INT)');
  const probes: string[] = [];
  for (let i = 0; i < OUTCOMES; i += 11) probes.push(`o-${String(i).padStart(3, '0')}`);
  probes.push('o-011', 'missing-1', 'missing-2');
  db.executeSync(`INSERT INTO p VALUES ${probes.map((k, n) => `('${k}', ${n})`).join(', ')}`);
  const bounded = `(SELECT k, n FROM p ORDER BY n LIMIT ${probes.length})`;

  const inner = db.executeSync(`SELECT x.n, o.id, o.reward FROM ${bounded} x JOIN o ON o.id = x.k ORDER BY x.n`).rows();
  const expected = probes.flatMap((k, n) => {
    const i = Number(k.slice(2));
    return k.startsWith('o-') && live(i) ? [{ n, id: k, reward: i / OUTCOMES }] : [];
  });
  assert.deepEqual(inner, expected);
  // The same join without the bound runs as a hash join: the same rows.
  assert.deepEqual(db.executeSync('SELECT x.n, o.id, o.reward FROM p x JOIN o ON o.id = x.k ORDER BY x.n').rows(), expected);
  // Either side first.
  assert.deepEqual(db.executeSync(`SELECT x.n, o.id, o.reward FROM o JOIN ${bounded} x ON x.k = o.id ORDER BY x.n`).rows(), expected);

  // The scan's own filter applies to the rows looked up.
  const successful = db.executeSync(`SELECT x.n FROM ${bounded} x JOIN o ON o.id = x.k WHERE o.success ORDER BY x.n`).rows();
  assert.deepEqual(ids(successful, 'n'), expected.filter((row) => Number(row.id.slice(2)) % 2 === 0).map((row) => row.n));

  // LEFT JOIN keeps unmatched rows with NULLs; an ON condition on the looked-up side too.
  const left = db.executeSync(`SELECT x.n, o.reward FROM ${bounded} x LEFT JOIN o ON o.id = x.k AND o.reward < 0.5 ORDER BY x.n`).rows();
  assert.equal(left.length, probes.length);
  for (const row of left) {
    const k = probes[row.n as number]!;
    const i = Number(k.slice(2));
    const match = k.startsWith('o-') && live(i) && i / OUTCOMES < 0.5;
    assert.equal(row.reward, match ? i / OUTCOMES : null, `probe ${k}`);
  }
  db.close();
});

test('composite keys in any order, and keys of another type, join correctly', async () => {
  const db = openSync(databasePath());
  db.executeSync('CREATE TABLE steps (run TEXT, step INT, reward FLOAT, PRIMARY KEY (run, step))');
  const rows = [];
  for (let r = 0; r < 20; r++) for (let s = 0; s < 10; s++) rows.push(`('r${r}', ${s}, ${r + s / 10})`);
  db.executeSync(`INSERT INTO steps VALUES ${rows.join(', ')}`);
  await db.commit();
  db.executeSync('CREATE TABLE wanted (step INT, run TEXT, big BIGINT)');
  db.executeSync("INSERT INTO wanted VALUES (3, 'r4', 3), (9, 'r19', 9), (0, 'r0', 0), (5, 'r99', 5)");
  const joined = db
    .executeSync('SELECT w.run, w.step, s.reward FROM (SELECT * FROM wanted ORDER BY run LIMIT 4) w JOIN steps s ON s.step = w.step AND s.run = w.run ORDER BY w.run')
    .rows();
  assert.deepEqual(joined, [
    { run: 'r0', step: 0, reward: 0 },
    { run: 'r19', step: 9, reward: 19.9 },
    { run: 'r4', step: 3, reward: 4.3 },
  ]);
  // A BIGINT probe of an INT key column compares by value (no lookup: the encodings differ).
  const widened = db
    .executeSync('SELECT w.run, s.reward FROM (SELECT * FROM wanted ORDER BY run LIMIT 4) w JOIN steps s ON s.step = w.big AND s.run = w.run ORDER BY w.run')
    .rows();
  assert.deepEqual(ids(widened, 'run'), ['r0', 'r19', 'r4']);
  db.close();
});

test('the seed query probes outcomes by key and returns k rows that pass, nearest first', async () => {
  const db = openSync(databasePath());
  await outcomes(db);
  const dimension = 8;
  db.executeSync(`CREATE TABLE t (id TEXT, step INT, embedding VECTOR(${dimension}))`);
  // 3000 step-0 rows (more than the exact-scan threshold, so the index path runs): ids cycle
  // through the outcomes and beyond them (no outcome), plus step-1 rows.
  let state = 42;
  const random = () => ((state = (state * 48271) % 2147483647) / 2147483647) - 0.5;
  const vectors: Float32Array[] = [];
  const owner: string[] = [];
  for (let start = 0; start < 3000; start += 500) {
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (let i = start; i < start + 500; i++) {
      const id = `o-${String(i % 500).padStart(3, '0')}`;
      const vector = Float32Array.from({ length: dimension }, random);
      vectors.push(vector);
      owner.push(id);
      tuples.push(`(?, ${i < 2800 ? 0 : 1}, ?)`);
      values.push(id, vector);
    }
    db.executeSync(`INSERT INTO t VALUES ${tuples.join(', ')}`, values);
  }
  await db.commit();
  db.executeSync('CREATE INDEX t_embedding ON t USING hnsw (embedding vector_cosine_ops)');
  const query = Float32Array.from({ length: dimension }, random);
  const passes = (row: number, successOnly: boolean) => {
    const i = Number(owner[row]!.slice(2));
    return row < 2800 && i < OUTCOMES && live(i) && (!successOnly || i % 2 === 0);
  };
  const cosine = (a: Float32Array, b: Float32Array) => {
    let dot = 0, na = 0, nb = 0;
    for (let d = 0; d < dimension; d++) { dot += a[d]! * b[d]!; na += a[d]! * a[d]!; nb += b[d]! * b[d]!; }
    return dot / Math.sqrt(na * nb);
  };
  for (const successOnly of [false, true]) {
    const sql = `SELECT o.id, o.reward, cosine_similarity(t.embedding, :q) AS relevance
      FROM o JOIN t ON o.id = t.id AND t.step = 0 ${successOnly ? 'WHERE o.success = true' : ''}
      ORDER BY relevance DESC LIMIT 50`;
    const plan = (db.executeSync(`EXPLAIN ${sql}`, { q: query }).column('QUERY PLAN') as string[]).join('\n');
    assert.match(plan, /Vector top-50 scan t/);
    const rows = db.executeSync(sql, { q: query }).rows();
    assert.equal(rows.length, 50);
    const exact = vectors
      .map((vector, row) => ({ row, similarity: cosine(vector, query) }))
      .filter(({ row }) => passes(row, successOnly))
      .sort((a, b) => b.similarity - a.similarity)
      .slice(0, 50);
    const allowed = new Set(vectors.map((_, row) => row).filter((row) => passes(row, successOnly)).map((row) => owner[row]));
    for (const row of rows) {
      assert.ok(allowed.has(row.id as string), `${row.id as string} does not pass the filter`);
      assert.equal(row.reward, Number((row.id as string).slice(2)) / OUTCOMES);
    }
    const found = new Set(rows.map((row) => row.relevance as number).map((r) => r.toFixed(5)));
    const recall = exact.filter(({ similarity }) => found.has(similarity.toFixed(5))).length / 50;
    assert.ok(recall >= 0.9, `recall ${recall}`);
    // Nearest first.
    for (let i = 1; i < rows.length; i++) assert.ok((rows[i - 1]!.relevance as number) >= (rows[i]!.relevance as number));
  }
  // The same filter as IN (SELECT …), with the sub-plan's WHERE applied to the probed rows.
  const inRows = db
    .executeSync(`SELECT id FROM t WHERE step = 0 AND id IN (SELECT id FROM o WHERE success) ORDER BY embedding <=> :q LIMIT 50`, { q: query })
    .rows();
  assert.equal(inRows.length, 50);
  for (const row of inRows) {
    const i = Number((row.id as string).slice(2));
    assert.ok(i < OUTCOMES && live(i) && i % 2 === 0, `${row.id as string} does not pass`);
  }
  // A filter few rows pass settles every probe and searches exactly: still k rows, all passing.
  const few = db
    .executeSync(`SELECT id FROM t WHERE step = 0 AND id IN (SELECT id FROM o WHERE reward < 0.02) ORDER BY embedding <=> :q LIMIT 50`, { q: query })
    .rows();
  const expectedFew = vectors.map((_, row) => row).filter((row) => row < 2800 && Number(owner[row]!.slice(2)) < 8);
  assert.equal(few.length, Math.min(50, expectedFew.length));
  db.close();
});
