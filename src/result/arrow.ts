/**
 * Result → Apache Arrow table. Fixed-width columns and text bytes are wrapped without
 * copying; validity bytes are packed into Arrow's bitmaps. JSONB leaves as its JSON text
 * (Utf8), VECTOR(n) as FixedSizeList<Float32>[n], TIMESTAMP as timestamp[µs, UTC].
 */
import {
  Bool,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  makeVector,
  Table,
  TimestampMicrosecond,
  Utf8,
  type Data,
  type DataType,
  type Vector,
} from 'apache-arrow';
import type { ColumnData } from './column_data.js';

function packBits(bytes: Uint8Array, length: number): Uint8Array {
  const bits = new Uint8Array((length + 7) >> 3);
  for (let i = 0; i < length; i++) if (bytes[i]) bits[i >> 3]! |= 1 << (i & 7);
  return bits;
}

function nullInfo(column: ColumnData): { nullCount: number; nullBitmap?: Uint8Array } {
  if (!column.validity) return { nullCount: 0 };
  let nullCount = 0;
  for (let i = 0; i < column.length; i++) nullCount += column.validity[i] === 1 ? 0 : 1;
  return { nullCount, nullBitmap: packBits(column.validity, column.length) };
}

export function columnToArrow(column: ColumnData): Vector {
  const { buffer, byteOffset } = column.data;
  const length = column.length;
  const nulls = nullInfo(column);
  let data: Data<DataType>;
  switch (column.type) {
    case 'int':
      data = makeData({ type: new Int32(), length, ...nulls, data: new Int32Array(buffer, byteOffset, length) });
      break;
    case 'bigint':
      data = makeData({ type: new Int64(), length, ...nulls, data: new BigInt64Array(buffer, byteOffset, length) });
      break;
    case 'real':
      data = makeData({ type: new Float32(), length, ...nulls, data: new Float32Array(buffer, byteOffset, length) });
      break;
    case 'double':
      data = makeData({ type: new Float64(), length, ...nulls, data: new Float64Array(buffer, byteOffset, length) });
      break;
    case 'boolean':
      data = makeData({ type: new Bool(), length, ...nulls, data: packBits(column.data, length) });
      break;
    case 'timestamp':
      data = makeData({ type: new TimestampMicrosecond('UTC'), length, ...nulls, data: new BigInt64Array(buffer, byteOffset, length) });
      break;
    case 'text':
    case 'jsonb': {
      const offsets = column.offsets!;
      data = makeData({
        type: new Utf8(),
        length,
        ...nulls,
        valueOffsets: new Int32Array(offsets.buffer, offsets.byteOffset, offsets.length),
        data: column.data,
      });
      break;
    }
    case 'vector': {
      const child = makeData({ type: new Float32(), length: length * column.dimension, data: new Float32Array(buffer, byteOffset, length * column.dimension) });
      data = makeData({ type: new FixedSizeList(column.dimension, new Field('item', new Float32(), false)), length, ...nulls, child });
      break;
    }
    case 'null':
      data = makeData({ type: new Utf8(), length, nullCount: length, nullBitmap: new Uint8Array((length + 7) >> 3), valueOffsets: new Int32Array(length + 1), data: new Uint8Array(0) });
      break;
  }
  return makeVector(data);
}

export function toArrowTable(names: string[], columns: ColumnData[]): Table {
  const vectors: Record<string, Vector> = {};
  names.forEach((name, i) => {
    let unique = name;
    for (let n = 2; unique in vectors; n++) unique = `${name}_${n}`;
    vectors[unique] = columnToArrow(columns[i]!);
  });
  return new Table(vectors);
}
