/**
 * The binder: resolves names in expressions against the tables in scope, gives every
 * expression its SQL type (coercing untyped literals, NULLs and parameters to what their
 * context expects, as Postgres does), and reports misuse as SqlErrors that point at the
 * offending token, with a "did you mean" for near-miss names.
 */
import type { Expression, Identifier, Position, SelectStatement } from '../sql/ast.js';
import { SqlError } from '../sql/sql_error.js';
import type { CatalogTable } from './catalog.js';
import type { AggregateFunctionName, TypedMessage } from './plan_message.js';
import {
  bindCase,
  bindConcatOperator,
  bindInList,
  bindJsonOperator,
  bindJsonPathArray,
  bindLike,
  bindScalarFunction,
  bindVectorDistance,
  CANNOT_COERCE,
  castAllowed,
  castDecimalLiteral,
  isDecimalLiteral,
  vectorLiteralDimension,
} from './functions.js';
import { suggestion } from './suggest.js';
import { isInteger, isNumeric, promoteNumeric, sameType, typeDisplayName, typeFromName, type SqlType, type TypeId } from './types.js';

/** A bound expression: the plan message's expression, plus aggregates the planner lifts out. */
export type BoundExpression = TypedMessage & { id?: number } & (
    | { kind: 'column'; index: number; name: string }
    | { kind: 'constant'; value: unknown; sqlText?: boolean; untypedLiteral?: boolean }
    | { kind: 'parameter'; index: number }
    | { kind: 'now' }
    | { kind: 'compare'; op: '=' | '<>' | '<' | '<=' | '>' | '>='; left: BoundExpression; right: BoundExpression }
    | { kind: 'and' | 'or'; args: BoundExpression[] }
    | { kind: 'not'; arg: BoundExpression }
    | { kind: 'is_null'; arg: BoundExpression; negated: boolean }
    | { kind: 'arithmetic'; op: '+' | '-' | '*' | '/' | '%'; left: BoundExpression; right: BoundExpression }
    | { kind: 'negate'; arg: BoundExpression }
    | { kind: 'cast'; arg: BoundExpression }
    | { kind: 'aggregate'; function: AggregateFunctionName; distinct: boolean; argument?: BoundExpression }
    | { kind: 'function'; name: string; args: BoundExpression[] }
    | { kind: 'like'; args: BoundExpression[]; caseInsensitive: boolean; negated: boolean }
    | { kind: 'case'; args: BoundExpression[]; hasElse: boolean }
    | { kind: 'in_list'; args: BoundExpression[]; negated: boolean }
    | { kind: 'in_subquery'; subquery: number; args: BoundExpression[]; negated: boolean; name?: 'exists' }
    | { kind: 'scalar_subquery'; subquery: number; args: [] }
  );

/**
 * Plans a subquery for the binder (the planner supplies it, so the binder need not import
 * the planner). `outer` is the scope of the query the subquery appears in.
 */
export interface SubqueryPlanner {
  /** An uncorrelated subquery: its index among the statement's sub-plans and its output types. */
  plan(query: SelectStatement, outer: Scope): { index: number; types: SqlType[] };
  /** EXISTS: decorrelates `inner = outer` equalities into keys; returns probe expressions bound in `outer`. */
  planExists(query: SelectStatement, outer: Scope, binder: Binder, context: BindContext): { index: number; probes: BoundExpression[] };
}

export interface ScopeTable {
  /** The name the query refers to it by: its alias, or the table's name. */
  name: string;
  table: CatalogTable;
  /** Index of its first column in the row the scope describes. */
  offset: number;
}

export class Scope {
  /** `outer`: the scope of the enclosing query, for subqueries (correlated names are found there). */
  constructor(
    readonly tables: ScopeTable[],
    readonly outer?: Scope,
  ) {}

  get width(): number {
    return this.tables.reduce((sum, entry) => sum + entry.table.columns.length, 0);
  }
}

export interface BindContext {
  /** Which clause is being bound, for messages ("WHERE", "GROUP BY", …). */
  clause: string;
  allowAggregates: boolean;
}

