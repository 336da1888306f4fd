/**
 * Uploads: the dataloader's batches into WebGPU storage buffers. The native prefetch
 * thread gathers each batch straight into a mapped staging buffer (staging_ring.ts); the
 * iterator then unmaps it, copies each column's region into that column's storage buffer
 * with copyBufferToBuffer, submits, and maps the staging buffer again. Nothing passes
 * through JS arrays: one copy from the result's native memory to GPU-visible memory, one
 * GPU-side copy into storage buffers.
 *
 * Storage buffers come from a pool: each batch gets one buffer per column (and per
 * validity), sized for the largest batch, with STORAGE | COPY_SRC | COPY_DST usage, and
 * `release()` returns them for a later batch. Work the caller submitted on them before
 * release() is ordered before the copy that refills them (one queue), so releasing right
 * after submitting a kernel that reads them is safe. The staging ring and the pool belong
 * to the loader and its device and are kept from one loop to the next (a loop per epoch
 * allocates nothing after the first); they go when the loader is collected, when a loop
 * over another device replaces them, or when a loop fails.
 *
 * GPU types and layout: see gpuColumnType() below and README, "Batches on the GPU".
 */
import type { LoaderColumn } from '../loader/batch.js';
import { TOKEN_OUTPUTS } from '../loader/batch.js';
import type { LoaderStream } from '../loader/data_loader.js';
import type { NativeBatchInfo, NativeRegion } from '../loader/native_loader.js';
import type { TypeId } from '../plan/types.js';
import { guardDeviceDestroy, StagingRing, type StagingSlot } from './staging_ring.js';
import { BufferUsage, type GPUBufferLike, type GPUDeviceLike } from './webgpu_types.js';

export interface WebGPUOptions {
  /** Prefix of the labels of the buffers the loader creates. */
  label?: string;
}

/** How one column (or token output) lies in its storage buffer. */
export interface WebGPUColumnLayout {
  /** The SQL type the query returned ('int', 'double', 'vector', 'text', …; 'int' for token outputs). */
  sqlType: TypeId;
  /**
   * WGSL element type of the buffer: 'i32' (INT, token outputs), 'f32' (REAL, DOUBLE,
   * VECTOR(n)), 'u32' (BOOLEAN as 0/1; TEXT/JSONB offsets and bytes), 'vec2<u32>' (BIGINT,
   * TIMESTAMP: the 64-bit value as low word, high word).
   */
  wgslType: 'i32' | 'f32' | 'u32' | 'vec2<u32>';
  /** Elements of wgslType per row: n for VECTOR(n), seqLen for token outputs, else 1. */
  elementsPerRow: number;
  /** Bytes per row (fixed-width columns); 0 for TEXT/JSONB. */
  rowBytes: number;
  /** Bytes of this batch in the buffer, from byte 0 (a multiple of 4). */
  byteLength: number;
  /** Size of the buffer: enough for a full batch. */
  capacity: number;
  /** TEXT/JSONB: u32 offsets[size + 1] start at byte 0 (relative to bytesOffset); the UTF-8 bytes start at bytesOffset (256-aligned), zero-padded to 4. */
  text?: { offsetsOffset: 0; bytesOffset: number; bytes: number };
  /** True when the column has NULLs: b.validity[name] holds one u32 per row, 1 = present. */
  hasValidity: boolean;
}

export interface WebGPUBatchLayout {
  /** Rows in this batch. */
  size: number;
  /** Rows a full batch holds (every buffer is sized for it). */
  batchRows: number;
  /** Token batches: tokens per row; 0 for row batches. */
  seqLen: number;
  columns: Record<string, WebGPUColumnLayout>;
}

export interface WebGPUBatch {
  size: number;
  epoch: number;
  index: number;
  endOfEpoch: boolean;
  /** Bytes gathered into the staging buffer for this batch. */
  bytes: number;
  /** Token batches: non-padding tokens. */
  tokens: number;
  /**
   * gatherMs: time a background thread spent gathering this batch into its staging
   * buffer. gpuWaitMs: time the iterator's next() that delivered it spent waiting for the
   * GPU to finish with a staging buffer (backpressure from work already submitted), so
   * that a training loop can tell waiting for data from waiting for its own kernels.
   */
  timing: { gatherMs: number; gpuWaitMs: number };
  /** One storage buffer per column (token batches: input_ids, loss_mask, position_ids, sequence_ids). */
  buffers: Record<string, GPUBufferLike>;
  /** Per column with NULLs: u32 per row, 1 = present. */
  validity: Record<string, GPUBufferLike>;
  layout: WebGPUBatchLayout;
  /** Returns the buffers to the loader (after the work reading them has been submitted). */
  release(): void;
}

