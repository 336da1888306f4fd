/**
 * better-sqlite3 as a peer: the most used embedded database in Node, synchronous like
 * replaydb's executeSync. Loaded dynamically (it compiles from source here and may be
 * missing), and described by the few types the benchmarks use, so that tsc needs no
 * @types package.
 *
 * Settings used everywhere unless a case says otherwise: journal_mode=WAL and
 * synchronous=NORMAL, i.e. every committed transaction is in the OS (survives the process
 * being killed) but not fsync'ed, the same durability as replaydb's sync: 'normal'.
 */
import { loadOptional } from '../harness.js';

export interface SqliteStatement {
  run(...params: unknown[]): unknown;
  get(...params: unknown[]): unknown;
  pluck(toggle?: boolean): SqliteStatement;
}

export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): SqliteDatabase;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void;
  close(): void;
}

export type SqliteConstructor = new (path: string, options?: { readonly?: boolean; fileMustExist?: boolean }) => SqliteDatabase;

export const SQLITE_SETTINGS = 'journal_mode=WAL, synchronous=NORMAL';

let loaded: Promise<{ module: SqliteConstructor; version: string } | { reason: string }> | undefined;

/** better-sqlite3's constructor and SQLite's version, or why it cannot be used. */
export function loadBetterSqlite3(): Promise<{ module: SqliteConstructor; version: string } | { reason: string }> {
  loaded ??= (async () => {
    const result = await loadOptional<SqliteConstructor>('better-sqlite3');
    if ('reason' in result) return result;
    try {
      const probe = new result.module(':memory:');
      const version = String(probe.prepare('SELECT sqlite_version()').pluck().get());
      probe.close();
      return { module: result.module, version };
    } catch (error) {
      return { reason: `better-sqlite3 loads but cannot open a database: ${(error as Error).message}` };
    }
  })();
  return loaded;
}

/** Opens `file` with the benchmark settings. */
export function openSqlite(Sqlite: SqliteConstructor, file: string): SqliteDatabase {
  const db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}
