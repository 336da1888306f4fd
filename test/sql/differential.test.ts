/**
 * Differential test against DuckDB: the same seeded data (half of it sealed into segments
 * by a commit, half in the tail; once small, once larger than an executor batch) and the
 * same generated SELECT queries (query_generator.ts), with generated UPDATEs and DELETEs
 * halfway, run in replaydb and in an in-memory DuckDB. Every result must agree: the same
 * rows, in the same order where the query's ORDER BY covers every output column, as
 * multisets otherwise; each UPDATE/DELETE the same number of rows. Numbers compare with a relative tolerance of 1e-9 (BIGINT/HUGEINT as numbers),
 * NULL only with NULL. When both engines reject a query that is agreement; when only one
 * does, it is a mismatch (the generator only writes SQL both accept).
 *
 * REPLAYDB_DIFFERENTIAL_SEED and REPLAYDB_DIFFERENTIAL_QUERIES override the seed and the
 * number of queries (a quarter of them on the large data); a failure prints the seed and
 * each disagreeing query with both results.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { open, SqlError, type Database } from '../../src/index.js';
import { databasePath } from '../helpers.js';
import {
  createTableSql,
  generateData,
  insertSql,
  QueryGenerator,
  Random,
  TABLES,
  type GeneratedQuery,
  type TableData,
} from './query_generator.js';

const SEED = Number(process.env.REPLAYDB_DIFFERENTIAL_SEED ?? 20240611);
const QUERY_COUNT = Number(process.env.REPLAYDB_DIFFERENTIAL_QUERIES ?? 800);
const LARGE_QUERY_COUNT = Math.ceil(QUERY_COUNT / 4);

type Cell = null | number | string | boolean;

type Outcome = { rows: Cell[][] } | { error: string };

function normalize(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Object.is(value, -0) ? 0 : value;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  return String(value);
}

function runReplay(db: Database, sql: string): Outcome {
  try {
    const result = db.executeSync(sql);
    // Read by position through Arrow: output column names repeat (t0.trajectory_id, t1.trajectory_id).
    const table = result.toArrow();
    const columns = result.columns.map((_, index) => table.getChildAt(index)!);
    const rows: Cell[][] = [];
    for (let row = 0; row < result.rowCount; row++) rows.push(columns.map((column) => normalize(column.get(row))));
    return { rows };
  } catch (error) {
    return { error: error instanceof SqlError ? `SqlError [${error.code}]: ${error.message}` : String(error) };
  }
}

async function runDuck(connection: DuckDBConnection, sql: string): Promise<Outcome> {
  try {
    const reader = await connection.runAndReadAll(sql);
    return { rows: reader.getRowsJS().map((row) => row.map(normalize)) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function cellsEqual(a: Cell, b: Cell): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  }
  return a === b;
}

/** A row's key for sorting into a multiset: numbers rounded, so tolerance-equal rows sort together. */
function sortKey(row: Cell[]): string {
  return JSON.stringify(row.map((cell) => (typeof cell === 'number' ? Number(cell.toPrecision(10)) : cell)));
}

function sorted(rows: Cell[][]): Cell[][] {
  return rows.map((row) => ({ row, key: sortKey(row) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ row }) => row);
}

function show(rows: Cell[][], limit = 12): string {
  const lines = rows.slice(0, limit).map((row) => `  ${JSON.stringify(row)}`);
  if (rows.length > limit) lines.push(`  … ${rows.length - limit} more`);
  return lines.length ? lines.join('\n') : '  (no rows)';
}

/** undefined when the outcomes agree; otherwise what differs. */
function compare(query: GeneratedQuery, ours: Outcome, theirs: Outcome): string | undefined {
  if ('error' in ours || 'error' in theirs) {
    if ('error' in ours && 'error' in theirs) return undefined;
    return 'error' in ours
      ? `replaydb failed: ${ours.error}\nDuckDB returned ${(theirs as { rows: Cell[][] }).rows.length} rows:\n${show((theirs as { rows: Cell[][] }).rows)}`
      : `DuckDB failed: ${(theirs as { error: string }).error}\nreplaydb returned ${ours.rows.length} rows:\n${show(ours.rows)}`;
  }
  const left = query.ordered ? ours.rows : sorted(ours.rows);
  const right = query.ordered ? theirs.rows : sorted(theirs.rows);
  const width = (rows: Cell[][]) => rows[0]?.length;
  const same =
    left.length === right.length &&
    (left.length === 0 || width(left) === width(right)) &&
    left.every((row, i) => row.every((cell, j) => cellsEqual(cell, right[i]![j]!)));
  if (same) return undefined;
  const firstDifference = left.findIndex((row, i) => !right[i] || row.length !== right[i]!.length || row.some((cell, j) => !cellsEqual(cell, right[i]![j]!)));
  return (
    `${query.ordered ? 'ordered' : 'as multisets'}; first difference at row ${firstDifference < 0 ? left.length : firstDifference}\n` +
    `replaydb (${ours.rows.length} rows):\n${show(left)}\nDuckDB (${theirs.rows.length} rows):\n${show(right)}`
  );
}

