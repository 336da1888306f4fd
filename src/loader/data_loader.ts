/**
 * DataLoader: streams a query's rows in batches for training. The query runs once, through
 * the public execute path, the first time the loader starts; the loader then holds the
 * Result, whose native buffers pin the version it read. Batches are gathered from those
 * buffers by native background threads (native/loader), `prefetch` batches ahead of the
 * consumer, into reused host buffers (`for await … of loader`) or straight into mapped
 * WebGPU staging buffers (`loader.toWebGPU(device)`, src/gpu).
 *
 * Order: without shuffle, the query's order; with shuffle(seed), epoch e visits a seeded
 * permutation of (seed, e) that is the same on every machine. shard(rank, worldSize) deals
 * each epoch's order out round-robin (remainder rule in native/loader/sharding.hpp and
 * README). state() is the position after the last batch delivered; resume(state) on a
 * loader with the same query and settings continues exactly there. A new `for await` over
 * the same loader also continues from state().
 */
import type { Parameters } from '../plan/parameters.js';
import type { ColumnData } from '../result/column_data.js';
import type { Result } from '../result/result.js';
import { SqlError } from '../sql/sql_error.js';
import { webgpuBatches, type WebGPUBatch, type WebGPUOptions } from '../gpu/webgpu_batches.js';
import type { GPUDeviceLike } from '../gpu/webgpu_types.js';
import { Batch, TOKEN_OUTPUTS, type LoaderColumn } from './batch.js';
import {
  checkConfig,
  checkQuery,
  parseState,
  queryFingerprint,
  STATE_FORMAT,
  STATE_VERSION,
  type LoaderConfig,
  type LoaderCursor,
  type LoaderState,
} from './loader_state.js';
import { nativeLoader, type NativeBatchInfo, type NativeBatchStream, type NativeLayout, type NativeLoaderData } from './native_loader.js';
import { configureTokenCorpus, resolveTokenOptions, type ResolvedTokenOptions, type TokenOptions } from './token_collator.js';

interface Prepared {
  data: NativeLoaderData;
  columns: LoaderColumn[];
  query: { fingerprint: string; rows: number; items: number };
}

/**
 * @internal An open stream of batches, shared by the CPU iterator and the WebGPU uploads:
 * the native stream, its fixed layout, what its regions hold, and the hooks that keep
 * state() in step with what was delivered.
 */
export interface LoaderStream {
  native: NativeBatchStream;
  layout: NativeLayout;
  /** Row batches: the loader's columns, indexed by region.column. Token batches: empty. */
  columns: LoaderColumn[];
  /** Token batches: tokens per row; 0 for row batches. */
  seqLen: number;
  prefetch: number;
  bigint: boolean;
  /** Records that the batch `info` was handed to the user (state() moves past it). */
  delivered(info: NativeBatchInfo): void;
  /**
   * Ends the loop: cancels what is queued and waits until the thread no longer writes
   * (cancelAndWait), then lets the loader start again. The native stream is kept for the
   * next loop (which seeks it to state()); `discard` closes it instead (e.g. after its
   * device was destroyed).
   */
  finish(discard?: boolean): void;
}

const ZERO_CURSOR: LoaderCursor = { epoch: 0, batch: 0, position: 0, token: 0 };
const MAX_SEED = 2n ** 64n - 1n;

export class DataLoader implements AsyncIterable<Batch> {
  private batchRows = 32;
  private seed: bigint | null = null;
  private rank = 0;
  private worldSize = 1;
  private remainder: 'drop' | 'pad' = 'drop';
  private epochCount = 1;
  private dropIncomplete = false;
  private prefetchDepth = 2;
  private tokenOptions: ResolvedTokenOptions | null = null;
  private pendingState: LoaderState | undefined;
  private cursor: LoaderCursor = { ...ZERO_CURSOR };
  private batchesDelivered = 0;
  private prepared: Promise<Prepared> | undefined;
  private query: LoaderState['query'] | undefined;
  private active = false;
  /** Native streams (each with its thread), kept from loop to loop; one per target. */
  private readonly streams = new Map<'host' | 'gpu', NativeBatchStream>();
  /** Host batch buffers handed back by release() or left over by a loop, for the next batches. */
  private readonly hostBuffers: ArrayBuffer[] = [];

  /** @internal use db.dataloader(sql, params) */
  constructor(
    private readonly execute: () => Promise<Result>,
    private readonly sql: string,
    private readonly params: Parameters | undefined,
    private readonly bigint: boolean,
  ) {}

  /** Rows per batch (token batches: rows of seqLen tokens). Default 32. */
  batchSize(rows: number): this {
    this.configurable('batchSize');
    if (!Number.isSafeInteger(rows) || rows < 1) throw new RangeError(`batchSize must be a positive integer, not ${rows}`);
    this.batchRows = rows;
    return this;
  }

