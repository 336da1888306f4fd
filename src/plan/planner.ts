/**
 * The planner: turns a parsed statement into a PreparedStatement, whose `message` is the
 * one object handed to native code. A SELECT becomes an operator pipeline:
 *
 *   scan (WHERE pushed into it, only the columns used) → aggregate (GROUP BY and
 *   aggregates) → filter (HAVING) → project (select list, plus hidden ORDER BY keys) →
 *   aggregate (DISTINCT) → sort (top-k when a LIMIT bounds it) → limit → project (trim)
 *
 * Prepared statements are cached per SQL text and schema version, so parameters are
 * typed per execution only where their context left the type open.
 */
import type {
  Assignment,
  ColumnDefinition,
  CreateIndexStatement,
  DeleteStatement,
  UpdateStatement,
  CreateTableStatement,
  DropTableStatement,
  Expression,
  InsertStatement,
  ParsedStatement,
  Position,
  SelectStatement,
} from '../sql/ast.js';
import { SqlError } from '../sql/sql_error.js';
import { Binder, Scope, typed, typedOf, type BoundExpression } from './binder.js';
import { literalValue, StatementPlanner, type ResultColumn, type RowCountSlot } from './select_planner.js';
import type { Catalog, CatalogTable } from './catalog.js';
import {
  CELL_FIRST_CONSTANT,
  CELL_NOW,
  type AggregateMessage,
  type ColumnDefinitionMessage,
  type ExpressionMessage,
  type PlanMessage,
  type PlanNodeMessage,
  type TypedMessage,
} from './plan_message.js';
import { suggestion } from './suggest.js';
import { isNumeric, sameType, typeDisplayName, typeFromName, type SqlType } from './types.js';

export type { ResultColumn, RowCountSlot } from './select_planner.js';

export interface PreparedStatement {
  kind: 'query' | 'insert' | 'ddl' | 'modify' | 'explain';
  message: PlanMessage;
  columns: ResultColumn[];
  /** Expression id (plan message `id`, or insert constant index) → position in the SQL. */
  positions: Position[];
  parameterTypes: (SqlType | undefined)[];
  untypedParameters: BoundExpression[];
  rowCountSlots: RowCountSlot[];
  /** Catalog schema version the plan was made against. */
  schemaVersion: number;
  /** INSERT without ON CONFLICT: native keeps the message read once (nativeHandle) and takes only parameters. */
  templated?: boolean;
  nativeHandle?: unknown;
  /** A query whose message no parameter value changes: native keeps it read (nativeQuery) and binds parameters into it. */
  nativeQuery?: unknown;
}

export function prepare(parsed: ParsedStatement, catalog: Catalog): PreparedStatement {
  const statement = parsed.statement;
  switch (statement.kind) {
    case 'create_table': return planCreateTable(statement, parsed.sql, catalog);
    case 'drop_table': return planDropTable(statement, catalog);
    case 'insert': return planInsert(statement, parsed.sql, catalog);
    case 'select': return planSelect(statement, parsed.sql, catalog);
    case 'delete': return planDelete(statement, parsed.sql, catalog);
    case 'create_index': return planCreateIndex(statement, parsed.sql, catalog);
    case 'drop_index': return ddl({ kind: 'drop_index', name: statement.name.name, ifExists: statement.ifExists }, catalog);
    case 'update': return planUpdate(statement, parsed.sql, catalog);
    case 'explain': {
      if (statement.analyze) throw new SqlError('feature_not_supported', 'EXPLAIN ANALYZE is not supported yet', { pos: statement.pos, sql: parsed.sql });
      const inner = prepare({ ...parsed, statement: statement.statement }, catalog);
      return { ...inner, kind: 'explain', columns: [{ name: 'QUERY PLAN', type: { id: 'text' } }], nativeHandle: undefined, nativeQuery: undefined, templated: false };
    }
    default: {
      const unknown = statement as { kind: string; pos: Position };
      throw new SqlError('feature_not_supported', `${unknown.kind.replace('_', ' ').toUpperCase()} is not supported yet`, { pos: unknown.pos, sql: parsed.sql });
    }
  }
}

