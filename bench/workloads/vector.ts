/**
 * Vector search: the seed's filtered top-k query (nearest step-0 embeddings of successful
 * trajectories, joined to their outcomes) and the HNSW index builds behind it, on replaydb
 * beside the `usearch` package (the index library replaydb embeds, used bare) and LanceDB.
 *
 * Data, built once per run: 100k trajectories (5k with --quick, times --size), each one
 * step-0 row with a 768-d embedding from bench/data.ts (48 clusters, noise as large as the
 * center, normalised: a query's 50 nearest sit in a narrow band of its cluster, so HNSW
 * recall is below 1 and worth reporting), and one outcome each: success 50%, reward_score
 * uniform in [0, 1), total_steps 3–40. Queries: 200 per repetition (50 with --quick), each a
 * data vector plus Gaussian noise of norm 0.5, normalised; the same queries for every
 * system. Recall@50 is measured against exact top-50s computed by brute force in JS (and
 * checked against replaydb's exact scan on a few queries) and reported beside every speed.
 *
 * Cases:
 *  - index_build: replaydb's CREATE INDEX over committed rows (merged into one segment by
 *    optimize() after the load, as README advises before indexing a bulk load: a search
 *    visits one HNSW graph per segment), and insert + commit with the index already
 *    defined (built per segment as the rows seal); usearch's Index.add of the same
 *    vectors with the same graph settings (cosine, M 16, ef_construction 128, f32);
 *    LanceDB's IVF_HNSW_SQ (its defaults) and IVF_FLAT. Every build uses all cores. One
 *    timed repetition with --quick, two otherwise (a 100k build takes minutes here); the
 *    warm-up builds a 2000-row index only, so that it loads code without doubling the run.
 *    The builds dominate a --quick run (20k rows took 27–66 s of it on the 2-core build
 *    machine), hence its 5k rows: every case and every system gets the same 5k.
 *    The last index each system builds is the one the search cases query.
 *  - search_unfiltered / search_success / search_selective: the seed query without a
 *    WHERE, with the seed's `o.success = true` (~50% pass) and with `AND o.reward_score >
 *    0.9` (~5%), through executeSync + rows(); usearch's search (its JS binding has no
 *    filtered search: post-filtered with a larger k, see bench/peers/usearch.ts); LanceDB
 *    with prefiltering `.where()` on one table that holds the outcome columns beside the
 *    vectors (LanceDB has no joins). LanceDB's search knobs are tuned up from its defaults
 *    until its recall reaches replaydb's (never below its defaults); the recall of each
 *    setting tried is in the settings line. Time per query, results as plain JS objects.
 *  - search_ef16 / search_ef128: the unfiltered query with ef_search 16 and 128 on every
 *    HNSW (replaydb's index recreated WITH (ef_search = N); usearch's graph reloaded into an
 *    Index with that expansion; LanceDB's ef). With LIMIT 50 replaydb and usearch search
 *    with max(ef, 50) and LanceDB rejects ef < 50, so ef 16 searches as ef 50. Full runs
 *    only (each rebuilds replaydb's index), or when named in --only.
 *
 * Recall is measured in each search system's first setup (the warm-up's), on the index it
 * then times, so it is filled into the settings and notes while the case runs.
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { open, type Database } from '../../src/index.js';
import { mulberry32, TrajectoryGenerator } from '../data.js';
import { keepsCase, keepsSystem, releaseWhenDone, removePath, temporaryPath, type Case, type Phases, type RunOptions, type Skip, type System, type Workload } from '../harness.js';
import {
  buildLanceIndex,
  connectLanceDB,
  createLanceTable,
  describeLanceSearch,
  LANCE_INDEX_SETTINGS,
  loadLanceDB,
  searchLance,
  type LanceColumns,
  type LanceIndexKind,
  type LancePeer,
  type LanceSearchOptions,
  type LanceTable,
} from '../peers/lancedb.js';
import { addRows, createUsearchIndex, loadUsearch, searchRows, searchRowsPostFiltered, type UsearchIndex, type UsearchPeer } from '../peers/usearch.js';

const SEED = 7682024;
const DIMENSION = 768;
const K = 50;
const BATCH_ROWS = 250;
const WARMUP_ROWS = 2000;
/** Trajectories (one vector each) before --size: every case of a run shares them. */
const ROWS = { full: 100_000, quick: 5_000 };
/** replaydb's defaults, passed explicitly; usearch gets the same. */
const HNSW = { m: 16, efConstruction: 128, efSearch: 64 };
const QUERY_NOISE = 0.5;
/** LanceDB's knobs are raised until its recall is within this of replaydb's. */
const RECALL_TOLERANCE = 0.005;
const USEARCH_BUILD_TARGET = 1.2;
const USEARCH_QPS_TARGET = 0.8;

type FilterName = 'unfiltered' | 'success' | 'selective';

interface FilterSpec {
  /** The WHERE of the seed query ('' for none). */
  sql: string;
  /** The same condition for LanceDB's `.where()`. */
  lance?: string;
  passes(data: VectorData, row: number): boolean;
}

const FILTERS: Record<FilterName, FilterSpec> = {
  unfiltered: { sql: '', passes: () => true },
  success: { sql: 'o.success = true', lance: 'success = true', passes: (data, row) => data.success[row] === 1 },
  selective: {
    sql: 'o.success = true AND o.reward_score > 0.9',
    lance: 'success = true AND reward_score > 0.9',
    passes: (data, row) => data.success[row] === 1 && data.rewardScores[row]! > 0.9,
  },
};

