/**
 * Micro-benchmarks of the native kernels, timed with the `benchmark` package (Benchmark.js:
 * it calibrates how many calls make one sample and reports ops/s with the relative margin
 * of error). Each kernel is reached through SQL the way a user reaches it — executeSync on
 * a committed database whose segments are in the page cache, plan cached after the first
 * call — so a sample is one whole statement: plan lookup, parameter binding, the native
 * scan and the result handed to JS (a typed array over native memory, no copy). Beside
 * each, a plain JS loop over the same values already in JS typed arrays: the floor a
 * hand-written script gets without a database.
 *
 *   filter    SELECT count(*) FROM ints WHERE x > $1          1M INT rows, half pass
 *   gather    SELECT x FROM ints WHERE id % 7 = 0            1M rows scanned, 1/7 gathered (column('x'))
 *   distance  SELECT cosine_similarity(e, $1) FROM vectors   100k × 128-d clustered vectors (column('s'))
 *
 * Run: `npm run bench -- --micro [--quick] [--only filter,gather,distance]`, or after a
 * build `node --expose-gc dist-test/bench/micro/run.js [--quick]`. --quick shortens each
 * benchmark's sampling (0.5 s instead of 2 s), not the data. Prints a table and writes
 * bench/results/micro.json.
 */
import Benchmark from 'benchmark';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { open, type Database } from '../../src/index.js';
import { mulberry32, TrajectoryGenerator } from '../data.js';
import { machineFacts, removeTemporaryRoot, repositoryRoot, temporaryPath } from '../harness.js';

const INT_ROWS = 1_000_000;
const VECTOR_ROWS = 100_000;
const DIMENSION = 128;
const BATCH_ROWS = 2000;
const KERNELS = ['filter', 'gather', 'distance'] as const;
type Kernel = (typeof KERNELS)[number];

interface MicroResult {
  kernel: Kernel;
  system: string;
  sql?: string;
  opsPerSecond: number;
  relativeMarginOfError: number;
  samples: number;
  rowsPerOp: number;
  rowsPerSecond: number;
}

/** Where the timed functions leave their results, so that nothing is computed for nothing. */
let sink = 0;

interface MicroData {
  db: Database;
  ids: Int32Array;
  xs: Int32Array;
  threshold: number;
  vectors: Float32Array;
  query: Float32Array;
}

async function buildData(kernels: Kernel[]): Promise<MicroData> {
  const path = temporaryPath('replaydb-micro');
  const db = await open(path);
  const random = mulberry32(99);
  const ids = new Int32Array(INT_ROWS);
  const xs = new Int32Array(INT_ROWS);
  if (kernels.includes('filter') || kernels.includes('gather')) {
    db.executeSync('CREATE TABLE ints (id INT, x INT)');
    const tuples = Array.from({ length: BATCH_ROWS }, () => '(%s, %s)').join(', ');
    const sql = `INSERT INTO ints (id, x) VALUES ${tuples}`;
    for (let first = 0; first < INT_ROWS; first += BATCH_ROWS) {
      const values: number[] = new Array(BATCH_ROWS * 2);
      for (let index = 0; index < BATCH_ROWS; index++) {
        const row = first + index;
        ids[row] = row;
        xs[row] = Math.floor(random() * 2_000_000) - 1_000_000;
        values[index * 2] = row;
        values[index * 2 + 1] = xs[row]!;
      }
      db.executeSync(sql, values);
    }
  }
  const vectors = new Float32Array(kernels.includes('distance') ? VECTOR_ROWS * DIMENSION : 0);
  const query = new Float32Array(DIMENSION);
  if (kernels.includes('distance')) {
    db.executeSync(`CREATE TABLE vectors (id INT, e VECTOR(${DIMENSION}))`);
    const generator = new TrajectoryGenerator({ seed: 99, embeddingDimension: DIMENSION, content: 'short' });
    const tuples = Array.from({ length: 500 }, () => '(%s, %s)').join(', ');
    const sql = `INSERT INTO vectors (id, e) VALUES ${tuples}`;
    for (let first = 0; first < VECTOR_ROWS; first += 500) {
      const values: unknown[] = [];
      for (let index = 0; index < 500; index++) {
        const embedding = generator.next().embedding!;
        vectors.set(embedding, (first + index) * DIMENSION);
        values.push(first + index, embedding);
      }
      db.executeSync(sql, values);
    }
    query.set(generator.next().embedding!);
  }
  await db.commit('micro-benchmark data');
  return { db, ids, xs, threshold: 0, vectors, query };
}

