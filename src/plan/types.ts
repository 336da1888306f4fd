/**
 * SQL types as the planner sees them. `SqlType.id` names are the ones the plan message
 * uses; `TYPE_IDS` maps the numeric ids stored on disk (native/common/types.hpp) to them.
 */
import type { TypeName } from '../sql/ast.js';

export type TypeId = 'null' | 'int' | 'bigint' | 'real' | 'double' | 'boolean' | 'text' | 'jsonb' | 'vector' | 'timestamp';

export interface SqlType {
  id: TypeId;
  dimension?: number;
}

export const TYPE_IDS: readonly TypeId[] = ['null', 'int', 'bigint', 'real', 'double', 'boolean', 'text', 'jsonb', 'vector', 'timestamp'];

export function typeFromName(name: TypeName): SqlType {
  switch (name.name) {
    case 'INT': return { id: 'int' };
    case 'BIGINT': return { id: 'bigint' };
    case 'REAL': return { id: 'real' };
    case 'DOUBLE': return { id: 'double' };
    case 'BOOLEAN': return { id: 'boolean' };
    case 'TEXT': return { id: 'text' };
    case 'JSONB': return { id: 'jsonb' };
    case 'VECTOR': return { id: 'vector', dimension: name.dimension };
    case 'TIMESTAMP': return { id: 'timestamp' };
  }
}

/** The Postgres spelling, for messages and `Result.columns`. */
export function typeDisplayName(type: SqlType): string {
  switch (type.id) {
    case 'null': return 'unknown';
    case 'int': return 'integer';
    case 'bigint': return 'bigint';
    case 'real': return 'real';
    case 'double': return 'double precision';
    case 'boolean': return 'boolean';
    case 'text': return 'text';
    case 'jsonb': return 'jsonb';
    case 'vector': return `vector(${type.dimension})`;
    case 'timestamp': return 'timestamp';
  }
}

export function isNumeric(type: SqlType): boolean {
  return type.id === 'int' || type.id === 'bigint' || type.id === 'real' || type.id === 'double';
}

export function isInteger(type: SqlType): boolean {
  return type.id === 'int' || type.id === 'bigint';
}

export function sameType(a: SqlType, b: SqlType): boolean {
  return a.id === b.id && (a.dimension ?? 0) === (b.dimension ?? 0);
}

/** Result type of arithmetic between two numeric types (Postgres promotion). */
export function promoteNumeric(a: SqlType, b: SqlType): SqlType {
  const rank: Record<string, number> = { int: 1, bigint: 2, real: 3, double: 4 };
  return (rank[a.id] ?? 0) >= (rank[b.id] ?? 0) ? a : b;
}