function lookupTable(catalog: Catalog, name: { name: string; pos: Position }, sql: string): CatalogTable {
  const table = catalog.table(name.name);
  if (!table) {
    throw new SqlError('undefined_table', `relation "${name.name}" does not exist.${suggestion(name.name, catalog.tableNames())}`.replace(/\.$/, ''), {
      pos: name.pos,
      sql,
    });
  }
  return table;
}

// ---------------------------------------------------------------- DDL

function planCreateTable(statement: CreateTableStatement, sql: string, catalog: Catalog): PreparedStatement {
  const fail = (code: ConstructorParameters<typeof SqlError>[0], message: string, pos: Position) => new SqlError(code, message, { pos, sql });
  const seen = new Set<string>();
  const columns: ColumnDefinitionMessage[] = [];
  const primaryKey: number[] = [];
  statement.columns.forEach((definition, index) => {
    if (seen.has(definition.name.name)) throw fail('duplicate_column', `column "${definition.name.name}" specified more than once`, definition.name.pos);
    seen.add(definition.name.name);
    const type = typeFromName(definition.type);
    if (type.id === 'vector' && (!type.dimension || type.dimension < 1 || type.dimension > 16000)) {
      throw fail('syntax_error', 'VECTOR needs a dimension between 1 and 16000, as in VECTOR(768)', definition.type.pos);
    }
    if (definition.primaryKey) primaryKey.push(index);
    columns.push({
      name: definition.name.name,
      ...typed(type),
      notNull: definition.notNull || definition.primaryKey,
      default: definition.defaultValue ? planDefault(definition, sql) : undefined,
    });
  });
  if (statement.primaryKey) {
    if (primaryKey.length) throw fail('syntax_error', 'multiple primary keys for table are not allowed', statement.primaryKey[0]!.pos);
    for (const name of statement.primaryKey) {
      const index = columns.findIndex((column) => column.name === name.name);
      if (index < 0) throw fail('undefined_column', `column "${name.name}" named in key does not exist`, name.pos);
      primaryKey.push(index);
      columns[index]!.notNull = true;
    }
  }
  if (columns.length === 0) throw fail('syntax_error', 'a table needs at least one column', statement.pos);
  const message: PlanMessage = { kind: 'create_table', name: statement.name.name, ifNotExists: statement.ifNotExists, columns, primaryKey };
  return ddl(message, catalog);
}

function planDefault(definition: ColumnDefinition, sql: string): ColumnDefinitionMessage['default'] {
  const value = definition.defaultValue!;
  const constant = literalValue(value);
  if (constant) return { kind: 'constant', value: constant.value, sqlText: constant.sqlText };
  if (value.kind === 'function' && (value.name === 'now' || value.name === 'current_timestamp') && value.args.length === 0) {
    const type = typeFromName(definition.type);
    if (type.id !== 'timestamp') {
      throw new SqlError('datatype_mismatch', `column "${definition.name.name}" is of type ${typeDisplayName(type)} but default expression is of type timestamp`, {
        pos: value.pos,
        sql,
      });
    }
    return { kind: 'now' };
  }
  throw new SqlError('feature_not_supported', 'DEFAULT must be a constant or NOW()', { pos: value.pos, sql });
}

function planDropTable(statement: DropTableStatement, catalog: Catalog): PreparedStatement {
  return ddl({ kind: 'drop_table', names: statement.names.map((name) => name.name), ifExists: statement.ifExists }, catalog);
}

function ddl(message: PlanMessage, catalog: Catalog): PreparedStatement {
  return { kind: 'ddl', message, columns: [], positions: [], parameterTypes: [], untypedParameters: [], rowCountSlots: [], schemaVersion: catalog.schemaVersion };
}

// ---------------------------------------------------------------- CREATE INDEX

const OPERATOR_CLASSES: Record<string, 'cosine' | 'l2' | 'ip'> = { vector_cosine_ops: 'cosine', vector_l2_ops: 'l2', vector_ip_ops: 'ip' };

