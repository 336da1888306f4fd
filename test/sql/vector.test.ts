/**
 * Vector search through SQL: exact distance functions and operators, HNSW indexes built
 * per sealed segment, filtered top-k that returns k rows whenever k pass, recall against
 * exact search, persistence, deletes, branches, and bad input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSync, SqlError, type Database } from '../../src/index.js';
import { databasePath } from '../helpers.js';

const DIMENSION = 32;

/** Clustered vectors with overlap (uniform random data would make any index look bad). */
function clustered(count: number, seed: number): Float32Array[] {
  let state = seed;
  const random = () => ((state = (state * 48271) % 2147483647) / 2147483647) - 0.5;
  const centres = Array.from({ length: 40 }, () => Float32Array.from({ length: DIMENSION }, random));
  return Array.from({ length: count }, (_, i) => Float32Array.from(centres[i % 40]!, (v) => v + random() * 0.3));
}

function load(db: Database, vectors: Float32Array[]): void {
  db.executeSync(`CREATE TABLE items (id INT PRIMARY KEY, grp INT, embedding VECTOR(${DIMENSION}))`);
  for (let start = 0; start < vectors.length; start += 1000) {
    const chunk = vectors.slice(start, start + 1000);
    db.executeSync(`INSERT INTO items VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}`, chunk.flatMap((v, i) => [start + i, (start + i) % 100, v]));
  }
}

function exactIds(db: Database, query: Float32Array, k: number, where = 'true'): number[] {
  // An expression the planner cannot turn into a vector scan (+ 0) forces the exact path.
  return db
    .executeSync(`SELECT id FROM items WHERE ${where} ORDER BY cosine_distance(embedding, $1) + 0, id LIMIT ${k}`, [query])
    .rows()
    .map((row) => row.id as number);
}

test('distance functions and pgvector operators are exact and agree', () => {
  const db = openSync(databasePath());
  db.executeSync('CREATE TABLE v (id INT, e VECTOR(3))');
  db.executeSync("INSERT INTO v VALUES (1, '[1, 0, 0]'), (2, '[0, 2, 0]'), (3, '[0, 0, 0]'), (4, NULL)");
  const rows = db
    .executeSync(
      "SELECT id, cosine_similarity(e, '[1,0,0]') AS cs, e <=> '[1,0,0]' AS cd, e <-> '[1,0,0]' AS l2, inner_product(e, '[1,2,0]') AS ip, e <#> '[1,2,0]' AS nip FROM v ORDER BY id",
    )
    .rows();
  assert.deepEqual(rows[0], { id: 1, cs: 1, cd: 0, l2: 0, ip: 1, nip: -1 });
  assert.deepEqual(rows[1], { id: 2, cs: 0, cd: 1, l2: Math.sqrt(5), ip: 4, nip: -4 });
  assert.deepEqual(rows[2], { id: 3, cs: 0, cd: 1, l2: 1, ip: 0, nip: -0 }, 'a zero vector has similarity 0 (distance 1)');
  assert.deepEqual(rows[3], { id: 4, cs: null, cd: null, l2: null, ip: null, nip: null });
  db.close();
});

