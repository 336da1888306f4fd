/**
 * A batch the dataloader delivers on the CPU: typed-array views over one reused buffer the
 * prefetch threads gathered the rows into (no per-row JS). Numbers come as typed arrays
 * (INT Int32Array, BIGINT and TIMESTAMP BigInt64Array, REAL Float32Array, DOUBLE
 * Float64Array, BOOLEAN Uint8Array of 0/1), VECTOR(n) as a Float32Array of size × n, TEXT
 * and JSONB (as JSON text) Arrow-style as `{ offsets, data }`; token batches as
 * Int32Array[size × seqLen] per output. `release()` hands the buffer back for a later batch:
 * the views must not be used after it.
 */
import type { TypeId } from '../plan/types.js';
import { decodeColumn, type ColumnData } from '../result/column_data.js';
import type { Row } from '../result/result.js';
import type { NativeBatchInfo, NativeLayout } from './native_loader.js';

/** Text and JSONB columns: value i is the UTF-8 bytes data[offsets[i] … offsets[i + 1]). */
export interface TextColumn {
  offsets: Uint32Array;
  data: Uint8Array;
}

export type BatchColumn = Int32Array | BigInt64Array | Float32Array | Float64Array | Uint8Array | TextColumn;

/** A column the loader delivers: its name and type as the query returned them. */
export interface LoaderColumn {
  name: string;
  type: TypeId;
  dimension: number;
}

/** The names of a token batch's outputs, in layout order. */
export const TOKEN_OUTPUTS = ['input_ids', 'loss_mask', 'position_ids', 'sequence_ids'] as const;

export class Batch {
  /** Rows in this batch (token batches: rows of seqLen tokens). */
  readonly size: number;
  /** 0-based epoch and index of the batch within it. */
  readonly epoch: number;
  readonly index: number;
  /** True on the last batch of an epoch. */
  readonly endOfEpoch: boolean;
  /** Bytes gathered for this batch. */
  readonly bytes: number;
  /** Milliseconds a background thread spent gathering it (while earlier batches were in use). */
  readonly gatherMs: number;
  /** Token batches: tokens per row; 0 for row batches. */
  readonly seqLen: number;
  /** Token batches: tokens that are not padding. */
  readonly tokens: number;
  readonly columns: Record<string, BatchColumn>;
  /** Per column with NULLs in the result: one byte per row, 1 = present. */
  readonly validity: Record<string, Uint8Array>;
  private released = false;

  /** @internal */
  constructor(
    info: NativeBatchInfo,
    buffer: ArrayBuffer,
    layout: NativeLayout,
    private readonly loaderColumns: LoaderColumn[],
    seqLen: number,
    private readonly bigint: boolean,
    private readonly onRelease: () => void,
  ) {
    this.size = info.size;
    this.epoch = info.epoch;
    this.index = info.batch;
    this.endOfEpoch = info.endOfEpoch;
    this.bytes = info.bytes;
    this.gatherMs = info.gatherMs;
    this.seqLen = seqLen;
    this.tokens = info.tokens;
    this.columns = {};
    this.validity = {};
    for (const region of layout.regions) {
      if (seqLen > 0) {
        this.columns[TOKEN_OUTPUTS[region.column]!] = new Int32Array(buffer, region.offset, info.size * seqLen);
        continue;
      }
      const column = loaderColumns[region.column]!;
      if (region.kind === 'validity') {
        this.validity[column.name] = new Uint8Array(buffer, region.offset, info.size);
      } else {
        this.columns[column.name] = view(column, buffer, region.offset, region.textBytesOffset, info.size);
      }
    }
  }

  /** The rows as plain objects (values as Result.rows() gives them; token rows as Int32Array views). */
  rows(): Row[] {
    const names = Object.keys(this.columns);
    const rows: Row[] = new Array(this.size);
    if (this.seqLen > 0) {
      for (let r = 0; r < this.size; r++) {
        const row: Row = {};
        for (const name of names) row[name] = (this.columns[name] as Int32Array).subarray(r * this.seqLen, (r + 1) * this.seqLen);
        rows[r] = row;
      }
      return rows;
    }
    const values = this.loaderColumns.map((column) => decodeColumn(this.columnData(column), column.name, this.bigint));
    for (let r = 0; r < this.size; r++) {
      const row: Row = {};
      for (let c = 0; c < this.loaderColumns.length; c++) row[this.loaderColumns[c]!.name] = values[c]![r];
      rows[r] = row;
    }
    return rows;
  }

  /** Returns the batch's buffer to the loader for a later batch; the batch's views must not be used afterwards. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }

  private columnData(column: LoaderColumn): ColumnData {
    const values = this.columns[column.name]!;
    const text = !ArrayBuffer.isView(values);
    const data = text ? (values as TextColumn).data : new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    return {
      type: column.type,
      dimension: column.dimension,
      length: this.size,
      data,
      offsets: text ? (values as TextColumn).offsets : undefined,
      validity: this.validity[column.name],
    };
  }
}

function view(column: LoaderColumn, buffer: ArrayBuffer, offset: number, textBytesOffset: number, size: number): BatchColumn {
  switch (column.type) {
    case 'int':
      return new Int32Array(buffer, offset, size);
    case 'bigint':
    case 'timestamp':
      return new BigInt64Array(buffer, offset, size);
    case 'real':
      return new Float32Array(buffer, offset, size);
    case 'double':
      return new Float64Array(buffer, offset, size);
    case 'vector':
      return new Float32Array(buffer, offset, size * column.dimension);
    case 'text':
    case 'jsonb': {
      const offsets = new Uint32Array(buffer, offset, size + 1);
      return { offsets, data: new Uint8Array(buffer, offset + textBytesOffset, offsets[size]!) };
    }
    case 'boolean':
    case 'null':
      return new Uint8Array(buffer, offset, size);
  }
}
