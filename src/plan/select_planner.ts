/**
 * Planning SELECT: FROM (tables, derived tables, joins) becomes a tree of scans and joins
 * with every WHERE/ON conjunct pushed as far down as its semantics allow, then
 *
 *   aggregate (GROUP BY and aggregates) → filter (HAVING) → project (select list, plus
 *   hidden ORDER BY keys) → aggregate (DISTINCT) → sort (top-k under a LIMIT) → limit →
 *   project (drop hidden keys)
 *
 * Optimisations: predicate push-down into scans (evaluated natively over the table's own
 * columns, before any column is gathered), projection push-down (scans read only the
 * columns the query uses), hash joins on the equality conjuncts of ON/WHERE with the
 * smaller side as the build side, top-k for ORDER BY … LIMIT, and uncorrelated IN/EXISTS
 * (and EXISTS correlated by equalities) as hash semi-joins evaluated once per statement.
 */
import type { Expression, FromItem, Position, SelectStatement } from '../sql/ast.js';
import { SqlError } from '../sql/sql_error.js';
import {
  Binder,
  comparable,
  numberLiteral,
  Scope,
  typed,
  typedOf,
  type BindContext,
  type BoundExpression,
  type ScopeTable,
  type SubqueryPlanner,
} from './binder.js';
import type { Catalog, CatalogTable } from './catalog.js';
import type { AggregateMessage, ExpressionMessage, PlanNodeMessage, TypedMessage } from './plan_message.js';
import { suggestion } from './suggest.js';
import { isNumeric, promoteNumeric, sameType, typeDisplayName, type SqlType } from './types.js';

export interface ResultColumn {
  name: string;
  type: SqlType;
}

/** A LIMIT or OFFSET given as a parameter, filled in per execution. */
export interface RowCountSlot {
  parameter: number;
  apply(value: number): void;
}

export interface PlannedQuery {
  node: PlanNodeMessage;
  columns: ResultColumn[];
}

type Relation =
  | { kind: 'table'; entry: ScopeTable }
  | { kind: 'derived'; entry: ScopeTable; planned: PlannedQuery }
  | { kind: 'join'; joinType: 'inner' | 'left' | 'cross'; left: Relation; right: Relation; on?: Expression; pos: Position };

/** A relation with its conjuncts assigned: where each is evaluated. */
type Placed =
  | { kind: 'table'; entry: ScopeTable; filters: BoundExpression[] }
  | { kind: 'derived'; entry: ScopeTable; planned: PlannedQuery; filters: BoundExpression[] }
  | {
      kind: 'join';
      joinType: 'inner' | 'left';
      left: Placed;
      right: Placed;
      keys: [BoundExpression, BoundExpression][];
      residual: BoundExpression[];
      /** Filters applied to the join's output (WHERE conjuncts that may not move below a LEFT JOIN). */
      above: BoundExpression[];
    };

interface Physical {
  node: PlanNodeMessage;
  /** Scope column index → position in the node's output. */
  positions: Map<number, number>;
  width: number;
  /** Estimated output rows, for choosing the hash join's build side. */
  estimate: number;
}

const SELECT_CONTEXT: BindContext = { clause: 'the select list', allowAggregates: true };

/** A nearest-neighbour search the planner answers with a vector top-k scan of one table. */
interface VectorTarget {
  /** Scope offset of the table searched. */
  offset: number;
  /** Schema index of its VECTOR column. */
  column: number;
  query: BoundExpression;
  metric: 'cosine' | 'l2' | 'ip';
  /** Semi-join filters standing for the other tables of the join. */
  filters: BoundExpression[];
  /** Vector functions of (column, query) the scan computes for its k rows, and the scope
   *  indexes (beyond every table's columns) the rewritten select list reads them at. */
  outputs: { function: string; queryFirst: boolean; index: number }[];
  node?: Extract<PlanNodeMessage, { op: 'vector_scan' }>;
}

/** Distance functions an index can answer, and the direction that means "nearest first". */
const VECTOR_ORDERINGS: Record<string, { metric: 'cosine' | 'l2' | 'ip'; descending: boolean }> = {
  cosine_similarity: { metric: 'cosine', descending: true },
  cosine_distance: { metric: 'cosine', descending: false },
  l2_distance: { metric: 'l2', descending: false },
  inner_product: { metric: 'ip', descending: true },
  negative_inner_product: { metric: 'ip', descending: false },
};

export class StatementPlanner implements SubqueryPlanner {
  /** Sub-plans of the statement, in the order they must run. */
  readonly subqueries: PlanNodeMessage[] = [];
  readonly rowCountSlots: RowCountSlot[] = [];

  constructor(
    readonly binder: Binder,
    readonly catalog: Catalog,
  ) {
    binder.subqueries = this;
  }

  private fail(code: ConstructorParameters<typeof SqlError>[0], message: string, pos?: Position): SqlError {
    return this.binder.error(code, message, pos);
  }

  // ---------------------------------------------------------------- subqueries

