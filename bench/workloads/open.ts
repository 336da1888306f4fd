/**
 * Open: how long open() takes on a database that already holds many rows. replaydb's
 * design promises that opening reads manifests, not data (segments are mmap'd lazily), so
 * open() must not grow with the row count; the target is < 50 ms at 1M rows.
 *
 * The database is built once (1M steps, 200k with --quick, times --size), without
 * embeddings and with short content (16–64 B) to keep the build fast, through 1000-row
 * INSERTs, then commit() and close(). Each timed run does OPENS_PER_RUN × (open() + close()).
 * The files are in the page cache (just written) and flushed to disk before timing: a warm
 * open that does not wait for the build's writeback.
 *
 * Peer: better-sqlite3 on the same rows: open the file, prepare a SELECT on the table
 * (SQLite reads its schema lazily, at the first prepare; replaydb reads its manifest in
 * open()), close.
 */
import { closeSync, fsyncSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open } from '../../src/index.js';
import { TrajectoryGenerator, type TrajectoryStep } from '../data.js';
import { keepsCase, keepsSystem, removePath, temporaryPath, type Case, type RunOptions, type Skip, type System, type Workload } from '../harness.js';
import { loadBetterSqlite3, openSqlite, type SqliteConstructor } from '../peers/better_sqlite3.js';
import { insertSql } from './ingest.js';

const BATCH_ROWS = 1000;
const OPENS_PER_RUN = 10;
const SEED = 7;
const TARGET_MS = 50;

const REPLAYDB_SCHEMA =
  'CREATE TABLE IF NOT EXISTS trajectories (trajectory_id TEXT, step INT, role TEXT, content TEXT, tool_call JSONB, tool_result JSONB, created_at TIMESTAMP DEFAULT NOW())';
const SQLITE_SCHEMA =
  'CREATE TABLE IF NOT EXISTS trajectories (trajectory_id TEXT, step INTEGER, role TEXT, content TEXT, tool_call TEXT, tool_result TEXT, created_at TEXT DEFAULT CURRENT_TIMESTAMP)';

function stepValues(step: TrajectoryStep, values: unknown[], jsonAsText: boolean): void {
  const toolCall = jsonAsText && step.toolCall !== null ? JSON.stringify(step.toolCall) : step.toolCall;
  const toolResult = jsonAsText && step.toolResult !== null ? JSON.stringify(step.toolResult) : step.toolResult;
  values.push(step.trajectoryId, step.step, step.role, step.content, toolCall, toolResult);
}

function directoryBytes(path: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) {
      const inner = directoryBytes(child);
      bytes += inner.bytes;
      files += inner.files;
    } else {
      bytes += statSync(child).size;
      files++;
    }
  }
  return { bytes, files };
}

/**
 * fsyncs every file under `path` (or the file itself). Done after each build, untimed: open()
 * fdatasyncs its tail log, and on ext4 that waits for the journal to commit the build's
 * hundreds of dirty megabytes, which would time the disk's writeback, not open().
 */