const COMPARE_OPERATORS = new Set(['=', '<>', '<', '<=', '>', '>=']);
const ARITHMETIC_OPERATORS = new Set(['+', '-', '*', '/', '%']);
const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max']);
/** Operators on JSONB (functions.ts); #> and <@ once the parser produces them. */
const JSON_OPERATORS: ReadonlySet<string> = new Set(['->', '->>', '#>', '#>>', '@>', '<@']);
const VECTOR_OPERATORS: Record<string, string> = { '<=>': 'cosine_distance', '<->': 'l2_distance', '<#>': 'negative_inner_product' };
const KNOWN_FUNCTIONS = ['count', 'sum', 'avg', 'min', 'max', 'now', 'current_timestamp'];

export class Binder {
  /** Expression id → where it is in the SQL. */
  readonly positions: Position[] = [];
  /** Parameter slot → the type its context expects (undefined: decided by the value). */
  readonly parameterTypes: (SqlType | undefined)[] = [];
  /** Parameter expressions whose type is decided per execution by the JS value. */
  readonly untypedParameters: BoundExpression[] = [];

  /** Set by the planner before binding statements that may contain subqueries. */
  subqueries?: SubqueryPlanner;

  constructor(readonly sql: string) {}

  error(code: ConstructorParameters<typeof SqlError>[0], message: string, pos?: Position): SqlError {
    return new SqlError(code, message, { pos, sql: this.sql });
  }

  private track(pos: Position): number {
    this.positions.push(pos);
    return this.positions.length - 1;
  }