/** The WGSL element type a column's values take on the GPU. */
export function gpuColumnType(type: TypeId): WebGPUColumnLayout['wgslType'] {
  switch (type) {
    case 'int': return 'i32';
    case 'real':
    case 'double':
    case 'vector': return 'f32';
    case 'bigint':
    case 'timestamp': return 'vec2<u32>';
    case 'boolean':
    case 'text':
    case 'jsonb':
    case 'null': return 'u32';
  }
}

interface RegionTarget {
  region: NativeRegion;
  name: string;
  validity: boolean;
}

/** Pools of storage-buffer sets, one buffer per region. */
class StorageSets {
  private readonly free: GPUBufferLike[][] = [];
  private closed = false;

  constructor(
    private readonly device: GPUDeviceLike,
    private readonly targets: RegionTarget[],
    private readonly label: string,
  ) {}

  take(): GPUBufferLike[] {
    return (
      this.free.pop() ??
      this.targets.map(({ region, name, validity }) =>
        this.device.createBuffer({
          size: Math.max(4, region.capacity),
          usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
          label: `${this.label} ${name}${validity ? ' validity' : ''}`,
        }),
      )
    );
  }

  give(set: GPUBufferLike[]): void {
    if (this.closed) for (const buffer of set) buffer.destroy();
    else this.free.push(set);
  }

  close(): void {
    this.closed = true;
    for (const set of this.free.splice(0)) for (const buffer of set) buffer.destroy();
  }
}

export async function* webgpuBatches(open: () => Promise<LoaderStream>, device: GPUDeviceLike, options: WebGPUOptions): AsyncGenerator<WebGPUBatch> {
  const stream = await open();
  const label = options.label ?? 'replaydb';
  const { layout, prefetch } = stream;
  const targets: RegionTarget[] = layout.regions.map((region) => ({
    region,
    name: stream.seqLen > 0 ? TOKEN_OUTPUTS[region.column]! : stream.columns[region.column]!.name,
    validity: region.kind === 'validity',
  }));
  let resources = cachedResources.get(stream.native);
  if (resources && resources.device !== device) {
    releaseResources(resources);
    resources = undefined;
  }
  let unguard = (): unknown => undefined;
  const inFlight: { promise: Promise<NativeBatchInfo>; slot: StagingSlot; submittedAt: number }[] = [];
  const cleanup: (() => void)[] = [];
  let broken = false;
  try {
    if (!resources) {
      resources = { device, ring: new StagingRing(device, layout.totalBytes, prefetch + 1, `${label} staging`), sets: new StorageSets(device, targets, label) };
      cachedResources.set(stream.native, resources);
    }
    const { ring, sets } = resources;
    unguard = guardDeviceDestroy(device, () => stream.native.close());
    // Keep `prefetch` batches gathering whenever staging buffers are mapped: on every call,
    // and as soon as the GPU hands a staging buffer back.
    let finished = false;
    const submit = (slot: StagingSlot) => inFlight.push({ promise: stream.native.next(slot.range!), slot, submittedAt: performance.now() });
    const topUp = () => {
      for (let slot: StagingSlot | undefined; !finished && inFlight.length < prefetch && (slot = ring.tryTake()); ) submit(slot);
    };
    // From a remap callback: an error (the stream closed under a destroyed device) waits for the loop.
    let pendingError: unknown;
    ring.onReady = () => {
      try {
        topUp();
      } catch (error) {
        pendingError ??= error;
      }
    };
    cleanup.push(() => {
      finished = true;
      ring.onReady = undefined;
    });
    for (;;) {
      const waitStart = performance.now();
      if (pendingError !== undefined) throw pendingError;
      topUp();
      // With every staging buffer still being read by the GPU, wait for one: backpressure.
      if (inFlight.length === 0) submit(await ring.take());
      const { promise, slot, submittedAt } = inFlight.shift()!;
      // Time waited before the batch could even start gathering was the GPU's, not the data's.
      const gpuWaitMs = Math.max(0, submittedAt - waitStart);
      const info = await promise;
      // From here the thread no longer touches slot.range: the slot may be unmapped.
      if (info.done) {
        ring.putBack(slot);
        break;
      }
      stream.delivered(info);
      const set = sets.take();
      ring.unmap(slot);
      const encoder = device.createCommandEncoder({ label: `${label} upload` });
      for (let r = 0; r < targets.length; r++) {
        const used = info.used[r]!;
        if (used > 0) encoder.copyBufferToBuffer(slot.buffer, targets[r]!.region.offset, set[r]!, 0, used);
      }
      device.queue.submit([encoder.finish()]);
      ring.remap(slot);
      yield makeBatch(info, set, targets, stream, sets, gpuWaitMs);
    }
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    for (const step of cleanup) step();
    // Stop the thread before any staging buffer is unmapped, reused or destroyed (staging_ring.ts).
    stream.native.cancelAndWait();
    for (const entry of inFlight) {
      entry.promise.catch(() => undefined);
      resources?.ring.putBack(entry.slot); // still mapped, and no job writes into it any more
    }
    unguard();
    stream.finish(broken);
    if (broken && resources) {
      cachedResources.delete(stream.native);
      releaseResources(resources);
    }
  }
}

