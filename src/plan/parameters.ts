/**
 * Binding parameter values to a prepared statement: checks their number (or names),
 * turns JS objects bound to JSONB into JSON text, types parameters whose context left the
 * type open from the value itself, and fills LIMIT/OFFSET parameters. Values are never
 * spliced into SQL text; they travel beside the plan message.
 */
import type { ParameterInfo } from '../sql/ast.js';
import { SqlError } from '../sql/sql_error.js';
import type { PreparedStatement } from './planner.js';
import type { TypeId } from './types.js';

export type Parameters = readonly unknown[] | Record<string, unknown>;

export function bindParameters(info: ParameterInfo, given: Parameters | undefined, prepared: PreparedStatement, sql: string): unknown[] {
  const values = orderValues(info, given, sql);
  for (let slot = 0; slot < values.length; slot++) {
    const type = prepared.parameterTypes[slot];
    if (type?.id === 'jsonb') {
      const value = values[slot];
      if (value !== null && value !== undefined && typeof value !== 'string') values[slot] = toJsonText(value, slot, info, sql);
    }
  }
  for (const parameter of prepared.untypedParameters) {
    if (parameter.kind !== 'parameter') continue;
    const inferred = inferType(values[parameter.index]);
    parameter.type = inferred.type;
    parameter.dimension = inferred.dimension;
    if (inferred.type === 'jsonb' && typeof values[parameter.index] !== 'string') {
      values[parameter.index] = toJsonText(values[parameter.index], parameter.index, info, sql);
    }
  }
  for (const slot of prepared.rowCountSlots) {
    const value = values[slot.parameter];
    const number = typeof value === 'bigint' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
      throw new SqlError('invalid_parameter', `LIMIT/OFFSET parameter must be a non-negative integer, got ${describe(value)}`, {
        pos: info.positions[slot.parameter],
        sql,
      });
    }
    slot.apply(number);
  }
  return values;
}

function orderValues(info: ParameterInfo, given: Parameters | undefined, sql: string): unknown[] {
  if (info.count === 0) {
    const count = given === undefined ? 0 : Array.isArray(given) ? given.length : Object.keys(given).length;
    if (count > 0) throw new SqlError('invalid_parameter', `the statement takes no parameters, but ${count} were given`, { sql });
    return [];
  }
  if (info.style === 'named') {
    if (given === undefined || Array.isArray(given) || typeof given !== 'object') {
      throw new SqlError('invalid_parameter', `the statement uses named parameters (:${info.names[0]}); pass an object`, { pos: info.positions[0], sql });
    }
    const named = given as Record<string, unknown>;
    return info.names.map((name, slot) => {
      if (!(name in named)) throw new SqlError('invalid_parameter', `no value given for parameter :${name}`, { pos: info.positions[slot], sql });
      return named[name];
    });
  }
  if (!Array.isArray(given)) {
    throw new SqlError('invalid_parameter', `the statement takes ${info.count} positional parameter${info.count === 1 ? '' : 's'}; pass an array`, {
      pos: info.positions[0],
      sql,
    });
  }
  if (given.length !== info.count) {
    throw new SqlError('invalid_parameter', `the statement takes ${info.count} parameter${info.count === 1 ? '' : 's'}, but ${given.length} were given`, {
      pos: info.positions[Math.min(given.length, info.count - 1)],
      sql,
    });
  }
  return given.slice();
}

function toJsonText(value: unknown, slot: number, info: ParameterInfo, sql: string): string {
  try {
    const text = JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
    if (text === undefined) throw new Error(`${describe(value)} has no JSON form`);
    return text;
  } catch (error) {
    throw new SqlError('invalid_parameter', `parameter ${slot + 1} cannot be stored as JSONB: ${(error as Error).message}`, {
      pos: info.positions[slot],
      sql,
      cause: error,
    });
  }
}

function inferType(value: unknown): { type: TypeId; dimension?: number } {
  if (value === null || value === undefined) return { type: 'null' };
  if (typeof value === 'number') return { type: Number.isInteger(value) && Math.abs(value) <= 2147483647 ? 'int' : Number.isSafeInteger(value) ? 'bigint' : 'double' };
  if (typeof value === 'bigint') return { type: 'bigint' };
  if (typeof value === 'string') return { type: 'text' };
  if (typeof value === 'boolean') return { type: 'boolean' };
  if (value instanceof Date) return { type: 'timestamp' };
  if (value instanceof Float32Array || value instanceof Float64Array) return { type: 'vector', dimension: value.length };
  return { type: 'jsonb' };
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
