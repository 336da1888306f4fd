/**
 * A seeded generator of data and SELECT queries for the differential test against DuckDB
 * (differential.test.ts). The data has the seed schema's shape: outcomes keyed by run id,
 * steps that reference them (and some that reference nothing), a small dimension table;
 * NULLs in every nullable column, duplicates, negative numbers, text with spaces and quotes.
 *
 * The queries stay inside semantics both engines share exactly, so any difference is a bug:
 * no `/` (DuckDB's is float division), `%` only on integers by a non-zero constant, float
 * literals in exponent form (DuckDB reads `0.5` as a DECIMAL, `5e-1` as a DOUBLE), every
 * ORDER BY key spells out NULLS FIRST/LAST (the engines' defaults differ), ASCII text only
 * (both compare bytes), integers kept far from overflow, and no ordering or comparison on
 * float sum()/avg(), whose last bits depend on the order of addition; LIKE patterns without
 * backslashes (Postgres' default escape character; DuckDB has none). A query's rows are
 * compared in order only when its ORDER BY covers every output column (`ordered`); LIMIT
 * and OFFSET appear only then, and never inside a derived table (see fromItem).
 */

export type ValueType = 'int' | 'float' | 'text' | 'bool';

/** mulberry32: a small, fast, seeded PRNG; the same seed gives the same sequence anywhere. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [low, high]. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

// ---------------------------------------------------------------------------------------
// Schema and data

/** Columns that join or correlate share a domain; other columns have none. */
type Domain = 'trajectory_id' | 'model_version' | 'steps';

export interface ColumnSpec {
  name: string;
  type: ValueType;
  domain?: Domain;
  primaryKey?: boolean;
}

export interface TableSpec {
  name: string;
  columns: ColumnSpec[];
}

export const TABLES: readonly TableSpec[] = [
  {
    name: 'trajectory_outcomes',
    columns: [
      { name: 'trajectory_id', type: 'text', domain: 'trajectory_id', primaryKey: true },
      { name: 'task_type', type: 'text' },
      { name: 'success', type: 'bool' },
      { name: 'reward_score', type: 'float' },
      { name: 'total_steps', type: 'int', domain: 'steps' },
      { name: 'total_tokens', type: 'int' },
      { name: 'model_version', type: 'text', domain: 'model_version' },
    ],
  },
  {
    name: 'trajectories',
    columns: [
      { name: 'trajectory_id', type: 'text', domain: 'trajectory_id' },
      { name: 'step', type: 'int', domain: 'steps' },
      { name: 'role', type: 'text' },
      { name: 'content', type: 'text' },
      { name: 'latency', type: 'float' },
      { name: 'tokens', type: 'int' },
    ],
  },
  {
    name: 'models',
    columns: [
      { name: 'model_version', type: 'text', domain: 'model_version', primaryKey: true },
      { name: 'family', type: 'text' },
      { name: 'size_b', type: 'int' },
    ],
  },
];

export type Dialect = 'replaydb' | 'duckdb';

/** CREATE TABLE for one engine: FLOAT is float64 in Postgres but float32 in DuckDB. */
export function createTableSql(table: TableSpec, dialect: Dialect): string {
  const typeName = (type: ValueType): string => {
    switch (type) {
      case 'int': return 'INTEGER';
      case 'float': return dialect === 'duckdb' ? 'DOUBLE' : 'FLOAT';
      case 'text': return 'TEXT';
      case 'bool': return 'BOOLEAN';
    }
  };
  const columns = table.columns.map((c) => `${c.name} ${typeName(c.type)}${c.primaryKey ? ' PRIMARY KEY' : ''}`);
  return `CREATE TABLE ${table.name} (${columns.join(', ')})`;
}

export type Value = number | string | boolean | null;

/** A float literal both engines read as a double. */
function floatLiteral(value: number): string {
  const text = String(value);
  return /[e]/.test(text) ? text : `${text}e0`;
}

export function sqlLiteral(value: Value, type: ValueType): string {
  if (value === null) return 'NULL';
  switch (type) {
    case 'int': return String(value);
    case 'float': return floatLiteral(value as number);
    case 'bool': return value ? 'true' : 'false';
    case 'text': return `'${String(value).replace(/'/g, "''")}'`;
  }
}

