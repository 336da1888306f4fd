/**
 * DuckDB as a peer: the embedded analytical database users reach for when they want SQL
 * over their trajectories from Node, through its official client `@duckdb/node-api`.
 * Loaded dynamically, so that a machine without it skips DuckDB with a reason instead of
 * failing the run; its types come from the package itself (type-only imports vanish from
 * the compiled JS).
 *
 * How results are read matters more than the engine (NOTES.md: a join over 1M rows took
 * 32 ms inside DuckDB, 256 ms once rows were JS objects), and a reader caches what it has
 * converted. So every timed run converts on a fresh reader: `runAndReadAll()` (runs the
 * query and fetches every chunk), then exactly one conversion (`getRowObjectsJS()`,
 * `getColumnsJS()`) on that reader.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { loadOptional } from '../harness.js';

type DuckDBModule = typeof import('@duckdb/node-api');

export interface DuckDBPeer {
  module: DuckDBModule;
  /** DuckDB's own version, e.g. 'v1.5.6'. */
  version: string;
}

let loaded: Promise<DuckDBPeer | { reason: string }> | undefined;

/** The `@duckdb/node-api` module and DuckDB's version, or why it cannot be used. */
export function loadDuckDB(): Promise<DuckDBPeer | { reason: string }> {
  loaded ??= (async () => {
    const result = await loadOptional<DuckDBModule>('@duckdb/node-api');
    if ('reason' in result) return result;
    try {
      return { module: result.module, version: result.module.version() };
    } catch (error) {
      return { reason: `@duckdb/node-api loads but does not answer version(): ${(error as Error).message}` };
    }
  })();
  return loaded;
}

/** An in-memory DuckDB database with one connection; `threads` as DuckDB chose it (one per core). */
export async function openDuckDB(peer: DuckDBPeer): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection; threads: number }> {
  const instance = await peer.module.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(`SELECT current_setting('threads') AS threads`);
  const threads = Number(reader.getRowObjectsJS()[0]!.threads);
  return { instance, connection, threads };
}

/** A JSON column read back by DuckDB is a string (or null); parse it so that rows match replaydb's JSONB. */
export function parseJsonColumns(rows: Record<string, unknown>[], columns: readonly string[]): void {
  for (const row of rows) {
    for (const column of columns) {
      const text = row[column];
      if (typeof text === 'string') row[column] = JSON.parse(text);
    }
  }
}
