/**
 * SqlError is the one error type a statement raises: a Postgres-like `code`, a message, and
 * when the error has a place in the SQL text, its 1-based line and column. `toString()`
 * prints the offending line with a caret under the column.
 */
import type { Position } from './ast.js';

export type SqlErrorCode =
  | 'syntax_error'
  | 'undefined_table'
  | 'undefined_column'
  | 'undefined_function'
  | 'undefined_object'
  | 'duplicate_table'
  | 'duplicate_column'
  | 'duplicate_object'
  | 'ambiguous_column'
  | 'datatype_mismatch'
  | 'invalid_parameter'
  | 'not_null_violation'
  | 'unique_violation'
  | 'numeric_value_out_of_range'
  | 'invalid_text_representation'
  | 'division_by_zero'
  | 'invalid_json'
  | 'feature_not_supported'
  | 'grouping_error'
  | 'invalid_column_reference'
  | 'invalid_row_count_in_limit_clause'
  | 'invalid_row_count_in_result_offset_clause'
  | 'duplicate_key'
  | 'duplicate_alias'
  | 'datetime_field_overflow'
  | 'invalid_table_definition'
  | 'cannot_coerce'
  | 'substring_error'
  | 'invalid_escape_sequence'
  | 'invalid_parameter_value'
  | 'data_exception'
  | 'merge_conflict'
  | 'invalid_name'
  | 'object_in_use'
  | 'read_only_sql_transaction'
  | 'lock_not_available'
  | 'serialization_failure'
  | 'connection_closed'
  | 'program_limit_exceeded'
  | 'out_of_memory'
  | 'cardinality_violation'
  | 'query_canceled'
  | 'data_corrupted'
  | 'io_error'
  | 'internal_error';

export class SqlError extends Error {
  readonly code: SqlErrorCode;
  /** 1-based; undefined when the error has no place in the SQL. */
  readonly line?: number;
  readonly column?: number;
  readonly offset?: number;
  readonly sql?: string;

  constructor(code: SqlErrorCode, message: string, options: { pos?: Position; sql?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SqlError';
    this.code = code;
    if (options.pos) {
      this.line = options.pos.line;
      this.column = options.pos.column;
      this.offset = options.pos.offset;
    }
    this.sql = options.sql;
  }

  /** The message, and where it points: the SQL line with a caret under the column. */
  override toString(): string {
    const head = `SqlError [${this.code}]: ${this.message}`;
    if (this.sql === undefined || this.line === undefined || this.column === undefined) return head;
    const text = this.sql.split('\n')[this.line - 1] ?? '';
    const caret = ' '.repeat(Math.max(0, this.column - 1)) + '^';
    return `${head}\nLINE ${this.line}: ${text}\n${' '.repeat(`LINE ${this.line}: `.length)}${caret}`;
  }
}

/** Position for a 0-based offset into `sql`. */
export function positionAt(sql: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < sql.length; i++) {
    if (sql.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}
