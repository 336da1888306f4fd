/**
 * Database: an open database directory. `execute` parses (cached per SQL text), plans
 * (cached per schema version), binds parameters and sends ONE message to native code,
 * which runs the statement on a worker thread; `executeSync` does the same on the calling
 * thread for hot embedded calls such as per-step logging.
 */
import { resolve } from 'node:path';
import type { Table as ArrowTable } from 'apache-arrow';
import { insertArrow } from './arrow_insert.js';
import { translateEngineError } from './engine_error.js';
import { DataLoader } from './loader/data_loader.js';
import { native, type NativeDatabase, type NativeResult } from './native.js';
import { Catalog } from './plan/catalog.js';
import { bindParameters, type Parameters } from './plan/parameters.js';
import { explainLines } from './plan/explain.js';
import { prepare, type PreparedStatement } from './plan/planner.js';
import { TYPE_IDS } from './plan/types.js';
import { Result } from './result/result.js';
import type { ParsedStatement } from './sql/ast.js';
import { parse } from './sql/parser.js';
import { SqlError } from './sql/sql_error.js';
import { MergeConflictError, versionEntry, type MergeOptions, type MergeResult, type TableDiff, type VersionEntry } from './versions.js';

export interface OpenOptions {
  /**
   * 'normal' (default): every statement is written to the OS before it returns, so it
   * survives the process being killed. 'full': also fsync'ed, so it survives power loss.
   */
  sync?: 'normal' | 'full';
  /** Return BIGINT values as JS bigint instead of number (numbers beyond 2^53 are an error otherwise). */
  bigint?: boolean;
  /** Create the database when the directory does not exist (default true). */
  create?: boolean;
  /** Seal the unsealed tail into segments once its log passes this many bytes (default 64 MiB). */
  sealThresholdBytes?: number;
  /** Branch to work on (default: the one HEAD names, "main" in a new database). */
  branch?: string;
  /** Compact a table once it has more than this many segments (default 32; 0 turns it off). */
  compactionThresholdSegments?: number;
}

export interface ExecuteOptions {
  /**
   * Cancels the statement: before it starts, or while it runs (it stops at its next batch
   * of rows, changes nothing, and rejects with SqlError code 'query_canceled').
   */
  signal?: AbortSignal;
  /**
   * Progress of a long CREATE INDEX: called about every `progressIntervalMs` while the statement runs with rows indexed so
   * far, and once at the end with `done === total`. Only `execute` can report while it
   * runs; `executeSync` holds the thread.
   */
  onProgress?: (progress: IndexProgress) => void;
  /** How often onProgress is called, in milliseconds (default 250). */
  progressIntervalMs?: number;
}

/** Rows of vectors indexed so far by a running index build, out of `total`. */
export interface IndexProgress {
  phase: 'index';
  done: number;
  total: number;
}

const STATEMENT_CACHE_SIZE = 512;

interface CachedStatement {
  parsed: ParsedStatement;
  prepared?: PreparedStatement;
}

export class Database {
  private readonly handle: NativeDatabase;
  private catalogCache?: Catalog;
  private readonly statements = new Map<string, CachedStatement>();
  private isClosed = false;
  /** The shared COMMITS counter's low 32 bits (moves whenever any process commits); null for a read-only view. */
  private readonly commits: Int32Array | null;
  private seenCommits = 0;

  /** @internal use open() or db.at() */
  constructor(
    readonly path: string,
    private readonly options: OpenOptions & { snapshot?: string },
  ) {
    if (options.sync !== undefined && options.sync !== 'normal' && options.sync !== 'full') {
      throw new TypeError(`open(): sync must be 'normal' or 'full', not ${JSON.stringify(options.sync)}`);
    }
    this.handle = engineCall(
      () =>
        new (native().NativeDatabase)(path, {
          syncFull: options.sync === 'full',
          create: options.create ?? true,
          sealThresholdBytes: options.sealThresholdBytes,
          branch: options.branch,
          snapshot: options.snapshot,
          compactionThresholdSegments: options.compactionThresholdSegments,
        }),
    );
    const counter = engineCall(() => this.handle.commitCounter());
    this.commits = counter ? new Int32Array(counter, 0, 1) : null;
    this.seenCommits = this.commits ? Atomics.load(this.commits, 0) : 0;
  }