/** Loads the same rows into both engines: the first half of each table committed (sealed segments), the rest in the tail. */
async function load(db: Database, duck: DuckDBConnection, data: TableData[]): Promise<void> {
  for (const table of TABLES) {
    db.executeSync(createTableSql(table, 'replaydb'));
    await duck.run(createTableSql(table, 'duckdb'));
  }
  for (const half of [0, 1]) {
    for (const tableData of data) {
      const middle = Math.ceil(tableData.rows.length / 2);
      const rows = half === 0 ? tableData.rows.slice(0, middle) : tableData.rows.slice(middle);
      if (rows.length === 0) continue;
      const sql = insertSql({ table: tableData.table, rows });
      db.executeSync(sql);
      await duck.run(sql);
    }
    if (half === 0) await db.commit('first half');
  }
}

/**
 * Halfway through the queries: UPDATEs and DELETEs in both engines, each affecting the same
 * number of rows, with a replaydb commit among them, so later queries read rewritten
 * segments, deletions and the tail; then every table must hold the same rows in both.
 */
async function mutate(db: Database, duck: DuckDBConnection, generator: QueryGenerator, count: number): Promise<{ problems: string[]; changed: number }> {
  const problems: string[] = [];
  let changed = 0;
  for (let i = 0; i < count; i++) {
    const sql = generator.mutation();
    let ours: number | string;
    let theirs: number | string;
    try {
      ours = db.executeSync(sql).rowCount;
    } catch (error) {
      ours = `error: ${error instanceof Error ? error.message : String(error)}`;
    }
    try {
      theirs = Number((await duck.runAndReadAll(sql)).getRowsJS()[0]?.[0] ?? 0);
    } catch (error) {
      theirs = `error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (typeof ours === 'number') changed += ours;
    const agree = ours === theirs || (typeof ours === 'string' && typeof theirs === 'string');
    if (!agree) problems.push(`mutation #${i}:\n${sql}\nreplaydb: ${ours} rows\nDuckDB: ${theirs} rows`);
    if (i === Math.floor(count / 2)) await db.commit('mutations');
  }
  for (const table of TABLES) {
    const sql = `SELECT * FROM ${table.name}`;
    const problem = compare({ sql, ordered: false }, runReplay(db, sql), await runDuck(duck, sql));
    if (problem) problems.push(`after the mutations, ${table.name} differs:\n${problem}`);
  }
  return { problems, changed };
}

interface Run {
  seed: number;
  queries: number;
  /** UPDATE/DELETE statements run halfway. */
  mutations: number;
  /** Data scale (generateData). */
  scale: number;
  keyJoinsOnly: boolean;
}

async function differential(t: { diagnostic(message: string): void }, run: Run): Promise<void> {
  const random = new Random(run.seed);
  const data = generateData(random, run.scale);
  const db = await open(databasePath());
  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  const mismatches: string[] = [];
  let bothFailed = 0;
  let orderedCount = 0;
  let rowTotal = 0;
  let changedRows = 0;
  try {
    await load(db, duck, data);
    for (const tableData of data) {
      const count = `SELECT count(*) FROM ${tableData.table.name}`;
      assert.deepEqual([runReplay(db, count), await runDuck(duck, count)], [{ rows: [[tableData.rows.length]] }, { rows: [[tableData.rows.length]] }]);
    }
    const generator = new QueryGenerator(random, { keyJoinsOnly: run.keyJoinsOnly });
    for (let i = 0; i < run.queries; i++) {
      if (i === Math.floor(run.queries / 2)) {
        const mutations = await mutate(db, duck, generator, run.mutations);
        changedRows = mutations.changed;
        mismatches.push(...mutations.problems.map((problem) => `${problem} (seed ${run.seed}, scale ${run.scale})`));
      }
      const query = generator.query();
      const ours = runReplay(db, query.sql);
      const theirs = await runDuck(duck, query.sql);
      if ('error' in ours && 'error' in theirs) bothFailed++;
      if ('rows' in ours) rowTotal += ours.rows.length;
      if (query.ordered) orderedCount++;
      const problem = compare(query, ours, theirs);
      if (problem) mismatches.push(`query #${i} (seed ${run.seed}, scale ${run.scale}):\n${query.sql}\n${problem}`);
    }
  } finally {
    duck.closeSync();
    instance.closeSync();
    await db.close();
  }
  const rows = data.map((tableData) => `${tableData.rows.length} ${tableData.table.name}`).join(', ');
  t.diagnostic(`${rows}; ${run.queries} queries (${orderedCount} compared in order), ${rowTotal} rows from replaydb, ${bothFailed} rejected by both engines; ${run.mutations} UPDATE/DELETE changed ${changedRows} rows`);
  // A generator that mostly writes SQL both engines reject would test nothing.
  assert.ok(bothFailed <= run.queries * 0.02, `${bothFailed} of ${run.queries} queries failed in both engines: the generator writes bad SQL`);
  assert.equal(mismatches.length, 0, `${mismatches.length} of ${run.queries} queries disagree (seed ${run.seed}); the first ones:\n\n${mismatches.slice(0, 8).join('\n\n')}`);
}

test(`replaydb and DuckDB agree on ${QUERY_COUNT} generated queries (seed ${SEED})`, async (t) => {
  await differential(t, { seed: SEED, queries: QUERY_COUNT, mutations: 10, scale: 1, keyJoinsOnly: false });
});

// More rows than one executor batch (2,048) in several segments and the tail; joins only on
// primary keys there, so results stay small.
test(`replaydb and DuckDB agree on ${LARGE_QUERY_COUNT} generated queries over ~4,000 rows (seed ${SEED})`, async (t) => {
  await differential(t, { seed: SEED + 1, queries: LARGE_QUERY_COUNT, mutations: 10, scale: 20, keyJoinsOnly: true });
});
