/**
 * Scalar functions and the expression forms evaluated like them — the operators ||, ->,
 * ->>, #>, #>>, @>, <@, LIKE/ILIKE, CASE, IN (list) and CAST — as the binder types them:
 * which signatures exist, how untyped literals, NULLs and parameters take their types, which
 * implicit numeric widenings are inserted (as casts), and the result type, all as Postgres
 * resolves them. What this module emits is the plan message native code evaluates by name
 * (native/expr/functions.cpp); kernels trust the argument types decided here.
 */
import type { Expression, Position } from '../sql/ast.js';
import type { Binder, BoundExpression } from './binder.js';
import { typed, typedOf } from './binder.js';
import { suggestion } from './suggest.js';
import { isNumeric, promoteNumeric, sameType, typeDisplayName, type SqlType, type TypeId } from './types.js';

/** An untyped literal ('abc'), NULL, or a parameter whose type its context has not yet decided. */
export function isUntyped(expression: BoundExpression): boolean {
  return (
    (expression.kind === 'constant' && (expression.untypedLiteral === true || expression.type === 'null')) ||
    (expression.kind === 'parameter' && expression.type === 'null')
  );
}

const NUMERIC_RANK: Partial<Record<TypeId, number>> = { int: 1, bigint: 2, real: 3, double: 4 };

/** Postgres' implicit casts between numeric types only widen: int → bigint → real → double. */
function widens(from: SqlType, to: SqlType): boolean {
  return isNumeric(from) && isNumeric(to) && NUMERIC_RANK[from.id]! < NUMERIC_RANK[to.id]!;
}

function castNode(argument: BoundExpression, type: SqlType): BoundExpression {
  return { kind: 'cast', arg: argument, ...typed(type), id: argument.id };
}

/** Gives `argument` the type `type`: untyped ones are coerced, narrower numbers widened by a cast. */
export function convert(binder: Binder, argument: BoundExpression, type: SqlType): BoundExpression {
  if (isUntyped(argument)) return binder.coerce(argument, type);
  const from = typedOf(argument);
  if (sameType(from, type)) return argument;
  if (isNumeric(from) && isNumeric(type)) return castNode(argument, type);
  return argument;
}

function describeArgument(argument: BoundExpression): string {
  return isUntyped(argument) ? 'unknown' : typeDisplayName(typedOf(argument));
}

/**
 * The type that CASE branches, COALESCE/GREATEST/LEAST/NULLIF arguments or IN items resolve
 * to (Postgres' select_common_type): numbers promote to the widest, other types must agree,
 * untyped values follow the rest, and all-untyped is text. `what` names the construct in
 * the error ("CASE types integer and text cannot be matched").
 */
export function commonType(binder: Binder, values: BoundExpression[], what: string, pos: Position): SqlType {
  let common: SqlType | undefined;
  for (const value of values) {
    if (isUntyped(value)) continue;
    const type = typedOf(value);
    if (!common || sameType(common, type)) {
      common = type;
    } else if (isNumeric(common) && isNumeric(type)) {
      common = promoteNumeric(common, type);
    } else {
      throw binder.error('datatype_mismatch', `${what} types ${typeDisplayName(common)} and ${typeDisplayName(type)} cannot be matched`, value.id === undefined ? pos : binder.positions[value.id] ?? pos);
    }
  }
  return common ?? { id: 'text' };
}

// ---------------------------------------------------------------- function calls

interface Call {
  binder: Binder;
  name: string;
  args: BoundExpression[];
  /** The arguments as written, for the few decisions Postgres makes on literals. */
  syntax: Expression[];
  pos: Position;
  id: number;
}

type Resolver = (call: Call) => BoundExpression;

/** A parameter of a signature: a type, or 'any' (concat's arguments). */
type Parameter = TypeId | 'any';

function noSuchFunction(call: Call, described: string[]): never {
  throw call.binder.error('undefined_function', `function ${call.name}(${described.join(', ')}) does not exist`, call.pos);
}

/** Matches one argument to a parameter: coercion of untyped values, numeric widening, else undefined. */
function accept(binder: Binder, argument: BoundExpression, parameter: Parameter): BoundExpression | undefined {
  if (parameter === 'any') return isUntyped(argument) ? binder.coerce(argument, { id: 'text' }) : argument;
  const want: SqlType = { id: parameter };
  if (isUntyped(argument)) return binder.coerce(argument, want);
  const from = typedOf(argument);
  if (from.id === parameter) return argument;
  if (widens(from, want)) return castNode(argument, want);
  return undefined;
}

