/**
 * The dataloader's resumable state: a small JSON-serialisable object that says which
 * query and configuration it belongs to and where the next batch starts. `loader.state()`
 * returns it after every batch; `loader.resume(state)` on a loader with the same query and
 * configuration continues with exactly the batches an uninterrupted run would have given.
 * The format is documented in README.md ("Dataloader", "State").
 */
import { createHash } from 'node:crypto';
import { SqlError } from '../sql/sql_error.js';

export const STATE_FORMAT = 'replaydb.dataloader';
export const STATE_VERSION = 1;

/** The settings a state is only valid for (epochs and prefetch may change between runs). */
export interface LoaderConfig {
  batchSize: number;
  /** Decimal string of the 64-bit seed, or null without shuffling. */
  seed: string | null;
  rank: number;
  worldSize: number;
  shardRemainder: 'drop' | 'pad';
  dropLast: boolean;
  tokens: null | { seqLen: number; pack: boolean; lossOn: string[]; template: string; padId: number; tokenizer: 'bytes' | 'custom' };
}

export interface LoaderCursor {
  /** Epoch of the next batch (0-based). */
  epoch: number;
  /** Index of the next batch within its epoch. */
  batch: number;
  /** Items of the rank's epoch already consumed: rows, or trajectories for token batches. */
  position: number;
  /** Token batches with packing: tokens of the trajectory at `position` already emitted (the packer's leftover). */
  token: number;
}

export interface LoaderState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  /**
   * What the loader read: a hash of the SQL text and parameters, the rows the query returned
   * and the items they make (rows, or trajectories for token batches); rows and items are
   * null in a state taken before the loader first ran.
   */
  query: { fingerprint: string; rows: number | null; items: number | null };
  config: LoaderConfig;
  cursor: LoaderCursor;
  /** Batches delivered since the loader first started (over every run that resumed it). */
  batchesDelivered: number;
}

/** A stable hash of the SQL text and its parameters (typed arrays and bigints included). */
export function queryFingerprint(sql: string, params: unknown): string {
  const text = JSON.stringify(params ?? null, (_key, value: unknown) => {
    if (typeof value === 'bigint') return `${value}n`;
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
    if (value instanceof Date) return value.toISOString();
    return value;
  });
  return createHash('sha256').update(sql).update('\0').update(text ?? '').digest('hex').slice(0, 16);
}

function invalid(message: string): SqlError {
  return new SqlError('invalid_parameter', `dataloader resume(): ${message}`);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Checks a state's shape (it may come from a file) and returns it typed. */
export function parseState(state: unknown): LoaderState {
  const given = (typeof state === 'string' ? JSON.parse(state) : state) as Partial<LoaderState> | null;
  if (!given || typeof given !== 'object') throw invalid('the state must be an object from loader.state()');
  if (given.format !== STATE_FORMAT) throw invalid(`not a dataloader state (format ${JSON.stringify(given.format)})`);
  if (given.version !== STATE_VERSION) throw invalid(`state version ${given.version} is not supported (this replaydb reads version ${STATE_VERSION})`);
  const cursor = given.cursor;
  if (!cursor || !isCount(cursor.epoch) || !isCount(cursor.batch) || !isCount(cursor.position) || !isCount(cursor.token)) {
    throw invalid('the state has no valid cursor');
  }
  const countOrNull = (value: unknown) => value === null || isCount(value);
  if (!given.query || typeof given.query.fingerprint !== 'string' || !countOrNull(given.query.rows) || !countOrNull(given.query.items)) {
    throw invalid('the state has no valid query');
  }
  if (!given.config || typeof given.config !== 'object') throw invalid('the state has no config');
  return given as LoaderState;
}

/** Throws unless `state` was saved by a loader with this configuration. */
export function checkConfig(state: LoaderState, config: LoaderConfig): void {
  const differences = (Object.keys(config) as (keyof LoaderConfig)[])
    .filter((key) => JSON.stringify(state.config[key]) !== JSON.stringify(config[key]))
    .map((key) => `${key}: saved ${JSON.stringify(state.config[key])}, now ${JSON.stringify(config[key])}`);
  if (differences.length === 0) return;
  throw invalid(`the loader is configured differently from the saved state (${differences.join('; ')})`);
}

/** Throws unless the state was saved over the same query result. */
export function checkQuery(state: LoaderState, query: LoaderState['query']): void {
  if (state.query.fingerprint !== query.fingerprint) throw invalid('the state was saved for a different query or parameters');
  if (state.query.rows === null || state.query.items === null) return;
  if (state.query.rows !== query.rows || state.query.items !== query.items) {
    throw invalid(
      `the query now returns ${query.rows} rows (${query.items} items), the state was saved over ${state.query.rows} (${state.query.items}); the data changed (resume on the version the state was saved on, e.g. db.at(version))`,
    );
  }
}