test('an HNSW index answers filtered top-k with high recall, and k rows whenever k pass', () => {
  const db = openSync(databasePath());
  // Queries come from the same clusters as the data (as task embeddings resemble logged ones).
  const generated = clustered(12020, 7);
  const vectors = generated.slice(0, 12000);
  load(db, vectors);
  db.commit();
  db.executeSync('CREATE INDEX items_embedding ON items USING hnsw (embedding vector_cosine_ops)');
  const queries = generated.slice(12000);
  let found10 = 0;
  let found50 = 0;
  for (const query of queries) {
    const ann10 = db.executeSync('SELECT id FROM items ORDER BY cosine_similarity(embedding, $1) DESC LIMIT 10', [query]).rows().map((r) => r.id);
    const exact10 = new Set(exactIds(db, query, 10));
    found10 += ann10.filter((id) => exact10.has(id as number)).length;
    const ann50 = db.executeSync('SELECT id FROM items ORDER BY embedding <=> $1 LIMIT 50', [query]).rows().map((r) => r.id);
    const exact50 = new Set(exactIds(db, query, 50));
    found50 += ann50.filter((id) => exact50.has(id as number)).length;
  }
  assert.ok(found10 / (queries.length * 10) >= 0.97, `recall@10 ${found10 / (queries.length * 10)}`);
  assert.ok(found50 / (queries.length * 50) >= 0.95, `recall@50 ${found50 / (queries.length * 50)}`);
  // Selective filters: exactly k rows, all passing, whenever k rows pass.
  for (const [where, k] of [
    ['grp = 7', 50],
    ['grp < 3', 100],
    ['id % 997 = 0', 20],
  ] as const) {
    const rows = db.executeSync(`SELECT id, grp FROM items WHERE ${where} ORDER BY cosine_similarity(embedding, $1) DESC LIMIT ${k}`, [queries[0]]).rows();
    const passing = db.executeSync(`SELECT count(*) AS n FROM items WHERE ${where}`).rows()[0]!.n as number;
    assert.equal(rows.length, Math.min(k, passing), where);
    assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(exactIds(db, queries[0]!, Math.min(k, passing), where)), `${where}: the k nearest`);
  }
  // A broad filter (60% pass, searched by over-fetching): k rows, all passing, most of the true nearest.
  let found = 0;
  for (const query of queries) {
    const rows = db.executeSync('SELECT id, grp FROM items WHERE grp < 60 ORDER BY embedding <=> $1 LIMIT 50', [query]).rows();
    assert.equal(rows.length, 50);
    for (const row of rows) assert.ok((row.grp as number) < 60, `row ${row.id} fails the filter`);
    const exact = new Set(exactIds(db, query, 50, 'grp < 60'));
    found += rows.filter((row) => exact.has(row.id as number)).length;
  }
  assert.ok(found / (queries.length * 50) >= 0.95, `recall@50 under a broad filter ${found / (queries.length * 50)}`);
  db.close();
});

test('indexes persist, exclude deleted rows, cover newly sealed rows and are shared by branches', async () => {
  const path = databasePath();
  let db = openSync(path);
  const vectors = clustered(5000, 3);
  load(db, vectors);
  db.executeSync('CREATE INDEX items_embedding ON items USING hnsw (embedding vector_l2_ops) WITH (m = 8, ef_construction = 64, ef_search = 40)');
  const query = vectors[42]!;
  const nearest = () => db.executeSync('SELECT id FROM items ORDER BY l2_distance(embedding, $1) LIMIT 1', [query]).rows()[0]!.id;
  assert.equal(nearest(), 42);
  db.executeSync('DELETE FROM items WHERE id = 42');
  assert.notEqual(nearest(), 42, 'a deleted row is never returned');
  db.executeSync('INSERT INTO items VALUES (90000, 1, $1)', [query]);
  assert.equal(nearest(), 90000, 'a row still in the tail is searched exactly');
  db.close();
  db = openSync(path);
  assert.equal(nearest(), 90000, 'after reopen (now sealed, with its own index file)');
  await db.branch('other');
  await db.checkout('other');
  assert.equal(nearest(), 90000);
  const plan = (db.executeSync(`EXPLAIN SELECT id FROM items ORDER BY embedding <-> $1 LIMIT 3`, [query]).column('QUERY PLAN') as string[]).join('\n');
  assert.match(plan, /Vector top-3 scan items by l2 distance/, 'EXPLAIN shows the vector path');
  db.executeSync('DROP INDEX items_embedding');
  assert.equal(nearest(), 90000, 'without an index the scan is exact');
  db.close();
});

test('bad vector input and bad index definitions are SqlErrors that change nothing', () => {
  const db = openSync(databasePath());
  db.executeSync('CREATE TABLE v (id INT, e VECTOR(3), t TEXT)');
  const cases: [string, unknown[], string][] = [
    ['INSERT INTO v (e) VALUES ($1)', [[1, 2]], 'data_exception'],
    ['INSERT INTO v (e) VALUES ($1)', [[1, NaN, 2]], 'data_exception'],
    ['INSERT INTO v (e) VALUES ($1)', [new Float32Array([1, Infinity, 2])], 'data_exception'],
    ['INSERT INTO v (e) VALUES ($1)', ['not a vector'], 'invalid_text_representation'],
    ['SELECT cosine_similarity(e, $1) FROM v', [[1, 2]], 'data_exception'],
    ["SELECT cosine_similarity(e, '[1,2]') FROM v", [], 'data_exception'],
    ['SELECT cosine_similarity(t, e) FROM v', [], 'undefined_function'],
    ['CREATE INDEX bad ON v USING hnsw (t)', [], 'datatype_mismatch'],
    ['CREATE INDEX bad ON v USING hnsw (e vector_magic_ops)', [], 'undefined_object'],
    ['CREATE INDEX bad ON v USING hnsw (e) WITH (m = 1)', [], 'invalid_parameter'],
    ['CREATE INDEX bad ON v USING ivfflat (e)', [], 'feature_not_supported'],
  ];
  for (const [sql, params, code] of cases) {
    assert.throws(() => db.executeSync(sql, params), (error: SqlError) => error.code === code, `${sql} → ${code}`);
  }
  assert.deepEqual(db.executeSync('SELECT count(*) AS n FROM v').rows(), [{ n: 0 }]);
  db.close();
});