function planCreateIndex(statement: CreateIndexStatement, sql: string, catalog: Catalog): PreparedStatement {
  const fail = (code: ConstructorParameters<typeof SqlError>[0], message: string, pos: Position) => new SqlError(code, message, { pos, sql });
  const table = lookupTable(catalog, statement.table, sql);
  if ((statement.method ?? 'hnsw') !== 'hnsw') throw fail('feature_not_supported', `index method "${statement.method}" is not supported; use USING hnsw`, statement.pos);
  if (statement.columns.length !== 1) throw fail('feature_not_supported', 'an hnsw index covers exactly one VECTOR column', statement.pos);
  const { column: name, operatorClass } = statement.columns[0]!;
  const column = table.columns.find((c) => c.name === name.name);
  if (!column) {
    throw fail('undefined_column', `column "${name.name}" does not exist.${suggestion(name.name, table.columns.map((c) => c.name))}`.replace(/\.$/, ''), name.pos);
  }
  if (column.type.id !== 'vector') throw fail('datatype_mismatch', `column "${name.name}" is of type ${typeDisplayName(column.type)}; an hnsw index needs a VECTOR column`, name.pos);
  const metric = OPERATOR_CLASSES[operatorClass ?? 'vector_cosine_ops'];
  if (!metric) throw fail('undefined_object', `operator class "${operatorClass}" does not exist; use vector_cosine_ops, vector_l2_ops or vector_ip_ops`, name.pos);
  const options = { m: 16, efConstruction: 128, efSearch: 64, quantization: 'f32' as 'f32' | 'f16' | 'i8' };
  for (const { key, value } of statement.options) {
    const literal = literalValue(value);
    if (key.name === 'quantization') {
      if (!literal || !['f32', 'f16', 'i8'].includes(String(literal.value))) throw fail('invalid_parameter', "quantization must be 'f32', 'f16' or 'i8'", value.pos);
      options.quantization = literal.value as 'f32';
      continue;
    }
    const field = ({ m: 'm', ef_construction: 'efConstruction', ef_search: 'efSearch' } as const)[key.name as 'm'];
    if (!field) throw fail('invalid_parameter', `unrecognized parameter "${key.name}"; hnsw takes m, ef_construction, ef_search, quantization`, key.pos);
    if (!literal || typeof literal.value !== 'number' || !Number.isInteger(literal.value) || literal.value < 2 || literal.value > 4096) {
      throw fail('invalid_parameter', `${key.name} must be an integer between 2 and 4096`, value.pos);
    }
    options[field] = literal.value;
  }
  const indexName = statement.name?.name ?? `${table.name}_${column.name}_idx`;
  return ddl({ kind: 'create_index', name: indexName, table: table.name, column: column.index, metric, ...options, ifNotExists: statement.ifNotExists }, catalog);
}

// ---------------------------------------------------------------- INSERT