function checkArity(call: Call, described: string[], min: number, max: number): void {
  if (call.args.length < min || call.args.length > max) noSuchFunction(call, described);
}

/** A fixed signature: `params` (the last `optional` of them may be left out), then any
 *  number of `variadic` arguments (at least `minVariadic`). */
function signature(
  params: Parameter[],
  result: TypeId,
  options: { optional?: number; variadic?: Parameter; minVariadic?: number; kernel?: string } = {},
): Resolver {
  return (call) => {
    const described = call.args.map(describeArgument);
    const min = params.length - (options.optional ?? 0) + (options.minVariadic ?? 0);
    checkArity(call, described, min, options.variadic ? Infinity : params.length);
    const args = call.args.map((argument, i) => accept(call.binder, argument, i < params.length ? params[i]! : options.variadic!) ?? noSuchFunction(call, described));
    return { kind: 'function', name: options.kernel ?? call.name, args, ...typed({ id: result }), id: call.id };
  };
}

/** COALESCE, NULLIF, GREATEST, LEAST: arguments of one common type, which is the result's. */
function commonSignature(min: number, max: number, ordered: boolean): Resolver {
  return (call) => {
    const described = call.args.map(describeArgument);
    checkArity(call, described, min, max);
    const type = commonType(call.binder, call.args, call.name.toUpperCase(), call.pos);
    if (ordered && (type.id === 'jsonb' || type.id === 'vector')) noSuchFunction(call, described);
    const args = call.args.map((argument) => convert(call.binder, argument, type));
    return { kind: 'function', name: call.name, args, ...typed(type), id: call.id };
  };
}

/** A literal written with a decimal point: Postgres types it numeric, not double precision. */
export function isDecimalLiteral(expression: Expression | undefined): boolean {
  return expression?.kind === 'number' && !expression.isInteger;
}

/**
 * A pgvector distance function of two vectors of one dimension (the kernels are in
 * native/expr/vector_functions.cpp). An untyped side takes the other side's vector type; a
 * vector literal alone gives its own dimension. The result is double precision.
 */
export function bindVectorDistance(binder: Binder, name: string, left: BoundExpression, right: BoundExpression, pos: Position, id: number): BoundExpression {
  const described = [left, right].map(describeArgument);
  const fail = (): never => {
    throw binder.error('undefined_function', `function ${name}(${described.join(', ')}) does not exist`, pos);
  };
  const typedSide = [left, right].find((e) => !isUntyped(e));
  let type = typedSide && typedOf(typedSide);
  if (!type) {
    const literal = [left, right].find((e) => e.kind === 'constant' && typeof e.value === 'string') as { value: string } | undefined;
    if (!literal) fail();
    type = { id: 'vector', dimension: vectorLiteralDimension(literal!.value) };
  }
  const vectorType = type!;
  if (vectorType.id !== 'vector') fail();
  const args = [left, right].map((e) => (isUntyped(e) ? binder.coerce(e, vectorType) : e));
  const [a, b] = args.map(typedOf);
  if (a!.id !== 'vector' || b!.id !== 'vector') fail();
  if (a!.dimension !== b!.dimension) throw binder.error('datatype_mismatch', `different vector dimensions ${a!.dimension} and ${b!.dimension}`, pos);
  return { kind: 'function', name, args, type: 'double', id };
}

function vectorDistance(call: Call): BoundExpression {
  checkArity(call, call.args.map(describeArgument), 2, 2);
  return bindVectorDistance(call.binder, call.name, call.args[0]!, call.args[1]!, call.pos, call.id);
}