/** The seed query with `filter` as its WHERE; `exact` orders by an expression no index answers. */
function seedSql(filter: string, exact = false): string {
  return `SELECT o.trajectory_id, o.reward_score, o.total_steps,
cosine_similarity(t.embedding, :task_embedding) AS relevance
FROM trajectory_outcomes o
JOIN trajectories t ON o.trajectory_id = t.trajectory_id AND t.step = 0${filter ? `\nWHERE ${filter}` : ''}
ORDER BY ${exact ? 'cosine_distance(t.embedding, :task_embedding) + 0' : 'relevance DESC'}
LIMIT ${K}`;
}

/** Diagnostic: the nearest step-0 rows without the join to outcomes. */
const VECTOR_ONLY_SQL = `SELECT trajectory_id, cosine_similarity(embedding, :task_embedding) AS relevance
FROM trajectories WHERE step = 0
ORDER BY relevance DESC
LIMIT ${K}`;

function createIndexSql(efSearch: number, name = 'traj_embedding', table = 'trajectories'): string {
  return `CREATE INDEX ${name} ON ${table} USING hnsw (embedding vector_cosine_ops) WITH (m = ${HNSW.m}, ef_construction = ${HNSW.efConstruction}, ef_search = ${efSearch})`;
}

const SCHEMA = [
  `CREATE TABLE trajectories (trajectory_id TEXT, step INT, embedding VECTOR(${DIMENSION}))`,
  'CREATE TABLE trajectory_outcomes (trajectory_id TEXT PRIMARY KEY, success BOOLEAN, reward_score FLOAT, total_steps INT)',
];

/** Where timed runs leave their row counts, so that no result is computed for nothing. */
const consumed = { rows: 0 };

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

// ---------------------------------------------------------------------------------------
// Data, queries and exact answers

interface VectorData {
  count: number;
  trajectoryIds: string[];
  rowOf: Map<string, number>;
  steps: Int32Array;
  /** Row-major, DIMENSION floats per row, unit length. */
  vectors: Float32Array;
  success: Uint8Array;
  rewardScores: Float64Array;
  totalSteps: Int32Array;
  queries: Float32Array[];
  /** Per filter: 1 where the row passes. */
  passing: Record<FilterName, Uint8Array>;
  passingCount: Record<FilterName, number>;
  /** Per filter, per query: the exact top-K rows (nearest first). */
  truth: Record<FilterName, Int32Array[]>;
  notes: Record<string, unknown>;
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

function buildData(count: number, queryCount: number): VectorData {
  const start = performance.now();
  const generator = new TrajectoryGenerator({ seed: SEED, embeddingDimension: DIMENSION, content: 'short', trajectoryLength: () => 1 });
  const outcomeRandom = mulberry32(SEED ^ 0x0c0e);
  const trajectoryIds = new Array<string>(count);
  const rowOf = new Map<string, number>();
  const vectors = new Float32Array(count * DIMENSION);
  const success = new Uint8Array(count);
  const rewardScores = new Float64Array(count);
  const totalSteps = new Int32Array(count);
  for (let row = 0; row < count; row++) {
    const step = generator.next();
    trajectoryIds[row] = step.trajectoryId;
    rowOf.set(step.trajectoryId, row);
    vectors.set(step.embedding!, row * DIMENSION);
    success[row] = outcomeRandom() < 0.5 ? 1 : 0;
    rewardScores[row] = outcomeRandom();
    totalSteps[row] = 3 + Math.floor(outcomeRandom() * 38);
  }
  const queryRandom = mulberry32(SEED + 1);
  const queries: Float32Array[] = [];
  for (let q = 0; q < queryCount; q++) {
    const source = Math.floor(queryRandom() * count) * DIMENSION;
    const query = new Float32Array(DIMENSION);
    let squares = 0;
    for (let d = 0; d < DIMENSION; d++) {
      const value = vectors[source + d]! + (gaussian(queryRandom) * QUERY_NOISE) / Math.sqrt(DIMENSION);
      query[d] = value;
      squares += value * value;
    }
    const inverse = 1 / Math.sqrt(squares);
    for (let d = 0; d < DIMENSION; d++) query[d]! *= inverse;
    queries.push(query);
  }
  const generateSeconds = (performance.now() - start) / 1000;

  const data: VectorData = {
    count,
    trajectoryIds,
    rowOf,
    steps: new Int32Array(count),
    vectors,
    success,
    rewardScores,
    totalSteps,
    queries,
    passing: {} as VectorData['passing'],
    passingCount: {} as VectorData['passingCount'],
    truth: { unfiltered: [], success: [], selective: [] },
    notes: {},
  };
  for (const name of Object.keys(FILTERS) as FilterName[]) {
    const passing = new Uint8Array(count);
    let passed = 0;
    for (let row = 0; row < count; row++) {
      if (!FILTERS[name].passes(data, row)) continue;
      passing[row] = 1;
      passed++;
    }
    data.passing[name] = passing;
    data.passingCount[name] = passed;
  }
  const truthStart = performance.now();
  const distances = new Float64Array(count);
  for (const query of queries) {
    cosineDistances(query, vectors, count, distances);
    for (const name of Object.keys(FILTERS) as FilterName[]) data.truth[name].push(nearest(distances, data.passing[name], K));
  }
  data.notes = {
    trajectories: count,
    dimension: DIMENSION,
    queries: queryCount,
    passing: Object.fromEntries((Object.keys(FILTERS) as FilterName[]).map((name) => [name, round(data.passingCount[name] / count, 3)])),
    generateSeconds: round(generateSeconds),
    exactTop50Seconds: round((performance.now() - truthStart) / 1000),
  };
  return data;
}

/** 1 − cosine similarity of `query` (unit length) to each row (unit length: the generator normalises). */
function cosineDistances(query: Float32Array, vectors: Float32Array, count: number, out: Float64Array): void {
  for (let row = 0; row < count; row++) {
    const base = row * DIMENSION;
    let dot0 = 0;
    let dot1 = 0;
    let dot2 = 0;
    let dot3 = 0;
    for (let d = 0; d < DIMENSION; d += 4) {
      dot0 += query[d]! * vectors[base + d]!;
      dot1 += query[d + 1]! * vectors[base + d + 1]!;
      dot2 += query[d + 2]! * vectors[base + d + 2]!;
      dot3 += query[d + 3]! * vectors[base + d + 3]!;
    }
    out[row] = 1 - (dot0 + dot1 + dot2 + dot3);
  }
}

/** The `k` rows with the smallest distance among those passing, nearest first (a bounded max-heap). */
function nearest(distances: Float64Array, passing: Uint8Array, k: number): Int32Array {
  const heapRows = new Int32Array(k);
  const heapDistances = new Float64Array(k);
  let size = 0;
  const siftDown = (): void => {
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let largest = at;
      if (left < size && heapDistances[left]! > heapDistances[largest]!) largest = left;
      if (right < size && heapDistances[right]! > heapDistances[largest]!) largest = right;
      if (largest === at) return;
      [heapRows[at], heapRows[largest]] = [heapRows[largest]!, heapRows[at]!];
      [heapDistances[at], heapDistances[largest]] = [heapDistances[largest]!, heapDistances[at]!];
      at = largest;
    }
  };
  for (let row = 0; row < distances.length; row++) {
    if (passing[row] !== 1) continue;
    const distance = distances[row]!;
    if (size < k) {
      let at = size++;
      heapRows[at] = row;
      heapDistances[at] = distance;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (heapDistances[parent]! >= heapDistances[at]!) break;
        [heapRows[at], heapRows[parent]] = [heapRows[parent]!, heapRows[at]!];
        [heapDistances[at], heapDistances[parent]] = [heapDistances[parent]!, heapDistances[at]!];
        at = parent;
      }
    } else if (distance < heapDistances[0]!) {
      heapRows[0] = row;
      heapDistances[0] = distance;
      siftDown();
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => heapDistances[a]! - heapDistances[b]!);
  return Int32Array.from(order, (i) => heapRows[i]!);
}