  bind(expression: Expression, scope: Scope, context: BindContext): BoundExpression {
    const id = this.track(expression.pos);
    switch (expression.kind) {
      case 'number':
        return { ...numberLiteral(expression.text, expression.isInteger), id };
      case 'string':
        return { kind: 'constant', value: expression.value, type: 'text', sqlText: true, untypedLiteral: true, id };
      case 'boolean':
        return { kind: 'constant', value: expression.value, type: 'boolean', id };
      case 'null':
        return { kind: 'constant', value: null, type: 'null', id };
      case 'parameter': {
        const bound: BoundExpression = { kind: 'parameter', index: expression.index, type: 'null', id };
        this.untypedParameters.push(bound);
        return bound;
      }
      case 'column':
        return this.bindColumn(expression.table, expression.name, scope, id);
      case 'unary': {
        const operand = this.bind(expression.operand, scope, context);
        if (expression.operator === 'NOT') return { kind: 'not', arg: this.expectBoolean(operand, 'NOT', expression.pos), type: 'boolean', id };
        if (operand.kind === 'constant' && typeof operand.value === 'number' && !operand.untypedLiteral) {
          if (expression.operator === '-') return { ...operand, value: -operand.value, id };
          return operand;
        }
        if (operand.kind === 'constant' && typeof operand.value === 'bigint') {
          return expression.operator === '-' ? { ...operand, value: -operand.value, id } : operand;
        }
        const value = this.coerce(operand, { id: 'double' });
        if (!isNumeric(typedOf(value))) {
          throw this.error('undefined_function', `operator does not exist: ${expression.operator} ${typeDisplayName(typedOf(value))}`, expression.pos);
        }
        return expression.operator === '-' ? { kind: 'negate', arg: value, type: value.type, id } : value;
      }
      case 'binary':
        return this.bindBinary(expression, scope, context, id);
      case 'is_null': {
        const operand = this.bind(expression.operand, scope, context);
        if (operand.type === 'null' && operand.kind === 'parameter') this.coerce(operand, { id: 'text' });
        return { kind: 'is_null', arg: operand, negated: expression.negated, type: 'boolean', id };
      }
      case 'is_boolean': {
        // x IS TRUE ≡ coalesce(x = true, false); x IS NOT TRUE is its negation.
        const operand = this.expectBoolean(this.bind(expression.operand, scope, context), 'IS', expression.pos);
        const test: BoundExpression = {
          kind: 'and',
          args: [
            { kind: 'is_null', arg: operand, negated: true, type: 'boolean', id },
            expression.value ? operand : { kind: 'not', arg: operand, type: 'boolean', id },
          ],
          type: 'boolean',
          id,
        };
        return expression.negated ? { kind: 'not', arg: test, type: 'boolean', id } : test;
      }
      case 'between': {
        const operand = this.bind(expression.operand, scope, context);
        const low = this.compare('>=', operand, this.bind(expression.low, scope, context), expression.pos, id);
        const high = this.compare('<=', operand, this.bind(expression.high, scope, context), expression.pos, id);
        const both: BoundExpression = { kind: 'and', args: [low, high], type: 'boolean', id };
        return expression.negated ? { kind: 'not', arg: both, type: 'boolean', id } : both;
      }
      case 'in_list': {
        const operand = this.bind(expression.operand, scope, context);
        const items = expression.list.map((item) => this.bind(item, scope, context));
        return bindInList(this, operand, items, expression.negated, expression.pos, id);
      }
      case 'like': {
        const operands = {
          value: this.bind(expression.operand, scope, context),
          pattern: this.bind(expression.pattern, scope, context),
          escape: expression.escape && this.bind(expression.escape, scope, context),
        };
        return bindLike(this, operands, expression.caseInsensitive, expression.negated, expression.pos, id);
      }
      case 'case': {
        const operand = expression.operand && this.bind(expression.operand, scope, context);
        const whens = expression.whens.map((w) => ({ when: this.bind(w.when, scope, context), then: this.bind(w.then, scope, context), pos: w.when.pos }));
        const otherwise = expression.otherwise && this.bind(expression.otherwise, scope, context);
        return bindCase(this, operand, whens, otherwise, expression.pos, id);
      }
      case 'cast': {
        const operand = this.bind(expression.operand, scope, context);
        const target = typeFromName(expression.type);
        if (isDecimalLiteral(expression.operand) && isInteger(target)) return castDecimalLiteral(this, operand, target, expression.pos, id);
        return this.cast(operand, target, expression.pos, id);
      }
      case 'function':
        return this.bindFunction(expression, scope, context, id);
      case 'in_subquery': {
        const planned = this.subqueryPlanner(expression.pos).plan(expression.query, scope);
        if (planned.types.length !== 1) throw this.error('syntax_error', 'subquery has too many columns', expression.query.pos);
        const keyType = planned.types[0]!;
        const operand = this.coerce(this.bind(expression.operand, scope, context), keyType);
        if (!comparable(typedOf(operand), keyType)) {
          throw this.error('undefined_function', `operator does not exist: ${typeDisplayName(typedOf(operand))} = ${typeDisplayName(keyType)}`, expression.pos);
        }
        return { kind: 'in_subquery', subquery: planned.index, args: [operand], negated: expression.negated, type: 'boolean', id };
      }
      case 'exists': {
        const planned = this.subqueryPlanner(expression.pos).planExists(expression.query, scope, this, context);
        return { kind: 'in_subquery', subquery: planned.index, args: planned.probes, negated: expression.negated, name: 'exists', type: 'boolean', id };
      }
      case 'subquery': {
        const planned = this.subqueryPlanner(expression.pos).plan(expression.query, scope);
        if (planned.types.length !== 1) throw this.error('syntax_error', 'subquery must return only one column', expression.query.pos);
        return { kind: 'scalar_subquery', subquery: planned.index, args: [], ...typed(planned.types[0]!), id };
      }
      default:
        throw this.error('feature_not_supported', `${describeExpression(expression.kind)} is not supported yet`, expression.pos);
    }
  }

  private subqueryPlanner(pos: Position): SubqueryPlanner {
    if (!this.subqueries) throw this.error('feature_not_supported', 'subqueries are not supported here', pos);
    return this.subqueries;
  }