const TASK_TYPES = ['code_generation', 'qa', 'math', 'web browse', "it's complicated", 'Code_Generation'];
const MODEL_VERSIONS = ['m1', 'm2', 'm3', 'm4-beta'];
const ROLES = ['user', 'assistant', 'tool', 'system'];
const WORDS = ['run', 'tests', 'fix', 'the', 'bug', "don't", 'say "hi"', 'ok', 'A', 'z', '', ' padded ', 'a  b', 'x;y'];
const FAMILIES = ['small', 'large', 'Large', 'tiny model'];

export interface TableData {
  table: TableSpec;
  rows: Value[][];
}

/**
 * Rows for every table. Outcomes have ids run-000…; some steps name ids without an outcome
 * (run-9xx) or none at all; models miss one version the outcomes use (and vice versa).
 * `scale` multiplies the outcomes (36 at scale 1) and doubles the steps per run beyond 1,
 * so scale 20 gives some 4,000 steps: more than one 2,048-row batch of the executor.
 */
export function generateData(random: Random, scale = 1): TableData[] {
  const maybe = <T>(value: T, nullChance = 0.12): T | null => (random.chance(nullChance) ? null : value);
  const reward = (): number => random.pick([0.85, 0.9, 0.5, 1, 0, -0.25]) + (random.chance(0.6) ? random.int(-100, 100) / 100 : 0);
  const outcomeCount = 36 * scale;
  const idWidth = String(outcomeCount).length + 1;
  const outcomes: Value[][] = [];
  for (let i = 0; i < outcomeCount; i++) {
    outcomes.push([
      `run-${String(i).padStart(idWidth, '0')}`,
      maybe(random.pick(TASK_TYPES)),
      maybe(random.chance(0.6)),
      maybe(Math.round(reward() * 100) / 100),
      maybe(random.int(-2, 25)),
      maybe(random.int(-50, 900)),
      maybe(random.pick(MODEL_VERSIONS), 0.15),
    ]);
  }
  const steps: Value[][] = [];
  for (let i = 0; i < outcomeCount + 6; i++) {
    const id = i < outcomeCount ? `run-${String(i).padStart(idWidth, '0')}` : random.chance(0.7) ? `run-9${String(i).padStart(idWidth, '0')}` : null;
    const count = random.int(0, scale > 1 ? 12 : 6);
    for (let step = 0; step < count; step++) {
      const content = random.chance(0.1) ? null : Array.from({ length: random.int(1, 3) }, () => random.pick(WORDS)).join(' ');
      steps.push([
        id,
        random.chance(0.05) ? null : random.chance(0.1) ? step - 3 : step,
        maybe(random.pick(ROLES), 0.1),
        content,
        maybe(random.int(-200, 5000) / 100, 0.15),
        maybe(random.int(0, 600), 0.1),
      ]);
    }
  }
  const models: Value[][] = [
    ['m1', 'small', 7],
    ['m2', 'large', 70],
    ['m3', null, -1],
    ['m5', 'Large', null],
    ['m6', random.pick(FAMILIES), random.int(1, 400)],
  ];
  return [
    { table: TABLES[0]!, rows: outcomes },
    { table: TABLES[1]!, rows: steps },
    { table: TABLES[2]!, rows: models },
  ];
}

/** One INSERT with every row of the table (the same text for both engines). */
export function insertSql(data: TableData): string {
  const rows = data.rows.map((row) => `(${row.map((value, i) => sqlLiteral(value, data.table.columns[i]!.type)).join(', ')})`);
  return `INSERT INTO ${data.table.name} (${data.table.columns.map((c) => c.name).join(', ')}) VALUES ${rows.join(', ')}`;
}

// ---------------------------------------------------------------------------------------
// Queries

interface ScopeColumn {
  /** How to refer to it: `t0.step`. */
  sql: string;
  type: ValueType;
  domain?: Domain;
  /** A base table's primary key: a join on it matches at most one row per row. */
  unique?: boolean;
}