/** Mean over queries of |returned ∩ exact top-K| / min(K, rows passing). */
function recallAt(data: VectorData, filter: FilterName, returned: number[][]): number {
  let sum = 0;
  for (let q = 0; q < returned.length; q++) {
    const truth = new Set(data.truth[filter][q]);
    let hits = 0;
    for (const row of returned[q]!) if (truth.has(row)) hits++;
    sum += hits / Math.max(1, truth.size);
  }
  return sum / returned.length;
}

// ---------------------------------------------------------------------------------------
// The systems' stores, built once and shared by the cases (the build case leaves its last
// index here; a search case run alone builds what it needs, untimed)

interface Stores {
  data: VectorData;
  usearch?: UsearchPeer;
  lance?: LancePeer;
  replaydb?: { path: string; db: Database; efSearch?: number };
  usearchIndex?: UsearchIndex;
  /** The usearch graph saved once, for loading with another expansion_search. */
  usearchFile?: string;
  lanceConnection?: Awaited<ReturnType<typeof connectLanceDB>>;
  lanceTables: Partial<Record<LanceIndexKind | `warmup_${LanceIndexKind}`, LanceTable>>;
  lanceIndexed: Set<LanceIndexKind>;
  /** Per case, per system: recall@K of the search it times. */
  recall: Record<string, Record<string, number>>;
  /** Indexes built outside the timed build case (a search case run without it; the ef cases' rebuilds). */
  untimedBuilds: Record<string, unknown>[];
  lancedbLoadSeconds: Record<string, number>;
  /** Per filter: how replaydb's exact scan agrees with the JS brute force. */
  exactCheck: Record<string, string>;
  notes: Record<string, unknown>;
  paths: string[];
}

function insertTrajectories(db: Database, data: VectorData, rows: number, table = 'trajectories'): void {
  for (let first = 0; first < rows; first += BATCH_ROWS) {
    const count = Math.min(BATCH_ROWS, rows - first);
    const values: unknown[] = [];
    for (let row = first; row < first + count; row++) {
      values.push(data.trajectoryIds[row], data.steps[row], data.vectors.subarray(row * DIMENSION, (row + 1) * DIMENSION));
    }
    db.executeSync(`INSERT INTO ${table} (trajectory_id, step, embedding) VALUES ${Array.from({ length: count }, () => '(?, ?, ?)').join(', ')}`, values);
  }
}