test('CREATE INDEX through execute reports its progress, ending with every row indexed', async () => {
  const db = openSync(databasePath());
  load(db, clustered(6000, 11));
  await db.commit();
  const reports: { done: number; total: number }[] = [];
  await db.execute('CREATE INDEX items_embedding ON items USING hnsw (embedding vector_cosine_ops)', undefined, {
    onProgress: ({ phase, done, total }) => {
      assert.equal(phase, 'index');
      reports.push({ done, total });
    },
    progressIntervalMs: 1,
  });
  assert.ok(reports.length >= 1);
  assert.deepEqual(reports.at(-1), { done: 6000, total: 6000 });
  for (let i = 1; i < reports.length; i++) {
    assert.ok(reports[i]!.done >= reports[i - 1]!.done, 'progress never goes back');
    assert.ok(reports[i]!.done <= reports[i]!.total);
  }
  // Other statements never report, and a bad interval is refused before anything runs.
  let called = false;
  await db.execute('SELECT count(*) FROM items', undefined, { onProgress: () => (called = true) });
  assert.equal(called, false);
  await assert.rejects(
    db.execute('CREATE INDEX other ON items USING hnsw (embedding vector_l2_ops)', undefined, { onProgress: () => {}, progressIntervalMs: 0 }),
    RangeError,
  );
  db.executeSync('CREATE INDEX other ON items USING hnsw (embedding vector_l2_ops)');  // it was not created
  db.close();
});

test('a repeated filtered search sees the rows deleted, updated and added between runs', async () => {
  const db = openSync(databasePath());
  const vectors = clustered(3000, 5);
  load(db, vectors);
  await db.commit();
  db.executeSync('CREATE INDEX items_embedding ON items USING hnsw (embedding vector_cosine_ops)');
  const query = vectors[17]!;
  const search = (grp: number) =>
    db.executeSync(`SELECT id FROM items WHERE grp < ${grp} ORDER BY embedding <=> $1 LIMIT 20`, [query]).rows().map((row) => row.id as number);
  const first = search(50);
  assert.equal(first.length, 20);
  assert.deepEqual(search(50), first);  // the same filter again (its row set now cached)
  db.executeSync(`DELETE FROM items WHERE id IN (${first.slice(0, 5).join(', ')})`);
  const afterDelete = search(50);
  assert.equal(afterDelete.length, 20);
  for (const id of first.slice(0, 5)) assert.ok(!afterDelete.includes(id), `deleted row ${id} returned`);
  // Moving a row out of the filter's range (an UPDATE) removes it from the results too.
  db.executeSync(`UPDATE items SET grp = 99 WHERE id = ${afterDelete[0]!}`);
  assert.ok(!search(50).includes(afterDelete[0]!));
  // Another constant is another filter.
  for (const id of search(10)) assert.ok(id % 100 < 10);
  // Committed deletions (a new deletion file) and new rows in the tail are seen as well.
  await db.commit();
  db.executeSync(`DELETE FROM items WHERE id = ${search(50)[0]!}`);
  db.executeSync('INSERT INTO items VALUES (100000, 1, $1)', [query]);
  assert.equal(search(50)[0], 100000);
  db.close();
});