interface Relation {
  alias: string;
  columns: { name: string; type: ValueType; domain?: Domain; unique?: boolean }[];
}

export interface GeneratorOptions {
  /** Join only on a primary key, so no join multiplies rows (for large data). */
  keyJoinsOnly?: boolean;
}

interface Expression {
  sql: string;
  type: ValueType;
  /** A float aggregate whose last bits depend on the order of addition (sum, avg). */
  unstable?: boolean;
}

export interface GeneratedQuery {
  sql: string;
  /** The ORDER BY covers every output column: compare rows in order. */
  ordered: boolean;
}

/** An output column of a (sub)query: its SQL, type and, for plain column references, domain. */
interface OutputColumn extends Expression {
  domain?: Domain;
}

interface SelectResult {
  sql: string;
  columns: OutputColumn[];
  ordered: boolean;
}

const TEXT_CONSTANTS = ['run-005', 'run-010', 'run-020', 'run-9', 'qa', 'code_generation', 'm1', 'm2', 'user', 'tool', 'large', 'n', 'run', "it's complicated", ' ', ''];

export class QueryGenerator {
  private aliasCounter = 0;

  constructor(
    private readonly random: Random,
    private readonly options: GeneratorOptions = {},
  ) {}

  /** A new top-level query. */
  query(): GeneratedQuery {
    this.aliasCounter = 0;
    const result = this.select({ allowLimit: true, depth: 0 });
    return { sql: result.sql, ordered: result.ordered };
  }

  /**
   * An UPDATE or DELETE of one table, its columns named through the table's own name
   * (`trajectories.step`). Primary keys and join keys are never assigned.
   */
  mutation(): string {
    const r = this.random;
    this.aliasCounter = 0;
    const table = r.pick(TABLES);
    const relation = this.baseRelation(table, table.name);
    const where = (chance: number) => (r.chance(chance) ? ` WHERE ${this.predicate([relation], 1, { subqueries: r.chance(0.3) })}` : '');
    if (r.chance(0.35)) return `DELETE FROM ${table.name}${where(1)}`;
    const targets = table.columns.filter((column) => !column.primaryKey && !column.domain);
    const assignments: string[] = [];
    for (const column of targets) {
      if (assignments.length && !r.chance(0.4)) continue;
      const value = column.type === 'bool' ? this.predicate([relation], 0, { subqueries: false }) : this.scalar(column.type, [relation], 1).sql;
      assignments.push(`${column.name} = ${r.chance(0.1) ? 'NULL' : value}`);
    }
    return `UPDATE ${table.name} SET ${assignments.join(', ')}${where(0.8)}`;
  }

  private alias(prefix = 't'): string {
    return `${prefix}${this.aliasCounter++}`;
  }

  private baseRelation(table: TableSpec, alias: string): Relation {
    return { alias, columns: table.columns.map(({ name, type, domain, primaryKey }) => ({ name, type, domain, unique: primaryKey })) };
  }

  private scopeColumns(scope: Relation[], type?: ValueType): ScopeColumn[] {
    return scope.flatMap((relation) =>
      relation.columns
        .filter((column) => type === undefined || column.type === type)
        .map((column) => ({ sql: `${relation.alias}.${column.name}`, type: column.type, domain: column.domain, unique: column.unique })),
    );
  }

  // ---- FROM: a table, a derived table, or joins of them
  private from(depth: number): { sql: string; scope: Relation[] } {
    const r = this.random;
    const first = this.fromItem(depth);
    let sql = first.sql;
    const scope = [first.relation];
    const joins = r.chance(0.45) ? (r.chance(0.25) ? 2 : 1) : 0;
    for (let j = 0; j < joins; j++) {
      const item = this.fromItem(depth, true);
      const condition = this.joinCondition(scope, item.relation);
      if (!condition) continue;
      const kind = r.chance(0.4) ? 'LEFT JOIN' : r.pick(['JOIN', 'INNER JOIN']);
      let on = condition;
      if (r.chance(0.3)) on = `${on} AND ${this.predicate([...scope, item.relation], 1, { subqueries: false })}`;
      sql += ` ${kind} ${item.sql} ON ${on}`;
      scope.push(item.relation);
    }
    return { sql, scope };
  }