  /** Shuffle every epoch with a seeded permutation (the same on every machine); seed: a non-negative integer below 2^64. */
  shuffle(seed: number | bigint): this {
    this.configurable('shuffle');
    const value = typeof seed === 'bigint' ? seed : Number.isSafeInteger(seed) ? BigInt(seed) : -1n;
    if (value < 0n || value > MAX_SEED) throw new RangeError(`shuffle seed must be an integer in [0, 2^64), not ${String(seed)}`);
    this.seed = value;
    return this;
  }

  /**
   * This process is rank `rank` of `worldSize`: it gets every worldSize-th item of each
   * epoch's order, starting at `rank`. remainder 'drop' (default) leaves out the last
   * n mod worldSize items of the epoch's order; 'pad' wraps around to its start instead.
   */
  shard(rank: number, worldSize: number, options: { remainder?: 'drop' | 'pad' } = {}): this {
    this.configurable('shard');
    if (!Number.isSafeInteger(worldSize) || worldSize < 1 || worldSize > 2 ** 31) throw new RangeError(`worldSize must be a positive integer, not ${worldSize}`);
    if (!Number.isSafeInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`rank must be an integer in [0, ${worldSize}), not ${rank}`);
    const remainder = options.remainder ?? 'drop';
    if (remainder !== 'drop' && remainder !== 'pad') throw new RangeError(`shard remainder must be 'drop' or 'pad', not ${JSON.stringify(remainder)}`);
    this.rank = rank;
    this.worldSize = worldSize;
    this.remainder = remainder;
    return this;
  }

  /** Passes over the data (default 1); Infinity for an endless stream. */
  epochs(count: number): this {
    this.configurable('epochs');
    if (!(count === Infinity || (Number.isSafeInteger(count) && count >= 1))) throw new RangeError(`epochs must be a positive integer or Infinity, not ${count}`);
    this.epochCount = count;
    return this;
  }

  /** Leave out the last batch of an epoch when it is smaller than batchSize (default false). */
  dropLast(drop = true): this {
    this.configurable('dropLast');
    this.dropIncomplete = Boolean(drop);
    return this;
  }

  /** Batches gathered ahead of the consumer by the background threads (default 2). */
  prefetch(batches: number): this {
    this.configurable('prefetch');
    if (!Number.isSafeInteger(batches) || batches < 1 || batches > 64) throw new RangeError(`prefetch must be an integer in [1, 64], not ${batches}`);
    this.prefetchDepth = batches;
    return this;
  }

  /**
   * Token batches instead of row batches: the query's trajectory steps (trajectory_id,
   * step, role, content) become packed rows of seqLen tokens with input_ids, loss_mask,
   * position_ids and sequence_ids (i32[batch × seqLen] each). See README, "Token batches".
   */
  tokens(options: TokenOptions): this {
    this.configurable('tokens');
    this.tokenOptions = resolveTokenOptions(options);
    return this;
  }

  /** Continue from a state() saved by a loader with the same query and settings. */
  resume(state: LoaderState | string): this {
    this.configurable('resume');
    this.pendingState = parseState(state);
    return this;
  }

  /** Where the loader stands: JSON-serialisable; give it to resume() to continue from here. */
  state(): LoaderState {
    if (this.pendingState && !this.query) return structuredClone(this.pendingState);
    return {
      format: STATE_FORMAT,
      version: STATE_VERSION,
      query: this.query ?? { fingerprint: queryFingerprint(this.sql, this.params), rows: null, items: null },
      config: this.config(),
      cursor: { ...this.cursor },
      batchesDelivered: this.batchesDelivered,
    };
  }

  /** Rows the query returned, items per epoch for this rank (rows or trajectories) and batches per epoch. */
  async info(): Promise<{ rows: number; items: number; itemsPerEpoch: number; batchesPerEpoch: number }> {
    const prepared = await this.prepare();
    let stream = this.streams.get('host');
    if (!stream) {
      stream = new (nativeLoader().NativeBatchStream)(prepared.data, this.streamSettings('host'));
      this.streams.set('host', stream);
    }
    return { rows: prepared.query.rows, items: prepared.query.items, itemsPerEpoch: stream.epochItems(), batchesPerEpoch: stream.epochBatches() };
  }

  [Symbol.asyncIterator](): AsyncIterator<Batch> {
    return this.hostBatches();
  }

  /**
   * Batches in WebGPU storage buffers (STORAGE | COPY_SRC | COPY_DST), gathered by the
   * native thread straight into mapped staging buffers. Layout: README, "Batches on the GPU".
   */
  toWebGPU(device: GPUDeviceLike, options: WebGPUOptions = {}): AsyncIterable<WebGPUBatch> {
    return { [Symbol.asyncIterator]: () => webgpuBatches(() => this.open('gpu'), device, options) };
  }