test('distances in the select list of a vector search are computed by the scan, equal to the exact functions', async () => {
  const db = openSync(databasePath());
  const vectors = clustered(3000, 11);
  load(db, vectors);
  await db.commit();
  db.executeSync('CREATE INDEX items_cos ON items USING hnsw (embedding vector_cosine_ops)');
  db.executeSync('CREATE INDEX items_ip ON items USING hnsw (embedding vector_ip_ops) WITH (quantization = \'f16\')');
  db.executeSync('INSERT INTO items VALUES (90000, 1, $1)', [vectors[5]]);  // one row in the tail
  const query = vectors[5]!;
  const exact = (ids: number[], expression: string) => {
    const rows = db.executeSync(`SELECT id, ${expression} AS d FROM items WHERE id IN (${ids.join(', ')})`, [query]).rows();
    return new Map(rows.map((row) => [row.id as number, row.d as number]));
  };
  for (const [d, e, order] of [
    ['cosine_similarity(embedding, $1)', '1 - cosine_similarity($1, embedding)', 'd DESC'],
    ['embedding <=> $1', 'cosine_distance($1, embedding)', 'd'],
    ['inner_product(embedding, $1)', 'embedding <#> $1', 'd DESC'],
  ] as const) {
    const sql = `SELECT id, ${d} AS d, ${e} AS e, embedding FROM items WHERE grp < 50 ORDER BY ${order} LIMIT 25`;
    const plan = (db.executeSync(`EXPLAIN ${sql}`, [query]).column('QUERY PLAN') as string[]).join('\n');
    assert.match(plan, /Vector top-25 scan items .*computes/, `${d}: the scan computes the distances`);
    const rows = db.executeSync(sql, [query]).rows();
    assert.equal(rows.length, 25);
    const ids = rows.map((row) => row.id as number);
    const exactD = exact(ids, d);
    const exactE = exact(ids, e);
    for (const row of rows) {
      assert.equal(row.d, exactD.get(row.id as number), `${d} of row ${row.id}: the same bits as the function`);
      assert.equal(row.e, exactE.get(row.id as number), `${e} of row ${row.id}`);
      assert.equal((row.embedding as Float32Array).length, DIMENSION, 'the vector itself is still returned when selected');
    }
    assert.ok(ids.includes(90000), 'the tail row is found');
  }
  // The query vector is a parameter bound at each run: another vector, other rows and distances.
  const seed = 'SELECT id, embedding <=> $1 AS d FROM items ORDER BY d LIMIT 3';
  for (const id of [17, 2500, 17]) {
    const rows = db.executeSync(seed, [vectors[id]]).rows();
    assert.equal(rows[0]!.id, id);
    const distance = db.executeSync(`SELECT embedding <=> $1 AS d FROM items WHERE id = ${id}`, [vectors[id]]).rows()[0]!.d;
    assert.equal(rows[0]!.d, distance);
  }
  assert.throws(() => db.executeSync(seed, [new Float32Array(3)]), SqlError);
  assert.throws(() => db.executeSync(seed, [null]), SqlError);
  assert.equal(db.executeSync(seed, [vectors[9]]).rows()[0]!.id, 9, 'a failed run leaves the statement usable');
  db.close();
});

test('a join searched again and again settles its key probes once and stays exact as the joined table changes', async () => {
  const db = openSync(databasePath());
  const vectors = clustered(3000, 13);
  load(db, vectors);
  db.executeSync('CREATE TABLE outcome (id INT PRIMARY KEY, ok BOOLEAN)');
  for (let start = 0; start < 3000; start += 1000) {
    db.executeSync(`INSERT INTO outcome VALUES ${Array.from({ length: 1000 }, (_, i) => `(${start + i}, ${(start + i) % 3 !== 0})`).join(', ')}`);
  }
  await db.commit();
  db.executeSync('CREATE INDEX items_embedding ON items USING hnsw (embedding vector_cosine_ops)');
  const search = (query: Float32Array) =>
    db.executeSync('SELECT i.id FROM outcome o JOIN items i ON o.id = i.id WHERE o.ok ORDER BY i.embedding <=> $1 LIMIT 10', [query]).rows().map((row) => row.id as number);
  const exact = (query: Float32Array) =>
    db.executeSync('SELECT i.id FROM outcome o JOIN items i ON o.id = i.id WHERE o.ok ORDER BY (i.embedding <=> $1) + 0, i.id LIMIT 10', [query]).rows().map((row) => row.id as number);
  const recallOf = (query: Float32Array) => {
    const found = search(query);
    assert.equal(found.length, 10);
    for (const id of found) assert.ok(id % 3 !== 0, `row ${id} fails the joined filter`);
    const truth = new Set(exact(query));
    return found.filter((id) => truth.has(id)).length / 10;
  };
  let recall = 0;
  for (let round = 0; round < 10; round++) recall += recallOf(vectors[round * 97]!);  // past the point where every row is settled
  assert.ok(recall / 10 >= 0.9, `recall@10 ${recall / 10}`);
  // The joined table changes: a row that passed fails now, one that failed passes.
  const top = search(vectors[5]!)[0]!;
  db.executeSync(`UPDATE outcome SET ok = false WHERE id = ${top}`);
  db.executeSync('UPDATE outcome SET ok = true WHERE id = 6');
  assert.ok(!search(vectors[5]!).includes(top), 'a row whose joined row no longer passes is not returned');
  assert.equal(search(vectors[6]!)[0], 6, 'a row whose joined row passes now is found');
  db.close();
});