  plan(query: SelectStatement, outer: Scope): { index: number; types: SqlType[] } {
    const planned = this.planSelect(query, outer);
    this.subqueries.push(planned.node);
    return { index: this.subqueries.length - 1, types: planned.columns.map((column) => column.type) };
  }

  planExists(query: SelectStatement, outer: Scope, binder: Binder, context: BindContext): { index: number; probes: BoundExpression[] } {
    const inner = this.fromNames(query.from);
    const classify = (expression: Expression): 'inner' | 'outer' | 'mixed' | 'none' => {
      let seen: 'inner' | 'outer' | 'mixed' | 'none' = 'none';
      walkAst(expression, (node) => {
        if (node.kind !== 'column') return;
        const side = isInnerReference(node, inner) ? 'inner' : 'outer';
        seen = seen === 'none' || seen === side ? side : 'mixed';
      });
      return seen;
    };
    const innerKeys: Expression[] = [];
    const outerProbes: Expression[] = [];
    const remaining: Expression[] = [];
    for (const conjunct of splitAstConjuncts(query.where)) {
      if (conjunct.kind === 'binary' && conjunct.operator === '=') {
        const left = classify(conjunct.left);
        const right = classify(conjunct.right);
        if (left === 'inner' && right === 'outer') {
          innerKeys.push(conjunct.left);
          outerProbes.push(conjunct.right);
          continue;
        }
        if (left === 'outer' && right === 'inner') {
          innerKeys.push(conjunct.right);
          outerProbes.push(conjunct.left);
          continue;
        }
      }
      remaining.push(conjunct);
    }
    const correlated = innerKeys.length > 0;
    if (correlated && (query.groupBy.length || query.having)) {
      throw this.fail('feature_not_supported', 'a correlated EXISTS subquery with GROUP BY or HAVING is not supported yet', query.pos);
    }
    // Uncorrelated: the subquery runs as written (an aggregate still yields its one row) and EXISTS asks for any row.
    const keysQuery: SelectStatement = !correlated ? query : {
      ...query,
      distinct: false,
      items: innerKeys.map((expression) => ({ kind: 'expression', expression, pos: expression.pos })),
      where: andAst(remaining),
      orderBy: [],
      limit: correlated ? undefined : query.limit,
      offset: correlated ? undefined : query.offset,
    };
    const planned = this.planSelect(keysQuery, outer);
    this.subqueries.push(planned.node);
    const probes = outerProbes.map((probe, k) => {
      const keyType = planned.columns[k]!.type;
      const bound = binder.coerce(binder.bind(probe, outer, context), keyType);
      if (!comparable(typedOf(bound), keyType)) {
        throw this.fail('undefined_function', `operator does not exist: ${typeDisplayName(typedOf(bound))} = ${typeDisplayName(keyType)}`, probe.pos);
      }
      return bound;
    });
    return { index: this.subqueries.length - 1, probes };
  }

  /** Names (alias or table) and column names of a FROM list, for telling inner references from outer ones. */
  private fromNames(from: FromItem[]): { name: string; columns: Set<string> }[] {
    const out: { name: string; columns: Set<string> }[] = [];
    const visit = (item: FromItem) => {
      if (item.kind === 'join') {
        visit(item.left);
        visit(item.right);
      } else if (item.kind === 'table') {
        const table = this.catalog.table(item.name.name);
        out.push({ name: (item.alias ?? item.name).name, columns: new Set(table?.columns.map((c) => c.name) ?? []) });
      } else {
        const columns = new Set(item.query.items.flatMap((i) => (i.kind === 'expression' ? [i.alias?.name ?? outputName(i)] : [])));
        out.push({ name: item.alias.name, columns });
      }
    };
    from.forEach(visit);
    return out;
  }

  // ---------------------------------------------------------------- FROM

  private relations(from: FromItem[], outer: Scope | undefined): { relation?: Relation; scope: Scope } {
    const tables: ScopeTable[] = [];
    let width = 0;
    const add = (name: string, table: CatalogTable, pos: Position): ScopeTable => {
      if (tables.some((entry) => entry.name === name)) throw this.fail('duplicate_alias', `table name "${name}" specified more than once`, pos);
      const entry = { name, table, offset: width };
      tables.push(entry);
      width += table.columns.length;
      return entry;
    };
    const build = (item: FromItem): Relation => {
      switch (item.kind) {
        case 'table': {
          const table = this.catalog.table(item.name.name);
          if (!table) {
            throw this.fail(
              'undefined_table',
              `relation "${item.name.name}" does not exist.${suggestion(item.name.name, this.catalog.tableNames())}`.replace(/\.$/, ''),
              item.name.pos,
            );
          }
          return { kind: 'table', entry: add((item.alias ?? item.name).name, table, (item.alias ?? item.name).pos) };
        }
        case 'subquery': {
          // A derived table cannot see the enclosing query's tables (no LATERAL).
          const planned = this.planSelect(item.query, undefined);
          const table: CatalogTable = {
            name: item.alias.name,
            rowCount: 1000,
            columns: planned.columns.map((column, index) => ({
              name: column.name,
              index,
              type: column.type,
              notNull: false,
              hasDefault: false,
              primaryKey: false,
            })),
          };
          return { kind: 'derived', entry: add(item.alias.name, table, item.alias.pos), planned };
        }
        case 'join': {
          const left = build(item.left);
          const right = build(item.right);
          return { kind: 'join', joinType: item.joinType, left, right, on: item.on, pos: item.pos };
        }
      }
    };
    let relation: Relation | undefined;
    for (const item of from) {
      const next = build(item);
      relation = relation ? { kind: 'join', joinType: 'cross', left: relation, right: next, pos: item.pos } : next;
    }
    return { relation, scope: new Scope(tables, outer) };
  }