  /** The branch this handle reads and writes. */
  get currentBranch(): string {
    return engineCall(() => this.handle.currentBranch());
  }

  /**
   * Creates branch `name` at `from` (a branch or version id; default: the current branch,
   * whose pending changes are committed first). O(1): no data is copied. Returns its version id.
   */
  async branch(name: string, options: { from?: string } = {}): Promise<string> {
    this.checkOpen();
    return engineCall(() => this.handle.createBranch(name, options.from ?? ''));
  }

  /** Commits the current branch's pending changes, then switches this handle to `name`. */
  async checkout(name: string): Promise<void> {
    this.checkOpen();
    engineCall(() => this.handle.checkout(name));
  }

  async branches(): Promise<string[]> {
    this.checkOpen();
    return engineCall(() => this.handle.branches());
  }

  /** Deletes a branch (not the current one). Its versions stay until gc() finds them unreachable. */
  async deleteBranch(name: string): Promise<void> {
    this.checkOpen();
    engineCall(() => this.handle.deleteBranch(name));
  }

  /** History from a branch or version (default: current), newest first, following first parents. */
  async log(options: { branch?: string; limit?: number } = {}): Promise<VersionEntry[]> {
    this.checkOpen();
    return engineCall(() => this.handle.log(options.branch ?? '', options.limit)).map(versionEntry);
  }

  /** Rows added and removed per table from version/branch `from` to `to`. */
  async diff(from: string, to: string): Promise<Record<string, TableDiff>> {
    this.checkOpen();
    return engineCall(() => this.handle.diff(from, to));
  }

  /**
   * Merges branch (or version) `source` into `into` (default: current). Appends merge as a
   * union of segments; rows changed on both sides or primary keys live on both are
   * conflicts: a MergeConflictError listing them, and nothing changes, unless a strategy resolves them.
   */
  async merge(source: string, options: MergeOptions = {}): Promise<MergeResult> {
    this.checkOpen();
    const into = options.into ?? this.currentBranch;
    const outcome = engineCall(() => this.handle.merge(source, into, options.strategy ?? ''));
    if (!options.strategy && outcome.conflicts.length > 0) throw new MergeConflictError(source, into, outcome.conflicts);
    return { version: outcome.version, upToDate: outcome.upToDate, resolved: outcome.conflicts };
  }

  /** A read-only view of a version or branch (time travel); close it when done. */
  at(versionOrBranch: string): Database {
    this.checkOpen();
    return new Database(this.path, { ...this.options, snapshot: versionOrBranch });
  }

  /** Compacts every table into one segment without deleted rows (a new version); returns it, or '' if nothing to do. */
  async optimize(): Promise<string> {
    this.checkOpen();
    return engineCall(() => this.handle.optimize());
  }

