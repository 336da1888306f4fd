/**
 * The side-by-side harness: runs each benchmark case for replaydb and its peers in one
 * process, interleaved (warm-up first, then replaydb, peer, replaydb, peer, …), so that
 * machine noise, which varies 30–50% between runs on the 2-core build machine, lands on
 * every system alike. It reports the median and the min–max of the repetitions and, per
 * peer, the ratio peer time / replaydb time (> 1 means replaydb is faster).
 *
 * A workload is a named group of cases; a case is a list of systems, each with a setup
 * (untimed, before every repetition), a timed run, and a teardown (untimed). A peer whose
 * package does not load is skipped with its reason, never a failure of the whole run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem, platform, arch, release, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The system every ratio is measured against. */
export const BASELINE = 'replaydb';

/**
 * One system in a case. `run` is the only timed part; it does `iterations` units of work
 * (rows inserted, opens done) so that results read as a rate or a time per unit.
 */
export interface System {
  name: string;
  /** Settings that decide the result (durability, batching, storage of JSON), printed and saved. */
  settings?: string;
  /** Untimed, before each repetition (and the warm-up): fresh database, prepared statements. */
  setup?(): Promise<void> | void;
  /**
   * Timed. May return the seconds of named phases inside the run (e.g. insert, close);
   * they are saved with the results, the table shows the whole run.
   */
  run(): Promise<Phases | void> | Phases | void;
  /** Untimed, after each repetition: close, delete temporary files. */
  teardown?(): Promise<void> | void;
  /** Once, after the last repetition. */
  dispose?(): Promise<void> | void;
}

/** Seconds spent in named phases of one run. */
export type Phases = Record<string, number>;

export interface Target {
  /** What the target says, e.g. '≥ 200k rows/s'. */
  label: string;
  /** True when the baseline's median meets the target. */
  met(result: SystemResult): boolean;
}

/** A target on a peer's ratio (peer time / replaydb time), shown on the peer's row. */
export interface RatioTarget {
  system: string;
  /** What the target says, e.g. '> 1 (replaydb faster)'. */
  label: string;
  met(ratio: number): boolean;
}

export interface Case {
  /** 'workload/case', e.g. 'ingest/single-row'. */
  name: string;
  /** How results read: 'rows/s' (a rate, higher is better) or 'ms' (time per unit, lower is better). */
  unit: 'rows/s' | 'ms';
  /** Units of work one `run` does: rows for a rate, operations for a time per operation. */
  units: number;
  /** What the case measures and with which data, printed and saved. */
  description: string;
  systems: System[];
  target?: Target;
  /** Targets on peers' ratios (replaydb faster than X, N times faster than Y). */
  ratioTargets?: RatioTarget[];
  /** Overrides the run's repetition count (cheap cases can afford more). */
  repetitions?: number;
  /** Facts found while preparing the case (build times, sizes), saved with the results. */
  notes?: Record<string, unknown>;
}

export interface Workload {
  name: string;
  /** Case names without the workload prefix, for --only. */
  caseNames: string[];
  /** System names the workload may run, for --only. */
  systemNames: string[];
  /** Builds the selected cases; `skipped` collects peers that could not load. Heavy data is made here. */
  cases(options: RunOptions, skipped: Skip[]): Promise<Case[]>;
}

export interface RunOptions {
  quick: boolean;
  /** Multiplies every workload's row counts (1 = the default sizes). */
  scale: number;
  repetitions: number;
  /** From --only: workload or case names, and system names; an empty list keeps everything. */
  only: { cases: string[]; systems: string[] };
  /** From --publish: also rewrite README's Benchmarks section and docs/bench/latest.svg. */
  publish?: boolean;
}

/** Seconds since `start` (from process.hrtime.bigint()). */
export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Whether --only keeps case `workload/name`. */
export function keepsCase(options: RunOptions, workload: string, name: string): boolean {
  const tokens = options.only.cases;
  return tokens.length === 0 || tokens.includes(workload) || tokens.includes(`${workload}/${name}`) || tokens.includes(name);
}

/** Whether --only keeps a system; 'better-sqlite3' also keeps its variants 'better-sqlite3/…'. */
export function keepsSystem(options: RunOptions, system: string): boolean {
  const tokens = options.only.systems;
  return tokens.length === 0 || tokens.some((token) => system === token || system.startsWith(`${token}/`));
}

export interface Skip {
  system: string;
  case?: string;
  reason: string;
}