/**
 * Staging rings and storage-buffer pools, kept from loop to loop of the same loader (keyed
 * by its native stream) so that a loop per epoch allocates nothing after the first.
 */
interface GpuResources {
  device: GPUDeviceLike;
  ring: StagingRing;
  sets: StorageSets;
}

const cachedResources = new WeakMap<object, GpuResources>();

function releaseResources(resources: GpuResources): void {
  resources.ring.onReady = undefined;
  resources.sets.close();
  void resources.ring.destroy();
}

function makeBatch(info: NativeBatchInfo, set: GPUBufferLike[], targets: RegionTarget[], stream: LoaderStream, sets: StorageSets, gpuWaitMs: number): WebGPUBatch {
  const buffers: Record<string, GPUBufferLike> = {};
  const validity: Record<string, GPUBufferLike> = {};
  const columns: Record<string, WebGPUColumnLayout> = {};
  for (let r = 0; r < targets.length; r++) {
    const { region, name } = targets[r]!;
    if (region.kind === 'validity') {
      validity[name] = set[r]!;
      columns[name]!.hasValidity = true;
      continue;
    }
    buffers[name] = set[r]!;
    columns[name] = columnLayout(region, stream.seqLen > 0 ? undefined : stream.columns[region.column], stream.seqLen, info.used[r]!);
  }
  let released = false;
  return {
    size: info.size,
    epoch: info.epoch,
    index: info.batch,
    endOfEpoch: info.endOfEpoch,
    bytes: info.bytes,
    tokens: info.tokens,
    timing: { gatherMs: info.gatherMs, gpuWaitMs },
    buffers,
    validity,
    layout: { size: info.size, batchRows: stream.layout.batchRows, seqLen: stream.seqLen, columns },
    release: () => {
      if (released) return;
      released = true;
      sets.give(set);
    },
  };
}

function columnLayout(region: NativeRegion, column: LoaderColumn | undefined, seqLen: number, used: number): WebGPUColumnLayout {
  if (!column) {
    return { sqlType: 'int', wgslType: 'i32', elementsPerRow: seqLen, rowBytes: region.rowBytes, byteLength: used, capacity: region.capacity, hasValidity: false };
  }
  const text = region.encoding === 'text';
  return {
    sqlType: column.type,
    wgslType: gpuColumnType(column.type),
    elementsPerRow: column.type === 'vector' ? column.dimension : 1,
    rowBytes: region.rowBytes,
    byteLength: used,
    capacity: region.capacity,
    text: text ? { offsetsOffset: 0, bytesOffset: region.textBytesOffset, bytes: used - region.textBytesOffset } : undefined,
    hasValidity: false,
  };
}
