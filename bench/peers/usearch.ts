/**
 * usearch as a peer: the HNSW library replaydb embeds, used directly through its own npm
 * package. The comparison answers "what does replaydb's SQL, storage and per-segment
 * indexing cost over the bare index?" — same library, same graph settings, same vectors.
 *
 * What the package's JavaScript binding offers (usearch 2.25, javascript/usearch.ts):
 * `new Index({ dimensions, metric, connectivity, expansion_add, expansion_search })`,
 * `add(keys, vectors, threads)` (one flat Float32Array of all vectors; threads 0 = one per
 * core), `search(vector, k, threads)` returning keys and distances, save/load/view. It has
 * no filtered search (the C++ `filtered_search` is not bound) and no way to change
 * expansion_search after construction, so:
 *  - filtered queries are post-filtered here: search k' = k / selectivity × 2 nearest
 *    neighbours, keep those that pass, and search again with k' doubled until k pass
 *    (or k' reaches the index size). That is what a usearch user without filter support
 *    does; it costs more than an in-graph filter would.
 *  - another expansion_search is had by saving the built graph once and loading it into
 *    an Index constructed with that expansion (load keeps the constructor's value).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Index as UsearchIndex } from 'usearch';
import { loadOptional, repositoryRoot } from '../harness.js';

type UsearchModule = (typeof import('usearch'))['default'];

export interface UsearchPeer {
  module: UsearchModule;
  /** The npm package's version, e.g. '2.25.3'. */
  version: string;
}

export type { UsearchIndex };

/** HNSW parameters of one usearch index; the names follow usearch's IndexConfig. */
export interface UsearchSettings {
  dimensions: number;
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
}

let loaded: Promise<UsearchPeer | { reason: string }> | undefined;

/** The `usearch` module and its version, or why it cannot be used. */
export function loadUsearch(): Promise<UsearchPeer | { reason: string }> {
  loaded ??= (async () => {
    const result = await loadOptional<UsearchModule>('usearch');
    if ('reason' in result) return result;
    return { module: result.module, version: installedVersion('usearch') };
  })();
  return loaded;
}

/**
 * The version in node_modules/<name>/package.json ('?' when unreadable): usearch and
 * LanceDB keep package.json out of their "exports", so it cannot be imported.
 */
export function installedVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(repositoryRoot(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** An empty cosine index with the given HNSW parameters, f32 vectors. */
export function createUsearchIndex(peer: UsearchPeer, settings: UsearchSettings): UsearchIndex {
  return new peer.module.Index({
    dimensions: settings.dimensions,
    metric: peer.module.MetricKind.Cos,
    quantization: peer.module.ScalarKind.F32,
    connectivity: settings.connectivity,
    expansion_add: settings.expansionAdd,
    expansion_search: settings.expansionSearch,
    multi: false,
  });
}

/**
 * Adds rows [0, count) of `vectors` (row-major, `dimensions` floats each) with keys equal to
 * their row numbers, in one call with usearch's own thread pool (`threads` 0: one per core).
 */
export function addRows(index: UsearchIndex, vectors: Float32Array, dimensions: number, count: number, threads = 0): void {
  const keys = new BigUint64Array(count);
  for (let row = 0; row < count; row++) keys[row] = BigInt(row);
  index.add(keys, vectors.subarray(0, count * dimensions), threads);
}

/** The nearest `k` rows: row numbers and cosine distances, nearest first. */
export function searchRows(index: UsearchIndex, query: Float32Array, k: number): { rows: number[]; distances: number[] } {
  const matches = index.search(query, k, 1);
  const rows = new Array<number>(matches.keys.length);
  const distances = new Array<number>(matches.keys.length);
  for (let i = 0; i < rows.length; i++) {
    rows[i] = Number(matches.keys[i]);
    distances[i] = matches.distances[i]!;
  }
  return { rows, distances };
}

/**
 * The nearest `k` rows among those with `passes[row] = 1`, by post-filtering: a search for
 * k / selectivity × 2 neighbours, doubled until k pass or the whole index was asked for.
 * `selectivity` is the fraction of rows passing (known to the caller, as a planner's
 * estimate would be). Returns also how many neighbours the last search asked for.
 */
export function searchRowsPostFiltered(
  index: UsearchIndex,
  query: Float32Array,
  k: number,
  passes: Uint8Array,
  selectivity: number,
): { rows: number[]; distances: number[]; asked: number } {
  const size = index.size();
  let asked = Math.min(size, Math.ceil((k / Math.max(selectivity, 1e-6)) * 2));
  for (;;) {
    const matches = index.search(query, asked, 1);
    const rows: number[] = [];
    const distances: number[] = [];
    for (let i = 0; i < matches.keys.length && rows.length < k; i++) {
      const row = Number(matches.keys[i]);
      if (passes[row] === 1) {
        rows.push(row);
        distances.push(matches.distances[i]!);
      }
    }
    if (rows.length >= k || asked >= size) return { rows, distances, asked };
    asked = Math.min(size, asked * 2);
  }
}