function flushToDisk(path: string): void {
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) flushToDisk(join(path, entry));
    return;
  }
  const descriptor = openSync(path, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** Builds the replaydb database; returns its path and what the build cost. */
async function buildReplaydb(rows: number): Promise<{ path: string; notes: Record<string, unknown> }> {
  const path = temporaryPath('replaydb-open');
  const generator = new TrajectoryGenerator({ seed: SEED, content: 'short' });
  const sql = insertSql(false, BATCH_ROWS, '%s');
  const db = await open(path);
  db.executeSync(REPLAYDB_SCHEMA);
  const start = performance.now();
  for (let done = 0; done < rows; done += BATCH_ROWS) {
    const values: unknown[] = [];
    for (const step of generator.take(BATCH_ROWS)) stepValues(step, values, false);
    db.executeSync(sql, values);
  }
  const inserted = performance.now();
  await db.commit();
  const committed = performance.now();
  await db.close();
  const closed = performance.now();
  flushToDisk(path);
  const reopenStart = performance.now();
  const reopened = await open(path);
  const firstOpenMs = performance.now() - reopenStart;
  await reopened.close();
  const size = directoryBytes(path);
  return {
    path,
    notes: {
      rows,
      insertSeconds: round((inserted - start) / 1000),
      insertRowsPerSecond: Math.round(rows / ((inserted - start) / 1000)),
      commitMs: round(committed - inserted),
      closeMs: round(closed - committed),
      firstOpenMs: round(firstOpenMs),
      segmentFiles: safeCount(join(path, 'segments')),
      files: size.files,
      megabytes: round(size.bytes / 2 ** 20),
    },
  };
}

function buildSqlite(Sqlite: SqliteConstructor, rows: number): { file: string; notes: Record<string, unknown> } {
  const file = `${temporaryPath('sqlite-open')}.db`;
  const generator = new TrajectoryGenerator({ seed: SEED, content: 'short' });
  const db = openSqlite(Sqlite, file);
  db.exec(SQLITE_SCHEMA);
  const statement = db.prepare(insertSql(false, 1, '?'));
  const insertBatch = db.transaction((steps: TrajectoryStep[]) => {
    for (const step of steps) {
      const values: unknown[] = [];
      stepValues(step, values, true);
      statement.run(values);
    }
  });
  const start = performance.now();
  for (let done = 0; done < rows; done += BATCH_ROWS) insertBatch(generator.take(BATCH_ROWS));
  const seconds = (performance.now() - start) / 1000;
  db.close();
  flushToDisk(file);
  return { file, notes: { rows, insertSeconds: round(seconds), megabytes: round(statSync(file).size / 2 ** 20) } };
}

function safeCount(path: string): number {
  try {
    return readdirSync(path).length;
  } catch {
    return 0;
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

export const openWorkload: Workload = {
  name: 'open',
  caseNames: ['open-close'],
  systemNames: ['replaydb', 'better-sqlite3'],
  async cases(options: RunOptions, skipped: Skip[]): Promise<Case[]> {
    if (!keepsCase(options, 'open', 'open-close')) return [];
    const rows = Math.max(BATCH_ROWS, Math.round(((options.quick ? 200_000 : 1_000_000) * options.scale) / BATCH_ROWS) * BATCH_ROWS);
    const systems: System[] = [];
    const notes: Record<string, unknown> = {};
    if (keepsSystem(options, 'replaydb')) {
      const built = await buildReplaydb(rows);
      notes.replaydbBuild = built.notes;
      systems.push({
        name: 'replaydb',
        settings: 'open() + close(), no query',
        async run() {
          for (let index = 0; index < OPENS_PER_RUN; index++) {
            const db = await open(built.path, { create: false });
            await db.close();
          }
        },
        dispose() {
          removePath(built.path);
        },
      });
    }
    if (keepsSystem(options, 'better-sqlite3')) {
      const sqlite = await loadBetterSqlite3();
      if ('reason' in sqlite) {
        skipped.push({ system: 'better-sqlite3', case: 'open/open-close', reason: sqlite.reason });
      } else {
        const built = buildSqlite(sqlite.module, rows);
        notes.sqliteBuild = built.notes;
        systems.push({
          name: 'better-sqlite3',
          settings: 'new Database() + prepare(SELECT … LIMIT 1) (reads the schema) + close()',
          run() {
            for (let index = 0; index < OPENS_PER_RUN; index++) {
              const db = new sqlite.module(built.file, { fileMustExist: true });
              db.prepare('SELECT step FROM trajectories LIMIT 1');
              db.close();
            }
          },
          dispose() {
            for (const suffix of ['', '-wal', '-shm']) removePath(`${built.file}${suffix}`);
          },
        });
      }
    }
    return [
      {
        name: 'open/open-close',
        unit: 'ms',
        units: OPENS_PER_RUN,
        description: `open() of a committed database of ${rows} steps (no embeddings, short 16–64 B content), warm page cache; time per open, ${OPENS_PER_RUN} opens per repetition`,
        systems,
        target: { label: `< ${TARGET_MS} ms`, met: (result) => result.median < TARGET_MS },
        notes,
      },
    ];
  },
};
