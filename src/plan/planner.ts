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
  ColumnDefinition,
  CreateTableStatement,
  DropTableStatement,
  Expression,
  InsertStatement,
  ParsedStatement,
  Position,
  SelectStatement,
} from '../sql/ast.js';
import { SqlError } from '../sql/sql_error.js';
import { Binder, numberLiteral, Scope, typed, typedOf, type BoundExpression } from './binder.js';
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
import { typeDisplayName, typeFromName, type SqlType } from './types.js';

export interface ResultColumn {
  name: string;
  type: SqlType;
}

/** A LIMIT or OFFSET given as a parameter, filled in per execution. */
export interface RowCountSlot {
  parameter: number;
  apply(value: number): void;
}

export interface PreparedStatement {
  kind: 'query' | 'insert' | 'ddl';
  message: PlanMessage;
  columns: ResultColumn[];
  /** Expression id (plan message `id`, or insert constant index) → position in the SQL. */
  positions: Position[];
  parameterTypes: (SqlType | undefined)[];
  untypedParameters: BoundExpression[];
  rowCountSlots: RowCountSlot[];
  /** Catalog schema version the plan was made against. */
  schemaVersion: number;
  /** For INSERT: the native handle made from `message` on first execution. */
  nativeHandle?: unknown;
}

export function prepare(parsed: ParsedStatement, catalog: Catalog): PreparedStatement {
  const statement = parsed.statement;
  switch (statement.kind) {
    case 'create_table': return planCreateTable(statement, parsed.sql, catalog);
    case 'drop_table': return planDropTable(statement, catalog);
    case 'insert': return planInsert(statement, parsed.sql, catalog);
    case 'select': return planSelect(statement, parsed.sql, catalog);
    default:
      throw new SqlError('feature_not_supported', `${statement.kind.replace('_', ' ').toUpperCase()} is not supported yet`, {
        pos: statement.pos,
        sql: parsed.sql,
      });
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
  const constant = constantValue(value);
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

// ---------------------------------------------------------------- INSERT

/** A literal the SQL wrote (folded through unary minus and casts), or undefined. */
function constantValue(expression: Expression): { value: unknown; sqlText: boolean } | undefined {
  switch (expression.kind) {
    case 'number': {
      const literal = numberLiteral(expression.text, expression.isInteger);
      return { value: (literal as { value: unknown }).value, sqlText: false };
    }
    case 'string': return { value: expression.value, sqlText: true };
    case 'boolean': return { value: expression.value, sqlText: false };
    case 'null': return { value: null, sqlText: false };
    case 'unary': {
      const inner = constantValue(expression.operand);
      if (!inner || expression.operator === 'NOT') return undefined;
      if (expression.operator === '+') return inner;
      if (typeof inner.value === 'number') return { value: -inner.value, sqlText: false };
      if (typeof inner.value === 'bigint') return { value: -inner.value, sqlText: false };
      return undefined;
    }
    case 'cast': return constantValue(expression.operand);
    case 'array': {
      const values: number[] = [];
      for (const element of expression.elements) {
        const inner = constantValue(element);
        if (!inner || typeof inner.value !== 'number') return undefined;
        values.push(inner.value);
      }
      return { value: values, sqlText: false };
    }
    default: return undefined;
  }
}

function planInsert(statement: InsertStatement, sql: string, catalog: Catalog): PreparedStatement {
  const fail = (code: ConstructorParameters<typeof SqlError>[0], message: string, pos: Position) => new SqlError(code, message, { pos, sql });
  const table = lookupTable(catalog, statement.table, sql);
  if (statement.source.kind !== 'values') throw fail('feature_not_supported', 'INSERT … SELECT is not supported yet', statement.pos);
  if (statement.onConflict) throw fail('feature_not_supported', 'ON CONFLICT is not supported yet', statement.onConflict.pos);
  if (statement.returning) throw fail('feature_not_supported', 'RETURNING is not supported yet', statement.pos);
  const targets = statement.columns
    ? statement.columns.map((name) => {
        const column = table.columns.find((c) => c.name === name.name);
        if (!column) {
          throw fail('undefined_column', `column "${name.name}" of relation "${table.name}" does not exist.${suggestion(name.name, table.columns.map((c) => c.name))}`.replace(/\.$/, ''), name.pos);
        }
        return column;
      })
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
      const constant = constantValue(cell);
      if (!constant) {
        throw fail('feature_not_supported', 'VALUES may hold constants, parameters and NOW() for now', cell.pos);
      }
      cells[r * width + c] = CELL_FIRST_CONSTANT - constants.length;
      constants.push(constant);
      positions.push(cell.pos);
    });
  });
  return {
    kind: 'insert',
    message: {
      kind: 'insert',
      table: table.name,
      columns: targets.map((column) => column.index),
      types: targets.map((column) => typed(column.type)),
      rowCount: rows.length,
      cells,
      constants,
    },
    columns: [],
    positions,
    parameterTypes,
    untypedParameters: [],
    rowCountSlots: [],
    schemaVersion: catalog.schemaVersion,
  };
}

