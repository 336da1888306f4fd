/**
 * `db.insertArrow(table, arrowTable)`: appends the rows of an apache-arrow Table to a
 * table through the public API — multi-row parameterised INSERT statements, never SQL text
 * built from values. Columns are matched by name; columns the Arrow table lacks get their
 * DEFAULT (or NULL).
 *
 * Every value is converted and checked before anything is inserted (column names, type
 * compatibility, vector dimensions, NULLs in NOT NULL columns, integer ranges, JSON text),
 * so bad input inserts nothing. What only the engine can see — a primary key that is
 * already taken — fails the chunk (one statement) it is in: earlier chunks stay inserted,
 * that chunk and later ones are not, and the error names the rows of the chunk.
 */
import { TimeUnit, Type, type DataType, type Field, type Table, type Vector } from 'apache-arrow';
import type { Database } from './database.js';
import { SqlError, type SqlErrorCode } from './sql/sql_error.js';

/** Parameters per INSERT statement, at most; and rows per statement, at most. */
const MAX_PARAMETERS = 32768;
const MAX_ROWS_PER_STATEMENT = 2048;

type TableInfo = ReturnType<Database['tables']>[number];
type ColumnInfo = TableInfo['columns'][number];

/** Appends `arrowTable`'s rows to `table`; returns how many were inserted. */
export async function insertArrow(db: Database, table: string, arrowTable: Table): Promise<number> {
  if (typeof table !== 'string' || table === '') throw new TypeError('insertArrow(): table must be a non-empty string');
  if (!arrowTable || typeof arrowTable.getChildAt !== 'function' || !arrowTable.schema) {
    throw new TypeError('insertArrow(): arrowTable must be an apache-arrow Table');
  }
  const tables = db.tables();
  const target = tables.find((t) => t.name === table) ?? tables.find((t) => t.name === table.toLowerCase());
  if (!target) throw arrowError('undefined_table', `relation "${table}" does not exist`);
  const fields = arrowTable.schema.fields;
  if (fields.length === 0) throw arrowError('syntax_error', `insertArrow("${target.name}"): the Arrow table has no columns`);
  const columns = fields.map((field) => columnFor(field, target, fields));
  const rowCount = arrowTable.numRows;
  if (rowCount === 0) return 0;

  // Convert (and so check) every value before the first INSERT.
  const values = fields.map((field, i) => convertColumn(arrowTable.getChildAt(i)!, field, columns[i]!, target.name));

  const rowsPerStatement = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / columns.length)));
  const head = `INSERT INTO ${quoteName(target.name)} (${columns.map((c) => quoteName(c.name)).join(', ')}) VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const statements = new Map<number, string>();
  let inserted = 0;
  for (let start = 0; start < rowCount; start += rowsPerStatement) {
    const rows = Math.min(rowsPerStatement, rowCount - start);
    let sql = statements.get(rows);
    if (sql === undefined) statements.set(rows, (sql = head + new Array(rows).fill(tuple).join(', ')));
    const parameters = new Array<unknown>(rows * columns.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < columns.length; c++) parameters[r * columns.length + c] = values[c]![start + r];
    try {
      inserted += (await db.execute(sql, parameters)).rowCount;
    } catch (error) {
      throw chunkError(error, target.name, columns, start, rows, inserted);
    }
  }
  return inserted;
}

function arrowError(code: SqlErrorCode, message: string, cause?: unknown): SqlError {
  return new SqlError(code, message, cause === undefined ? {} : { cause });
}

function quoteName(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function columnFor(field: Field, table: TableInfo, fields: Field[]): ColumnInfo {
  if (fields.filter((f) => f.name === field.name).length > 1) {
    throw arrowError('duplicate_column', `insertArrow("${table.name}"): the Arrow table has two columns named "${field.name}"`);
  }
  const column = table.columns.find((c) => c.name === field.name);
  if (!column) {
    const names = table.columns.map((c) => c.name);
    const hint = names.find((name) => name.toLowerCase() === field.name.toLowerCase());
    throw arrowError(
      'undefined_column',
      `column "${field.name}" of relation "${table.name}" does not exist${hint ? `. Perhaps you meant "${hint}"` : ''} (its columns: ${names.join(', ')})`,
    );
  }
  return column;
}

/** The SQL type id of a tables() column type: 'int', 'double', 'vector', … and the vector dimension. */
function sqlType(column: ColumnInfo): { id: string; dimension: number } {
  const vector = /^vector\((\d+)\)$/.exec(column.type);
  return vector ? { id: 'vector', dimension: Number(vector[1]) } : { id: column.type, dimension: 0 };
}

function typeLabel(column: ColumnInfo): string {
  return column.type === 'int' ? 'integer' : column.type === 'double' ? 'double precision' : column.type;
}

/** Every value of one Arrow column as the JS value to bind to `column`; throws on the first bad one. */
function convertColumn(vector: Vector, field: Field, column: ColumnInfo, table: string): unknown[] {
  const target = sqlType(column);
  const mismatch = () =>
    arrowError('datatype_mismatch', `insertArrow("${table}"): column "${column.name}" is ${typeLabel(column)}, but the Arrow column is ${String(field.type)}`);
  const at = (row: number, code: SqlErrorCode, message: string) => arrowError(code, `insertArrow("${table}"): row ${row}, column "${column.name}": ${message}`);
  const type = field.type as DataType;
  const convert = converter(type, target, mismatch, at);
  const out = new Array<unknown>(vector.length);
  const isTimestamp = type.typeId === Type.Timestamp;
  let row = 0;
  for (const data of vector.data) {
    for (let i = 0; i < data.length; i++, row++) {
      if (!data.getValid(i)) {
        if (column.notNull) throw at(row, 'not_null_violation', 'NULL in a NOT NULL column');
        out[row] = null;
        continue;
      }
      // Timestamps are read raw (exact microseconds); get() would round them to milliseconds.
      out[row] = convert(isTimestamp ? (data.values as BigInt64Array)[i] : vector.get(row), row);
    }
  }
  return out;
}

type Convert = (value: unknown, row: number) => unknown;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MAX = 2n ** 63n - 1n;

function converter(
  type: DataType,
  target: { id: string; dimension: number },
  mismatch: () => SqlError,
  at: (row: number, code: SqlErrorCode, message: string) => SqlError,
): Convert {
  const id = target.id;
  switch (type.typeId) {
    case Type.Null:
      return () => null;
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Dictionary:
      if (type.typeId === Type.Dictionary && !isText((type as unknown as { dictionary: DataType }).dictionary)) break;
      if (id === 'text' || id === 'timestamp') return (value) => value;
      if (id === 'jsonb') {
        return (value, row) => {
          try {
            JSON.parse(value as string);
          } catch (error) {
            throw at(row, 'invalid_json', `invalid JSON text: ${(error as Error).message}`);
          }
          return value;
        };
      }
      break;
    case Type.Int: {
      const { bitWidth, isSigned } = type as unknown as { bitWidth: number; isSigned: boolean };
      if (id === 'int') {
        return (value, row) => {
          const number = Number(value);
          if (number < INT32_MIN || number > INT32_MAX) throw at(row, 'numeric_value_out_of_range', `${String(value)} is out of range for type integer`);
          return number;
        };
      }
      if (id === 'bigint') {
        if (bitWidth === 64 && !isSigned) {
          return (value, row) => {
            if ((value as bigint) > INT64_MAX) throw at(row, 'numeric_value_out_of_range', `${String(value)} is out of range for type bigint`);
            return value;
          };
        }
        return (value) => value;
      }
      if (id === 'real' || id === 'double') return (value) => Number(value);
      break;
    }
    case Type.Float:
      if (id === 'real' || id === 'double') return (value) => value;
      break;
    case Type.Bool:
      if (id === 'boolean') return (value) => value;
      break;
    case Type.Timestamp: {
      if (id !== 'timestamp') break;
      const unit = (type as unknown as { unit: TimeUnit }).unit;
      return (value) => toMicroseconds(value as bigint, unit);
    }
    case Type.Date:
      if (id === 'timestamp') return (value) => (value instanceof Date ? value : new Date(value as number));
      break;
    case Type.FixedSizeList:
    case Type.List: {
      const child = (type as unknown as { children: Field[] }).children[0]?.type;
      if (id === 'vector' && child?.typeId === Type.Float) {
        const fixed = type.typeId === Type.FixedSizeList ? (type as unknown as { listSize: number }).listSize : undefined;
        if (fixed !== undefined && fixed !== target.dimension) {
          throw arrowErrorForDimension(mismatch, fixed, target.dimension);
        }
        return (value, row) => {
          const values = (value as Vector).toArray() as Float32Array | Float64Array;
          if (values.length !== target.dimension) throw at(row, 'datatype_mismatch', `expected ${target.dimension} dimensions, not ${values.length}`);
          for (const x of values) if (!Number.isFinite(x)) throw at(row, 'datatype_mismatch', 'NaN or Infinity in a vector');
          return values;
        };
      }
      if (id === 'jsonb') return (value) => JSON.stringify(value, jsonReplacer);
      break;
    }
    case Type.Struct:
    case Type.Map:
      if (id === 'jsonb') return (value) => JSON.stringify(value, jsonReplacer);
      break;
  }
  throw mismatch();
}

function arrowErrorForDimension(mismatch: () => SqlError, got: number, expected: number): SqlError {
  const base = mismatch();
  return new SqlError('datatype_mismatch', `${base.message} (${got} dimensions, the column has ${expected})`);
}

function isText(type: DataType | undefined): boolean {
  return type?.typeId === Type.Utf8 || type?.typeId === Type.LargeUtf8;
}

/** Arrow rows and nested vectors → plain JSON (bigint as a number where exact, else text). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function' && !(value instanceof Date)) {
    return (value as { toJSON(): unknown }).toJSON();
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return value;
}

function toMicroseconds(value: bigint, unit: TimeUnit): bigint {
  switch (unit) {
    case TimeUnit.SECOND:
      return value * 1_000_000n;
    case TimeUnit.MILLISECOND:
      return value * 1000n;
    case TimeUnit.MICROSECOND:
      return value;
    case TimeUnit.NANOSECOND:
      return value >= 0n ? value / 1000n : -((-value + 999n) / 1000n);
  }
}

/** An engine error in one chunk, with the rows (and, for a bad parameter, the row and column) it is about. */
function chunkError(error: unknown, table: string, columns: ColumnInfo[], start: number, rows: number, inserted: number): unknown {
  if (!(error instanceof SqlError)) return error;
  let where = `rows ${start}-${start + rows - 1}`;
  let message = error.message;
  const parameter = /^parameter (\d+): /.exec(message);
  if (parameter) {
    const index = Number(parameter[1]) - 1;
    where = `row ${start + Math.floor(index / columns.length)}, column "${columns[index % columns.length]!.name}"`;
    message = message.slice(parameter[0].length);
  }
  const kept = inserted > 0 ? ` (${inserted} earlier rows stay inserted)` : '';
  return new SqlError(error.code, `insertArrow("${table}"): ${where}: ${message}${kept}`, { cause: error });
}