function planInsert(statement: InsertStatement, sql: string, catalog: Catalog): PreparedStatement {
  const fail = (code: ConstructorParameters<typeof SqlError>[0], message: string, pos: Position) => new SqlError(code, message, { pos, sql });
  const table = lookupTable(catalog, statement.table, sql);
  if (statement.source.kind !== 'values') throw fail('feature_not_supported', 'INSERT … SELECT is not supported yet', statement.pos);
  if (statement.returning) throw fail('feature_not_supported', 'RETURNING is not supported yet', statement.pos);
  // Without a column list, Postgres fills the table's first columns (as many as VALUES has).
  const width0 = statement.source.kind === 'values' ? statement.source.rows[0]?.length ?? 0 : 0;
  const targets = statement.columns
    ? statement.columns.map((name) => {
        const column = table.columns.find((c) => c.name === name.name);
        if (!column) {
          throw fail('undefined_column', `column "${name.name}" of relation "${table.name}" does not exist.${suggestion(name.name, table.columns.map((c) => c.name))}`.replace(/\.$/, ''), name.pos);
        }
        return column;
      })
    : width0 > 0 && width0 < table.columns.length
      ? table.columns.slice(0, width0)
      : table.columns;
  const seen = new Set<number>();
  statement.columns?.forEach((name, i) => {
    if (seen.has(targets[i]!.index)) throw fail('syntax_error', `column "${name.name}" specified more than once`, name.pos);
    seen.add(targets[i]!.index);
  });
  const rows = statement.source.rows;
  const width = targets.length;
  const cells = new Int32Array(rows.length * width);
  const constants: { value: unknown; sqlText: boolean }[] = [];
  const positions: Position[] = [];
  const parameterTypes: (SqlType | undefined)[] = [];
  rows.forEach((row, r) => {
    if (row.length > width) throw fail('syntax_error', 'INSERT has more expressions than target columns', row[width]!.pos);
    if (row.length < width) {
      throw fail('syntax_error', 'INSERT has more target columns than expressions', (row[row.length - 1] ?? statement).pos);
    }
    row.forEach((cell, c) => {
      const target = targets[c]!;
      if (cell.kind === 'parameter') {
        cells[r * width + c] = cell.index;
        parameterTypes[cell.index] ??= target.type;
        return;
      }
      if (cell.kind === 'function' && (cell.name === 'now' || cell.name === 'current_timestamp') && cell.args.length === 0) {
        cells[r * width + c] = CELL_NOW;
        return;
      }
      const constant = literalValue(cell);
      if (!constant) {
        throw fail('feature_not_supported', 'VALUES may hold constants, parameters and NOW() for now', cell.pos);
      }
      cells[r * width + c] = CELL_FIRST_CONSTANT - constants.length;
      constants.push(constant);
      positions.push(cell.pos);
    });
  });
  const message: Extract<PlanMessage, { kind: 'insert' }> = {
    kind: 'insert',
    table: table.name,
    columns: targets.map((column) => column.index),
    types: targets.map((column) => typed(column.type)),
    rowCount: rows.length,
    cells,
    constants,
  };
  let binder: Binder | undefined;
  if (statement.onConflict) {
    const conflict = statement.onConflict;
    const keyNames = table.columns.filter((column) => column.primaryKey).map((column) => column.name);
    const target = conflict.target.map((name) => name.name);
    if (keyNames.length === 0 || (target.length > 0 && (target.length !== keyNames.length || !target.every((name) => keyNames.includes(name))))) {
      throw fail('invalid_column_reference', 'there is no unique or exclusion constraint matching the ON CONFLICT specification', conflict.pos);
    }
    if (conflict.action.kind === 'nothing') {
      message.onConflict = { action: 'nothing', assignments: [] };
    } else {
      // Constants keep their ids (0…); expression ids continue after them.
      binder = new Binder(sql);
      binder.positions.push(...positions);
      parameterTypes.forEach((type, slot) => (binder!.parameterTypes[slot] = type));
      const scope = new Scope([
        { name: table.name, table, offset: 0 },
        { name: 'excluded', table, offset: table.columns.length },
      ]);
      const assignments = bindAssignments(binder, table, conflict.action.assignments, scope);
      const where = conflict.action.where
        ? binder.expectBoolean(binder.bind(conflict.action.where, scope, { clause: 'WHERE', allowAggregates: false }), 'WHERE', conflict.action.where.pos)
        : undefined;
      message.onConflict = { action: 'update', assignments: assignments.map(({ column, value }) => ({ column, value: value as ExpressionMessage })), where: where as ExpressionMessage | undefined };
    }
  }
  return {
    kind: 'insert',
    message,
    columns: [],
    positions: binder ? binder.positions : positions,
    parameterTypes: binder ? binder.parameterTypes : parameterTypes,
    untypedParameters: binder ? binder.untypedParameters : [],
    rowCountSlots: [],
    schemaVersion: catalog.schemaVersion,
    templated: !statement.onConflict,
  };
}

// ---------------------------------------------------------------- DELETE, UPDATE

/** Binds `SET column = value, …`: each value assignable to its column's type. */
function bindAssignments(binder: Binder, table: CatalogTable, assignments: Assignment[], scope: Scope): { column: number; value: BoundExpression }[] {
  const seen = new Set<number>();
  return assignments.map(({ column: name, value }) => {
    const column = table.columns.find((c) => c.name === name.name);
    if (!column) {
      throw binder.error(
        'undefined_column',
        `column "${name.name}" of relation "${table.name}" does not exist.${suggestion(name.name, table.columns.map((c) => c.name))}`.replace(/\.$/, ''),
        name.pos,
      );
    }
    if (seen.has(column.index)) throw binder.error('syntax_error', `multiple assignments to same column "${name.name}"`, name.pos);
    seen.add(column.index);
    const bound = binder.bind(value, scope, { clause: 'UPDATE', allowAggregates: false });
    return { column: column.index, value: assignable(binder, bound, column.type, column.name, value.pos) };
  });
}

