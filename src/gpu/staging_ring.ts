/**
 * A ring of WebGPU staging buffers (MAP_WRITE | COPY_SRC) that the loader's native thread
 * gathers batches into while they are mapped: the one copy from the query's native buffers
 * to GPU-visible memory. Buffers are made once per loader and device, mapped at creation, and after each batch's
 * copy into storage buffers is submitted they are mapped again (mapAsync resolves once the
 * GPU has finished reading them), so no batch allocates (a fresh 64 MiB mapped buffer per
 * batch ran at 0.5 GB/s here, against 3.5 GB/s for reuse).
 *
 * The invariant (mapped ranges belong to the WebGPU implementation, and unmap() releases
 * them): a slot's mapped range is handed to exactly one native job at a time, and the slot
 * is unmapped only after that job has been delivered back (the thread has finished writing)
 * or after NativeBatchStream.cancelAndWait() has returned (no job writes again). The
 * iterator in webgpu_batches.ts keeps to this on every exit path, and guardDeviceDestroy()
 * makes device.destroy() — which unmaps every buffer of the device — wait for the thread
 * first, so even destroying the device in the middle of a loop cannot free memory the
 * thread is writing to.
 */
import { BufferUsage, MapMode, type GPUBufferLike, type GPUDeviceLike } from './webgpu_types.js';

export interface StagingSlot {
  buffer: GPUBufferLike;
  /** The mapped range while mapped; null once unmapped. Valid only until unmap(). */
  range: ArrayBuffer | null;
}

export class StagingRing {
  private readonly ready: StagingSlot[] = [];
  private readonly waiting: ((slot: StagingSlot) => void)[] = [];
  private readonly all: StagingSlot[] = [];
  private readonly mappings = new Set<Promise<unknown>>();
  private destroyed = false;

  constructor(
    private readonly device: GPUDeviceLike,
    readonly bytes: number,
    count: number,
    label = 'replaydb staging',
  ) {
    for (let i = 0; i < count; i++) {
      const buffer = device.createBuffer({ size: bytes, usage: BufferUsage.MAP_WRITE | BufferUsage.COPY_SRC, mappedAtCreation: true, label: `${label} ${i}` });
      const slot = { buffer, range: buffer.getMappedRange() };
      this.all.push(slot);
      this.ready.push(slot);
    }
  }

  /** Called whenever a slot becomes ready and nobody is waiting in take(). */
  onReady: (() => void) | undefined;

  /** A mapped slot if one is ready now. */
  tryTake(): StagingSlot | undefined {
    return this.ready.shift();
  }

  /** A mapped slot, waiting for one to be remapped when none is ready. */
  take(): Promise<StagingSlot> {
    const slot = this.ready.shift();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Returns a slot that is still mapped and was not written (e.g. the job found no batch). */
  putBack(slot: StagingSlot): void {
    this.offer(slot);
  }

  /**
   * Unmaps `slot` (its job must have been delivered) so its contents can be copied; call
   * remap() once the copy is submitted.
   */
  unmap(slot: StagingSlot): void {
    slot.range = null;
    slot.buffer.unmap();
  }

  /** Maps the slot again after the copies reading it were submitted; it becomes ready when mapped. */
  remap(slot: StagingSlot): void {
    const mapping: Promise<void> = slot.buffer.mapAsync(MapMode.WRITE).then(
      (): void => {
        this.mappings.delete(mapping);
        if (this.destroyed) return;
        try {
          slot.range = slot.buffer.getMappedRange();
        } catch {
          return; // the device went away between the mapping and this callback
        }
        this.offer(slot);
      },
      (): void => {
        this.mappings.delete(mapping); // the device was lost or the ring destroyed
      },
    );
    this.mappings.add(mapping);
  }

  /** Destroys every staging buffer. The caller has made sure no job writes into any of them. */
  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const slot of this.all) {
      slot.range = null;
      slot.buffer.destroy();
    }
    await Promise.allSettled([...this.mappings]);
  }

  private offer(slot: StagingSlot): void {
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter(slot);
    } else {
      this.ready.push(slot);
      this.onReady?.(); // must not throw: it runs in a promise callback nobody awaits
    }
  }
}

type Stopper = () => void;
const guarded = new WeakMap<GPUDeviceLike, Set<Stopper>>();

/**
 * Makes `device.destroy()` first call `stop` (which blocks until the native thread no
 * longer writes into mapped ranges). Returns the function that removes the guard.
 */
export function guardDeviceDestroy(device: GPUDeviceLike, stop: Stopper): () => void {
  let stoppers = guarded.get(device);
  if (!stoppers) {
    const own = new Set<Stopper>();
    stoppers = own;
    guarded.set(device, own);
    const destroy = device.destroy.bind(device);
    try {
      Object.defineProperty(device, 'destroy', {
        configurable: true,
        writable: true,
        value: () => {
          for (const stopper of [...own]) stopper();
          return destroy();
        },
      });
    } catch {
      // A frozen device object: the iterator's own cleanup still keeps the invariant.
    }
  }
  stoppers.add(stop);
  return () => stoppers!.delete(stop);
}