  /** Assigns each conjunct to the lowest place where evaluating it keeps the query's meaning. */
  private place(relation: Relation, pushed: BoundExpression[], scope: Scope): Placed {
    if (relation.kind === 'table') return { kind: 'table', entry: relation.entry, filters: pushed };
    if (relation.kind === 'derived') return { kind: 'derived', entry: relation.entry, planned: relation.planned, filters: pushed };
    const leftTables = tablesIn(relation.left);
    const rightTables = tablesIn(relation.right);
    const side = (expression: BoundExpression): 'left' | 'right' | 'both' | 'none' => {
      const used = tablesOf(expression, scope);
      if (used.size === 0) return 'none';
      if ([...used].every((t) => leftTables.has(t))) return 'left';
      if ([...used].every((t) => rightTables.has(t))) return 'right';
      return 'both';
    };
    const on = relation.on
      ? splitConjuncts(this.binder.expectBoolean(this.binder.bind(relation.on, scope, { clause: 'JOIN conditions', allowAggregates: false }), 'JOIN/ON', relation.on.pos))
      : [];
    const toLeft: BoundExpression[] = [];
    const toRight: BoundExpression[] = [];
    const keys: [BoundExpression, BoundExpression][] = [];
    const residual: BoundExpression[] = [];
    const above: BoundExpression[] = [];
    const tryKey = (conjunct: BoundExpression): boolean => {
      if (conjunct.kind !== 'compare' || conjunct.op !== '=') return false;
      const l = side(conjunct.left);
      const r = side(conjunct.right);
      if (l === 'left' && r === 'right') keys.push(joinKeyPair(conjunct.left, conjunct.right));
      else if (l === 'right' && r === 'left') keys.push(joinKeyPair(conjunct.right, conjunct.left));
      else return false;
      return true;
    };
    if (relation.joinType === 'left') {
      for (const conjunct of pushed) (side(conjunct) === 'left' ? toLeft : above).push(conjunct);
      for (const conjunct of on) {
        if (side(conjunct) === 'right') toRight.push(conjunct);
        else if (!tryKey(conjunct)) residual.push(conjunct);
      }
    } else {
      for (const conjunct of [...pushed, ...on]) {
        const where = side(conjunct);
        if (where === 'left') toLeft.push(conjunct);
        else if (where === 'right') toRight.push(conjunct);
        else if (!tryKey(conjunct)) residual.push(conjunct);
      }
    }
    return {
      kind: 'join',
      joinType: relation.joinType === 'left' ? 'left' : 'inner',
      left: this.place(relation.left, toLeft, scope),
      right: this.place(relation.right, toRight, scope),
      keys,
      residual,
      above,
    };
  }