  private fromItem(depth: number, joined = false): { sql: string; relation: Relation } {
    const r = this.random;
    if (depth === 0 && r.chance(joined ? 0.12 : 0.18)) {
      const alias = this.alias('d');
      // No LIMIT inside: DuckDB 1.5 pushes a filter on a table joined to such a derived
      // table below its LIMIT and returns rows that cannot exist (replaydb is right there).
      const inner = this.select({ allowLimit: false, depth: depth + 1, aliasOutputs: true });
      return {
        sql: `(${inner.sql}) AS ${alias}`,
        relation: { alias, columns: inner.columns.map((c, i) => ({ name: `c${i}`, type: c.type, domain: c.domain })) },
      };
    }
    const table = r.chance(0.12) ? TABLES[2]! : r.pick(TABLES.slice(0, 2));
    const alias = this.alias();
    return { sql: `${table.name} ${r.chance(0.5) ? 'AS ' : ''}${alias}`, relation: this.baseRelation(table, alias) };
  }

  /** An equality between a column of `scope` and one of `next` with the same domain. */
  private joinCondition(scope: Relation[], next: Relation): string | undefined {
    const r = this.random;
    const pairs: [ScopeColumn, ScopeColumn][] = [];
    for (const right of this.scopeColumns([next])) {
      for (const left of this.scopeColumns(scope)) {
        if (!right.domain || left.domain !== right.domain) continue;
        if (this.options.keyJoinsOnly && !left.unique && !right.unique) continue;
        pairs.push([left, right]);
      }
    }
    if (pairs.length === 0) return undefined;
    const [left, right] = r.pick(pairs);
    // Sometimes an expression on one side: a join on expressions.
    if (left.type === 'int' && !this.options.keyJoinsOnly && r.chance(0.25)) return `(${left.sql} + ${r.int(-1, 2)}) = ${right.sql}`;
    return r.chance(0.5) ? `${left.sql} = ${right.sql}` : `${right.sql} = ${left.sql}`;
  }

  // ---- SELECT
  private select(options: { allowLimit: boolean; depth: number; aliasOutputs?: boolean }): SelectResult {
    const r = this.random;
    const { sql: fromSql, scope } = this.from(options.depth);
    const where = r.chance(0.7) ? ` WHERE ${this.predicate(scope, 2, { subqueries: options.depth === 0 })}` : '';
    const grouped = r.chance(0.35);
    let columns: OutputColumn[];
    let tail = '';
    let distinct = false;
    if (grouped) {
      const keyCount = r.chance(0.2) ? 0 : r.int(1, 2);
      const keys: OutputColumn[] = [];
      for (let i = 0; i < keyCount; i++) keys.push(this.groupKey(scope));
      const aggregates: OutputColumn[] = [];
      for (let i = 0, n = r.int(1, 3); i < n; i++) aggregates.push(this.aggregate(scope));
      columns = [...keys, ...aggregates];
      if (keys.length) {
        const byOrdinal = r.chance(0.3);
        tail += ` GROUP BY ${keys.map((key, i) => (byOrdinal ? String(i + 1) : key.sql)).join(', ')}`;
      }
      if (r.chance(0.35)) tail += ` HAVING ${this.havingPredicate(scope, keys)}`;
    } else {
      distinct = r.chance(0.2);
      columns = [];
      for (let i = 0, n = r.int(1, 4); i < n; i++) {
        if (r.chance(0.6)) {
          const column = r.pick(this.scopeColumns(scope));
          columns.push({ sql: column.sql, type: column.type, domain: column.domain });
        } else {
          const type = r.pick<ValueType>(['int', 'int', 'float', 'text', 'bool']);
          columns.push(type === 'bool' ? { sql: this.predicate(scope, 1, { subqueries: false }), type } : this.scalar(type, scope, 2));
        }
      }
    }
    // ORDER BY: every output column (then LIMIT/OFFSET may follow), some, or none.
    const stable = !columns.some((column) => column.unstable);
    let ordered = false;
    const orderChoice = r.next();
    if (orderChoice < 0.5 && stable) {
      const ordinals = columns.map((_, i) => i + 1);
      for (let i = ordinals.length - 1; i > 0; i--) {
        const j = r.int(0, i);
        [ordinals[i], ordinals[j]] = [ordinals[j]!, ordinals[i]!];
      }
      tail += ` ORDER BY ${ordinals.map((ordinal) => this.orderKey(String(ordinal))).join(', ')}`;
      ordered = true;
      if (options.allowLimit && r.chance(0.5)) {
        tail += ` LIMIT ${r.int(0, 12)}`;
        if (r.chance(0.4)) tail += ` OFFSET ${r.int(0, 6)}`;
      }
    } else if (orderChoice < 0.7 && columns.length > 1) {
      tail += ` ORDER BY ${this.orderKey('1')}`;
    }
    const items = columns.map((column, i) => (options.aliasOutputs ? `${column.sql} AS c${i}` : column.sql));
    const sql = `SELECT ${distinct ? 'DISTINCT ' : ''}${items.join(', ')} FROM ${fromSql}${where}${tail}`;
    return { sql, columns, ordered };
  }