function insertOutcomes(db: Database, data: VectorData): void {
  for (let first = 0; first < data.count; first += 1000) {
    const count = Math.min(1000, data.count - first);
    const values: unknown[] = [];
    for (let row = first; row < first + count; row++) values.push(data.trajectoryIds[row], data.success[row] === 1, data.rewardScores[row], data.totalSteps[row]);
    db.executeSync(`INSERT INTO trajectory_outcomes (trajectory_id, success, reward_score, total_steps) VALUES ${Array.from({ length: count }, () => '(?, ?, ?, ?)').join(', ')}`, values);
  }
}

/** The replaydb database with every row committed and no vector index yet (a warm-up table beside). */
async function replaydbData(stores: Stores): Promise<NonNullable<Stores['replaydb']>> {
  if (stores.replaydb) return stores.replaydb;
  const path = temporaryPath('replaydb-vector');
  stores.paths.push(path);
  const db = await open(path);
  for (const statement of SCHEMA) db.executeSync(statement);
  db.executeSync(`CREATE TABLE warmup_vectors (trajectory_id TEXT, step INT, embedding VECTOR(${DIMENSION}))`);
  const start = performance.now();
  insertTrajectories(db, stores.data, stores.data.count);
  insertOutcomes(db, stores.data);
  insertTrajectories(db, stores.data, Math.min(WARMUP_ROWS, stores.data.count), 'warmup_vectors');
  const insertSeconds = (performance.now() - start) / 1000;
  const commitStart = performance.now();
  await db.commit('vector benchmark data');
  const commitSeconds = (performance.now() - commitStart) / 1000;
  // A bulk load leaves a segment per 64 MiB sealed; a search visits one HNSW graph per
  // segment, so the load is merged into one segment before the index is built (README,
  // "Nearest neighbours").
  const segmentsLoaded = segmentFiles(path);
  const optimizeStart = performance.now();
  await db.optimize();
  stores.notes.replaydbLoad = {
    how: `${BATCH_ROWS}-row INSERTs (Float32Array parameters), then commit(), then optimize() (one segment per table)`,
    insertSeconds: round(insertSeconds),
    commitSeconds: round(commitSeconds),
    segmentFilesBeforeOptimize: segmentsLoaded,
    optimizeSeconds: round((performance.now() - optimizeStart) / 1000),
  };
  stores.replaydb = { path, db };
  return stores.replaydb;
}

/** Segment files in the database's directory (of every table and version). */
function segmentFiles(path: string): number {
  try {
    return readdirSync(join(path, 'segments')).length;
  } catch {
    return 0;
  }
}

/** Segment index files of trajectories' vector index (one per sealed segment). */
function indexedSegments(path: string): number {
  try {
    return readdirSync(join(path, 'indexes')).filter((name) => name.includes('.traj_embedding.')).length;
  } catch {
    return 0;
  }
}

/** The replaydb database with its vector index at `efSearch`, (re)built untimed when needed. */
async function replaydbIndexed(stores: Stores, efSearch = HNSW.efSearch): Promise<Database> {
  const replaydb = await replaydbData(stores);
  if (replaydb.efSearch !== efSearch) {
    if (replaydb.efSearch !== undefined) replaydb.db.executeSync('DROP INDEX traj_embedding');
    const start = performance.now();
    replaydb.db.executeSync(createIndexSql(efSearch));
    replaydb.efSearch = efSearch;
    stores.untimedBuilds.push({ system: 'replaydb', efSearch, seconds: round((performance.now() - start) / 1000) });
  }
  return replaydb.db;
}

function usearchSettings(expansionSearch = HNSW.efSearch) {
  return { dimensions: DIMENSION, connectivity: HNSW.m, expansionAdd: HNSW.efConstruction, expansionSearch };
}

function usearchIndex(stores: Stores): UsearchIndex {
  if (!stores.usearchIndex) {
    const start = performance.now();
    const index = createUsearchIndex(stores.usearch!, usearchSettings());
    addRows(index, stores.data.vectors, DIMENSION, stores.data.count, 0);
    stores.untimedBuilds.push({ system: 'usearch', seconds: round((performance.now() - start) / 1000) });
    stores.usearchIndex = index;
  }
  return stores.usearchIndex;
}

/** usearch's graph with another expansion_search: saved once, loaded into a new Index. */
function usearchIndexWithExpansion(stores: Stores, expansionSearch: number): UsearchIndex {
  if (expansionSearch === HNSW.efSearch) return usearchIndex(stores);
  if (!stores.usearchFile) {
    stores.usearchFile = `${temporaryPath('usearch-vector')}.usearch`;
    stores.paths.push(stores.usearchFile);
    usearchIndex(stores).save(stores.usearchFile);
  }
  const index = createUsearchIndex(stores.usearch!, usearchSettings(expansionSearch));
  index.load(stores.usearchFile);
  return index;
}

function lanceColumns(data: VectorData, rows: number): LanceColumns {
  return { trajectoryIds: data.trajectoryIds, steps: data.steps, success: data.success, rewardScores: data.rewardScores, totalSteps: data.totalSteps, vectors: data.vectors, dimension: DIMENSION, rows };
}