  private bindColumn(table: Identifier | undefined, name: Identifier, scope: Scope, id: number): BoundExpression {
    const candidates = table ? scope.tables.filter((entry) => entry.name === table.name) : scope.tables;
    if (candidates.length === 0 || !candidates.some((entry) => entry.table.columns.some((c) => c.name === name.name))) {
      if (scope.outer && resolvesIn(scope.outer, table, name)) {
        throw this.error(
          'feature_not_supported',
          `correlated reference to "${table ? `${table.name}.` : ''}${name.name}": only equalities between the subquery and the outer query in an EXISTS are supported`,
          (table ?? name).pos,
        );
      }
    }
    if (table && candidates.length === 0) {
      throw this.error(
        'undefined_table',
        `missing FROM-clause entry for table "${table.name}".${suggestion(table.name, scope.tables.map((t) => t.name)).replace(/^ /, ' ')}`.replace('.. ', '. '),
        table.pos,
      );
    }
    const matches: { entry: ScopeTable; index: number }[] = [];
    for (const entry of candidates) {
      const column = entry.table.columns.find((c) => c.name === name.name);
      if (column) matches.push({ entry, index: column.index });
    }
    if (matches.length > 1) throw this.error('ambiguous_column', `column reference "${name.name}" is ambiguous`, name.pos);
    if (matches.length === 0) {
      const known = candidates.flatMap((entry) => entry.table.columns.map((c) => c.name));
      const qualified = table ? `${table.name}.${name.name}` : name.name;
      throw this.error('undefined_column', `column "${qualified}" does not exist.${suggestion(name.name, known)}`.replace(/\.$/, ''), name.pos);
    }
    const { entry, index } = matches[0]!;
    const column = entry.table.columns[index]!;
    return { kind: 'column', index: entry.offset + index, name: column.name, ...typed(column.type), id };
  }

  private bindBinary(expression: Extract<Expression, { kind: 'binary' }>, scope: Scope, context: BindContext, id: number): BoundExpression {
    const op = expression.operator;
    if (op === 'AND' || op === 'OR') {
      const left = this.expectBoolean(this.bind(expression.left, scope, context), op, expression.pos);
      const right = this.expectBoolean(this.bind(expression.right, scope, context), op, expression.pos);
      const kind = op === 'AND' ? 'and' : 'or';
      // Flatten chains so native evaluates one n-ary node.
      const args = [left, right].flatMap((arg) => (arg.kind === kind ? arg.args : [arg]));
      return { kind, args, type: 'boolean', id };
    }
    const jsonOperator = JSON_OPERATORS.has(op);
    if (jsonOperator && expression.right.kind === 'array' && (op as string).startsWith('#>')) {
      const document = this.bind(expression.left, scope, context);
      const keys = expression.right.elements.map((element) => this.bind(element, scope, context));
      return bindJsonPathArray(this, op, document, keys, expression.pos, id);
    }
    const left = this.bind(expression.left, scope, context);
    const right = this.bind(expression.right, scope, context);
    if (op === '||') return bindConcatOperator(this, left, right, expression.pos, id);
    if (jsonOperator) return bindJsonOperator(this, op, left, right, expression.pos, id);
    // pgvector's operators: <=> cosine distance, <-> Euclidean distance, <#> negative inner product.
    const vectorFunction = VECTOR_OPERATORS[op];
    if (vectorFunction) return bindVectorDistance(this, vectorFunction, left, right, expression.pos, id);
    if (COMPARE_OPERATORS.has(op)) return this.compare(op as '=', left, right, expression.pos, id);
    if (ARITHMETIC_OPERATORS.has(op)) {
      const l = this.coerce(left, right.type === 'null' ? { id: 'int' } : typedOf(right));
      const r = this.coerce(right, typedOf(l));
      if (!isNumeric(typedOf(l)) || !isNumeric(typedOf(r))) {
        throw this.error('undefined_function', `operator does not exist: ${typeDisplayName(typedOf(l))} ${op} ${typeDisplayName(typedOf(r))}`, expression.pos);
      }
      const type = promoteNumeric(typedOf(l), typedOf(r));
      if (op === '%' && !isInteger(type)) {
        // Postgres has % for integers (and numeric), not for real or double precision.
        throw this.error('undefined_function', `operator does not exist: ${typeDisplayName(typedOf(l))} % ${typeDisplayName(typedOf(r))}`, expression.pos);
      }
      return { kind: 'arithmetic', op: op as '+', left: l, right: r, ...typed(type), id };
    }
    throw this.error('feature_not_supported', `operator ${op} is not supported yet`, expression.pos);
  }