export interface SystemResult {
  case: string;
  system: string;
  settings?: string;
  unit: 'rows/s' | 'ms';
  units: number;
  /** Seconds per repetition, in the order run. */
  seconds: number[];
  /** Per phase the system reported, seconds per repetition. */
  phases?: Record<string, number[]>;
  /** In `unit`: median and extremes over the repetitions. */
  median: number;
  min: number;
  max: number;
  /** Peer median time / baseline median time; undefined for the baseline or without one. */
  ratio?: number;
  target?: { label: string; met: boolean };
}

/** Loads an optional peer package; the specifier is a variable so that tsc needs no types for it. */
export async function loadOptional<T>(specifier: string): Promise<{ module: T } | { reason: string }> {
  try {
    const loaded = (await import(specifier)) as { default?: T };
    return { module: (loaded.default ?? loaded) as T };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { reason: `cannot load ${specifier}: ${message}` };
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function timeOnce(system: System): Promise<{ seconds: number; phases?: Phases }> {
  await system.setup?.();
  try {
    collectGarbage();
    const start = process.hrtime.bigint();
    const phases = await system.run();
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, phases: phases ?? undefined };
  } finally {
    await system.teardown?.();
  }
}

function toUnit(unit: Case['unit'], units: number, seconds: number): number {
  return unit === 'rows/s' ? units / seconds : (seconds * 1000) / units;
}

/**
 * Runs one case: every system once untimed, then `repetitions` rounds in which each system
 * runs once, in the case's order (baseline first) in even rounds and in reverse in odd ones. A system that throws is dropped from
 * the case with its error as the reason.
 */
export async function runCase(testCase: Case, options: RunOptions, skipped: Skip[], log: (line: string) => void): Promise<SystemResult[]> {
  const repetitions = testCase.repetitions ?? options.repetitions;
  const seconds = new Map<System, number[]>();
  const phases = new Map<System, Record<string, number[]>>();
  let systems = testCase.systems;
  const drop = (system: System, error: unknown): void => {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    skipped.push({ system: system.name, case: testCase.name, reason: `failed: ${reason}` });
    log(`  ${system.name}: failed (${reason}); dropped from ${testCase.name}`);
    systems = systems.filter((kept) => kept !== system);
  };
  for (const system of systems) {
    try {
      await timeOnce(system); // warm-up
      seconds.set(system, []);
    } catch (error) {
      drop(system, error);
    }
  }
  for (let round = 0; round < repetitions; round++) {
    // Rounds alternate the order (baseline first, then last), so no system always runs
    // right after the same one: one that leaves the caches cold (LanceDB's searches sweep
    // far more memory than the others) would otherwise slow the same neighbour every round.
    for (const system of round % 2 === 0 ? [...systems] : [...systems].reverse()) {
      try {
        const timed = await timeOnce(system);
        seconds.get(system)!.push(timed.seconds);
        if (timed.phases) {
          const byPhase = phases.get(system) ?? {};
          for (const [phase, value] of Object.entries(timed.phases)) (byPhase[phase] ??= []).push(value);
          phases.set(system, byPhase);
        }
      } catch (error) {
        drop(system, error);
      }
    }
  }
  for (const system of testCase.systems) await system.dispose?.();

  const results: SystemResult[] = systems.map((system) => {
    const times = seconds.get(system)!;
    const values = times.map((time) => toUnit(testCase.unit, testCase.units, time));
    return {
      case: testCase.name,
      system: system.name,
      settings: system.settings,
      unit: testCase.unit,
      units: testCase.units,
      seconds: times,
      phases: phases.get(system),
      median: toUnit(testCase.unit, testCase.units, median(times)),
      min: Math.min(...values),
      max: Math.max(...values),
    };
  });
  const baseline = results.find((result) => result.system === BASELINE);
  if (baseline) {
    const baselineTime = median(baseline.seconds);
    for (const result of results) if (result !== baseline) result.ratio = median(result.seconds) / baselineTime;
    if (testCase.target) baseline.target = { label: testCase.target.label, met: testCase.target.met(baseline) };
    for (const ratioTarget of testCase.ratioTargets ?? []) {
      const peer = results.find((result) => result.system === ratioTarget.system);
      if (peer?.ratio !== undefined) peer.target = { label: `ratio ${ratioTarget.label}`, met: ratioTarget.met(peer.ratio) };
    }
  }
  return results;
}

/**
 * For a workload whose cases share data built once: every case that runs releases the
 * shared data once it is done (after its first system's own dispose), and the last one
 * frees it with `releaseShared`; with no case to run, it is freed at once.
 */
export async function releaseWhenDone(cases: Case[], releaseShared: () => Promise<void> | void): Promise<void> {
  let pending = cases.filter((testCase) => testCase.systems.length > 0).length;
  if (pending === 0) await releaseShared();
  for (const testCase of cases) {
    const [first] = testCase.systems;
    if (!first) continue;
    const ownDispose = first.dispose?.bind(first);
    first.dispose = async () => {
      await ownDispose?.();
      if (--pending === 0) await releaseShared();
    };
  }
}

// ---------------------------------------------------------------------------------------
// Temporary databases: all under one folder in os.tmpdir(), removed when the run ends

let temporaryRoot: string | undefined;
let temporaryCount = 0;

/** A fresh, not yet existing path under this run's temporary folder. */
export function temporaryPath(label: string): string {
  temporaryRoot ??= mkdtempSync(join(tmpdir(), 'replaydb-bench-'));
  return join(temporaryRoot, `${label}-${temporaryCount++}`);
}

export function removePath(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Removes everything temporaryPath() handed out; safe to call more than once. */
export function removeTemporaryRoot(): void {
  if (temporaryRoot) removePath(temporaryRoot);
  temporaryRoot = undefined;
}

// ---------------------------------------------------------------------------------------
// Machine facts and memory bandwidth

export interface MachineFacts {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  v8: string;
  platform: string;
  kernel: string;
  replaydbCommit?: string;
  replaydbTreeDirty?: boolean;
}

export function machineFacts(): MachineFacts {
  const processors = cpus();
  const facts: MachineFacts = {
    cores: processors.length,
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    freeMemoryGiB: round(freemem() / 2 ** 30, 1),
    node: process.version,
    v8: process.versions.v8,
    platform: `${platform()} ${arch()}`,
    kernel: release(),
  };
  try {
    const root = repositoryRoot();
    facts.replaydbCommit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src', 'native'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    facts.replaydbTreeDirty = status.trim().length > 0;
  } catch {
    // not a git checkout: leave the commit out
  }
  return facts;
}

/**
 * Single-thread copy bandwidth: Buffer.copy of `mebibytes` into a destination already
 * touched, so page faults are not measured. The best of a few copies, in GiB/s: the ceiling
 * for anything that moves bytes (loaders, result conversion).
 */
export function memcpyBandwidth(mebibytes = 256, copies = 5): { mebibytes: number; gibPerSecond: number } {
  const bytes = mebibytes * 2 ** 20;
  const source = Buffer.alloc(bytes, 1);
  const destination = Buffer.alloc(bytes, 0);
  let best = Infinity;
  for (let copy = 0; copy < copies; copy++) {
    const start = process.hrtime.bigint();
    source.copy(destination, 0, 0, bytes);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { mebibytes, gibPerSecond: round(bytes / 2 ** 30 / best, 2) };
}

// ---------------------------------------------------------------------------------------
// Output

export function repositoryRoot(): string {
  // dist-test/bench/harness.js → the repository root is two levels up
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function formatValue(unit: Case['unit'], value: number): string {
  if (unit === 'ms') return value < 1 ? `${value.toFixed(3)}` : value < 100 ? value.toFixed(2) : value.toFixed(0);
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  return value.toFixed(0);
}

/** An aligned plain-text table; numeric columns are right-aligned. */
export function formatTable(results: SystemResult[]): string {
  const header = ['case', 'system', 'unit', 'median', 'min–max', 'ratio', 'target'];
  const rows = results.map((result) => [
    result.case,
    result.system,
    result.unit,
    formatValue(result.unit, result.median),
    `${formatValue(result.unit, result.min)}–${formatValue(result.unit, result.max)}`,
    result.ratio === undefined ? (result.system === BASELINE ? '1.00' : '—') : result.ratio.toFixed(2),
    result.target ? `${result.target.label} ${result.target.met ? 'met' : 'MISSED'}` : '',
  ]);
  const rightAligned = new Set([3, 4, 5]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  const lines = [line(header), widths.map((width) => '-'.repeat(width)).join('  ')];
  let previousCase = '';
  for (let index = 0; index < rows.length; index++) {
    if (previousCase && rows[index][0] !== previousCase) lines.push('');
    previousCase = rows[index][0];
    lines.push(line(rows[index]));
  }
  return lines.join('\n');
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  argv: string[];
  options: RunOptions;
  machine: MachineFacts;
  memcpy: { mebibytes: number; gibPerSecond: number };
  cases: { name: string; unit: string; units: number; description: string; systems: { name: string; settings?: string }[]; notes?: Record<string, unknown>; seconds: number }[];
  results: SystemResult[];
  skipped: Skip[];
  data: Record<string, unknown>;
}

/** Writes bench/results/latest.json (results are never committed; the folder is made if missing). */
export function writeReport(report: Report): string {
  const path = join(repositoryRoot(), 'bench', 'results', 'latest.json');
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
  return path;
}