  private orderKey(key: string): string {
    const r = this.random;
    return `${key}${r.chance(0.5) ? ' DESC' : r.chance(0.5) ? ' ASC' : ''} NULLS ${r.chance(0.5) ? 'FIRST' : 'LAST'}`;
  }

  private groupKey(scope: Relation[]): OutputColumn {
    const r = this.random;
    if (r.chance(0.8)) {
      const candidates = this.scopeColumns(scope).filter((column) => column.type !== 'float' || r.chance(0.3));
      const column = r.pick(candidates.length ? candidates : this.scopeColumns(scope));
      return { sql: column.sql, type: column.type, domain: column.domain };
    }
    const ints = this.scopeColumns(scope, 'int');
    if (ints.length) return { sql: `(${r.pick(ints).sql} % ${r.pick([2, 3, -4, 5])})`, type: 'int' };
    const column = r.pick(this.scopeColumns(scope));
    return { sql: column.sql, type: column.type, domain: column.domain };
  }

  private aggregate(scope: Relation[]): OutputColumn {
    const r = this.random;
    const kind = r.pick(['count_star', 'count', 'count_distinct', 'sum', 'avg', 'min', 'max', 'min', 'max']);
    if (kind === 'count_star') return { sql: 'count(*)', type: 'int' };
    if (kind === 'count' || kind === 'count_distinct') {
      const column = r.pick(this.scopeColumns(scope));
      return { sql: `count(${kind === 'count_distinct' ? 'DISTINCT ' : ''}${column.sql})`, type: 'int' };
    }
    if (kind === 'sum' || kind === 'avg') {
      const numeric = [...this.scopeColumns(scope, 'int'), ...this.scopeColumns(scope, 'float')];
      if (numeric.length === 0) return { sql: 'count(*)', type: 'int' };
      const argument = r.chance(0.75) ? r.pick(numeric) : this.scalar(r.pick<ValueType>(['int', 'float']), scope, 1);
      const float = argument.type === 'float';
      return {
        sql: `${kind}(${argument.sql})`,
        type: kind === 'avg' || float ? 'float' : 'int',
        // An integer sum is exact; an avg of integers is one division of an exact sum.
        unstable: float,
      };
    }
    const column = r.chance(0.8) ? r.pick(this.scopeColumns(scope)) : this.scalar(r.pick<ValueType>(['int', 'float', 'text']), scope, 1);
    return { sql: `${kind}(${column.sql})`, type: column.type };
  }

