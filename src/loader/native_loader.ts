/**
 * The shape of the addon's dataloader calls (native/binding/loader_binding.cpp). Internal:
 * DataLoader and the WebGPU uploads are the only users. One call per batch crosses into
 * native code; rows never do.
 */
import { native } from '../native.js';

export interface NativeLoaderColumn {
  type: string;
  dimension: number;
  length: number;
  data: Uint8Array;
  offsets?: Uint32Array;
  validity?: Uint8Array;
}

export interface NativeRoleTemplate {
  prefix: Int32Array;
  suffix: Int32Array;
  trained: boolean;
}

export interface NativeLoaderData {
  indexTrajectories(idColumn: number, stepColumn: number, roleColumn: number): { trajectories: number; roles: string[] };
  configureTokens(spec: {
    contentColumn: number;
    seqLen: number;
    pack: boolean;
    padId: number;
    roles: NativeRoleTemplate[];
    contentTokens?: Int32Array;
    contentOffsets?: Uint32Array;
  }): void;
}

/** Where the next batch starts: the loader's resumable position. */
export interface NativeCursor {
  epoch: number;
  batch: number;
  position: number;
  token: number;
}

export interface NativeStreamSettings {
  tokens: boolean;
  target: 'host' | 'gpu';
  batchSize: number;
  epochs: number;
  dropLast: boolean;
  shuffle: boolean;
  seed: bigint;
  rank: number;
  worldSize: number;
  pad: boolean;
  cursor: NativeCursor;
}

export type RegionEncoding = 'copy' | 'double_to_f32' | 'bool_to_u32' | 'text' | 'validity_u8' | 'validity_u32' | 'zero' | 'tokens';

export interface NativeRegion {
  /** Index of the loader column (token batches: 0 input_ids, 1 loss_mask, 2 position_ids, 3 sequence_ids). */
  column: number;
  kind: 'values' | 'validity';
  encoding: RegionEncoding;
  /** Byte offset from the start of the batch allocation. */
  offset: number;
  capacity: number;
  rowBytes: number;
  /** Text regions: where the bytes start, from the region's start (offsets come first). */
  textBytesOffset: number;
}

export interface NativeLayout {
  totalBytes: number;
  batchRows: number;
  alignment: number;
  regions: NativeRegion[];
}

export interface NativeBatchInfo {
  /** True when the epochs are over (or the batch was cancelled): no batch was written. */
  done: boolean;
  cancelled: boolean;
  epoch: number;
  batch: number;
  size: number;
  tokens: number;
  endOfEpoch: boolean;
  bytes: number;
  /** Milliseconds the prefetch threads spent planning and gathering (or packing) this batch. */
  gatherMs: number;
  end: NativeCursor;
  /** Bytes used per layout region. */
  used: number[];
}

export interface NativeBatchStream {
  layout(): NativeLayout;
  epochItems(): number;
  epochBatches(): number;
  /** Gathers the next batch into `destination` on the stream's prefetch threads. */
  next(destination: ArrayBuffer): Promise<NativeBatchInfo>;
  /** Cancels queued batches and returns once the thread no longer writes into any destination. */
  cancelAndWait(): void;
  /** Cancels what is queued and continues from `cursor` (a stream is reused by every loop over its loader). */
  seek(cursor: NativeCursor): void;
  close(): void;
}

interface NativeLoaderAddon {
  NativeLoaderData: new (columns: NativeLoaderColumn[]) => NativeLoaderData;
  NativeBatchStream: new (data: NativeLoaderData, settings: NativeStreamSettings) => NativeBatchStream;
  loaderOrder(items: number, epoch: number, shuffle: boolean, seed: bigint, rank: number, worldSize: number, pad: boolean): Uint32Array;
}

export function nativeLoader(): NativeLoaderAddon {
  return native() as unknown as NativeLoaderAddon;
}