  private build(placed: Placed, used: Set<number>, vector?: VectorTarget): Physical {
    if (placed.kind === 'table') {
      const { entry } = placed;
      const columns = [...used].filter((i) => i >= entry.offset && i < entry.offset + entry.table.columns.length).sort((a, b) => a - b);
      const positions = new Map(columns.map((column, position) => [column, position]));
      // Scan filters read the table's own columns by schema index.
      const tablePositions = new Map(entry.table.columns.map((_, i) => [entry.offset + i, i]));
      if (vector && vector.offset === entry.offset) {
        const filters = [...placed.filters, ...vector.filters];
        vector.node = {
          op: 'vector_scan',
          table: entry.table.name,
          columns: columns.map((c) => c - entry.offset),
          filter: filters.length ? message(remap(andAll(filters), tablePositions)) : undefined,
          column: vector.column,
          query: message(vector.query),
          metric: vector.metric,
        };
        if (vector.outputs.length) vector.node.outputs = vector.outputs.map(({ function: name, queryFirst }) => ({ function: name, queryFirst }));
        vector.outputs.forEach((output, i) => positions.set(output.index, columns.length + i));
        return { node: vector.node, positions, width: columns.length + vector.outputs.length, estimate: 1 };
      }
      const node: Extract<PlanNodeMessage, { op: 'scan' }> = { op: 'scan', table: entry.table.name, columns: columns.map((c) => c - entry.offset) };
      if (placed.filters.length) node.filter = message(remap(andAll(placed.filters), tablePositions));
      return { node, positions, width: columns.length, estimate: entry.table.rowCount * (placed.filters.length ? 0.25 : 1) };
    }
    if (placed.kind === 'derived') {
      const { entry } = placed;
      const positions = new Map(entry.table.columns.map((_, i) => [entry.offset + i, i]));
      let node = placed.planned.node;
      if (placed.filters.length) node = { op: 'filter', input: node, predicate: message(remap(andAll(placed.filters), positions)) };
      return { node, positions, width: entry.table.columns.length, estimate: entry.table.rowCount };
    }
    let left = this.build(placed.left, used, vector);
    let right = this.build(placed.right, used, vector);
    let keys = placed.keys;
    // The native hash join builds on its right input: make that the smaller side.
    if (placed.joinType === 'inner' && keys.length > 0 && left.estimate < right.estimate) {
      [left, right] = [right, left];
      keys = keys.map(([l, r]) => [r, l]);
    }
    const positions = new Map(left.positions);
    for (const [column, position] of right.positions) positions.set(column, position + left.width);
    const residual = placed.residual.length ? message(remap(andAll(placed.residual), positions)) : undefined;
    let node: PlanNodeMessage =
      keys.length > 0
        ? {
            op: 'hash_join',
            input: left.node,
            right: right.node,
            joinType: placed.joinType,
            leftKeys: keys.map(([l]) => message(remap(l, left.positions))),
            rightKeys: keys.map(([, r]) => message(remap(r, right.positions))),
            residual,
          }
        : { op: 'nested_loop_join', input: left.node, right: right.node, joinType: placed.joinType, leftKeys: [], rightKeys: [], residual };
    if (placed.above.length) node = { op: 'filter', input: node, predicate: message(remap(andAll(placed.above), positions)) };
    const estimate = keys.length > 0 ? Math.max(left.estimate, right.estimate) : left.estimate * right.estimate;
    return { node, positions, width: left.width + right.width, estimate };
  }

  // ---------------------------------------------------------------- SELECT

