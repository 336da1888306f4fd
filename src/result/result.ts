/**
 * Result: what a statement returns. Query results keep their columns in native memory;
 * `column()` hands out typed arrays over it without copying, `rows()` decodes to plain
 * objects on demand (once per column), `toArrow()` wraps the same buffers as Arrow.
 */
import type { Table } from 'apache-arrow';
import type { NativeResult } from '../native.js';
import type { ResultColumn } from '../plan/planner.js';
import { typeDisplayName } from '../plan/types.js';
import { SqlError } from '../sql/sql_error.js';
import { toArrowTable } from './arrow.js';
import { columnData, decodeColumn, typedColumn, type ColumnData } from './column_data.js';

export interface ColumnInfo {
  name: string;
  /** Postgres spelling: "integer", "double precision", "vector(768)", … */
  type: string;
}

export type Row = Record<string, unknown>;

export class Result {
  /** Rows returned by a query, or rows affected by INSERT. */
  readonly rowCount: number;
  readonly columns: ColumnInfo[];
  private readonly data: ColumnData[];
  private readonly decoded: (unknown[] | undefined)[];

  /** @internal */
  constructor(native: NativeResult, columns: ResultColumn[], private readonly bigint: boolean) {
    this.rowCount = native.rowCount;
    this.columns = columns.map((column) => ({ name: column.name, type: typeDisplayName(column.type) }));
    this.data = (native.columns ?? []).map(columnData);
    this.decoded = new Array(this.data.length);
  }

  private indexOf(name: string): number {
    const index = this.columns.findIndex((column) => column.name === name);
    if (index < 0) {
      throw new SqlError('undefined_column', `result has no column "${name}"; it has ${this.columns.map((c) => `"${c.name}"`).join(', ')}`);
    }
    return index;
  }

  private values(index: number): unknown[] {
    return (this.decoded[index] ??= decodeColumn(this.data[index]!, this.columns[index]!.name, this.bigint));
  }

  /** Every row as an object keyed by column name (a later column wins a duplicated name). */
  rows(): Row[] {
    const columns = this.data.map((_, index) => this.values(index));
    const names = this.columns.map((column) => column.name);
    const rows = new Array<Row>(this.rowCount);
    const make = rowMaker(names);
    if (make) {
      for (let r = 0; r < this.rowCount; r++) rows[r] = make(columns, r);
      return rows;
    }
    // A column named __proto__ is defined as an own property (assigning it would set the prototype).
    for (let r = 0; r < this.rowCount; r++) {
      const row: Row = {};
      for (let c = 0; c < names.length; c++) {
        if (names[c] === '__proto__') Object.defineProperty(row, '__proto__', { value: columns[c]![r], enumerable: true, writable: true, configurable: true });
        else row[names[c]!] = columns[c]![r];
      }
      rows[r] = row;
    }
    return rows;
  }

  /**
   * One column's values. INT, BIGINT, REAL and DOUBLE columns without NULLs come as typed
   * arrays over native memory (BigInt64Array for BIGINT); everything else as an array of
   * JS values with null for NULL.
   */
  column(name: string): Int32Array | Float32Array | Float64Array | BigInt64Array | unknown[] {
    const index = this.indexOf(name);
    return typedColumn(this.data[index]!) ?? this.values(index);
  }

  /** The raw buffers of a column (layout in README, "Result columns"). */
  columnData(name: string): ColumnData {
    return this.data[this.indexOf(name)]!;
  }

  /** An apache-arrow Table over the same memory. */
  toArrow(): Table {
    return toArrowTable(
      this.columns.map((column) => column.name),
      this.data,
    );
  }
}

type RowMaker = (columns: unknown[][], row: number) => Row;
const rowMakers = new Map<string, RowMaker>();

/**
 * A function building the row objects of one list of column names as an object literal, so
 * that every row gets one hidden class from the start (assigning keys one by one, by name,
 * made V8 fall back to slow keyed stores). Made once per list and cached; undefined for a
 * column named __proto__, which a literal would take as the prototype.
 */
function rowMaker(names: string[]): RowMaker | undefined {
  const key = names.join('\u0000');
  let make = rowMakers.get(key);
  if (make) return make;
  if (names.includes('__proto__')) return undefined;
  if (rowMakers.size >= 256) rowMakers.clear();
  const fields = names.map((name, column) => `${JSON.stringify(name)}: columns[${column}][row]`).join(', ');
  make = new Function('columns', 'row', `return { ${fields} };`) as RowMaker;
  rowMakers.set(key, make);
  return make;
}