  /** A HAVING condition: exact aggregates compared with constants, or the group keys. */
  private havingPredicate(scope: Relation[], keys: OutputColumn[]): string {
    const r = this.random;
    const parts: string[] = [];
    for (let i = 0, n = r.int(1, 2); i < n; i++) {
      const choice = r.next();
      if (choice < 0.4) parts.push(`count(*) ${r.pick(['>', '>=', '<', '=', '<>'])} ${r.int(0, 4)}`);
      else if (choice < 0.7) {
        const ints = this.scopeColumns(scope, 'int');
        if (ints.length) parts.push(`${r.pick(['sum', 'min', 'max'])}(${r.pick(ints).sql}) ${r.pick(['>', '<', '>=', '<='])} ${r.int(-5, 60)}`);
        else parts.push('count(*) > 0');
      } else if (choice < 0.85 && keys.length) {
        parts.push(`${r.pick(keys).sql} IS ${r.chance(0.5) ? 'NOT ' : ''}NULL`);
      } else {
        const floats = this.scopeColumns(scope, 'float');
        if (floats.length) parts.push(`${r.pick(['min', 'max'])}(${r.pick(floats).sql}) ${r.pick(['>', '<'])} ${floatLiteral(r.int(-50, 150) / 100)}`);
        else parts.push(`count(*) <> ${r.int(0, 3)}`);
      }
    }
    return parts.join(r.chance(0.7) ? ' AND ' : ' OR ');
  }

  // ---- scalar expressions
  /** A constant; negative numbers in parentheses, so `-` before them never makes `--`. */
  private literal(type: ValueType): string {
    const r = this.random;
    const signed = (text: string) => (text.startsWith('-') ? `(${text})` : text);
    switch (type) {
      case 'int': return signed(String(r.int(-10, 30)));
      case 'float': return signed(floatLiteral(r.int(-200, 300) / 100));
      case 'text': return sqlLiteral(r.pick(TEXT_CONSTANTS), 'text');
      case 'bool': return r.chance(0.5) ? 'true' : 'false';
    }
  }

  private scalar(type: ValueType, scope: Relation[], depth: number): Expression {
    const r = this.random;
    const columns = this.scopeColumns(scope, type);
    if (depth <= 0 || r.chance(0.35)) {
      if (columns.length && r.chance(0.75)) return { sql: r.pick(columns).sql, type };
      return { sql: this.literal(type), type };
    }
    switch (type) {
      case 'int': {
        const choice = r.next();
        const operand = () => this.scalar('int', scope, depth - 1).sql;
        if (r.chance(0.15)) return this.functionOrCase('int', scope, depth);
        // Multiplication only by a small constant, so values stay far from overflow.
        if (choice < 0.3) return { sql: `(${operand()} + ${operand()})`, type };
        if (choice < 0.5) return { sql: `(${operand()} - ${operand()})`, type };
        if (choice < 0.7) return { sql: `(${operand()} * ${r.int(0, 4)})`, type };
        if (choice < 0.85) return { sql: `(${operand()} % ${r.pick([2, 3, 7, -5])})`, type };
        return { sql: `(- ${operand()})`, type };
      }
      case 'float': {
        const choice = r.next();
        const operand = () => this.scalar(r.chance(0.7) ? 'float' : 'int', scope, depth - 1).sql;
        const left = this.scalar('float', scope, depth - 1).sql;
        if (r.chance(0.12)) return this.functionOrCase('float', scope, depth);
        if (choice < 0.35) return { sql: `(${left} + ${operand()})`, type };
        if (choice < 0.6) return { sql: `(${left} - ${operand()})`, type };
        if (choice < 0.85) return { sql: `(${left} * ${floatLiteral(r.pick([2, 1.5, 0.5, 3]))})`, type };
        return { sql: `(- ${left})`, type };
      }
      case 'text':
        if (r.chance(0.4)) return this.functionOrCase('text', scope, depth);
        if (columns.length) return { sql: r.pick(columns).sql, type };
        return { sql: this.literal(type), type };
      default:
        if (columns.length) return { sql: r.pick(columns).sql, type };
        return { sql: this.literal(type), type };
    }
  }