const FUNCTIONS: Record<string, Resolver> = {
  // Text
  length: signature(['text'], 'int'),
  char_length: signature(['text'], 'int', { kernel: 'length' }),
  character_length: signature(['text'], 'int', { kernel: 'length' }),
  octet_length: signature(['text'], 'int'),
  lower: signature(['text'], 'text'),
  upper: signature(['text'], 'text'),
  substr: signature(['text', 'int', 'int'], 'text', { optional: 1 }),
  substring: signature(['text', 'int', 'int'], 'text', { optional: 1, kernel: 'substr' }),
  left: signature(['text', 'int'], 'text'),
  right: signature(['text', 'int'], 'text'),
  strpos: signature(['text', 'text'], 'int'),
  starts_with: signature(['text', 'text'], 'boolean'),
  replace: signature(['text', 'text', 'text'], 'text'),
  btrim: signature(['text', 'text'], 'text', { optional: 1 }),
  trim: signature(['text', 'text'], 'text', { optional: 1, kernel: 'btrim' }),
  ltrim: signature(['text', 'text'], 'text', { optional: 1 }),
  rtrim: signature(['text', 'text'], 'text', { optional: 1 }),
  concat: signature([], 'text', { variadic: 'any', minVariadic: 1 }),
  concat_ws: signature(['text'], 'text', { variadic: 'any', minVariadic: 1 }),
  // Numbers
  abs: (call) => {
    const described = call.args.map(describeArgument);
    checkArity(call, described, 1, 1);
    const argument = isUntyped(call.args[0]!) ? call.binder.coerce(call.args[0]!, { id: 'double' }) : call.args[0]!;
    const type = typedOf(argument);
    if (!isNumeric(type)) noSuchFunction(call, described);
    return { kind: 'function', name: 'abs', args: [argument], ...typed(type), id: call.id };
  },
  round: (call) => {
    const bound = signature(['double', 'int'], 'double', { optional: 1 })(call);
    // round(2.5) is 3 in Postgres (numeric rounds half away from zero) but round(2.5::float)
    // is 2 (half to even): a decimal literal is rounded as numeric, to 0 places.
    if (call.args.length === 1 && isDecimalLiteral(call.syntax[0]) && bound.kind === 'function') {
      return { ...bound, args: [...bound.args, { kind: 'constant', value: 0, type: 'int', id: call.id }] };
    }
    return bound;
  },
  trunc: signature(['double', 'int'], 'double', { optional: 1 }),
  floor: signature(['double'], 'double'),
  ceil: signature(['double'], 'double'),
  ceiling: signature(['double'], 'double', { kernel: 'ceil' }),
  // Conditionals
  coalesce: commonSignature(1, Infinity, false),
  nullif: commonSignature(2, 2, false),
  greatest: commonSignature(1, Infinity, true),
  least: commonSignature(1, Infinity, true),
  // JSONB
  jsonb_array_length: signature(['jsonb'], 'int'),
  jsonb_typeof: signature(['jsonb'], 'text'),
  jsonb_extract_path: signature(['jsonb'], 'jsonb', { variadic: 'text', minVariadic: 1 }),
  jsonb_extract_path_text: signature(['jsonb'], 'text', { variadic: 'text', minVariadic: 1 }),
  // Vectors (pgvector's names)
  cosine_similarity: vectorDistance,
  cosine_distance: vectorDistance,
  l2_distance: vectorDistance,
  inner_product: vectorDistance,
  negative_inner_product: vectorDistance,
};

/** Names of the scalar functions, for "did you mean" suggestions. */
export const SCALAR_FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS);

/**
 * Binds a call of a scalar (non-aggregate) function whose arguments are already bound.
 * Unknown names and calls that match no signature are undefined_function errors at the
 * function's name, the first with a suggestion among `otherNames` and the scalar functions.
 */
export function bindScalarFunction(
  binder: Binder,
  call: Extract<Expression, { kind: 'function' }>,
  args: BoundExpression[],
  id: number,
  otherNames: readonly string[],
): BoundExpression {
  const resolve = FUNCTIONS[call.name];
  if (!resolve) {
    const described = args.map(describeArgument).join(', ');
    throw binder.error(
      'undefined_function',
      `function ${call.name}(${described}) does not exist.${suggestion(call.name, [...otherNames, ...SCALAR_FUNCTION_NAMES])}`.replace(/\.$/, ''),
      call.pos,
    );
  }
  if (call.star) throw binder.error('syntax_error', `${call.name}(*) is not valid; only count(*) is`, call.pos);
  if (call.distinct) throw binder.error('syntax_error', `DISTINCT specified, but ${call.name} is not an aggregate function`, call.pos);
  return resolve({ binder, name: call.name, args, syntax: call.args, pos: call.pos, id });
}

// ---------------------------------------------------------------- operators

/**
 * `left || right`. jsonb || jsonb concatenates JSONB (objects merge, otherwise arrays
 * append); otherwise one side must be text (or untyped) and the other is cast to text, as
 * Postgres' anynonarray || text does. NULL on either side gives NULL.
 */
