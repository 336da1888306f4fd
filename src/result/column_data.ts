/**
 * Typed-array views over a result column's native buffers (no copies), and decoding of a
 * column into JS values. Layout: fixed-width values packed in `data`; TEXT/JSONB as u32
 * `offsets` (length + 1) into UTF-8 `data`; `validity` one byte per row (1 = present),
 * absent when no row is NULL.
 */
import type { NativeColumn } from '../native.js';
import { native } from '../native.js';
import { SqlError } from '../sql/sql_error.js';
import { TYPE_IDS, type TypeId } from '../plan/types.js';

export interface ColumnData {
  type: TypeId;
  dimension: number;
  length: number;
  data: Uint8Array;
  offsets?: Uint32Array;
  validity?: Uint8Array;
}

export function columnData(column: NativeColumn): ColumnData {
  const [typeId, dimension, length, data, offsets, validity] = column;
  return {
    type: TYPE_IDS[typeId]!,
    dimension,
    length,
    data: new Uint8Array(data),
    offsets: offsets ? new Uint32Array(offsets) : undefined,
    validity: validity ? new Uint8Array(validity) : undefined,
  };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Decodes every row of a column into JS values (null for NULL). */
export function decodeColumn(column: ColumnData, name: string, bigint: boolean): unknown[] {
  const { length, validity } = column;
  const buffer = column.data.buffer;
  const byteOffset = column.data.byteOffset;
  const out = new Array<unknown>(length);
  const present = (i: number) => !validity || validity[i] === 1;
  switch (column.type) {
    case 'int': {
      const values = new Int32Array(buffer, byteOffset, length);
      for (let i = 0; i < length; i++) out[i] = present(i) ? values[i] : null;
      return out;
    }
    case 'real': {
      const values = new Float32Array(buffer, byteOffset, length);
      for (let i = 0; i < length; i++) out[i] = present(i) ? values[i] : null;
      return out;
    }
    case 'double': {
      const values = new Float64Array(buffer, byteOffset, length);
      for (let i = 0; i < length; i++) out[i] = present(i) ? values[i] : null;
      return out;
    }
    case 'boolean': {
      for (let i = 0; i < length; i++) out[i] = present(i) ? column.data[i] === 1 : null;
      return out;
    }
    case 'bigint': {
      const values = new BigInt64Array(buffer, byteOffset, length);
      for (let i = 0; i < length; i++) {
        if (!present(i)) {
          out[i] = null;
        } else if (bigint) {
          out[i] = values[i];
        } else {
          const value = values[i]!;
          if (value > MAX_SAFE || value < -MAX_SAFE) {
            throw new SqlError(
              'numeric_value_out_of_range',
              `column "${name}" holds ${value}, beyond 2^53, which a JS number cannot hold exactly; open the database with { bigint: true }`,
            );
          }
          out[i] = Number(value);
        }
      }
      return out;
    }
    case 'timestamp': {
      const values = new BigInt64Array(buffer, byteOffset, length);
      for (let i = 0; i < length; i++) out[i] = present(i) ? new Date(Number(values[i]!) / 1000) : null;
      return out;
    }
    case 'text':
      return native().decodeText(column.offsets!, column.data, validity);
    case 'jsonb': {
      const texts = native().decodeText(column.offsets!, column.data, validity);
      for (let i = 0; i < length; i++) out[i] = texts[i] === null ? null : JSON.parse(texts[i]!);
      return out;
    }
    case 'vector': {
      const values = new Float32Array(buffer, byteOffset, length * column.dimension);
      for (let i = 0; i < length; i++) out[i] = present(i) ? values.subarray(i * column.dimension, (i + 1) * column.dimension) : null;
      return out;
    }
    case 'null':
      return out.fill(null);
  }
}

/** The column as a typed array over native memory, for numeric columns without NULLs. */
export function typedColumn(column: ColumnData): Int32Array | Float32Array | Float64Array | BigInt64Array | undefined {
  if (column.validity) return undefined;
  const { buffer, byteOffset } = column.data;
  switch (column.type) {
    case 'int': return new Int32Array(buffer, byteOffset, column.length);
    case 'real': return new Float32Array(buffer, byteOffset, column.length);
    case 'double': return new Float64Array(buffer, byteOffset, column.length);
    case 'bigint': return new BigInt64Array(buffer, byteOffset, column.length);
    default: return undefined;
  }
}
