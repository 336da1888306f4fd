/**
 * Ingest: how fast trajectory steps go in, the way an agent logs them.
 *
 *  - single-row: one parameterised INSERT per step, each its own durable unit (autocommit).
 *    replaydb: executeSync with sync 'normal' (each statement written to the OS before it
 *    returns). better-sqlite3: a prepared statement's run(), WAL + synchronous=NORMAL (each
 *    statement a transaction, in the OS, not fsync'ed).
 *  - multi-row: 1000 rows per durable unit. replaydb: one INSERT … VALUES with 1000 row
 *    tuples and one flat array of parameters. better-sqlite3 two ways, both reported: a
 *    transaction of 1000 prepared run()s, and one 1000-row INSERT … VALUES statement.
 *
 * Each with and without 768-d embeddings. "Without" uses a table that has no embedding
 * column at all (a NULL VECTOR(768) still costs replaydb its fixed width per row).
 *
 * Timed: everything from the JS step objects to the statements returning, including
 * JSON.stringify for SQLite (replaydb stringifies inside execute) and the flat parameter
 * arrays, and then close(): replaydb seals its tail log into a segment, SQLite checkpoints
 * its WAL into the database file, both fsync. Without close the result would depend on the
 * run size (replaydb seals every 64 MiB of tail, SQLite checkpoints every 1000 pages);
 * with it, every row pays its way into final storage once. The insert-only and close
 * seconds are saved as phases in latest.json. Every repetition starts from a fresh database.
 */
import { open, type Database } from '../../src/index.js';
import { TrajectoryGenerator, type TrajectoryStep } from '../data.js';
import { keepsCase, keepsSystem, removePath, secondsSince, temporaryPath, type Case, type RunOptions, type Skip, type System, type Workload } from '../harness.js';
import { loadBetterSqlite3, openSqlite, SQLITE_SETTINGS, type SqliteConstructor, type SqliteDatabase, type SqliteStatement } from '../peers/better_sqlite3.js';

const DIMENSION = 768;
const BATCH_ROWS = 1000;
const SEED = 20240601;

interface IngestSpec {
  name: string;
  multiRow: boolean;
  embeddings: boolean;
  /** Rows per repetition at scale 1: full run, --quick run. */
  rows: { full: number; quick: number };
  target?: { rowsPerSecond: number; label: string };
}

const SPECS: IngestSpec[] = [
  { name: 'single-row', multiRow: false, embeddings: false, rows: { full: 50_000, quick: 20_000 }, target: { rowsPerSecond: 200_000, label: '≥ 200k rows/s' } },
  { name: 'single-row-embedding', multiRow: false, embeddings: true, rows: { full: 10_000, quick: 4_000 } },
  { name: 'multi-row', multiRow: true, embeddings: false, rows: { full: 200_000, quick: 50_000 }, target: { rowsPerSecond: 1_000_000, label: '≥ 1M rows/s' } },
  { name: 'multi-row-embedding', multiRow: true, embeddings: true, rows: { full: 40_000, quick: 10_000 } },
];

const BASE_COLUMNS = ['trajectory_id', 'step', 'role', 'content', 'tool_call', 'tool_result'];

function columnNames(embeddings: boolean): string[] {
  return embeddings ? [...BASE_COLUMNS, 'embedding'] : BASE_COLUMNS;
}

function replaydbSchema(embeddings: boolean): string {
  const embedding = embeddings ? `, embedding VECTOR(${DIMENSION})` : '';
  return `CREATE TABLE IF NOT EXISTS trajectories (trajectory_id TEXT, step INT, role TEXT, content TEXT, tool_call JSONB, tool_result JSONB${embedding}, created_at TIMESTAMP DEFAULT NOW())`;
}

function sqliteSchema(embeddings: boolean): string {
  const embedding = embeddings ? ', embedding BLOB' : '';
  return `CREATE TABLE IF NOT EXISTS trajectories (trajectory_id TEXT, step INTEGER, role TEXT, content TEXT, tool_call TEXT, tool_result TEXT${embedding}, created_at TEXT DEFAULT CURRENT_TIMESTAMP)`;
}