// ---------------------------------------------------------------- SELECT

/** Rebuilds a bound expression bottom-up; `replace` may substitute any node. Parameters are kept by reference. */
function mapExpression(expression: BoundExpression, replace: (e: BoundExpression) => BoundExpression | undefined): BoundExpression {
  const replaced = replace(expression);
  if (replaced) return replaced;
  const recurse = (e: BoundExpression) => mapExpression(e, replace);
  switch (expression.kind) {
    case 'compare':
    case 'arithmetic':
      return { ...expression, left: recurse(expression.left), right: recurse(expression.right) };
    case 'and':
    case 'or':
      return { ...expression, args: expression.args.map(recurse) };
    case 'not':
    case 'is_null':
    case 'negate':
    case 'cast':
      return { ...expression, arg: recurse(expression.arg) };
    case 'aggregate':
      return expression.argument ? { ...expression, argument: recurse(expression.argument) } : expression;
    default:
      return expression;
  }
}

function visit(expression: BoundExpression, see: (e: BoundExpression) => void): void {
  mapExpression(expression, (e) => {
    see(e);
    return undefined;
  });
}

/** Structural identity of an expression, ignoring ids and positions. */
function shape(expression: BoundExpression): string {
  return JSON.stringify(expression, (key, value) => (key === 'id' || key === 'name' ? undefined : typeof value === 'bigint' ? `${value}n` : value));
}

function outputName(item: Extract<SelectStatement['items'][number], { kind: 'expression' }>): string {
  if (item.alias) return item.alias.name;
  let expression = item.expression;
  while (expression.kind === 'cast') expression = expression.operand;
  if (expression.kind === 'column') return expression.name.name;
  if (expression.kind === 'function') return expression.name === 'current_timestamp' ? 'now' : expression.name;
  return '?column?';
}