  /** Scalar functions and CASE, with the same meaning in both engines for ASCII text. */
  private functionOrCase(type: ValueType, scope: Relation[], depth: number): Expression {
    const r = this.random;
    const same = () => this.scalar(type, scope, depth - 1).sql;
    const text = () => this.scalar('text', scope, depth - 1).sql;
    const choice = r.next();
    if (choice < 0.3) {
      const branches = Array.from({ length: r.int(1, 2) }, () => `WHEN ${this.predicate(scope, 0, { subqueries: false })} THEN ${same()}`);
      return { sql: `(CASE ${branches.join(' ')}${r.chance(0.7) ? ` ELSE ${same()}` : ''} END)`, type };
    }
    if (choice < 0.5) return { sql: `coalesce(${same()}, ${this.literal(type)})`, type };
    switch (type) {
      case 'int': return r.chance(0.5) ? { sql: `length(${text()})`, type } : { sql: `abs(${same()})`, type };
      case 'float': return { sql: `abs(${same()})`, type };
      default: {
        const pick = r.next();
        if (pick < 0.3) return { sql: `lower(${text()})`, type };
        if (pick < 0.5) return { sql: `upper(${text()})`, type };
        if (pick < 0.8) return { sql: `(${text()} || ${text()})`, type };
        return { sql: `substr(${text()}, ${r.int(1, 4)}, ${r.int(0, 5)})`, type };
      }
    }
  }

  /** A boolean condition over `scope`; `subqueries` allows IN (SELECT …) and EXISTS. */
  private predicate(scope: Relation[], depth: number, options: { subqueries: boolean }): string {
    const r = this.random;
    if (depth > 0 && r.chance(0.35)) {
      const choice = r.next();
      if (choice < 0.4) return `(${this.predicate(scope, depth - 1, options)} AND ${this.predicate(scope, depth - 1, options)})`;
      if (choice < 0.8) return `(${this.predicate(scope, depth - 1, options)} OR ${this.predicate(scope, depth - 1, options)})`;
      return `(NOT ${this.predicate(scope, depth - 1, options)})`;
    }
    const choice = r.next();
    if (options.subqueries && choice < 0.1) return this.inSubquery(scope);
    if (options.subqueries && choice < 0.18) return this.exists(scope);
    if (choice < 0.5) return this.comparison(scope, options);
    if (choice < 0.62) {
      const column = r.pick(this.scopeColumns(scope));
      return `(${column.sql} IS ${r.chance(0.5) ? 'NOT ' : ''}NULL)`;
    }
    if (choice < 0.74) {
      const type = r.pick<ValueType>(['int', 'float', 'text']);
      const value = this.scalar(type, scope, 1).sql;
      let low = this.literal(type);
      let high = this.literal(type);
      if (type !== 'text' && r.chance(0.7) && Number.parseFloat(low) > Number.parseFloat(high)) [low, high] = [high, low];
      return `(${value} ${r.chance(0.3) ? 'NOT ' : ''}BETWEEN ${low} AND ${high})`;
    }
    if (choice < 0.88) {
      const type = r.pick<ValueType>(['int', 'text', 'text', 'float']);
      const value = this.scalar(type, scope, 1).sql;
      const items = Array.from({ length: r.int(1, 4) }, () => (r.chance(0.1) ? 'NULL' : this.literal(type)));
      return `(${value} ${r.chance(0.3) ? 'NOT ' : ''}IN (${items.join(', ')}))`;
    }
    if (choice < 0.93) {
      // No backslash: Postgres escapes with it by default, DuckDB has no default escape.
      const pattern = r.pick(['run%', '%1%', 'm_', '%a%', '_', '%', 'code%', "%'%", '% %', 'A%', 'run-0_5']);
      return `(${this.scalar('text', scope, 1).sql} ${r.chance(0.3) ? 'NOT ' : ''}${r.chance(0.3) ? 'ILIKE' : 'LIKE'} ${sqlLiteral(pattern, 'text')})`;
    }
    const bools = this.scopeColumns(scope, 'bool');
    if (bools.length) return r.chance(0.7) ? r.pick(bools).sql : `(NOT ${r.pick(bools).sql})`;
    return this.comparison(scope, options);
  }