/** INSERT INTO trajectories (…) VALUES (p,…),(p,…) with `rows` tuples. */
export function insertSql(embeddings: boolean, rows: number, placeholder: string): string {
  const columns = columnNames(embeddings);
  const tuple = `(${columns.map(() => placeholder).join(', ')})`;
  return `INSERT INTO trajectories (${columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
}

/** Appends one step's replaydb parameters (objects for JSONB, Float32Array for the vector). */
function pushReplaydbValues(values: unknown[], step: TrajectoryStep, embeddings: boolean): void {
  values.push(step.trajectoryId, step.step, step.role, step.content, step.toolCall, step.toolResult);
  if (embeddings) values.push(step.embedding);
}

/** Appends one step's SQLite parameters (JSON as text, the vector as a BLOB view of its bytes). */
function pushSqliteValues(values: unknown[], step: TrajectoryStep, embeddings: boolean): void {
  values.push(
    step.trajectoryId,
    step.step,
    step.role,
    step.content,
    step.toolCall === null ? null : JSON.stringify(step.toolCall),
    step.toolResult === null ? null : JSON.stringify(step.toolResult),
  );
  if (embeddings) {
    const vector = step.embedding!;
    values.push(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
  }
}

function replaydbSystem(spec: IngestSpec, steps: TrajectoryStep[]): System {
  let db: Database | undefined;
  let path = '';
  const { embeddings } = spec;
  const singleSql = insertSql(embeddings, 1, '%s');
  const batchSql = insertSql(embeddings, BATCH_ROWS, '%s');
  return {
    name: 'replaydb',
    settings: `sync 'normal'; ${spec.multiRow ? `one ${BATCH_ROWS}-row INSERT … VALUES per statement` : 'executeSync per row (autocommit)'}`,
    async setup() {
      path = temporaryPath('replaydb-ingest');
      db = await open(path);
      db.executeSync(replaydbSchema(embeddings));
    },
    async run() {
      const database = db!;
      const start = process.hrtime.bigint();
      if (!spec.multiRow) {
        for (const step of steps) {
          const values: unknown[] = [];
          pushReplaydbValues(values, step, embeddings);
          database.executeSync(singleSql, values);
        }
      } else {
        for (let first = 0; first < steps.length; first += BATCH_ROWS) {
          const values: unknown[] = [];
          for (let index = first; index < first + BATCH_ROWS; index++) pushReplaydbValues(values, steps[index], embeddings);
          database.executeSync(batchSql, values);
        }
      }
      const insert = secondsSince(start);
      const closeStart = process.hrtime.bigint();
      await database.close(); // seals the tail into a segment and fsyncs
      db = undefined;
      return { insert, close: secondsSince(closeStart) };
    },
    async teardown() {
      await db?.close();
      db = undefined;
      removePath(path);
    },
  };
}

type SqliteMode = 'single' | 'transaction' | 'values';

function sqliteSystem(Sqlite: SqliteConstructor, spec: IngestSpec, steps: TrajectoryStep[], mode: SqliteMode): System {
  let db: SqliteDatabase | undefined;
  let path = '';
  let statement: SqliteStatement | undefined;
  let insertBatch: ((start: number) => void) | undefined;
  const { embeddings } = spec;
  const names: Record<SqliteMode, string> = { single: 'better-sqlite3', transaction: 'better-sqlite3/txn', values: 'better-sqlite3/values' };
  const how: Record<SqliteMode, string> = {
    single: 'prepared run() per row (autocommit)',
    transaction: `a transaction of ${BATCH_ROWS} prepared run()s`,
    values: `one ${BATCH_ROWS}-row INSERT … VALUES per statement`,
  };
  return {
    name: names[mode],
    settings: `${SQLITE_SETTINGS}; ${how[mode]}; JSON as text, embedding as BLOB`,
    setup() {
      path = temporaryPath('sqlite-ingest');
      db = openSqlite(Sqlite, `${path}.db`);
      db.exec(sqliteSchema(embeddings));
      statement = db.prepare(insertSql(embeddings, mode === 'values' ? BATCH_ROWS : 1, '?'));
      const single = statement;
      insertBatch = db.transaction((start: number) => {
        for (let index = start; index < start + BATCH_ROWS; index++) {
          const values: unknown[] = [];
          pushSqliteValues(values, steps[index], embeddings);
          single.run(values);
        }
      });
    },
    run() {
      const prepared = statement!;
      const start = process.hrtime.bigint();
      if (mode === 'single') {
        for (const step of steps) {
          const values: unknown[] = [];
          pushSqliteValues(values, step, embeddings);
          prepared.run(values);
        }
      } else if (mode === 'transaction') {
        for (let start = 0; start < steps.length; start += BATCH_ROWS) insertBatch!(start);
      } else {
        for (let start = 0; start < steps.length; start += BATCH_ROWS) {
          const values: unknown[] = [];
          for (let index = start; index < start + BATCH_ROWS; index++) pushSqliteValues(values, steps[index], embeddings);
          prepared.run(values);
        }
      }
      const insert = secondsSince(start);
      const closeStart = process.hrtime.bigint();
      db!.close(); // checkpoints the WAL into the database file and fsyncs
      db = undefined;
      return { insert, close: secondsSince(closeStart) };
    },
    teardown() {
      db?.close();
      db = undefined;
      for (const suffix of ['.db', '.db-wal', '.db-shm']) removePath(`${path}${suffix}`);
    },
  };
}

export const ingestWorkload: Workload = {
  name: 'ingest',
  caseNames: SPECS.map((spec) => spec.name),
  systemNames: ['replaydb', 'better-sqlite3', 'better-sqlite3/txn', 'better-sqlite3/values'],
  async cases(options: RunOptions, skipped: Skip[]): Promise<Case[]> {
    const specs = SPECS.filter((spec) => keepsCase(options, 'ingest', spec.name));
    if (specs.length === 0) return [];
    const sqlite = keepsSystem(options, 'better-sqlite3') ? await loadBetterSqlite3() : undefined;
    if (sqlite && 'reason' in sqlite) skipped.push({ system: 'better-sqlite3', reason: sqlite.reason });
    const cases: Case[] = [];
    for (const spec of specs) {
      const base = options.quick ? spec.rows.quick : spec.rows.full;
      const rows = Math.max(BATCH_ROWS, Math.round((base * options.scale) / BATCH_ROWS) * BATCH_ROWS);
      const steps = new TrajectoryGenerator({ seed: SEED, embeddingDimension: spec.embeddings ? DIMENSION : 0 }).take(rows);
      const systems: System[] = [];
      if (keepsSystem(options, 'replaydb')) systems.push(replaydbSystem(spec, steps));
      if (sqlite && 'module' in sqlite) {
        const modes: SqliteMode[] = spec.multiRow ? ['transaction', 'values'] : ['single'];
        for (const mode of modes) {
          const system = sqliteSystem(sqlite.module, spec, steps, mode);
          if (keepsSystem(options, system.name)) systems.push(system);
        }
      }
      const contentBytes = steps.reduce((sum, step) => sum + Buffer.byteLength(step.content), 0) / steps.length;
      const target = spec.target;
      cases.push({
        name: `ingest/${spec.name}`,
        unit: 'rows/s',
        units: rows,
        description:
          `${rows} trajectory steps, prose content (mean ${Math.round(contentBytes)} B), JSONB tool_call/tool_result, ` +
          (spec.embeddings ? `${DIMENSION}-d float32 embeddings` : 'table without an embedding column') +
          `; ${spec.multiRow ? `${BATCH_ROWS} rows per statement` : 'one row per statement, autocommit'}; timed: inserts + close(); fresh database per repetition`,
        systems,
        target: target && { label: target.label, met: (result) => result.median >= target.rowsPerSecond },
      });
    }
    return cases;
  },
};