function planSelect(statement: SelectStatement, sql: string, catalog: Catalog): PreparedStatement {
  const binder = new Binder(sql);
  const fail = (code: ConstructorParameters<typeof SqlError>[0], message: string, pos: Position) => binder.error(code, message, pos);

  // FROM: one table for now; joins and derived tables come with the SQL engine.
  if (statement.from.length > 1) throw fail('feature_not_supported', 'several FROM entries are not supported yet', statement.from[1]!.pos);
  const from = statement.from[0];
  let scope = new Scope([]);
  if (from) {
    if (from.kind !== 'table') throw fail('feature_not_supported', `${from.kind === 'join' ? 'JOIN' : 'a derived table'} is not supported yet`, from.pos);
    const table = lookupTable(catalog, from.name, sql);
    scope = new Scope([{ name: (from.alias ?? from.name).name, table, offset: 0 }]);
  }

  // Select list, with * expanded.
  const items: { expression: BoundExpression; name: string }[] = [];
  for (const item of statement.items) {
    if (item.kind === 'star') {
      const tables = item.table ? scope.tables.filter((entry) => entry.name === item.table!.name) : scope.tables;
      if (item.table && tables.length === 0) throw fail('undefined_table', `missing FROM-clause entry for table "${item.table.name}"`, item.table.pos);
      if (!from) throw fail('syntax_error', 'SELECT * with no tables specified is not valid', item.pos);
      for (const entry of tables) {
        for (const column of entry.table.columns) {
          items.push({ expression: { kind: 'column', index: entry.offset + column.index, name: column.name, ...typed(column.type) }, name: column.name });
        }
      }
      continue;
    }
    const bound = binder.bind(item.expression, scope, { clause: 'the select list', allowAggregates: true });
    items.push({ expression: finalizeUntyped(binder, bound), name: outputName(item) });
  }

  const where = statement.where ? binder.expectBoolean(binder.bind(statement.where, scope, { clause: 'WHERE', allowAggregates: false }), 'WHERE', statement.where.pos) : undefined;

  // GROUP BY: expressions, output aliases or ordinals.
  const groups = statement.groupBy.map((expression) => {
    const reference = selectReference(expression, items, statement, binder, 'GROUP BY');
    if (reference !== undefined) return items[reference]!.expression;
    return binder.bind(expression, scope, { clause: 'GROUP BY', allowAggregates: false });
  });
  const having = statement.having
    ? binder.expectBoolean(binder.bind(statement.having, scope, { clause: 'HAVING', allowAggregates: true }), 'HAVING', statement.having.pos)
    : undefined;

  // ORDER BY: output names and ordinals first (Postgres), then expressions over the input.
  const orderKeys = statement.orderBy.map((order) => {
    const reference = selectReference(order.expression, items, statement, binder, 'ORDER BY');
    const expression = reference === undefined ? binder.bind(order.expression, scope, { clause: 'ORDER BY', allowAggregates: true }) : undefined;
    return { order, reference, expression };
  });

  const aggregated = groups.length > 0 || having !== undefined || items.some((i) => hasAggregate(i.expression)) || orderKeys.some((k) => k.expression && hasAggregate(k.expression));

  // Columns the pipeline reads (beyond WHERE, which the scan evaluates over the table's own columns).
  const used = new Set<number>();
  const collect = (e: BoundExpression | undefined) => e && visit(e, (node) => node.kind === 'column' && used.add(node.index));
  items.forEach((i) => collect(i.expression));
  groups.forEach(collect);
  collect(having);
  orderKeys.forEach((k) => collect(k.expression));
  const scanColumns = [...used].sort((a, b) => a - b);
  const positionOf = new Map(scanColumns.map((column, position) => [column, position]));
  const toScan = (e: BoundExpression) => mapExpression(e, (node) => (node.kind === 'column' ? { ...node, index: positionOf.get(node.index)! } : undefined));

  let node: PlanNodeMessage | undefined;
  if (from) {
    node = { op: 'scan', table: scope.tables[0]!.table.name, columns: scanColumns };
    if (where) node.filter = message(where);
  } else if (where) {
    throw fail('feature_not_supported', 'WHERE without FROM is not supported yet', statement.where!.pos);
  }

  let itemExpressions = items.map((i) => toScan(i.expression));
  let orderExpressions = orderKeys.map((k) => (k.expression ? toScan(k.expression) : undefined));
  if (aggregated) {
    if (!node) throw fail('feature_not_supported', 'aggregates without FROM are not supported yet', statement.pos);
    const groupExpressions = groups.map(toScan);
    const groupShapes = groupExpressions.map(shape);
    const aggregates: AggregateMessage[] = [];
    const aggregateShapes: string[] = [];
    const lift = (e: BoundExpression) =>
      mapExpression(e, (nodeExpression) => {
        const groupIndex = groupShapes.indexOf(shape(nodeExpression));
        if (groupIndex >= 0) return { kind: 'column', index: groupIndex, name: '', ...typed(typedOf(nodeExpression)) };
        if (nodeExpression.kind === 'aggregate') {
          const key = shape(nodeExpression);
          let index = aggregateShapes.indexOf(key);
          if (index < 0) {
            index = aggregates.length;
            aggregateShapes.push(key);
            aggregates.push({
              function: nodeExpression.function,
              distinct: nodeExpression.distinct,
              argument: nodeExpression.argument ? message(nodeExpression.argument) : undefined,
              ...typed(typedOf(nodeExpression)),
            });
          }
          return { kind: 'column', index: groupExpressions.length + index, name: '', ...typed(typedOf(nodeExpression)) };
        }
        if (nodeExpression.kind === 'column') {
          const column = scope.tables[0]!.table.columns[scanColumns[nodeExpression.index]!]!;
          throw fail('grouping_error', `column "${scope.tables[0]!.name}.${column.name}" must appear in the GROUP BY clause or be used in an aggregate function`, binder.positions[nodeExpression.id ?? 0] ?? statement.pos);
        }
        return undefined;
      });
    itemExpressions = itemExpressions.map(lift);
    orderExpressions = orderExpressions.map((e) => (e ? lift(e) : undefined));
    const havingLifted = having ? lift(toScan(having)) : undefined;
    node = { op: 'aggregate', input: node, groups: groupExpressions.map(message), aggregates };
    if (havingLifted) node = { op: 'filter', input: node, predicate: message(havingLifted) };
  }

  // Project the select list plus hidden sort keys.
  const projected = itemExpressions.map(message);
  const sortKeys: { expression: ExpressionMessage; descending: boolean; nullsFirst: boolean }[] = [];
  orderKeys.forEach((key, k) => {
    let index = key.reference;
    if (index === undefined) {
      const keyShape = shape(orderExpressions[k]!);
      const match = itemExpressions.findIndex((e) => shape(e) === keyShape);
      if (match >= 0) index = match;
    }
    if (index === undefined) {
      if (statement.distinct) throw fail('invalid_column_reference', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', key.order.pos);
      index = projected.length;
      projected.push(message(orderExpressions[k]!));
    }
    const descending = key.order.direction === 'desc';
    const type = index < items.length ? items[index]!.expression.type : projected[index]!.type;
    if (type === 'vector' || type === 'jsonb') throw fail('undefined_function', `could not identify an ordering operator for type ${type}`, key.order.pos);
    sortKeys.push({
      expression: { kind: 'column', index, type },
      descending,
      nullsFirst: key.order.nulls === undefined ? descending : key.order.nulls === 'first',
    });
  });
  node = { op: 'project', input: node, expressions: projected };
  if (statement.distinct) {
    node = {
      op: 'aggregate',
      input: node,
      groups: projected.slice(0, items.length).map((e, index) => ({ kind: 'column', index, ...typedMessage(e) })),
      aggregates: [],
    };
  }

  const rowCountSlots: RowCountSlot[] = [];
  const limit = rowCount(statement.limit, 'LIMIT', binder);
  const offset = rowCount(statement.offset, 'OFFSET', binder);
  let sortNode: Extract<PlanNodeMessage, { op: 'sort' }> | undefined;
  if (sortKeys.length) {
    sortNode = { op: 'sort', input: node, keys: sortKeys };
    node = sortNode;
  }
  const limitNode: Extract<PlanNodeMessage, { op: 'limit' }> = { op: 'limit', input: node, offset: 0 };
  // Top-k: a sort under a LIMIT keeps only offset + limit rows.
  const refreshTopK = () => {
    if (sortNode) sortNode.limit = typeof limitNode.limit === 'number' ? limitNode.limit + limitNode.offset : undefined;
  };
  if (limit !== undefined || offset !== undefined) {
    node = limitNode;
    for (const [slot, field] of [
      [limit, 'limit'],
      [offset, 'offset'],
    ] as const) {
      if (slot === undefined) continue;
      if (slot.kind === 'value') {
        limitNode[field] = slot.value;
      } else {
        rowCountSlots.push({
          parameter: slot.parameter,
          apply: (value) => {
            limitNode[field] = value;
            refreshTopK();
          },
        });
      }
    }
    refreshTopK();
  }
  if (projected.length > items.length) {
    node = { op: 'project', input: node, expressions: items.map((item, index) => ({ kind: 'column', index, ...typedMessage(item.expression) })) };
  }

  return {
    kind: 'query',
    message: { kind: 'query', plan: node, subqueries: [] },
    columns: items.map((item) => ({ name: item.name, type: typedOf(item.expression) })),
    positions: binder.positions,
    parameterTypes: binder.parameterTypes,
    untypedParameters: binder.untypedParameters,
    rowCountSlots,
    schemaVersion: catalog.schemaVersion,
  };
}

/** Untyped literals in the select list become text, as Postgres resolves them. */
function finalizeUntyped(binder: Binder, expression: BoundExpression): BoundExpression {
  if (expression.kind === 'constant' && (expression.untypedLiteral || expression.type === 'null')) return binder.coerce(expression, { id: 'text' });
  return expression;
}

function typedMessage(expression: TypedMessage): TypedMessage {
  return expression.dimension ? { type: expression.type, dimension: expression.dimension } : { type: expression.type };
}

function hasAggregate(expression: BoundExpression): boolean {
  let found = false;
  visit(expression, (node) => {
    if (node.kind === 'aggregate') found = true;
  });
  return found;
}

/** A bound expression as the plan message carries it (drops binder-only fields). */
function message(expression: BoundExpression): ExpressionMessage {
  if (expression.kind === 'aggregate') throw new Error('internal error: aggregate left in an expression');
  return expression as ExpressionMessage;
}

/** An ORDER BY / GROUP BY entry that names an output column (ordinal or alias). */
function selectReference(
  expression: Expression,
  items: { expression: BoundExpression; name: string }[],
  statement: SelectStatement,
  binder: Binder,
  clause: string,
): number | undefined {
  if (expression.kind === 'number' && expression.isInteger) {
    const ordinal = Number(expression.text);
    if (ordinal < 1 || ordinal > items.length) throw binder.error('invalid_column_reference', `${clause} position ${ordinal} is not in select list`, expression.pos);
    return ordinal - 1;
  }
  if (expression.kind === 'column' && !expression.table) {
    const explicit = statement.items.some((item) => item.kind === 'expression' && item.alias?.name === expression.name.name);
    const matches = items.map((item, index) => (item.name === expression.name.name ? index : -1)).filter((i) => i >= 0);
    if (clause === 'ORDER BY' && matches.length > 0) return matches[0];
    if (clause === 'GROUP BY' && explicit && matches.length > 0) return matches[0];
  }
  return undefined;
}

type RowCountValue = { kind: 'value'; value: number } | { kind: 'parameter'; parameter: number };

function rowCount(expression: Expression | undefined, clause: string, binder: Binder): RowCountValue | undefined {
  if (!expression) return undefined;
  if (expression.kind === 'parameter') {
    binder.parameterTypes[expression.index] ??= { id: 'bigint' };
    return { kind: 'parameter', parameter: expression.index };
  }
  const constant = constantValue(expression);
  if (constant && constant.value === null) return undefined;
  if (!constant || typeof constant.value !== 'number' || !Number.isInteger(constant.value)) {
    throw binder.error('syntax_error', `argument of ${clause} must be an integer constant or a parameter`, expression.pos);
  }
  if (constant.value < 0) throw binder.error('invalid_row_count_in_limit_clause', `${clause} must not be negative`, expression.pos);
  return { kind: 'value', value: constant.value };
}