  /** `a op b` of one type; with `subqueries`, b is sometimes an uncorrelated scalar subquery. */
  private comparison(scope: Relation[], options: { subqueries: boolean }): string {
    const r = this.random;
    const type = r.pick<ValueType>(['int', 'int', 'float', 'text', 'text', 'bool']);
    const operator = r.pick(['=', '<>', '<', '<=', '>', '>=', '!=']);
    if (type === 'bool') {
      const bools = this.scopeColumns(scope, 'bool');
      if (!bools.length) return this.comparison(scope, options);
      return `(${r.pick(bools).sql} ${r.pick(['=', '<>'])} ${this.literal('bool')})`;
    }
    // Numbers compare across int and float.
    const rightType = type === 'text' ? 'text' : r.pick<ValueType>(['int', 'float']);
    const left = this.scalar(type, scope, 2).sql;
    const right = r.chance(0.6) ? this.literal(rightType) : this.scalar(rightType, scope, 1).sql;
    if (type !== 'text' && options.subqueries && r.chance(0.12)) {
      // An uncorrelated scalar subquery with an exact aggregate.
      return `(${left} ${operator} ${this.scalarSubquery()})`;
    }
    return `(${left} ${operator} ${right})`;
  }

  private scalarSubquery(): string {
    const r = this.random;
    const table = r.pick(TABLES);
    const alias = this.alias('s');
    const relation = this.baseRelation(table, alias);
    const numeric = this.scopeColumns([relation], 'int');
    const aggregate = r.chance(0.3) ? 'count(*)' : `${r.pick(['min', 'max'])}(${r.pick(numeric).sql})`;
    const where = r.chance(0.5) ? ` WHERE ${this.predicate([relation], 1, { subqueries: false })}` : '';
    return `(SELECT ${aggregate} FROM ${table.name} ${alias}${where})`;
  }

  /** `x [NOT] IN (SELECT col FROM table [WHERE …])`, uncorrelated, matching domain or type. */
  private inSubquery(scope: Relation[]): string {
    const r = this.random;
    const outers = this.scopeColumns(scope).filter((column) => column.type !== 'bool');
    if (!outers.length) return this.comparison(scope, { subqueries: true });
    const outer = r.pick(outers);
    const table = r.pick(TABLES);
    const alias = this.alias('s');
    const relation = this.baseRelation(table, alias);
    const inner = this.scopeColumns([relation]);
    const sameDomain = inner.filter((column) => outer.domain && column.domain === outer.domain);
    const sameType = inner.filter((column) => column.type === outer.type || (outer.type !== 'text' && column.type !== 'text' && column.type !== 'bool'));
    const candidates = sameDomain.length ? sameDomain : sameType;
    if (!candidates.length) return this.comparison(scope, { subqueries: true });
    const column = r.pick(candidates);
    const where = r.chance(0.6) ? ` WHERE ${this.predicate([relation], 1, { subqueries: false })}` : '';
    return `(${outer.sql} ${r.chance(0.35) ? 'NOT ' : ''}IN (SELECT ${column.sql} FROM ${table.name} ${alias}${where}))`;
  }

  /** `[NOT] EXISTS (SELECT … WHERE inner.key = outer.key [AND …])`: correlated by one equality. */
  private exists(scope: Relation[]): string {
    const r = this.random;
    const outerKeys = this.scopeColumns(scope).filter((column) => column.domain === 'trajectory_id' || column.domain === 'model_version');
    const table = r.pick(TABLES);
    const alias = this.alias('s');
    const relation = this.baseRelation(table, alias);
    const pairs: [ScopeColumn, ScopeColumn][] = [];
    for (const outer of outerKeys) {
      for (const inner of this.scopeColumns([relation])) if (inner.domain === outer.domain) pairs.push([inner, outer]);
    }
    let condition: string;
    if (pairs.length && r.chance(0.85)) {
      const [inner, outer] = r.pick(pairs);
      condition = `${inner.sql} = ${outer.sql}`;
      if (r.chance(0.5)) condition += ` AND ${this.predicate([relation], 1, { subqueries: false })}`;
    } else {
      condition = this.predicate([relation], 1, { subqueries: false });
    }
    return `(${r.chance(0.35) ? 'NOT ' : ''}EXISTS (SELECT ${r.chance(0.5) ? '1' : '*'} FROM ${table.name} ${alias} WHERE ${condition}))`;
  }
}