  planSelect(statement: SelectStatement, outer: Scope | undefined): PlannedQuery {
    const binder = this.binder;
    const { relation, scope } = this.relations(statement.from, outer);

    // Select list, with * expanded.
    const items: { expression: BoundExpression; name: string }[] = [];
    for (const item of statement.items) {
      if (item.kind === 'star') {
        const tables = item.table ? scope.tables.filter((entry) => entry.name === item.table!.name) : scope.tables;
        if (item.table && tables.length === 0) throw this.fail('undefined_table', `missing FROM-clause entry for table "${item.table.name}"`, item.table.pos);
        if (scope.tables.length === 0) throw this.fail('syntax_error', 'SELECT * with no tables specified is not valid', item.pos);
        for (const entry of tables) {
          for (const column of entry.table.columns) {
            items.push({ expression: { kind: 'column', index: entry.offset + column.index, name: column.name, ...typed(column.type) }, name: column.name });
          }
        }
        continue;
      }
      const bound = binder.bind(item.expression, scope, SELECT_CONTEXT);
      items.push({ expression: finalizeUntyped(binder, bound), name: outputName(item) });
    }

    const where = statement.where
      ? binder.expectBoolean(binder.bind(statement.where, scope, { clause: 'WHERE', allowAggregates: false }), 'WHERE', statement.where.pos)
      : undefined;

    // GROUP BY: expressions, output aliases or ordinals.
    const groups = statement.groupBy.map((expression) => {
      const reference = selectReference(expression, items, statement, binder, 'GROUP BY', scope);
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

    const aggregated =
      groups.length > 0 ||
      having !== undefined ||
      items.some((i) => hasAggregate(i.expression)) ||
      orderKeys.some((k) => k.expression !== undefined && hasAggregate(k.expression));

    // FROM: place the WHERE conjuncts, then see which columns the rest of the query reads.
    const conjuncts = where ? splitConjuncts(where) : [];
    let root: Physical;
    let vector: VectorTarget | undefined;
    if (relation) {
      const placed = this.place(relation, conjuncts, scope);
      vector = this.vectorTarget(statement, items, orderKeys, relation, scope, conjuncts, aggregated);
      if (vector) this.computeInVectorScan(vector, items, orderKeys, scope);
      const used = new Set<number>();
      const collect = (e: BoundExpression | undefined) => e && visit(e, (node) => node.kind === 'column' && used.add(node.index));
      items.forEach((i) => collect(i.expression));
      groups.forEach(collect);
      collect(having);
      orderKeys.forEach((k) => collect(k.expression));
      collectPlacedReferences(placed, collect);
      root = this.build(placed, used, vector);
    } else {
      // SELECT without FROM: one row with no columns.
      root = { node: { op: 'project', expressions: [] }, positions: new Map(), width: 0, estimate: 1 };
      if (conjuncts.length) root.node = { op: 'filter', input: root.node, predicate: message(andAll(conjuncts)) };
    }
    const toInput = (e: BoundExpression) => remap(e, root.positions);

    let node: PlanNodeMessage = root.node;
    let itemExpressions = items.map((i) => toInput(i.expression));
    let orderExpressions = orderKeys.map((k) => (k.expression ? toInput(k.expression) : undefined));
    if (aggregated) {
      const groupExpressions = groups.map(toInput);
      const groupShapes = groupExpressions.map(shape);
      const aggregates: AggregateMessage[] = [];
      const aggregateShapes: string[] = [];
      const byPosition = new Map([...root.positions].map(([column, position]) => [position, column]));
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
            const column = byPosition.get(nodeExpression.index) ?? 0;
            const entry = scope.tables.find((t) => column >= t.offset && column < t.offset + t.table.columns.length);
            const name = entry ? `${entry.name}.${entry.table.columns[column - entry.offset]!.name}` : nodeExpression.name;
            throw this.fail(
              'grouping_error',
              `column "${name}" must appear in the GROUP BY clause or be used in an aggregate function`,
              binder.positions[nodeExpression.id ?? -1] ?? statement.pos,
            );
          }
          return undefined;
        });
      itemExpressions = itemExpressions.map(lift);
      orderExpressions = orderExpressions.map((e) => (e ? lift(e) : undefined));
      const havingLifted = having ? lift(toInput(having)) : undefined;
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
        if (statement.distinct) throw this.fail('invalid_column_reference', 'for SELECT DISTINCT, ORDER BY expressions must appear in select list', key.order.pos);
        index = projected.length;
        projected.push(message(orderExpressions[k]!));
      }
      const descending = key.order.direction === 'desc';
      const type = projected[index]!.type;
      if (type === 'vector' || type === 'jsonb') throw this.fail('undefined_function', `could not identify an ordering operator for type ${type}`, key.order.pos);
      sortKeys.push({
        expression: { kind: 'column', index, ...typedMessage(projected[index]!) },
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

    const limit = this.rowCount(statement.limit, 'LIMIT');
    const offset = this.rowCount(statement.offset, 'OFFSET');
    let sortNode: Extract<PlanNodeMessage, { op: 'sort' }> | undefined;
    if (sortKeys.length) {
      sortNode = { op: 'sort', input: node, keys: sortKeys };
      node = sortNode;
    }
    const limitNode: Extract<PlanNodeMessage, { op: 'limit' }> = { op: 'limit', input: node, offset: 0 };
    // Top-k: a sort under a LIMIT keeps only offset + limit rows.
    const refreshTopK = () => {
      const k = typeof limitNode.limit === 'number' ? limitNode.limit + limitNode.offset : undefined;
      if (sortNode) sortNode.limit = k;
      if (vector?.node) vector.node.k = k;
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
          this.rowCountSlots.push({
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
      node = { op: 'project', input: node, expressions: items.map((item, index) => ({ kind: 'column', index, ...typedMessage(projected[index]!) })) };
    }
    return { node, columns: items.map((item) => ({ name: item.name, type: typedOf(item.expression) })) };
  }

  /**
   * Whether the query is a nearest-neighbour search that a vector top-k scan can answer:
   * ORDER BY one distance (or similarity, DESC) between a table's VECTOR column and a
   * constant or parameter, with a LIMIT, no grouping, and every other table inner-joined on
   * its whole primary key (so it only filters rows, never repeats them). Those tables'
   * conditions become semi-join filters of the scan, evaluated before the search.
   */
  private vectorTarget(
    statement: SelectStatement,
    items: { expression: BoundExpression; name: string }[],
    orderKeys: { order: SelectStatement['orderBy'][number]; reference?: number; expression?: BoundExpression }[],
    relation: Relation,
    scope: Scope,
    conjuncts: BoundExpression[],
    aggregated: boolean,
  ): VectorTarget | undefined {
    if (aggregated || statement.distinct || orderKeys.length !== 1 || statement.limit === undefined) return undefined;
    const key = orderKeys[0]!;
    const ordered = key.reference !== undefined ? items[key.reference]!.expression : key.expression;
    if (!ordered || ordered.kind !== 'function') return undefined;
    const shapeOf = VECTOR_ORDERINGS[ordered.name];
    if (!shapeOf || shapeOf.descending !== (key.order.direction === 'desc')) return undefined;
    const [a, b] = ordered.args;
    const isQuery = (e: BoundExpression | undefined) => e !== undefined && (e.kind === 'constant' || e.kind === 'parameter') && e.type === 'vector';
    const column = a?.kind === 'column' && isQuery(b) ? a : b?.kind === 'column' && isQuery(a) ? b : undefined;
    const query = column === a ? b : a;
    if (!column || column.kind !== 'column' || !query) return undefined;
    const tables = relationTables(relation);
    if (!tables) return undefined;  // derived tables or outer joins
    const target = scope.tables.find((t) => column.index >= t.offset && column.index < t.offset + t.table.columns.length);
    if (!target || !tables.includes(target.offset)) return undefined;
    const onConjuncts = relationOn(relation, this.binder, scope);
    const all = [...conjuncts, ...onConjuncts];
    const filters: BoundExpression[] = [];
    for (const other of scope.tables) {
      if (other.offset === target.offset) continue;
      const keyColumns = other.table.columns.filter((c) => c.primaryKey);
      if (keyColumns.length === 0) return undefined;
      const inOther = (e: BoundExpression) => [...tablesOf(e, scope)].every((t) => t === other.offset);
      const inTarget = (e: BoundExpression) => [...tablesOf(e, scope)].every((t) => t === target.offset);
      const keyProbes = new Map<number, BoundExpression>();
      const otherOnly: BoundExpression[] = [];
      for (const conjunct of all) {
        const used = tablesOf(conjunct, scope);
        if (!used.has(other.offset)) continue;
        if (used.size === 1) {
          otherOnly.push(conjunct);
          continue;
        }
        if (conjunct.kind === 'compare' && conjunct.op === '=') {
          const [mine, theirs] = inOther(conjunct.left) && inTarget(conjunct.right) ? [conjunct.left, conjunct.right] : inOther(conjunct.right) && inTarget(conjunct.left) ? [conjunct.right, conjunct.left] : [];
          if (mine?.kind === 'column' && theirs) {
            const local = mine.index - other.offset;
            if (keyColumns.some((c) => c.index === local)) {
              keyProbes.set(local, theirs);
              continue;
            }
          }
        }
        return undefined;  // a condition tying this table to the target beyond its key
      }
      if (keyColumns.some((c) => !keyProbes.has(c.index))) return undefined;
      const localPositions = new Map(other.table.columns.map((_, i) => [other.offset + i, i]));
      const keysNode: PlanNodeMessage = {
        op: 'scan',
        table: other.table.name,
        columns: keyColumns.map((c) => c.index),
        filter: otherOnly.length ? message(remap(andAll(otherOnly), localPositions)) : undefined,
      };
      this.subqueries.push(keysNode);
      filters.push({
        kind: 'in_subquery',
        subquery: this.subqueries.length - 1,
        args: keyColumns.map((c) => keyProbes.get(c.index)!),
        negated: false,
        name: 'exists',
        type: 'boolean',
      });
    }
    return { offset: target.offset, column: column.index - target.offset, query, metric: shapeOf.metric, filters, outputs: [] };
  }

  /**
   * Rewrites the select list's and ORDER BY's calls of vector functions on the searched
   * column and the query vector into reads of values the vector scan computes for its k
   * rows (the same kernels, so the same values), so that the vectors themselves are not
   * carried through joins and projections unless the query selects them.
   */
  private computeInVectorScan(
    vector: VectorTarget,
    items: { expression: BoundExpression; name: string }[],
    orderKeys: { expression?: BoundExpression }[],
    scope: Scope,
  ): void {
    const searched = vector.offset + vector.column;
    const queryShape = shape(vector.query);
    let nextIndex = Math.max(0, ...scope.tables.map((t) => t.offset + t.table.columns.length));
    const rewrite = (expression: BoundExpression) =>
      mapExpression(expression, (e) => {
        if (e.kind !== 'function' || !(e.name in VECTOR_ORDERINGS) || e.args.length !== 2) return undefined;
        const [a, b] = e.args as [BoundExpression, BoundExpression];
        const isColumn = (x: BoundExpression) => x.kind === 'column' && x.index === searched;
        const queryFirst = isColumn(b) && shape(a) === queryShape;
        if (!queryFirst && !(isColumn(a) && shape(b) === queryShape)) return undefined;
        let output = vector.outputs.find((o) => o.function === e.name && o.queryFirst === queryFirst);
        if (!output) vector.outputs.push((output = { function: e.name, queryFirst, index: nextIndex++ }));
        return { kind: 'column', index: output.index, name: e.name, ...typed(typedOf(e)) };
      });
    for (const item of items) item.expression = rewrite(item.expression);
    for (const key of orderKeys) if (key.expression) key.expression = rewrite(key.expression);
  }

  private rowCount(expression: Expression | undefined, clause: string): { kind: 'value'; value: number } | { kind: 'parameter'; parameter: number } | undefined {
    if (!expression) return undefined;
    if (expression.kind === 'parameter') {
      this.binder.parameterTypes[expression.index] ??= { id: 'bigint' };
      return { kind: 'parameter', parameter: expression.index };
    }
    const constant = literalValue(expression);
    if (constant && constant.value === null) return undefined;
    if (!constant || typeof constant.value !== 'number' || !Number.isInteger(constant.value)) {
      throw this.fail('feature_not_supported', `${clause} takes an integer constant or a parameter; expressions are not supported yet`, expression.pos);
    }
    if (constant.value < 0) {
      throw this.fail(clause === 'OFFSET' ? 'invalid_row_count_in_result_offset_clause' : 'invalid_row_count_in_limit_clause', `${clause} must not be negative`, expression.pos);
    }
    return { kind: 'value', value: constant.value };
  }
}

// ---------------------------------------------------------------- helpers

/** A literal the SQL wrote (folded through unary minus and casts), or undefined. */
export function literalValue(expression: Expression): { value: unknown; sqlText: boolean } | undefined {
  switch (expression.kind) {
    case 'number': {
      const literal = numberLiteral(expression.text, expression.isInteger);
      return { value: (literal as { value: unknown }).value, sqlText: false };
    }
    case 'string': return { value: expression.value, sqlText: true };
    case 'boolean': return { value: expression.value, sqlText: false };
    case 'null': return { value: null, sqlText: false };
    case 'unary': {
      const inner = literalValue(expression.operand);
      if (!inner || expression.operator === 'NOT') return undefined;
      if (expression.operator === '+') return inner;
      if (typeof inner.value === 'number') return { value: -inner.value, sqlText: false };
      if (typeof inner.value === 'bigint') return { value: -inner.value, sqlText: false };
      return undefined;
    }
    case 'cast': return literalValue(expression.operand);
    case 'array': {
      const values: number[] = [];
      for (const element of expression.elements) {
        const inner = literalValue(element);
        if (!inner || typeof inner.value !== 'number') return undefined;
        values.push(inner.value);
      }
      return { value: values, sqlText: false };
    }
    default: return undefined;
  }
}

/** The Postgres output name of a select item. */
export function outputName(item: Extract<SelectStatement['items'][number], { kind: 'expression' }>): string {
  if (item.alias) return item.alias.name;
  let expression = item.expression;
  while (expression.kind === 'cast') expression = expression.operand;
  if (expression.kind === 'column') return expression.name.name;
  if (expression.kind === 'function') return expression.name === 'current_timestamp' ? 'now' : expression.name;
  if (expression.kind === 'exists') return 'exists';
  if (expression.kind === 'case') return 'case';
  return '?column?';
}

/** Rebuilds a bound expression bottom-up; `replace` may substitute any node. Parameters are kept by reference. */
export function mapExpression(expression: BoundExpression, replace: (e: BoundExpression) => BoundExpression | undefined): BoundExpression {
  const replaced = replace(expression);
  if (replaced) return replaced;
  const recurse = (e: BoundExpression) => mapExpression(e, replace);
  const e = expression as BoundExpression & { left?: BoundExpression; right?: BoundExpression; arg?: BoundExpression; args?: BoundExpression[]; argument?: BoundExpression };
  if (e.kind === 'parameter') return expression;
  const copy = { ...e } as typeof e;
  if (e.left) copy.left = recurse(e.left);
  if (e.right) copy.right = recurse(e.right);
  if (e.arg) copy.arg = recurse(e.arg);
  if (e.args) copy.args = e.args.map(recurse);
  if (e.argument) copy.argument = recurse(e.argument);
  return copy as BoundExpression;
}

export function visit(expression: BoundExpression, see: (e: BoundExpression) => void): void {
  mapExpression(expression, (e) => {
    see(e);
    return undefined;
  });
}

function remap(expression: BoundExpression, positions: Map<number, number>): BoundExpression {
  return mapExpression(expression, (node) => {
    if (node.kind !== 'column') return undefined;
    const position = positions.get(node.index);
    if (position === undefined) throw new Error(`internal error: column ${node.index} (${node.name}) is not available here`);
    return { ...node, index: position };
  });
}

/** Structural identity of an expression, ignoring ids and names. */
function shape(expression: BoundExpression): string {
  return JSON.stringify(expression, (key, value) => (key === 'id' ? undefined : typeof value === 'bigint' ? `${value}n` : value));
}

function hasAggregate(expression: BoundExpression): boolean {
  let found = false;
  visit(expression, (node) => {
    if (node.kind === 'aggregate') found = true;
  });
  return found;
}

/** A bound expression as the plan message carries it. */
function message(expression: BoundExpression): ExpressionMessage {
  let aggregate = false;
  visit(expression, (node) => {
    if (node.kind === 'aggregate') aggregate = true;
  });
  if (aggregate) throw new Error('internal error: aggregate left in an expression');
  return expression as ExpressionMessage;
}

function typedMessage(expression: TypedMessage): TypedMessage {
  return expression.dimension ? { type: expression.type, dimension: expression.dimension } : { type: expression.type };
}

/** Untyped literals in the select list become text, as Postgres resolves them. */
function finalizeUntyped(binder: Binder, expression: BoundExpression): BoundExpression {
  if (expression.kind === 'constant' && (expression.untypedLiteral || expression.type === 'null')) return binder.coerce(expression, { id: 'text' });
  return expression;
}

function splitConjuncts(expression: BoundExpression): BoundExpression[] {
  return expression.kind === 'and' ? expression.args.flatMap(splitConjuncts) : [expression];
}

function andAll(conjuncts: BoundExpression[]): BoundExpression {
  return conjuncts.length === 1 ? conjuncts[0]! : { kind: 'and', args: conjuncts, type: 'boolean' };
}

function splitAstConjuncts(expression: Expression | undefined): Expression[] {
  if (!expression) return [];
  if (expression.kind === 'binary' && expression.operator === 'AND') return [...splitAstConjuncts(expression.left), ...splitAstConjuncts(expression.right)];
  return [expression];
}

function andAst(conjuncts: Expression[]): Expression | undefined {
  return conjuncts.reduce<Expression | undefined>(
    (all, next) => (all ? { kind: 'binary', operator: 'AND', left: all, right: next, pos: all.pos } : next),
    undefined,
  );
}

/** Visits every AST expression node, not descending into subqueries. */
function walkAst(expression: Expression, see: (e: Expression) => void): void {
  see(expression);
  const children: (Expression | undefined)[] = [];
  switch (expression.kind) {
    case 'unary': children.push(expression.operand); break;
    case 'binary': children.push(expression.left, expression.right); break;
    case 'is_null':
    case 'is_boolean':
    case 'cast':
    case 'in_subquery': children.push(expression.operand); break;
    case 'in_list': children.push(expression.operand, ...expression.list); break;
    case 'between': children.push(expression.operand, expression.low, expression.high); break;
    case 'like': children.push(expression.operand, expression.pattern, expression.escape); break;
    case 'case': children.push(expression.operand, ...expression.whens.flatMap((w) => [w.when, w.then]), expression.otherwise); break;
    case 'function': children.push(...expression.args); break;
    case 'array': children.push(...expression.elements); break;
    default: break;
  }
  for (const child of children) if (child) walkAst(child, see);
}

function isInnerReference(node: Extract<Expression, { kind: 'column' }>, inner: { name: string; columns: Set<string> }[]): boolean {
  if (node.table) return inner.some((entry) => entry.name === node.table!.name);
  return inner.some((entry) => entry.columns.has(node.name.name));
}

/** Scope tables (by offset) referenced by an expression. */
function tablesOf(expression: BoundExpression, scope: Scope): Set<number> {
  const out = new Set<number>();
  visit(expression, (node) => {
    if (node.kind !== 'column') return;
    const entry = scope.tables.find((t) => node.index >= t.offset && node.index < t.offset + t.table.columns.length);
    if (entry) out.add(entry.offset);
  });
  return out;
}

/** Offsets of the base tables of an inner/cross join tree; undefined if it has derived tables or outer joins. */
function relationTables(relation: Relation): number[] | undefined {
  if (relation.kind === 'table') return [relation.entry.offset];
  if (relation.kind === 'derived' || relation.joinType === 'left') return undefined;
  const left = relationTables(relation.left);
  const right = relationTables(relation.right);
  return left && right ? [...left, ...right] : undefined;
}

/** The ON conditions of a join tree, bound and split into conjuncts. */
function relationOn(relation: Relation, binder: Binder, scope: Scope): BoundExpression[] {
  if (relation.kind !== 'join') return [];
  const own = relation.on ? splitConjuncts(binder.bind(relation.on, scope, { clause: 'JOIN conditions', allowAggregates: false })) : [];
  return [...relationOn(relation.left, binder, scope), ...relationOn(relation.right, binder, scope), ...own];
}

function tablesIn(relation: Relation): Set<number> {
  if (relation.kind !== 'join') return new Set([relation.entry.offset]);
  return new Set([...tablesIn(relation.left), ...tablesIn(relation.right)]);
}

function collectPlacedReferences(placed: Placed, collect: (e: BoundExpression) => void): void {
  if (placed.kind === 'table') return; // scan filters read the table directly
  if (placed.kind === 'derived') {
    placed.filters.forEach(collect);
    return;
  }
  placed.keys.forEach(([l, r]) => {
    collect(l);
    collect(r);
  });
  placed.residual.forEach(collect);
  placed.above.forEach(collect);
  collectPlacedReferences(placed.left, collect);
  collectPlacedReferences(placed.right, collect);
}

/** Join keys must have the same type on both sides, so native compares bytes. */
function joinKeyPair(left: BoundExpression, right: BoundExpression): [BoundExpression, BoundExpression] {
  const l = typedOf(left);
  const r = typedOf(right);
  if (sameType(l, r) || !isNumeric(l) || !isNumeric(r)) return [left, right];
  const common = promoteNumeric(l, r);
  const cast = (e: BoundExpression, from: SqlType): BoundExpression => (sameType(from, common) ? e : { kind: 'cast', arg: e, ...typed(common) });
  return [cast(left, l), cast(right, r)];
}

/** An ORDER BY / GROUP BY entry that names an output column (ordinal or alias). */
function selectReference(
  expression: Expression,
  items: { expression: BoundExpression; name: string }[],
  statement: SelectStatement,
  binder: Binder,
  clause: string,
  scope?: Scope,
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
    // In GROUP BY an input column wins over an output alias of the same name (Postgres).
    const inputColumn = scope?.tables.some((entry) => entry.table.columns.some((c) => c.name === expression.name.name)) ?? false;
    if (clause === 'GROUP BY' && explicit && !inputColumn && matches.length > 0) return matches[0];
  }
  return undefined;
}