async function lanceTable(stores: Stores, name: LanceIndexKind | `warmup_${LanceIndexKind}`): Promise<LanceTable> {
  const existing = stores.lanceTables[name];
  if (existing) return existing;
  if (!stores.lanceConnection) {
    const path = temporaryPath('lancedb-vector');
    stores.paths.push(path);
    stores.lanceConnection = await connectLanceDB(stores.lance!, path);
  }
  const rows = name.startsWith('warmup_') ? Math.min(WARMUP_ROWS, stores.data.count) : stores.data.count;
  const start = performance.now();
  const table = await createLanceTable(stores.lanceConnection, `trajectories_${name}`, lanceColumns(stores.data, rows));
  if (!name.startsWith('warmup_')) stores.lancedbLoadSeconds[name] = round((performance.now() - start) / 1000);
  stores.lanceTables[name] = table;
  return table;
}

async function lanceIndexed(stores: Stores, kind: LanceIndexKind): Promise<LanceTable> {
  const table = await lanceTable(stores, kind);
  if (!stores.lanceIndexed.has(kind)) {
    const start = performance.now();
    await buildLanceIndex(stores.lance!, table, kind);
    stores.untimedBuilds.push({ system: `lancedb ${kind}`, seconds: round((performance.now() - start) / 1000) });
    stores.lanceIndexed.add(kind);
  }
  return table;
}

// ---------------------------------------------------------------------------------------
// index_build

function buildSystems(stores: Stores, keep: (name: string) => boolean, cores: number): System[] {
  const systems: System[] = [];
  const { data } = stores;
  const warmupRows = Math.min(WARMUP_ROWS, data.count);

  if (keep('replaydb')) {
    let runs = 0;
    let db: Database | undefined;
    systems.push({
      name: 'replaydb',
      settings: `${createIndexSql(HNSW.efSearch)} over ${data.count} committed rows; one build thread per core (${cores}); warm-up: the same on a ${warmupRows}-row table`,
      async setup() {
        const replaydb = await replaydbData(stores);
        db = replaydb.db;
        if (runs > 0 && replaydb.efSearch !== undefined) {
          db.executeSync('DROP INDEX traj_embedding');
          replaydb.efSearch = undefined;
        }
      },
      run() {
        if (runs++ === 0) {
          db!.executeSync(createIndexSql(HNSW.efSearch, 'warmup_embedding', 'warmup_vectors'));
          return;
        }
        db!.executeSync(createIndexSql(HNSW.efSearch));
        stores.replaydb!.efSearch = HNSW.efSearch;
      },
      teardown() {
        if (stores.replaydb?.efSearch !== undefined) stores.notes.replaydbIndexedSegments = indexedSegments(stores.replaydb.path);
      },
    });
  }

  if (keep('replaydb/index-at-seal')) {
    let runs = 0;
    let current: { db: Database; path: string } | undefined;
    systems.push({
      name: 'replaydb/index-at-seal',
      settings: `CREATE INDEX on the empty table first, then timed: ${BATCH_ROWS}-row INSERTs of the ${data.count} rows + commit() (the index is built per segment as rows seal: at commit, or when the tail passes 64 MiB); warm-up: ${warmupRows} rows`,
      async setup() {
        const path = temporaryPath('replaydb-vector-seal');
        const db = await open(path);
        db.executeSync(SCHEMA[0]!);
        db.executeSync(createIndexSql(HNSW.efSearch));
        current = { db, path };
      },
      async run(): Promise<Phases> {
        const rows = runs++ === 0 ? warmupRows : data.count;
        let start = performance.now();
        insertTrajectories(current!.db, data, rows);
        const insert = (performance.now() - start) / 1000;
        start = performance.now();
        await current!.db.commit('vector benchmark');
        return { insert, commit: (performance.now() - start) / 1000 };
      },
      async teardown() {
        if (runs > 1) stores.notes.indexAtSealSegments = indexedSegments(current!.path);
        await current!.db.close();
        removePath(current!.path);
        current = undefined;
      },
    });
  }

  if (stores.usearch && keep('usearch')) {
    let runs = 0;
    let index: UsearchIndex | undefined;
    systems.push({
      name: 'usearch',
      settings: `usearch ${stores.usearch.version}: new Index({ metric: cos, f32, connectivity ${HNSW.m}, expansion_add ${HNSW.efConstruction} }) + add(keys, one flat Float32Array, threads 0 = one per core (${cores})); warm-up: ${warmupRows} vectors`,
      setup() {
        index = createUsearchIndex(stores.usearch!, usearchSettings());
      },
      run() {
        addRows(index!, data.vectors, DIMENSION, runs++ === 0 ? warmupRows : data.count, 0);
      },
      teardown() {
        if (runs > 1) stores.usearchIndex = index;
        index = undefined;
      },
    });
  }

  for (const kind of ['hnsw_sq', 'ivf_flat'] as const) {
    const name = kind === 'hnsw_sq' ? 'lancedb' : `lancedb/${kind}`;
    if (!stores.lance || !keep(name)) continue;
    let runs = 0;
    let table: LanceTable | undefined;
    systems.push({
      name,
      settings: `LanceDB ${stores.lance.version}: createIndex('embedding', ${LANCE_INDEX_SETTINGS[kind]}) on a table of the ${data.count} rows (written untimed); Rust threads; warm-up: a ${warmupRows}-row table`,
      async setup() {
        table = await lanceTable(stores, runs === 0 ? `warmup_${kind}` : kind);
      },
      async run() {
        runs++;
        await buildLanceIndex(stores.lance!, table!, kind);
      },
      teardown() {
        if (runs > 1) stores.lanceIndexed.add(kind);
      },
    });
  }
  // usearch right after replaydb: the target compares the two, and noise drifts over minutes.
  const order = ['replaydb', 'usearch', 'replaydb/index-at-seal', 'lancedb', 'lancedb/ivf_flat'];
  return systems.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

// ---------------------------------------------------------------------------------------
// Searches

interface SearchCaseSpec {
  name: string;
  filter: FilterName;
  /** ef_search of every HNSW (undefined: replaydb's default 64, LanceDB tuned to replaydb's recall). */
  efSearch?: number;
}

type Hit = { trajectory_id: string; reward_score: number; total_steps: number; relevance: number };

function hitsFromRows(data: VectorData, rows: number[], distances: number[]): Hit[] {
  const hits = new Array<Hit>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    hits[i] = { trajectory_id: data.trajectoryIds[row]!, reward_score: data.rewardScores[row]!, total_steps: data.totalSteps[row]!, relevance: 1 - distances[i]! };
  }
  return hits;
}

