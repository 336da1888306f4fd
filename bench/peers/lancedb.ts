/**
 * LanceDB as a peer: the embedded vector database users reach for from Node
 * (`@lancedb/lancedb`, a Rust engine over the Lance columnar format). Loaded dynamically,
 * so that a machine without it skips LanceDB with a reason instead of failing the run.
 *
 * Facts that decide how it is driven (NOTES.md, and measured here):
 *  - it needs `apache-arrow` between 15 and 18.1.0 (the project pins 18.1.0); with a newer
 *    Arrow, createTable fails with "RangeOutOfBounds".
 *  - 0.38 and 0.39 declare a peer dependency on @types/node ≥ 22, which the project's
 *    @types/node 20 refuses; 0.37.1 is the newest that installs beside it.
 *  - `_distance` must be named in select(), or every query prints a deprecation warning.
 *  - filters are applied before the vector search unless `.postfilter()` is called
 *    (prefiltering is the default; there is no `.prefilter(true)` in the Node API).
 *  - LanceDB has no joins: the outcome columns live in the vector table itself.
 *  - `toArray()` returns Arrow row proxies; the benchmark copies the selected fields into
 *    plain objects, the same end state as replaydb's rows().
 */
import type { Connection, Table as LanceTable } from '@lancedb/lancedb';
import * as arrow from 'apache-arrow';
import { loadOptional } from '../harness.js';
import { installedVersion } from './usearch.js';

type LanceModule = typeof import('@lancedb/lancedb');

export type { LanceTable };

export interface LancePeer {
  module: LanceModule;
  /** The npm package's version, e.g. '0.37.1'. */
  version: string;
}

let loaded: Promise<LancePeer | { reason: string }> | undefined;

/** The `@lancedb/lancedb` module and its version, or why it cannot be used. */
export function loadLanceDB(): Promise<LancePeer | { reason: string }> {
  loaded ??= (async () => {
    const result = await loadOptional<LanceModule>('@lancedb/lancedb');
    if ('reason' in result) return result;
    if (typeof result.module.connect !== 'function') return { reason: '@lancedb/lancedb loads but has no connect()' };
    return { module: result.module, version: installedVersion('@lancedb/lancedb') };
  })();
  return loaded;
}

export function connectLanceDB(peer: LancePeer, directory: string): Promise<Connection> {
  return peer.module.connect(directory);
}

/** The columns of the benchmark's one LanceDB table: trajectory steps with their outcome. */
export interface LanceColumns {
  trajectoryIds: string[];
  steps: Int32Array;
  success: Uint8Array;
  rewardScores: Float64Array;
  totalSteps: Int32Array;
  /** Row-major, `dimension` floats per row. */
  vectors: Float32Array;
  dimension: number;
  /** Rows [0, rows) of the columns are written. */
  rows: number;
}

/** An Arrow table of the first `columns.rows` rows; the embedding is FixedSizeList<float32>. */
export function lanceArrowTable(columns: LanceColumns): arrow.Table {
  const rows = columns.rows;
  const vectorType = new arrow.FixedSizeList(columns.dimension, new arrow.Field('item', new arrow.Float32(), true));
  const floats = arrow.makeData({ type: new arrow.Float32(), length: rows * columns.dimension, data: columns.vectors.subarray(0, rows * columns.dimension) });
  const embedding = arrow.makeData({ type: vectorType, length: rows, nullCount: 0, child: floats });
  return new arrow.Table({
    trajectory_id: arrow.vectorFromArray(columns.trajectoryIds.slice(0, rows), new arrow.Utf8()),
    step: arrow.makeVector(columns.steps.subarray(0, rows)),
    success: arrow.vectorFromArray(Array.from(columns.success.subarray(0, rows), (value) => value === 1), new arrow.Bool()),
    reward_score: arrow.makeVector(columns.rewardScores.subarray(0, rows)),
    total_steps: arrow.makeVector(columns.totalSteps.subarray(0, rows)),
    embedding: arrow.makeVector(embedding),
  });
}

/** Creates table `name` (which must not exist yet) with the given rows. */
export async function createLanceTable(connection: Connection, name: string, columns: LanceColumns): Promise<LanceTable> {
  return connection.createTable(name, lanceArrowTable(columns));
}

/** The two vector indexes the benchmark builds, with every parameter that decides them. */
export type LanceIndexKind = 'hnsw_sq' | 'ivf_flat';

export const LANCE_INDEX_SETTINGS: Record<LanceIndexKind, string> = {
  // LanceDB's own defaults, written out: m 20, ef_construction 300, one IVF partition (its
  // recommendation for HNSW), 8-bit scalar quantization of the stored vectors.
  hnsw_sq: 'IVF_HNSW_SQ, cosine, 1 partition, m 20, ef_construction 300 (LanceDB defaults), SQ 8-bit',
  // Exact distances inside the probed partitions; sqrt(rows) partitions (the default).
  ivf_flat: 'IVF_FLAT, cosine, sqrt(rows) partitions (default), exact distances within partitions',
};

/** Builds (replacing any earlier) vector index of `kind` on the embedding column. */
export async function buildLanceIndex(peer: LancePeer, table: LanceTable, kind: LanceIndexKind): Promise<void> {
  const config =
    kind === 'hnsw_sq'
      ? peer.module.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, m: 20, efConstruction: 300 })
      : peer.module.Index.ivfFlat({ distanceType: 'cosine' });
  await table.createIndex('embedding', { config, replace: true });
}

/** Search-time knobs: `ef` for HNSW (LanceDB's default is 1.5 × limit), `nprobes` for IVF (default 20). */
export interface LanceSearchOptions {
  where?: string;
  ef?: number;
  nprobes?: number;
  refineFactor?: number;
}

export interface LanceHit {
  trajectory_id: string;
  reward_score: number;
  total_steps: number;
  relevance: number;
}

/** The `k` nearest rows by cosine distance (prefiltered by `where`), as plain objects. */
export async function searchLance(table: LanceTable, query: Float32Array, k: number, options: LanceSearchOptions = {}): Promise<LanceHit[]> {
  let search = table.query().nearestTo(query).distanceType('cosine').limit(k);
  if (options.where) search = search.where(options.where);
  if (options.ef !== undefined) search = search.ef(options.ef);
  if (options.nprobes !== undefined) search = search.nprobes(options.nprobes);
  if (options.refineFactor !== undefined) search = search.refineFactor(options.refineFactor);
  const rows = (await search.select(['trajectory_id', 'reward_score', 'total_steps', '_distance']).toArray()) as {
    trajectory_id: string;
    reward_score: number;
    total_steps: number;
    _distance: number;
  }[];
  const hits = new Array<LanceHit>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    hits[i] = { trajectory_id: row.trajectory_id, reward_score: row.reward_score, total_steps: row.total_steps, relevance: 1 - row._distance };
  }
  return hits;
}

/** Describes the search knobs for the settings line. */
export function describeLanceSearch(options: LanceSearchOptions): string {
  const parts: string[] = [];
  if (options.ef !== undefined) parts.push(`ef ${options.ef}`);
  if (options.nprobes !== undefined) parts.push(`nprobes ${options.nprobes}`);
  if (options.refineFactor !== undefined) parts.push(`refine_factor ${options.refineFactor}`);
  if (options.where) parts.push(`.where(${JSON.stringify(options.where)}) prefiltered`);
  return parts.join(', ') || 'defaults';
}