  compare(op: '=' | '<>' | '<' | '<=' | '>' | '>=', leftInput: BoundExpression, rightInput: BoundExpression, pos: Position, id: number): BoundExpression {
    let left = leftInput;
    let right = rightInput;
    // An untyped literal, NULL or parameter takes the type of the other side.
    if (isUntyped(left) && !isUntyped(right)) left = this.coerce(left, typedOf(right));
    else if (isUntyped(right) && !isUntyped(left)) right = this.coerce(right, typedOf(left));
    else if (isUntyped(left) && isUntyped(right)) {
      left = this.coerce(left, { id: 'text' });
      right = this.coerce(right, { id: 'text' });
    }
    const l = typedOf(left);
    const r = typedOf(right);
    const comparable = (isNumeric(l) && isNumeric(r)) || sameType(l, r) || l.id === 'null' || r.id === 'null';
    if (!comparable) {
      throw this.error('undefined_function', `operator does not exist: ${typeDisplayName(l)} ${op} ${typeDisplayName(r)}`, pos);
    }
    if ((l.id === 'vector' || l.id === 'jsonb') && op !== '=' && op !== '<>') {
      throw this.error('undefined_function', `operator does not exist: ${typeDisplayName(l)} ${op} ${typeDisplayName(r)}`, pos);
    }
    return { kind: 'compare', op, left, right, type: 'boolean', id };
  }

  /** Gives an untyped literal, NULL or parameter the type `target`; leaves typed expressions alone. */
  coerce(expression: BoundExpression, target: SqlType): BoundExpression {
    if (expression.kind === 'constant' && (expression.untypedLiteral || expression.type === 'null')) {
      return { ...expression, untypedLiteral: false, ...typed(target) };
    }
    if (expression.kind === 'parameter' && expression.type === 'null') {
      Object.assign(expression, typed(target));
      const slot = expression.index;
      if (this.parameterTypes[slot] === undefined) this.parameterTypes[slot] = target;
      const at = this.untypedParameters.indexOf(expression);
      if (at >= 0) this.untypedParameters.splice(at, 1);
      return expression;
    }
    return expression;
  }

  expectBoolean(expression: BoundExpression, where: string, pos: Position): BoundExpression {
    const value = this.coerce(expression, { id: 'boolean' });
    if (value.type !== 'boolean' && value.type !== 'null') {
      throw this.error('datatype_mismatch', `argument of ${where} must be type boolean, not type ${typeDisplayName(typedOf(value))}`, pos);
    }
    return value;
  }

  /** CAST(operand AS target): untyped literals and parameters are read as `target`; other
   *  values convert natively where Postgres has the cast (see castAllowed in functions.ts). */
  cast(operand: BoundExpression, targetType: SqlType, pos: Position, id: number): BoundExpression {
    let target = targetType;
    if (target.id === 'vector' && !target.dimension) {
      // `::vector` without a dimension: the literal's, or the operand's own.
      if (operand.kind === 'constant' && typeof operand.value === 'string') target = { id: 'vector', dimension: vectorLiteralDimension(operand.value) };
      else if (operand.type === 'vector') return operand;
      else throw this.error('feature_not_supported', 'a cast to vector needs its dimension here: write vector(n)', pos);
    }
    if (isUntyped(operand)) return this.coerce(operand, target);
    const from = typedOf(operand);
    if (sameType(from, target)) return operand;
    if (castAllowed(from, target)) return { kind: 'cast', arg: operand, ...typed(target), id };
    if (from.id === 'vector' && target.id === 'vector') {
      throw this.error('datatype_mismatch', `expected ${target.dimension} dimensions, not ${from.dimension}`, pos);
    }
    throw this.error(CANNOT_COERCE, `cannot cast type ${typeDisplayName(from)} to ${typeDisplayName(target)}`, pos);
  }