export function bindConcatOperator(binder: Binder, left: BoundExpression, right: BoundExpression, pos: Position, id: number): BoundExpression {
  const isType = (e: BoundExpression, type: TypeId) => !isUntyped(e) && e.type === type;
  if ((isType(left, 'jsonb') && (isType(right, 'jsonb') || isUntyped(right))) || (isUntyped(left) && isType(right, 'jsonb'))) {
    const args = [binder.coerce(left, { id: 'jsonb' }), binder.coerce(right, { id: 'jsonb' })];
    return { kind: 'function', name: 'jsonb_concat', args, type: 'jsonb', id };
  }
  const textual = (e: BoundExpression) => isUntyped(e) || e.type === 'text';
  if (!textual(left) && !textual(right)) {
    throw binder.error('undefined_function', `operator does not exist: ${describeArgument(left)} || ${describeArgument(right)}`, pos);
  }
  const asText = (e: BoundExpression) => (isUntyped(e) ? binder.coerce(e, { id: 'text' }) : e.type === 'text' ? e : castNode(e, { id: 'text' }));
  return { kind: 'function', name: '||', args: [asText(left), asText(right)], type: 'text', id };
}

/**
 * The JSONB operators: `->`/`->>` (a text key or an integer index; an untyped parameter keeps
 * its type open, so a JS string or number both work), `#>`/`#>>` (a text[] literal such as
 * '{a,0,b}'), `@>` and `<@` (containment). The left side (right for <@) must be JSONB; an
 * untyped literal or parameter there is taken as JSONB.
 */
export function bindJsonOperator(binder: Binder, op: string, leftInput: BoundExpression, rightInput: BoundExpression, pos: Position, id: number): BoundExpression {
  const fail = (): never => {
    throw binder.error('undefined_function', `operator does not exist: ${describeArgument(leftInput)} ${op} ${describeArgument(rightInput)}`, pos);
  };
  if (op === '@>' || op === '<@') {
    const left = binder.coerce(leftInput, { id: 'jsonb' });
    const right = binder.coerce(rightInput, { id: 'jsonb' });
    if (left.type !== 'jsonb' || right.type !== 'jsonb') fail();
    const args = op === '@>' ? [left, right] : [right, left];
    return { kind: 'function', name: '@>', args, type: 'boolean', id };
  }
  const document = binder.coerce(leftInput, { id: 'jsonb' });
  if (document.type !== 'jsonb') fail();
  const asText = op === '->>' || op === '#>>';
  if (op === '#>' || op === '#>>') {
    const path = binder.coerce(rightInput, { id: 'text' });
    if (path.type !== 'text') fail();
    return { kind: 'function', name: op, args: [document, path], type: asText ? 'text' : 'jsonb', id };
  }
  let key = rightInput;
  if (key.kind === 'constant' && isUntyped(key)) key = binder.coerce(key, { id: 'text' });
  else if (!isUntyped(key) && key.type !== 'text' && key.type !== 'int') fail();
  return { kind: 'function', name: op, args: [document, key], type: asText ? 'text' : 'jsonb', id };
}

/** `document #> ARRAY[...]` / `#>> ARRAY[...]`: jsonb_extract_path[_text] with the elements as keys. */
export function bindJsonPathArray(binder: Binder, op: string, document: BoundExpression, keys: BoundExpression[], pos: Position, id: number): BoundExpression {
  const left = binder.coerce(document, { id: 'jsonb' });
  const path = keys.map((key) => binder.coerce(key, { id: 'text' }));
  if (left.type !== 'jsonb' || path.some((key) => key.type !== 'text')) {
    throw binder.error('undefined_function', `operator does not exist: ${describeArgument(document)} ${op} text[]`, pos);
  }
  const asText = op === '#>>';
  if (path.length === 0) return { kind: 'function', name: op, args: [left, { kind: 'constant', value: '{}', type: 'text', id }], type: asText ? 'text' : 'jsonb', id };
  return { kind: 'function', name: asText ? 'jsonb_extract_path_text' : 'jsonb_extract_path', args: [left, ...path], type: asText ? 'text' : 'jsonb', id };
}

// ---------------------------------------------------------------- LIKE, CASE, IN, CAST

/** `value [NOT] LIKE|ILIKE pattern [ESCAPE escape]`: all text; the escape defaults to backslash. */
export function bindLike(
  binder: Binder,
  operands: { value: BoundExpression; pattern: BoundExpression; escape?: BoundExpression },
  caseInsensitive: boolean,
  negated: boolean,
  pos: Position,
  id: number,
): BoundExpression {
  const value = binder.coerce(operands.value, { id: 'text' });
  const pattern = binder.coerce(operands.pattern, { id: 'text' });
  const operator = `${negated ? '!' : ''}~~${caseInsensitive ? '*' : ''}`;
  if (value.type !== 'text' || pattern.type !== 'text') {
    throw binder.error('undefined_function', `operator does not exist: ${describeArgument(operands.value)} ${operator} ${describeArgument(operands.pattern)}`, pos);
  }
  const args = [value, pattern];
  if (operands.escape) {
    const escape = binder.coerce(operands.escape, { id: 'text' });
    if (escape.type !== 'text') throw binder.error('undefined_function', `function like_escape(text, ${describeArgument(operands.escape)}) does not exist`, pos);
    args.push(escape);
  }
  return { kind: 'like', args, caseInsensitive, negated, type: 'boolean', id };
}