// ---------------------------------------------------------------------------------------
// The kernels, each as SQL and as a JS loop; `check` compares the two before any timing

interface KernelCase {
  kernel: Kernel;
  sql: string;
  rowsPerOp: number;
  replaydb(): number;
  javascript(): number;
  /** Throws when the SQL and the JS loop disagree. */
  check(): void;
}

function kernelCases(data: MicroData, kernels: Kernel[]): KernelCase[] {
  const { db, ids, xs, threshold, vectors, query } = data;
  const cases: KernelCase[] = [];
  if (kernels.includes('filter')) {
    const sql = 'SELECT count(*) AS n FROM ints WHERE x > $1';
    const replaydb = (): number => Number(db.executeSync(sql, [threshold]).rows()[0]!.n);
    const javascript = (): number => {
      let count = 0;
      for (let index = 0; index < xs.length; index++) if (xs[index]! > threshold) count++;
      return count;
    };
    cases.push({
      kernel: 'filter',
      sql,
      rowsPerOp: INT_ROWS,
      replaydb,
      javascript,
      check() {
        if (replaydb() !== javascript()) throw new Error(`micro: filter counts disagree: ${replaydb()} vs ${javascript()}`);
      },
    });
  }
  if (kernels.includes('gather')) {
    const sql = 'SELECT x FROM ints WHERE id % 7 = 0';
    const replaydb = (): Int32Array => db.executeSync(sql).column('x') as Int32Array;
    const javascript = (): Int32Array => {
      const out = new Int32Array(Math.ceil(ids.length / 7));
      let written = 0;
      for (let index = 0; index < ids.length; index++) if (ids[index]! % 7 === 0) out[written++] = xs[index]!;
      return out.subarray(0, written);
    };
    const sum = (values: Int32Array): number => values.reduce((total, value) => total + value, 0);
    cases.push({
      kernel: 'gather',
      sql,
      rowsPerOp: INT_ROWS,
      replaydb: () => replaydb().length,
      javascript: () => javascript().length,
      check() {
        const fromSql = replaydb();
        const fromJs = javascript();
        if (!(fromSql instanceof Int32Array)) throw new Error('micro: gather: column(x) is not an Int32Array');
        if (fromSql.length !== fromJs.length || sum(fromSql) !== sum(fromJs)) throw new Error(`micro: gather disagrees: ${fromSql.length} rows vs ${fromJs.length}`);
      },
    });
  }
  if (kernels.includes('distance')) {
    const sql = 'SELECT cosine_similarity(e, $1) AS s FROM vectors';
    const replaydb = (): ArrayLike<number> => db.executeSync(sql, [query]).column('s') as ArrayLike<number>;
    const queryNorm = Math.sqrt(query.reduce((total, value) => total + value * value, 0));
    const out = new Float64Array(VECTOR_ROWS);
    const javascript = (): Float64Array => {
      for (let row = 0; row < VECTOR_ROWS; row++) {
        let dot = 0;
        let norm = 0;
        const base = row * DIMENSION;
        for (let index = 0; index < DIMENSION; index++) {
          const value = vectors[base + index]!;
          dot += value * query[index]!;
          norm += value * value;
        }
        out[row] = norm === 0 ? 0 : dot / (Math.sqrt(norm) * queryNorm);
      }
      return out;
    };
    cases.push({
      kernel: 'distance',
      sql,
      rowsPerOp: VECTOR_ROWS,
      replaydb: () => replaydb().length,
      javascript: () => javascript().length,
      check() {
        const fromSql = replaydb();
        const fromJs = javascript();
        if (fromSql.length !== fromJs.length) throw new Error(`micro: distance: ${fromSql.length} rows vs ${fromJs.length}`);
        // Rows come back in insertion order (one segment, no ORDER BY needed for a plain scan).
        let worst = 0;
        for (let row = 0; row < fromJs.length; row++) worst = Math.max(worst, Math.abs(fromSql[row]! - fromJs[row]!));
        if (worst > 1e-4) throw new Error(`micro: distance: cosine similarities differ by up to ${worst}`);
      },
    });
  }
  return cases;
}

// ---------------------------------------------------------------------------------------