  private bindFunction(expression: Extract<Expression, { kind: 'function' }>, scope: Scope, context: BindContext, id: number): BoundExpression {
    const name = expression.name;
    if (name === 'now' || name === 'current_timestamp') {
      if (expression.args.length) throw this.error('undefined_function', `function ${name}() takes no arguments`, expression.pos);
      return { kind: 'now', type: 'timestamp', id };
    }
    if (AGGREGATES.has(name)) {
      if (!context.allowAggregates) {
        throw this.error('grouping_error', `aggregate functions are not allowed in ${context.clause}`, expression.pos);
      }
      const inner: BindContext = { clause: 'arguments of an aggregate function', allowAggregates: false };
      if (expression.star) {
        if (name !== 'count') throw this.error('syntax_error', `${name}(*) is not valid; only count(*) is`, expression.pos);
        return { kind: 'aggregate', function: 'count_star', distinct: false, type: 'bigint', id };
      }
      if (expression.args.length !== 1) {
        throw this.error('undefined_function', `function ${name} takes exactly one argument`, expression.pos);
      }
      let argument = this.bind(expression.args[0]!, scope, inner);
      if (isUntyped(argument)) argument = this.coerce(argument, name === 'count' || name === 'min' || name === 'max' ? { id: 'text' } : { id: 'double' });
      const argumentType = typedOf(argument);
      let type: SqlType;
      switch (name) {
        case 'count': type = { id: 'bigint' }; break;
        case 'sum':
          if (!isNumeric(argumentType)) throw this.error('undefined_function', `function sum(${typeDisplayName(argumentType)}) does not exist`, expression.pos);
          type = isInteger(argumentType) ? { id: 'bigint' } : { id: 'double' };
          break;
        case 'avg':
          if (!isNumeric(argumentType)) throw this.error('undefined_function', `function avg(${typeDisplayName(argumentType)}) does not exist`, expression.pos);
          type = { id: 'double' };
          break;
        default:
          if (argumentType.id === 'vector' || argumentType.id === 'jsonb') {
            throw this.error('undefined_function', `function ${name}(${typeDisplayName(argumentType)}) does not exist`, expression.pos);
          }
          type = argumentType;
      }
      return { kind: 'aggregate', function: name as AggregateFunctionName, distinct: expression.distinct, argument, ...typed(type), id };
    }
    const args = expression.args.map((arg) => this.bind(arg, scope, context));
    return bindScalarFunction(this, expression, args, id, KNOWN_FUNCTIONS);
  }
}

export function typed(type: SqlType): TypedMessage {
  return type.dimension ? { type: type.id, dimension: type.dimension } : { type: type.id };
}

export function typedOf(expression: TypedMessage): SqlType {
  return expression.dimension ? { id: expression.type, dimension: expression.dimension } : { id: expression.type };
}

/** Whether values of the two types can be compared with = (numbers with numbers, else the same type). */
export function comparable(a: SqlType, b: SqlType): boolean {
  return (isNumeric(a) && isNumeric(b)) || sameType(a, b) || a.id === 'null' || b.id === 'null';
}

/** Whether `table.name` (or `name` alone) names a column somewhere in `scope` or its outer scopes. */
export function resolvesIn(scope: Scope | undefined, table: Identifier | undefined, name: Identifier): boolean {
  for (let current = scope; current; current = current.outer) {
    for (const entry of current.tables) {
      if (table && entry.name !== table.name) continue;
      if (entry.table.columns.some((c) => c.name === name.name)) return true;
    }
  }
  return false;
}

function isUntyped(expression: BoundExpression): boolean {
  return (
    (expression.kind === 'constant' && (expression.untypedLiteral === true || expression.type === 'null')) ||
    (expression.kind === 'parameter' && expression.type === 'null')
  );
}

const INT32_MAX = 2147483647;

/** A numeric literal's value and type: integers as int, bigint when they need 64 bits; others double. */
export function numberLiteral(text: string, integral: boolean): BoundExpression {
  if (integral) {
    const value = Number(text);
    if (Math.abs(value) <= INT32_MAX) return { kind: 'constant', value, type: 'int' };
    if (Number.isSafeInteger(value)) return { kind: 'constant', value, type: 'bigint' };
    return { kind: 'constant', value: BigInt(text), type: 'bigint' };
  }
  return { kind: 'constant', value: Number(text), type: 'double' };
}

function describeExpression(kind: string): string {
  switch (kind) {
    case 'in_subquery': return 'IN (subquery)';
    case 'exists': return 'EXISTS';
    case 'like': return 'LIKE';
    case 'case': return 'CASE';
    case 'subquery': return 'a scalar subquery';
    case 'array': return 'an ARRAY constructor here';
    default: return kind;
  }
}

export type { TypeId };