  /** Deletes files that no version reachable from a branch uses; returns how many. */
  async gc(): Promise<number> {
    this.checkOpen();
    return engineCall(() => this.handle.gc());
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Runs one SQL statement off the JS thread. */
  async execute(sql: string, params?: Parameters, options: ExecuteOptions = {}): Promise<Result> {
    const signal = options.signal;
    if (signal?.aborted) throw new SqlError('query_canceled', 'canceling statement due to user request', { cause: signal.reason });
    const { prepared, values, parsed } = this.prepareCall(sql, params);
    if (prepared.kind === 'explain') return this.explain(prepared);
    let output: NativeResult;
    let cancellation: unknown;
    const abort = () => native().cancel(cancellation);
    const stopReporting = prepared.message.kind === 'create_index' ? this.reportIndexProgress(options) : undefined;
    try {
      if (prepared.templated) {
        output = await this.handle.runPreparedAsync(this.insertHandle(prepared), values);
      } else {
        if (signal) {
          cancellation = native().createCancellation();
          signal.addEventListener('abort', abort, { once: true });
        }
        const query = this.preparedQuery(prepared);
        output = query
          ? await this.handle.runQueryAsync(query, prepared.message, values, cancellation)
          : await this.handle.runAsync(prepared.message, values, cancellation);
      }
    } catch (error) {
      throw translateEngineError(error, sql, { parameters: parsed.parameters.positions, expressions: prepared.positions });
    } finally {
      signal?.removeEventListener('abort', abort);
      stopReporting?.();
    }
    if (stopReporting) this.lastIndexProgress(options);
    return new Result(output, prepared.columns, this.options.bigint ?? false);
  }

  /** Polls the native build counters while an index builds; returns the function that stops polling. */
  private reportIndexProgress(options: ExecuteOptions): (() => void) | undefined {
    const report = options.onProgress;
    if (!report) return undefined;
    const interval = options.progressIntervalMs ?? 250;
    if (!Number.isFinite(interval) || interval <= 0) throw new RangeError(`progressIntervalMs must be a positive number, got ${String(interval)}`);
    let last = -1;
    const timer = setInterval(() => {
      let done: number, total: number;
      try {
        [done, total] = this.handle.indexProgress();
      } catch {
        return;  // closed meanwhile: the statement itself reports that
      }
      if (done === last) return;
      last = done;
      report({ phase: 'index', done, total });
    }, interval);
    return () => clearInterval(timer);
  }

  /** The final report of a build that succeeded: every row indexed. */
  private lastIndexProgress(options: ExecuteOptions): void {
    const [, total] = this.handle.indexProgress();
    options.onProgress?.({ phase: 'index', done: total, total });
  }

  /** Runs one SQL statement on the calling thread. */
  executeSync(sql: string, params?: Parameters): Result {
    const { prepared, values, parsed } = this.prepareCall(sql, params);
    if (prepared.kind === 'explain') return this.explain(prepared);
    let output: NativeResult;
    try {
      const query = this.preparedQuery(prepared);
      output = prepared.templated
        ? { rowCount: this.handle.runPrepared(this.insertHandle(prepared), values) }
        : query
          ? this.handle.runQuery(query, prepared.message, values)
          : this.handle.run(prepared.message, values);
    } catch (error) {
      throw translateEngineError(error, sql, { parameters: parsed.parameters.positions, expressions: prepared.positions });
    }
    return new Result(output, prepared.columns, this.options.bigint ?? false);
  }

  /**
   * A dataloader over the rows of `sql` (run once, when the loader first starts): batches
   * for training on the CPU or in WebGPU buffers. Configure it with batchSize(), shuffle(),
   * shard(), epochs(), dropLast(), prefetch(), tokens(), resume(); see README, "Dataloader".
   */
  dataloader(sql: string, params?: Parameters): DataLoader {
    this.checkOpen();
    if (typeof sql !== 'string') throw new TypeError(`dataloader(): sql must be a string, not ${typeof sql}`);
    return new DataLoader(() => this.execute(sql, params), sql, params, this.options.bigint ?? false);
  }

  /** Seals pending rows into segments and publishes a new version (fsync'ed); returns its id. */
  async commit(message = ''): Promise<string> {
    this.checkOpen();
    try {
      return this.handle.seal('commit', message);
    } catch (error) {
      throw translateEngineError(error, '', { parameters: [], expressions: [] });
    }
  }

  /**
   * Takes in what other processes committed to this branch since this handle last looked
   * (every statement does this itself; call it to pick them up between statements). This
   * handle's uncommitted changes are replayed on top; if they no longer apply, it throws
   * SqlError 'serialization_failure' naming the conflict and nothing changes. Returns
   * whether the view changed.
   */
  async refresh(): Promise<boolean> {
    this.checkOpen();
    return engineCall(() => this.handle.refresh());
  }

  /** Discards the changes made since the last commit and takes in the branch's latest version. */
  async rollback(): Promise<void> {
    this.checkOpen();
    engineCall(() => this.handle.rollback());
  }

  /**
   * Appends an apache-arrow Table's rows to `table` (columns matched by name, missing ones
   * DEFAULT/NULL) in multi-row parameterised INSERTs; returns the rows inserted. Every value
   * is checked before the first INSERT; an engine-side failure (a taken primary key) leaves
   * earlier chunks of rows inserted. See src/arrow_insert.ts.
   */
  async insertArrow(table: string, arrowTable: ArrowTable): Promise<number> {
    return insertArrow(this, table, arrowTable);
  }

  /** Table names and their columns, as the planner sees them. */
  tables(): { name: string; rowCount: number; columns: { name: string; type: string; notNull: boolean; primaryKey: boolean }[] }[] {
    return this.catalog()
      .allTables()
      .map((table) => ({
        name: table.name,
        rowCount: table.rowCount,
        columns: table.columns.map((column) => ({
          name: column.name,
          type: column.type.id === 'vector' ? `vector(${column.type.dimension})` : column.type.id,
          notNull: column.notNull,
          primaryKey: column.primaryKey,
        })),
      }));
  }

  /** Seals what is pending, fsyncs, and releases the directory. Idempotent. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    try {
      this.handle.close();
    } catch (error) {
      throw translateEngineError(error, '', { parameters: [], expressions: [] });
    }
  }

  /** EXPLAIN's result: one text row per plan line. */
  private explain(prepared: PreparedStatement): Result {
    const lines = explainLines(prepared.message);
    const encoder = new TextEncoder();
    const encoded = lines.map((line) => encoder.encode(line));
    const offsets = new Uint32Array(lines.length + 1);
    encoded.forEach((bytes, i) => (offsets[i + 1] = offsets[i]! + bytes.length));
    const data = new Uint8Array(offsets[lines.length]!);
    encoded.forEach((bytes, i) => data.set(bytes, offsets[i]!));
    return new Result(
      { rowCount: lines.length, columns: [[TYPE_IDS.indexOf('text'), 0, lines.length, data.buffer, offsets.buffer, undefined]] },
      prepared.columns,
      false,
    );
  }

  private insertHandle(prepared: PreparedStatement): unknown {
    return (prepared.nativeHandle ??= this.handle.prepareInsert(prepared.message));
  }

  /**
   * The native copy of a query, read once, for queries whose message stays the same for
   * every parameter value (LIMIT $n and parameters typed by their value change it).
   */
  private preparedQuery(prepared: PreparedStatement): unknown {
    if (prepared.kind !== 'query' || prepared.rowCountSlots.length > 0 || prepared.untypedParameters.length > 0) return undefined;
    return (prepared.nativeQuery ??= this.handle.prepareQuery(prepared.message));
  }

  private checkOpen(): void {
    if (this.isClosed) throw new SqlError('connection_closed', 'the database is closed');
  }

  private catalog(): Catalog {
    const version = this.handle.schemaVersion();
    if (!this.catalogCache || this.catalogCache.schemaVersion !== version) this.catalogCache = new Catalog(this.handle.catalog());
    return this.catalogCache;
  }

  private prepareCall(sql: string, params: Parameters | undefined): { prepared: PreparedStatement; values: unknown[]; parsed: ParsedStatement } {
    this.checkOpen();
    if (typeof sql !== 'string') throw new TypeError(`execute(): sql must be a string, not ${typeof sql}`);
    let cached = this.statements.get(sql);
    if (!cached) {
      cached = { parsed: parse(sql) };
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, cached);
    }
    // Other processes' commits become visible at the next statement: every commit moves the
    // shared counter, so a statement with none since the last one costs a memory load.
    if (this.commits) {
      const commits = Atomics.load(this.commits, 0);
      if (commits !== this.seenCommits) {
        engineCall(() => this.handle.refresh());  // a conflict throws here again at every statement until rollback()
        this.seenCommits = commits;
      }
    }
    const version = this.handle.schemaVersion();
    if (!cached.prepared || cached.prepared.schemaVersion !== version) cached.prepared = prepare(cached.parsed, this.catalog());
    const values = bindParameters(cached.parsed.parameters, params, cached.prepared, sql);
    return { prepared: cached.prepared, values, parsed: cached.parsed };
  }
}

/** Runs a native call, turning engine errors into SqlErrors. */
function engineCall<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw translateEngineError(error, '', { parameters: [], expressions: [] });
  }
}

/** Opens (creating if missing) the database in directory `path`. */
export async function open(path: string, options: OpenOptions = {}): Promise<Database> {
  return openSync(path, options);
}

/** Synchronous open(), for scripts and tests. */
export function openSync(path: string, options: OpenOptions = {}): Database {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('open(): path must be a non-empty string');
  return new Database(resolve(path), options);
}