function runSuite(kernelCase: KernelCase, maxTime: number): MicroResult[] {
  const results: MicroResult[] = [];
  const suite = new Benchmark.Suite(kernelCase.kernel);
  const options = { maxTime, minSamples: 5 };
  suite.add('replaydb (SQL)', () => {
    sink += kernelCase.replaydb();
  }, options);
  suite.add('JS loop', () => {
    sink += kernelCase.javascript();
  }, options);
  suite.on('cycle', (event: Benchmark.Event) => {
    const bench = event.target as unknown as Benchmark;
    if (bench.error) throw bench.error;
    results.push({
      kernel: kernelCase.kernel,
      system: bench.name!,
      sql: bench.name === 'replaydb (SQL)' ? kernelCase.sql : undefined,
      opsPerSecond: bench.hz,
      relativeMarginOfError: bench.stats.rme,
      samples: bench.stats.sample.length,
      rowsPerOp: kernelCase.rowsPerOp,
      rowsPerSecond: bench.hz * kernelCase.rowsPerOp,
    });
  });
  suite.run({ async: false });
  return results;
}

function formatRate(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)}G`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(1);
}

function formatResults(results: MicroResult[]): string {
  const header = ['kernel', 'system', 'ops/s', '± rme', 'rows/s', 'samples'];
  const rows = results.map((result) => [
    result.kernel,
    result.system,
    result.opsPerSecond.toFixed(result.opsPerSecond < 100 ? 1 : 0),
    `${result.relativeMarginOfError.toFixed(1)}%`,
    formatRate(result.rowsPerSecond),
    String(result.samples),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => cells.map((cell, column) => (column >= 2 ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** Runs the micro-benchmarks; `argv` takes --quick and --only kernel,…. */
export async function runMicro(argv: string[]): Promise<void> {
  let quick = false;
  let kernels: Kernel[] = [...KERNELS];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--quick') quick = true;
    else if (argument === '--only' || argument.startsWith('--only=')) {
      const list = argument.includes('=') ? argument.slice('--only='.length) : argv[++index] ?? '';
      const names = list.split(',').map((name) => name.trim()).filter(Boolean);
      const unknown = names.filter((name) => !(KERNELS as readonly string[]).includes(name));
      if (unknown.length > 0 || names.length === 0) throw new Error(`micro: --only takes kernels among ${KERNELS.join(', ')}`);
      kernels = names as Kernel[];
    } else throw new Error(`micro: unknown argument ${argument} (takes --quick, --only ${KERNELS.join(',')})`);
  }
  process.on('exit', removeTemporaryRoot);
  const started = new Date();
  const machine = machineFacts();
  console.log(`machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; Benchmark.js ${Benchmark.version}`);
  const buildStart = performance.now();
  const data = await buildData(kernels);
  const xsSorted = Int32Array.from(data.xs).sort();
  data.threshold = xsSorted[xsSorted.length >> 1] ?? 0; // about half the rows pass
  console.log(`data: ${kernels.some((kernel) => kernel !== 'distance') ? `${INT_ROWS} INT rows` : ''}${kernels.includes('distance') ? ` ${VECTOR_ROWS} × ${DIMENSION}-d vectors` : ''}, built in ${((performance.now() - buildStart) / 1000).toFixed(1)} s\n`);
  const results: MicroResult[] = [];
  try {
    for (const kernelCase of kernelCases(data, kernels)) {
      kernelCase.check();
      const suiteResults = runSuite(kernelCase, quick ? 0.5 : 2);
      results.push(...suiteResults);
      const [sql, javascript] = suiteResults;
      console.log(`  ${kernelCase.kernel}: ${kernelCase.sql} — replaydb ${formatRate(sql!.rowsPerSecond)} rows/s, JS loop ${formatRate(javascript!.rowsPerSecond)} rows/s`);
    }
  } finally {
    await data.db.close();
    removeTemporaryRoot();
  }
  console.log(`\n${formatResults(results)}\n`);
  console.log('rows/s = rows scanned per second (ops/s × rows per statement). replaydb: executeSync, one statement per op, result as a typed array.');
  const path = join(repositoryRoot(), 'bench', 'results', 'micro.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify({ startedAt: started.toISOString(), finishedAt: new Date().toISOString(), quick, machine, benchmarkJs: Benchmark.version, results, sink }, null, 2) + '\n');
  console.log(`wrote ${path}`);
}

// Run directly: node --expose-gc dist-test/bench/micro/run.js
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runMicro(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