export interface BoundWhen {
  when: BoundExpression;
  then: BoundExpression;
  pos: Position;
}

/**
 * CASE. The simple form `CASE x WHEN a …` becomes `CASE WHEN x = a …` (so a NULL x matches
 * nothing); the result type is the common type of the THEN and ELSE values; without ELSE
 * the result is NULL where no condition holds.
 */
export function bindCase(
  binder: Binder,
  operand: BoundExpression | undefined,
  whens: BoundWhen[],
  otherwise: BoundExpression | undefined,
  pos: Position,
  id: number,
): BoundExpression {
  const conditions = whens.map((w) => (operand ? binder.compare('=', operand, w.when, w.pos, id) : binder.expectBoolean(w.when, 'CASE/WHEN', w.pos)));
  const results = [...whens.map((w) => w.then), ...(otherwise ? [otherwise] : [])];
  const type = commonType(binder, results, 'CASE', pos);
  const converted = results.map((result) => convert(binder, result, type));
  const args = conditions.flatMap((condition, i) => [condition, converted[i]!]);
  if (otherwise) args.push(converted[converted.length - 1]!);
  return { kind: 'case', args, hasElse: otherwise !== undefined, ...typed(type), id };
}

/**
 * `value [NOT] IN (item, …)`: the value and items are brought to one type (as `=` would
 * compare them) and evaluated natively with SQL's NULL rules; constant items become a set.
 */
export function bindInList(binder: Binder, value: BoundExpression, items: BoundExpression[], negated: boolean, pos: Position, id: number): BoundExpression {
  const all = [value, ...items];
  let common: SqlType | undefined;
  for (const item of all) {
    if (isUntyped(item)) continue;
    const type = typedOf(item);
    if (!common || sameType(common, type)) common = type;
    else if (isNumeric(common) && isNumeric(type)) common = promoteNumeric(common, type);
    else {
      const at = item.id === undefined ? pos : binder.positions[item.id] ?? pos;
      throw binder.error('undefined_function', `operator does not exist: ${describeArgument(value)} = ${typeDisplayName(type)}`, at);
    }
  }
  const type = common ?? { id: 'text' };
  return { kind: 'in_list', args: all.map((item) => convert(binder, item, type)), negated, type: 'boolean', id };
}

/** Whether CAST(x AS to) exists for a typed x (untyped literals are parsed as `to` instead). */
export function castAllowed(from: SqlType, to: SqlType): boolean {
  if (from.id === 'text' || to.id === 'text') return true;
  if (isNumeric(from) && isNumeric(to)) return true;
  if ((from.id === 'boolean' && to.id === 'int') || (from.id === 'int' && to.id === 'boolean')) return true;
  if (from.id === 'jsonb' && (isNumeric(to) || to.id === 'boolean')) return true;
  return false;
}

/** Postgres' code for a cast that does not exist (not yet in SqlErrorCode). */
export const CANNOT_COERCE = 'cannot_coerce' as 'datatype_mismatch';

/**
 * `2.5::int`: a decimal literal is numeric in Postgres, and numeric rounds half away from
 * zero into integers (3), where a double would round half to even (2). Folded here.
 */
export function castDecimalLiteral(binder: Binder, literal: BoundExpression, target: SqlType, pos: Position, id: number): BoundExpression {
  const value = (literal as { value: number }).value;
  const rounded = Math.sign(value) * Math.round(Math.abs(value)) + 0;
  const inRange = target.id === 'int' ? rounded >= -2147483648 && rounded <= 2147483647 : rounded >= -(2 ** 63) && rounded < 2 ** 63;
  if (!inRange) throw binder.error('numeric_value_out_of_range', `${typeDisplayName(target)} out of range`, pos);
  const exact = target.id === 'bigint' && !Number.isSafeInteger(rounded) ? BigInt(rounded) : rounded;
  return { kind: 'constant', value: exact, ...typed(target), id };
}

/** The dimension of a vector literal such as '[1,2,3]' (for `'…'::vector` without one); 0 when malformed. */
export function vectorLiteralDimension(text: string): number {
  const inner = text.trim();
  if (!inner.startsWith('[') || !inner.endsWith(']')) return 0;
  const elements = inner.slice(1, -1).trim();
  return elements === '' ? 0 : elements.split(',').length;
}
