/**
 * Behaviour of the execution engine a user relies on beyond single results: cancellation,
 * zone-map pruning of sealed segments, and joins agreeing with a plain JS reference on
 * enough rows to cross many batches and segments.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { open, openSync, SqlError } from '../../src/index.js';
import { databasePath } from '../helpers.js';

test('an AbortSignal cancels a running query, which changes nothing', async () => {
  const db = await open(databasePath());
  await db.execute('CREATE TABLE n (x INT)');
  const values = Array.from({ length: 4000 }, (_, i) => i);
  await db.execute(`INSERT INTO n VALUES ${values.map(() => '(?)').join(',')}`, values);
  const controller = new AbortController();
  const started = Date.now();
  // A 16M-pair nested-loop join: seconds of work unless cancelled.
  const running = db.execute('SELECT count(*) FROM n a JOIN n b ON a.x + b.x < 0', [], { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await assert.rejects(running, (error: SqlError) => error.code === 'query_canceled');
  assert.ok(Date.now() - started < 5000, 'stopped promptly');
  const aborted = AbortSignal.abort();
  await assert.rejects(db.execute('SELECT 1', [], { signal: aborted }), (error: SqlError) => error.code === 'query_canceled');
  assert.deepEqual((await db.execute('SELECT count(*) AS n FROM n')).rows(), [{ n: 4000 }]);
  await db.close();
});

test('zone maps skip segments a filter rules out without reading them', () => {
  const path = databasePath();
  const db = openSync(path);
  db.executeSync('CREATE TABLE m (step INT, score DOUBLE PRECISION)');
  const rows = (from: number) => Array.from({ length: 100 }, (_, i) => [from + i, (from + i) / 10]).flat();
  const insert = `INSERT INTO m VALUES ${Array.from({ length: 100 }, () => '(?, ?)').join(', ')}`;
  db.executeSync(insert, rows(0));
  db.commit(); // segment 1: steps 0–99
  const first = readdirSync(join(path, 'segments')).filter((name) => name.endsWith('.seg'));
  db.executeSync(insert, rows(1000));
  db.close(); // segment 2: steps 1000–1099
  // Damage segment 1's data: any query that reads it fails, so one that succeeds skipped it.
  const damaged = join(path, 'segments', first[0]!);
  const bytes = readFileSync(damaged);
  bytes[64 + 8]! ^= 0xff;
  writeFileSync(damaged, bytes);
  const again = openSync(path);
  assert.deepEqual(again.executeSync('SELECT count(*) AS n FROM m WHERE step >= 1000 AND score > 100').rows(), [{ n: 99 }]);
  assert.deepEqual(again.executeSync('SELECT count(*) AS n FROM m WHERE step = 5000 OR step < -1').rows(), [{ n: 0 }]);
  assert.throws(() => again.executeSync('SELECT count(*) FROM m WHERE step < 50'), (e: SqlError) => e.code === 'data_corrupted');
  again.close();
});

test('joins agree with a JS reference across batches and segments', () => {
  const db = openSync(databasePath());
  db.executeSync('CREATE TABLE steps (id TEXT, step INT, value BIGINT)');
  db.executeSync('CREATE TABLE runs (id TEXT PRIMARY KEY, ok BOOLEAN, score DOUBLE PRECISION)');
  const steps: [string, number, number][] = [];
  const runs: [string, boolean, number | null][] = [];
  for (let r = 0; r < 3000; r++) {
    runs.push([`r${r}`, r % 3 !== 0, r % 7 === 0 ? null : (r * 37) % 100]);
    for (let s = 0; s < (r % 5) + 1; s++) steps.push([`r${r + (r % 11 === 0 ? 5000 : 0)}`, s, r * 10 + s]);
  }
  for (let i = 0; i < steps.length; i += 1000) {
    const chunk = steps.slice(i, i + 1000);
    db.executeSync(`INSERT INTO steps VALUES ${chunk.map(() => '(?, ?, ?)').join(',')}`, chunk.flat());
    if (i === 3000) db.commit();
  }
  for (let i = 0; i < runs.length; i += 1000) {
    const chunk = runs.slice(i, i + 1000);
    db.executeSync(`INSERT INTO runs VALUES ${chunk.map(() => '(?, ?, ?)').join(',')}`, chunk.flat());
  }
  const byId = new Map(runs.map((r) => [r[0], r]));
  const inner = steps.filter((s) => byId.get(s[0])?.[1] === true && (byId.get(s[0])![2] ?? -1) > 50);
  const result = db.executeSync('SELECT s.id, s.step, s.value FROM steps s JOIN runs r ON s.id = r.id WHERE r.ok AND r.score > 50 ORDER BY s.value');
  assert.deepEqual(
    result.rows().map((row) => row.value),
    inner.map((s) => s[2]).sort((a, b) => a - b),
  );
  const left = db.executeSync('SELECT count(*) AS n, count(r.id) AS matched FROM steps s LEFT JOIN runs r ON s.id = r.id AND r.ok').rows();
  assert.deepEqual(left, [{ n: steps.length, matched: steps.filter((s) => byId.get(s[0])?.[1] === true).length }]);
  db.close();
});

test('EXPLAIN shows the plan: pushed filters, projected columns, hash join, top-k', () => {
  const db = openSync(databasePath());
  db.executeSync('CREATE TABLE t (id TEXT, step INT, content TEXT)');
  db.executeSync('CREATE TABLE o (id TEXT PRIMARY KEY, ok BOOLEAN, score DOUBLE PRECISION)');
  const plan = db
    .executeSync('EXPLAIN SELECT t.id, t.step FROM t JOIN o ON t.id = o.id WHERE o.ok AND o.score > 0.5 ORDER BY t.id LIMIT 5')
    .column('QUERY PLAN') as string[];
  const text = plan.join('\n');
  assert.match(text, /^Limit 5/);
  assert.match(text, /Top-5 by #0 ASC/);
  assert.match(text, /Hash join inner on #0 = right #0/);
  assert.match(text, /Scan t \(columns #0, #1\)\n/, 'the scan of t reads only id and step');
  assert.match(text, /Scan o \(columns #0\) filter: \(#1 AND \(#2 > 0\.5\)\)/, "o's conditions are pushed into its scan");
  db.close();
});

test('zone maps never prune BIGINT segments wrongly beyond 2^53', () => {
  const db = openSync(databasePath(), { bigint: true });
  db.executeSync('CREATE TABLE b (x BIGINT)');
  db.executeSync('INSERT INTO b VALUES ($1)', [2n ** 53n + 1n]);
  db.commit();
  assert.deepEqual(db.executeSync('SELECT x FROM b WHERE x > $1', [2n ** 53n]).rows(), [{ x: 2n ** 53n + 1n }]);
  db.close();
});
