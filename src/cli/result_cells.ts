/**
 * A Result's values, column by column and by position, for the output formats (table, CSV,
 * JSON). Reads through `result.toArrow()`, which keeps every column even when two share a
 * name (`rows()` keeps only the later one), and keeps what JS values would lose: TIMESTAMP
 * as exact microseconds, JSONB as its JSON text, BIGINT as bigint, VECTOR as Float32Array.
 */
import type { Vector } from 'apache-arrow';
import type { Result } from '../result/result.js';

export type Cell =
  | null
  | string
  | number
  | bigint
  | boolean
  | { kind: 'timestamp'; micros: bigint }
  | { kind: 'json'; text: string }
  | { kind: 'vector'; values: Float32Array };

export interface CellColumn {
  name: string;
  /** Postgres type name, as in `result.columns`. */
  type: string;
  /** Numbers are right-aligned in tables. */
  numeric: boolean;
  cell(row: number): Cell;
}

const NUMERIC_TYPES = new Set(['integer', 'bigint', 'real', 'double precision']);

export function resultColumns(result: Result): CellColumn[] {
  if (result.columns.length === 0) return [];
  const table = result.toArrow();
  return result.columns.map((info, index) => {
    const vector = table.getChildAt(index)!;
    return { name: info.name, type: info.type, numeric: NUMERIC_TYPES.has(info.type), cell: cellReader(vector, info.type) };
  });
}

function cellReader(vector: Vector, type: string): (row: number) => Cell {
  const valid = (row: number) => vector.isValid(row);
  if (type === 'jsonb') {
    return (row) => (valid(row) ? { kind: 'json', text: vector.get(row) as string } : null);
  }
  if (type === 'timestamp' && vector.data.length === 1) {
    const values = vector.data[0]!.values as BigInt64Array;
    return (row) => (valid(row) ? { kind: 'timestamp', micros: values[row]! } : null);
  }
  if (type.startsWith('vector(') && vector.data.length === 1) {
    const dimension = Number(/\d+/.exec(type)![0]);
    const values = vector.data[0]!.children[0]!.values as Float32Array;
    return (row) => (valid(row) ? { kind: 'vector', values: values.subarray(row * dimension, (row + 1) * dimension) } : null);
  }
  if (type === 'real') {
    // Shortest decimal that is the same float32: 0.1, not 0.10000000149011612.
    return (row) => (valid(row) ? Number(float32Text(vector.get(row) as number)) : null);
  }
  return (row) => {
    if (!valid(row)) return null;
    const value: unknown = vector.get(row);
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return value;
    if (value instanceof Date) return { kind: 'timestamp', micros: BigInt(value.getTime()) * 1000n };
    return { kind: 'json', text: JSON.stringify(value) };
  };
}

/** `2024-05-01 12:30:00.123456` (UTC), trailing zero fractions dropped, as psql prints a timestamp. */
export function timestampText(micros: bigint, separator = ' '): string {
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const fraction = Number(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n);
  const iso = new Date(Number(millis)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const base = `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}`;
  if (fraction === 0) return base;
  return `${base}.${String(fraction).padStart(6, '0').replace(/0+$/, '')}`;
}

/** ISO 8601 with microseconds and `Z`, for JSON and CSV: `2024-05-01T12:30:00.123456Z`. */
export function timestampIso(micros: bigint): string {
  return `${timestampText(micros, 'T')}Z`;
}

/** The shortest decimal text that reads back as the same float32 (as pgvector prints). */
export function float32Text(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let precision = 1; precision < 9; precision++) {
    const text = Number(value.toPrecision(precision));
    if (Math.fround(text) === value) return String(text);
  }
  return String(value);
}

/** `[0.1,0.25,-3]` */
export function vectorText(values: Float32Array): string {
  let text = '[';
  for (let i = 0; i < values.length; i++) text += (i > 0 ? ',' : '') + float32Text(values[i]!);
  return text + ']';
}

/** The text of a cell for the table and CSV formats (NULL is handled by each format). */
export function cellText(cell: Exclude<Cell, null>, timestamp: (micros: bigint) => string = timestampText): string {
  if (typeof cell === 'object') {
    if (cell.kind === 'json') return cell.text;
    if (cell.kind === 'timestamp') return timestamp(cell.micros);
    return vectorText(cell.values);
  }
  if (typeof cell === 'number') return numberText(cell);
  return String(cell);
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return String(value);
}

/** A cell as JSON text: numbers and booleans as JSON, JSONB embedded as JSON, BIGINT exact, timestamps ISO. */
export function cellJson(cell: Cell): string {
  if (cell === null) return 'null';
  switch (typeof cell) {
    case 'string':
      return JSON.stringify(cell);
    case 'number':
      return Number.isFinite(cell) ? String(cell) : 'null';
    case 'bigint':
    case 'boolean':
      return String(cell);
  }
  if (cell.kind === 'json') return cell.text;
  if (cell.kind === 'timestamp') return `"${timestampIso(cell.micros)}"`;
  return vectorText(cell.values);
}
