/**
 * Errors from native code arrive as plain Errors with a `code` and, where they are about a
 * parameter or an expression, its index; this turns them into SqlErrors that point at the
 * place in the SQL text.
 */
import type { Position } from './sql/ast.js';
import { SqlError, type SqlErrorCode } from './sql/sql_error.js';

interface EngineErrorShape {
  name?: string;
  code?: string;
  message: string;
  parameter?: number;
  expression?: number;
}

export function translateEngineError(
  error: unknown,
  sql: string,
  positions: { parameters: Position[]; expressions: Position[] },
): unknown {
  if (error instanceof SqlError) return error;
  const shape = error as EngineErrorShape;
  if (!shape || shape.name !== 'EngineError' || typeof shape.code !== 'string') return error;
  let pos: Position | undefined;
  let message = shape.message;
  if (shape.parameter !== undefined) {
    pos = positions.parameters[shape.parameter];
    message = `parameter ${shape.parameter + 1}: ${message}`;
  } else if (shape.expression !== undefined) {
    pos = positions.expressions[shape.expression];
  }
  return new SqlError(shape.code as SqlErrorCode, message, { pos, sql, cause: error });
}