  /** @internal Opens a native stream at the current cursor; one at a time per loader. */
  async open(target: 'host' | 'gpu'): Promise<LoaderStream> {
    if (this.active) throw new SqlError('object_in_use', 'this dataloader is already being iterated; finish (or break out of) that loop first');
    this.active = true;
    try {
      const prepared = await this.prepare();
      let stream = this.streams.get(target);
      try {
        stream?.seek(this.cursor);
      } catch {
        stream = undefined; // closed (its device was destroyed mid-loop): start a new one
      }
      if (!stream) {
        stream = new (nativeLoader().NativeBatchStream)(prepared.data, this.streamSettings(target));
        this.streams.set(target, stream);
      }
      const native = stream;
      return {
        native: stream,
        layout: stream.layout(),
        columns: this.tokenOptions ? [] : prepared.columns,
        seqLen: this.tokenOptions?.seqLen ?? 0,
        prefetch: this.prefetchDepth,
        bigint: this.bigint,
        delivered: (info) => {
          this.cursor = { ...info.end };
          this.batchesDelivered++;
        },
        finish: (discard = false) => {
          native.cancelAndWait();
          if (discard) {
            native.close();
            if (this.streams.get(target) === native) this.streams.delete(target);
          }
          this.active = false;
        },
      };
    } catch (error) {
      this.active = false;
      throw error;
    }
  }

  private async *hostBatches(): AsyncGenerator<Batch> {
    const stream = await this.open('host');
    const { layout, prefetch } = stream;
    const free = this.hostBuffers;
    const inFlight: { promise: Promise<NativeBatchInfo>; buffer: ArrayBuffer }[] = [];
    try {
      for (;;) {
        while (inFlight.length < prefetch) {
          const buffer = free.pop() ?? new ArrayBuffer(layout.totalBytes);
          inFlight.push({ promise: stream.native.next(buffer), buffer });
        }
        const { promise, buffer } = inFlight.shift()!;
        const info = await promise;
        if (info.done) {
          free.push(buffer);
          break;
        }
        stream.delivered(info);
        yield new Batch(info, buffer, layout, stream.columns, stream.seqLen, stream.bigint, () => free.push(buffer));
      }
    } finally {
      // Batches still being gathered are cancelled; once the thread has stopped writing,
      // their buffers go back to the pool for the next loop.
      stream.native.cancelAndWait();
      for (const entry of inFlight) {
        entry.promise.catch(() => undefined);
        free.push(entry.buffer);
      }
      stream.finish();
    }
  }

  private config(): LoaderConfig {
    const tokens = this.tokenOptions;
    return {
      batchSize: this.batchRows,
      seed: this.seed === null ? null : this.seed.toString(),
      rank: this.rank,
      worldSize: this.worldSize,
      shardRemainder: this.remainder,
      dropLast: this.dropIncomplete,
      tokens: tokens
        ? { seqLen: tokens.seqLen, pack: tokens.pack, lossOn: tokens.lossOn, template: tokens.template, padId: tokens.padId, tokenizer: tokens.tokenizer ? 'custom' : 'bytes' }
        : null,
    };
  }

  private streamSettings(target: 'host' | 'gpu') {
    return {
      tokens: this.tokenOptions !== null,
      target,
      batchSize: this.batchRows,
      epochs: this.epochCount,
      dropLast: this.dropIncomplete,
      shuffle: this.seed !== null,
      seed: this.seed ?? 0n,
      rank: this.rank,
      worldSize: this.worldSize,
      pad: this.remainder === 'pad',
      cursor: this.cursor,
    };
  }

  private configurable(setting: string): void {
    if (this.prepared) throw new SqlError('object_in_use', `dataloader ${setting}(): settings are fixed once the loader has started; make a new loader`);
  }

  /** Runs the query (once) and hands its column buffers to native code. */
  private prepare(): Promise<Prepared> {
    this.prepared ??= this.load().catch((error: unknown) => {
      this.prepared = undefined; // a failed start leaves the loader configurable
      throw error;
    });
    return this.prepared;
  }

  private async load(): Promise<Prepared> {
    const result = await this.execute();
    if (result.columns.length === 0) throw new SqlError('invalid_parameter', 'dataloader: the statement returns no rows to load (use a SELECT)');
    const names = [...new Set(result.columns.map((column) => column.name))];
    const data: ColumnData[] = names.map((name) => result.columnData(name));
    const columns: LoaderColumn[] = names.map((name, index) => ({ name, type: data[index]!.type, dimension: data[index]!.dimension }));
    const nativeData = new (nativeLoader().NativeLoaderData)(
      data.map((column) => ({ type: column.type, dimension: column.dimension, length: column.length, data: column.data, offsets: column.offsets, validity: column.validity })),
    );
    let items = result.rowCount;
    if (this.tokenOptions) {
      items = configureTokenCorpus(nativeData, this.tokenOptions, (name) => names.indexOf(name), (index) => data[index]!);
    }
    const query = { fingerprint: queryFingerprint(this.sql, this.params), rows: result.rowCount, items };
    if (this.pendingState) {
      checkConfig(this.pendingState, this.config());
      checkQuery(this.pendingState, query);
      this.cursor = { ...this.pendingState.cursor };
      this.batchesDelivered = this.pendingState.batchesDelivered;
    }
    this.query = query;
    // The Result stays referenced by the typed arrays native code pinned, which keeps the
    // version it read alive for as long as the loader is.
    return { data: nativeData, columns, query };
  }
}
