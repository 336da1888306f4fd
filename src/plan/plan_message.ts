/**
 * The plan message: the one object a statement sends into native code
 * (read by native/binding/plan_message.cpp). Expressions carry their result type; column
 * references index the columns of the operator's input; `id` indexes the statement's
 * position table so native errors can point into the SQL.
 */
import type { TypeId } from './types.js';

export interface TypedMessage {
  type: TypeId;
  dimension?: number;
}

export type ExpressionMessage =
  | ({ kind: 'column'; index: number; id?: number } & TypedMessage)
  | ({ kind: 'constant'; value: unknown; sqlText?: boolean; id?: number } & TypedMessage)
  | ({ kind: 'parameter'; index: number; id?: number } & TypedMessage)
  | ({ kind: 'now'; id?: number } & TypedMessage)
  | ({ kind: 'compare'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; left: ExpressionMessage; right: ExpressionMessage; id?: number } & TypedMessage)
  | ({ kind: 'and' | 'or'; args: ExpressionMessage[]; id?: number } & TypedMessage)
  | ({ kind: 'not'; arg: ExpressionMessage; id?: number } & TypedMessage)
  | ({ kind: 'is_null'; arg: ExpressionMessage; negated: boolean; id?: number } & TypedMessage)
  | ({ kind: 'arithmetic'; op: '+' | '-' | '*' | '/' | '%'; left: ExpressionMessage; right: ExpressionMessage; id?: number } & TypedMessage)
  | ({ kind: 'negate'; arg: ExpressionMessage; id?: number } & TypedMessage)
  | ({ kind: 'cast'; arg: ExpressionMessage; id?: number } & TypedMessage)
  /** Scalar function `name` (see native/expr/functions.cpp for the list). */
  | ({ kind: 'function'; name: string; args: ExpressionMessage[]; id?: number } & TypedMessage)
  /** args: value, pattern[, escape]. */
  | ({ kind: 'like'; args: ExpressionMessage[]; caseInsensitive: boolean; negated: boolean; id?: number } & TypedMessage)
  /** args: when1, then1, when2, then2, …[, else]. */
  | ({ kind: 'case'; args: ExpressionMessage[]; hasElse: boolean; id?: number } & TypedMessage)
  /** args: value, item1, item2, … */
  | ({ kind: 'in_list'; args: ExpressionMessage[]; negated: boolean; id?: number } & TypedMessage)
  /** args: probe values; `subquery` indexes the statement's sub-plans; name 'exists' for EXISTS semantics. */
  | ({ kind: 'in_subquery'; subquery: number; args: ExpressionMessage[]; negated: boolean; name?: 'exists'; id?: number } & TypedMessage)
  /** The single value of an uncorrelated scalar sub-plan (NULL when it returns no row). */
  | ({ kind: 'scalar_subquery'; subquery: number; args: []; id?: number } & TypedMessage);

export type AggregateFunctionName = 'count_star' | 'count' | 'sum' | 'avg' | 'min' | 'max';

export interface AggregateMessage extends TypedMessage {
  function: AggregateFunctionName;
  distinct: boolean;
  argument?: ExpressionMessage;
}

export type PlanNodeMessage =
  | { op: 'scan'; table: string; columns: number[]; filter?: ExpressionMessage; withRowIds?: boolean }
  | { op: 'filter'; input: PlanNodeMessage; predicate: ExpressionMessage }
  | { op: 'project'; input?: PlanNodeMessage; expressions: ExpressionMessage[] }
  | { op: 'aggregate'; input: PlanNodeMessage; groups: ExpressionMessage[]; aggregates: AggregateMessage[] }
  | { op: 'sort'; input: PlanNodeMessage; keys: { expression: ExpressionMessage; descending: boolean; nullsFirst: boolean }[]; limit?: number }
  | { op: 'limit'; input: PlanNodeMessage; limit?: number; offset: number }
  /**
   * A scan returning only the k rows nearest to `query` in `column` (schema index) among rows
   * passing `filter`, nearest first: filtered HNSW search, or exact when few rows pass.
   */
  | {
      op: 'vector_scan';
      table: string;
      columns: number[];
      filter?: ExpressionMessage;
      column: number;
      query: ExpressionMessage;
      metric: 'cosine' | 'l2' | 'ip';
      k?: number;
      expansion?: number;
      /** Output after `columns`: each function of (row vector, query) as DOUBLE, for the k rows. */
      outputs?: { function: string; queryFirst: boolean }[];
    }
  /**
   * Joins output `input`'s columns then `right`'s. A hash join builds on `right` and matches
   * leftKeys[i] = rightKeys[i] (same types); `residual` (over the joined row) decides matches.
   */
  | {
      op: 'hash_join' | 'nested_loop_join';
      input: PlanNodeMessage;
      right: PlanNodeMessage;
      joinType: 'inner' | 'left' | 'semi' | 'anti';
      leftKeys: ExpressionMessage[];
      rightKeys: ExpressionMessage[];
      residual?: ExpressionMessage;
    };

export interface ColumnDefinitionMessage extends TypedMessage {
  name: string;
  notNull: boolean;
  default?: { kind: 'now' } | { kind: 'constant'; value: unknown; sqlText: boolean; id?: number };
}

/** Cells of an INSERT: ≥ 0 a parameter slot, CELL_NOW for NOW(), ≤ CELL_FIRST_CONSTANT a constant. */
export const CELL_NOW = -1;
export const CELL_FIRST_CONSTANT = -3;

export type PlanMessage =
  | { kind: 'create_table'; name: string; ifNotExists: boolean; columns: ColumnDefinitionMessage[]; primaryKey: number[] }
  | { kind: 'drop_table'; names: string[]; ifExists: boolean }
  | {
      kind: 'insert';
      table: string;
      columns: number[];
      types: TypedMessage[];
      rowCount: number;
      cells: Int32Array;
      constants: { value: unknown; sqlText: boolean }[];
      /** Assignments and WHERE read the existing row's columns, then the excluded (proposed) row's. */
      onConflict?: { action: 'nothing' | 'update'; assignments: { column: number; value: ExpressionMessage }[]; where?: ExpressionMessage };
    }
  | {
      kind: 'create_index';
      name: string;
      table: string;
      column: number;
      metric: 'cosine' | 'l2' | 'ip';
      m: number;
      efConstruction: number;
      efSearch: number;
      quantization: 'f32' | 'f16' | 'i8';
      ifNotExists: boolean;
    }
  | { kind: 'drop_index'; name: string; ifExists: boolean }
  /** DELETE: `plan` yields the row ids to delete (last column). */
  | { kind: 'delete'; table: string; plan: PlanNodeMessage; subqueries: PlanNodeMessage[] }
  /** UPDATE: `plan` yields every column's new value in schema order, then the row id. */
  | { kind: 'update'; table: string; plan: PlanNodeMessage; subqueries: PlanNodeMessage[] }
  /** Sub-plans run first, in order; expressions refer to them by index. */
  | { kind: 'query'; plan: PlanNodeMessage; subqueries: PlanNodeMessage[] };