function rowsOfIds(data: VectorData, ids: unknown[]): number[] {
  return ids.map((id) => {
    const row = data.rowOf.get(String(id));
    if (row === undefined) throw new Error(`vector: a search returned the unknown trajectory_id ${String(id)}`);
    return row;
  });
}

/** Runs every query once through `search` and returns recall@K against the exact answers. */
async function measureRecall(data: VectorData, filter: FilterName, search: (query: Float32Array) => Promise<number[]> | number[]): Promise<number> {
  const returned: number[][] = [];
  for (const query of data.queries) returned.push(await search(query));
  return recallAt(data, filter, returned);
}

function describeRecall(recall: number): string {
  return `recall@${K} ${recall.toFixed(4)}`;
}

/** The SQL's plan must be the vector top-k path; anything else would time another query. */
function assertVectorPlan(db: Database, sql: string, query: Float32Array): void {
  const plan = (db.executeSync(`EXPLAIN ${sql}`, { task_embedding: query }).column('QUERY PLAN') as string[]).join('\n');
  if (!plan.includes(`Vector top-${K} scan`)) throw new Error(`vector: EXPLAIN does not show "Vector top-${K} scan" for\n${sql}\n${plan}`);
}

/** Compares the JS brute force with replaydb's exact scan (no index) on a few queries. */
function checkExactAnswers(stores: Stores, db: Database, filter: FilterName): void {
  const { data } = stores;
  const sql = seedSql(FILTERS[filter].sql, true);
  const checked = Math.min(3, data.queries.length);
  let agreeing = 0;
  let total = 0;
  for (let q = 0; q < checked; q++) {
    const rows = rowsOfIds(data, db.executeSync(sql, { task_embedding: data.queries[q]! }).column('trajectory_id') as unknown[]);
    const truth = new Set(data.truth[filter][q]);
    for (const row of rows) if (truth.has(row)) agreeing++;
    total += truth.size;
  }
  if (agreeing < total * 0.99) throw new Error(`vector: replaydb's exact scan and the JS brute force disagree on ${filter} (${agreeing} of ${total} rows in common)`);
  stores.exactCheck[filter] = `${agreeing}/${total} rows of ${checked} queries agree`;
}