/** Postgres assignment rules: untyped values take the column type; numbers convert (rounding); else a mismatch. */
function assignable(binder: Binder, value: BoundExpression, type: SqlType, column: string, pos: Position): BoundExpression {
  const coerced = binder.coerce(value, type);
  const from = typedOf(coerced);
  if (from.id === 'null' || sameType(from, type)) return coerced.type === 'null' ? { ...coerced, ...typed(type) } : coerced;
  if (isNumeric(from) && isNumeric(type)) return { kind: 'cast', arg: coerced, ...typed(type) };
  throw binder.error('datatype_mismatch', `column "${column}" is of type ${typeDisplayName(type)} but expression is of type ${typeDisplayName(from)}`, pos);
}

function modifyScope(statement: DeleteStatement | UpdateStatement, catalog: Catalog, sql: string): { table: CatalogTable; scope: Scope } {
  const table = lookupTable(catalog, statement.table, sql);
  if (statement.returning) throw new SqlError('feature_not_supported', 'RETURNING is not supported yet', { pos: statement.pos, sql });
  return { table, scope: new Scope([{ name: (statement.alias ?? statement.table).name, table, offset: 0 }]) };
}

function prepared(kind: PreparedStatement['kind'], message: PlanMessage, binder: Binder, planner: StatementPlanner, catalog: Catalog): PreparedStatement {
  return {
    kind,
    message,
    columns: [],
    positions: binder.positions,
    parameterTypes: binder.parameterTypes,
    untypedParameters: binder.untypedParameters,
    rowCountSlots: planner.rowCountSlots,
    schemaVersion: catalog.schemaVersion,
  };
}

function planDelete(statement: DeleteStatement, sql: string, catalog: Catalog): PreparedStatement {
  const binder = new Binder(sql);
  const planner = new StatementPlanner(binder, catalog);
  const { table, scope } = modifyScope(statement, catalog, sql);
  const where = statement.where
    ? binder.expectBoolean(binder.bind(statement.where, scope, { clause: 'WHERE', allowAggregates: false }), 'WHERE', statement.where.pos)
    : undefined;
  const plan: PlanNodeMessage = { op: 'scan', table: table.name, columns: [], filter: where as ExpressionMessage | undefined, withRowIds: true };
  return prepared('modify', { kind: 'delete', table: table.name, plan, subqueries: planner.subqueries }, binder, planner, catalog);
}

function planUpdate(statement: UpdateStatement, sql: string, catalog: Catalog): PreparedStatement {
  const binder = new Binder(sql);
  const planner = new StatementPlanner(binder, catalog);
  const { table, scope } = modifyScope(statement, catalog, sql);
  const assignments = bindAssignments(binder, table, statement.assignments, scope);
  const where = statement.where
    ? binder.expectBoolean(binder.bind(statement.where, scope, { clause: 'WHERE', allowAggregates: false }), 'WHERE', statement.where.pos)
    : undefined;
  const width = table.columns.length;
  const scan: PlanNodeMessage = {
    op: 'scan',
    table: table.name,
    columns: table.columns.map((column) => column.index),
    filter: where as ExpressionMessage | undefined,
    withRowIds: true,
  };
  const expressions: ExpressionMessage[] = table.columns.map((column) => {
    const assigned = assignments.find((a) => a.column === column.index);
    return (assigned?.value ?? { kind: 'column', index: column.index, ...typed(column.type) }) as ExpressionMessage;
  });
  expressions.push({ kind: 'column', index: width, type: 'bigint' });
  const plan: PlanNodeMessage = { op: 'project', input: scan, expressions };
  return prepared('modify', { kind: 'update', table: table.name, plan, subqueries: planner.subqueries }, binder, planner, catalog);
}

// ---------------------------------------------------------------- SELECT

function planSelect(statement: SelectStatement, sql: string, catalog: Catalog): PreparedStatement {
  const binder = new Binder(sql);
  const planner = new StatementPlanner(binder, catalog);
  const planned = planner.planSelect(statement, undefined);
  return {
    kind: 'query',
    message: { kind: 'query', plan: planned.node, subqueries: planner.subqueries },
    columns: planned.columns,
    positions: binder.positions,
    parameterTypes: binder.parameterTypes,
    untypedParameters: binder.untypedParameters,
    rowCountSlots: planner.rowCountSlots,
    schemaVersion: catalog.schemaVersion,
  };
}