function searchSystems(stores: Stores, spec: SearchCaseSpec, keep: (name: string) => boolean): System[] {
  const systems: System[] = [];
  const { data } = stores;
  const filter = FILTERS[spec.filter];
  const caseName = `vector/${spec.name}`;
  const recall = (stores.recall[caseName] ??= {});
  const efLabel = spec.efSearch === undefined ? `ef_search ${HNSW.efSearch}` : `ef_search ${spec.efSearch} (searches with max(ef, ${K}) = ${Math.max(spec.efSearch, K)})`;

  const replaydbSystem = (name: string, sql: string, describe: string): System => {
    let db: Database | undefined;
    const system: System = {
      name,
      settings: describe,
      async setup() {
        if (db) return;
        db = await replaydbIndexed(stores, spec.efSearch ?? HNSW.efSearch);
        assertVectorPlan(db, sql, data.queries[0]!);
        if (name === 'replaydb' && spec.efSearch === undefined) checkExactAnswers(stores, db, spec.filter);
        recall[name] = await measureRecall(data, spec.filter, (query) => rowsOfIds(data, db!.executeSync(sql, { task_embedding: query }).column('trajectory_id') as unknown[]));
        system.settings = `${describeRecall(recall[name])}; ${describe}`;
      },
      run() {
        for (const query of data.queries) consumed.rows += db!.executeSync(sql, { task_embedding: query }).rows().length;
      },
    };
    return system;
  };

  if (keep('replaydb')) {
    systems.push(replaydbSystem('replaydb', seedSql(filter.sql), `the seed query${filter.sql ? ` WHERE ${filter.sql}` : ' without its WHERE'} through executeSync(sql, { task_embedding }) + rows(); hnsw m ${HNSW.m}, ef_construction ${HNSW.efConstruction}, ${efLabel}`));
  }
  if (spec.filter === 'unfiltered' && spec.efSearch === undefined && keep('replaydb/vector-only')) {
    systems.push(replaydbSystem('replaydb/vector-only', VECTOR_ONLY_SQL, 'diagnostic, not the seed query: the nearest step-0 rows of trajectories alone (no join to outcomes), executeSync + rows()'));
  }

  if (stores.usearch && keep('usearch')) {
    let index: UsearchIndex | undefined;
    const passing = data.passing[spec.filter];
    const selectivity = data.passingCount[spec.filter] / data.count;
    const postFilter = spec.filter !== 'unfiltered';
    let asked = 0;
    const search = (query: Float32Array): Hit[] => {
      if (!postFilter) {
        const found = searchRows(index!, query, K);
        return hitsFromRows(data, found.rows, found.distances);
      }
      const found = searchRowsPostFiltered(index!, query, K, passing, selectivity);
      asked += found.asked;
      return hitsFromRows(data, found.rows, found.distances);
    };
    const describe = postFilter
      ? `index.search(query, k', 1 thread) post-filtered in JS (the JS binding has no filtered search): k' = ${K} / ${selectivity.toFixed(3)} × 2, doubled until ${K} pass; rows from JS arrays`
      : `index.search(query, ${K}, 1 thread); rows {trajectory_id, reward_score, total_steps, relevance} from JS arrays`;
    const system: System = {
      name: 'usearch',
      settings: describe,
      setup() {
        if (index) return;
        index = usearchIndexWithExpansion(stores, spec.efSearch ?? HNSW.efSearch);
        asked = 0;
        recall.usearch = recallAt(data, spec.filter, data.queries.map((query) => rowsOfIds(data, search(query).map((hit) => hit.trajectory_id))));
        system.settings = `${describeRecall(recall.usearch)}; ${efLabel}; ${describe}${postFilter ? ` (mean k' ${Math.round(asked / data.queries.length)})` : ''}`;
      },
      run() {
        for (const query of data.queries) consumed.rows += search(query).length;
      },
    };
    systems.push(system);
  }

  const lanceKinds: LanceIndexKind[] = spec.efSearch === undefined ? ['hnsw_sq', 'ivf_flat'] : ['hnsw_sq'];
  for (const kind of lanceKinds) {
    const name = kind === 'hnsw_sq' ? 'lancedb' : `lancedb/${kind}`;
    if (!stores.lance || !keep(name)) continue;
    let table: LanceTable | undefined;
    let options: LanceSearchOptions = { where: filter.lance };
    const system: System = {
      name,
      settings: LANCE_INDEX_SETTINGS[kind],
      async setup() {
        if (table) return;
        table = await lanceIndexed(stores, kind);
        const recallOf = (candidate: LanceSearchOptions) =>
          measureRecall(data, spec.filter, async (query) => rowsOfIds(data, (await searchLance(table!, query, K, candidate)).map((hit) => hit.trajectory_id)));
        let chosen: { options: LanceSearchOptions; recall: number } | undefined;
        const tried: string[] = [];
        if (spec.efSearch !== undefined) {
          // LanceDB rejects ef < k ("ef must be greater than or equal to k"); the others search with max(ef, k).
          options = { ...options, ef: Math.max(spec.efSearch, K) };
          chosen = { options, recall: await recallOf(options) };
        } else {
          // Raised from LanceDB's defaults until its recall reaches replaydb's (usearch's without replaydb).
          const target = (recall.replaydb ?? recall.usearch ?? 0.95) - RECALL_TOLERANCE;
          const candidates: Omit<LanceSearchOptions, 'where'>[] =
            kind === 'hnsw_sq'
              ? [{}, { ef: 128 }, { ef: 256 }, { ef: 128, refineFactor: 2 }, { ef: 256, refineFactor: 4 }]
              : [{}, { nprobes: 40 }, { nprobes: 80 }];
          for (const candidate of candidates) {
            const candidateOptions = { ...candidate, where: filter.lance };
            const measured = await recallOf(candidateOptions);
            tried.push(`${describeLanceSearch(candidate)} → ${measured.toFixed(4)}`);
            if (!chosen || measured > chosen.recall) chosen = { options: candidateOptions, recall: measured };
            if (measured >= target) {
              chosen = { options: candidateOptions, recall: measured };
              break;
            }
          }
        }
        options = chosen!.options;
        recall[name] = chosen!.recall;
        system.settings = `${describeRecall(chosen!.recall)}; LanceDB ${stores.lance!.version}, ${LANCE_INDEX_SETTINGS[kind]}; search: ${describeLanceSearch(options)}${tried.length > 1 ? ` (tuned up: ${tried.join('; ')})` : ''}; await query().nearestTo().distanceType('cosine').limit(${K}).select([…, '_distance']).toArray(), rows copied into plain objects`;
      },
      async run() {
        for (const query of data.queries) consumed.rows += (await searchLance(table!, query, K, options)).length;
      },
    };
    systems.push(system);
  }
  return systems;
}

// ---------------------------------------------------------------------------------------

const SEARCH_SPECS: SearchCaseSpec[] = [
  { name: 'search_unfiltered', filter: 'unfiltered' },
  { name: 'search_success', filter: 'success' },
  { name: 'search_selective', filter: 'selective' },
  { name: 'search_ef16', filter: 'unfiltered', efSearch: 16 },
  { name: 'search_ef128', filter: 'unfiltered', efSearch: 128 },
];
const CASE_NAMES = ['index_build', ...SEARCH_SPECS.map((spec) => spec.name)];
const SYSTEM_NAMES = ['replaydb', 'replaydb/index-at-seal', 'replaydb/vector-only', 'usearch', 'lancedb', 'lancedb/ivf_flat'];
/** Cases a --quick run leaves out unless --only names them (each rebuilds replaydb's index). */
const FULL_RUN_CASES = new Set(['search_ef16', 'search_ef128']);

function namedInOnly(options: RunOptions, name: string): boolean {
  return options.only.cases.includes(name) || options.only.cases.includes(`vector/${name}`);
}

export const vectorWorkload: Workload = {
  name: 'vector',
  caseNames: CASE_NAMES,
  systemNames: SYSTEM_NAMES,
  async cases(options: RunOptions, skipped: Skip[]): Promise<Case[]> {
    const names = CASE_NAMES.filter((name) => keepsCase(options, 'vector', name) && (!options.quick || !FULL_RUN_CASES.has(name) || namedInOnly(options, name)));
    if (names.length === 0) return [];
    const keep = (name: string): boolean => keepsSystem(options, name);
    const count = Math.max(WARMUP_ROWS, Math.round((options.quick ? ROWS.quick : ROWS.full) * options.scale));
    const queryCount = options.quick ? 50 : 200;
    const stores: Stores = {
      data: buildData(count, queryCount),
      lanceTables: {},
      lanceIndexed: new Set(),
      recall: {},
      untimedBuilds: [],
      lancedbLoadSeconds: {},
      exactCheck: {},
      notes: {},
      paths: [],
    };
    if (keep('usearch')) {
      const loaded = await loadUsearch();
      if ('reason' in loaded) skipped.push({ system: 'usearch', reason: loaded.reason });
      else stores.usearch = loaded;
    }
    if (keep('lancedb')) {
      const loaded = await loadLanceDB();
      if ('reason' in loaded) skipped.push({ system: 'lancedb', reason: loaded.reason });
      else stores.lance = loaded;
    }
    const { data } = stores;
    const cores = cpus().length;
    const sizeNote = options.quick ? ` (--quick size; a full run has ${Math.round(ROWS.full * options.scale)})` : '';
    const describeData = `${count} trajectories${sizeNote}, one step-0 row each with a 768-d clustered embedding (48 clusters), outcomes success ${((data.passingCount.success / count) * 100).toFixed(0)}%`;
    // The first case carries the data's facts and everything found while running (filled in as cases run).
    const notes = {
      ...data.notes,
      found: stores.notes,
      recall: stores.recall,
      exactCheck: stores.exactCheck,
      untimedBuilds: stores.untimedBuilds,
      lancedbLoadSeconds: stores.lancedbLoadSeconds,
    };

    const cases: Case[] = [];
    for (const name of names) {
      if (name === 'index_build') {
        cases.push({
          name: 'vector/index_build',
          unit: 'rows/s',
          units: count,
          description: `HNSW build over ${describeData}: cosine, M ${HNSW.m}, ef_construction ${HNSW.efConstruction}, f32; vectors indexed per second (warm-up: a ${Math.min(WARMUP_ROWS, count)}-row build)`,
          systems: buildSystems(stores, keep, cores),
          repetitions: options.quick ? 1 : Math.min(2, options.repetitions),
          ratioTargets: [{ system: 'usearch', label: `≥ ${(1 / USEARCH_BUILD_TARGET).toFixed(2)} (replaydb within ${USEARCH_BUILD_TARGET}x of usearch)`, met: (ratio) => ratio >= 1 / USEARCH_BUILD_TARGET }],
        });
        continue;
      }
      const spec = SEARCH_SPECS.find((candidate) => candidate.name === name)!;
      const filter = FILTERS[spec.filter];
      cases.push({
        name: `vector/${name}`,
        unit: 'ms',
        units: queryCount,
        description:
          `the seed's vector top-${K}${filter.sql ? ` WHERE ${filter.sql} (${((data.passingCount[spec.filter] / count) * 100).toFixed(1)}% pass)` : ' without a WHERE'}` +
          `${spec.efSearch !== undefined ? ` at ef_search ${spec.efSearch}` : ''} over ${describeData}; time per query, ${queryCount} queries per repetition (perturbed data vectors); recall@${K} in each system's settings`,
        systems: searchSystems(stores, spec, keep),
        ratioTargets: [
          { system: 'usearch', label: `≥ ${USEARCH_QPS_TARGET} (replaydb ≥ ${USEARCH_QPS_TARGET}x usearch's QPS)`, met: (ratio) => ratio >= USEARCH_QPS_TARGET },
          { system: 'lancedb', label: '> 1 (faster than LanceDB)', met: (ratio) => ratio > 1 },
          { system: 'lancedb/ivf_flat', label: '> 1 (faster than LanceDB)', met: (ratio) => ratio > 1 },
        ],
        notes: { recall: stores.recall[`vector/${name}`] ??= {} },
      });
    }
    if (cases[0]) cases[0].notes = { ...cases[0].notes, ...notes };

    // Every case that runs releases the shared stores once it is done; the last one frees them.
    await releaseWhenDone(cases, async () => {
      await stores.replaydb?.db.close();
      stores.lanceConnection?.close();
      for (const path of stores.paths) removePath(path);
    });
    return cases;
  },
};
