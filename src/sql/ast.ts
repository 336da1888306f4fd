/**
 * The abstract syntax tree produced by the parser. It records what the user wrote, with a
 * source position on every node, and nothing the binder decides (types, resolved tables).
 * Identifiers are already case-folded (unquoted names lower-cased, as Postgres does).
 */

/** A place in the SQL text: 0-based offset, 1-based line and column. */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

export interface Identifier {
  name: string;
  quoted: boolean;
  pos: Position;
}

/** Normalised type names: INTEGER/INT4 → INT, FLOAT/FLOAT8/DOUBLE PRECISION → DOUBLE, … */
export type TypeKeyword =
  | 'INT'
  | 'BIGINT'
  | 'REAL'
  | 'DOUBLE'
  | 'BOOLEAN'
  | 'TEXT'
  | 'JSONB'
  | 'VECTOR'
  | 'TIMESTAMP';

export interface TypeName {
  name: TypeKeyword;
  /** VECTOR(n) only. */
  dimension?: number;
  pos: Position;
}

// ---------------------------------------------------------------- statements

export type Statement =
  | CreateTableStatement
  | DropTableStatement
  | CreateIndexStatement
  | DropIndexStatement
  | InsertStatement
  | UpdateStatement
  | DeleteStatement
  | SelectStatement
  | ExplainStatement;

export interface ColumnDefinition {
  name: Identifier;
  type: TypeName;
  notNull: boolean;
  primaryKey: boolean;
  /** DEFAULT <expression>; the binder accepts constants and NOW(). */
  defaultValue?: Expression;
  pos: Position;
}

export interface CreateTableStatement {
  kind: 'create_table';
  ifNotExists: boolean;
  name: Identifier;
  columns: ColumnDefinition[];
  /** Table-level PRIMARY KEY (a, b). */
  primaryKey?: Identifier[];
  pos: Position;
}

export interface DropTableStatement {
  kind: 'drop_table';
  ifExists: boolean;
  names: Identifier[];
  pos: Position;
}

export interface IndexColumn {
  column: Identifier;
  /** vector_cosine_ops, vector_l2_ops, vector_ip_ops, … (lower-cased). */
  operatorClass?: string;
}

export interface CreateIndexStatement {
  kind: 'create_index';
  ifNotExists: boolean;
  name?: Identifier;
  table: Identifier;
  /** USING <method>, lower-cased; undefined when omitted. */
  method?: string;
  columns: IndexColumn[];
  options: { key: Identifier; value: Expression }[];
  pos: Position;
}

export interface DropIndexStatement {
  kind: 'drop_index';
  ifExists: boolean;
  name: Identifier;
  pos: Position;
}

export interface Assignment {
  column: Identifier;
  value: Expression;
}

export interface OnConflictClause {
  target: Identifier[];
  action: { kind: 'nothing' } | { kind: 'update'; assignments: Assignment[]; where?: Expression };
  pos: Position;
}

export interface InsertStatement {
  kind: 'insert';
  table: Identifier;
  columns?: Identifier[];
  source: { kind: 'values'; rows: Expression[][] } | { kind: 'select'; query: SelectStatement };
  onConflict?: OnConflictClause;
  returning?: SelectItem[];
  pos: Position;
}

export interface UpdateStatement {
  kind: 'update';
  table: Identifier;
  alias?: Identifier;
  assignments: Assignment[];
  where?: Expression;
  returning?: SelectItem[];
  pos: Position;
}

export interface DeleteStatement {
  kind: 'delete';
  table: Identifier;
  alias?: Identifier;
  where?: Expression;
  returning?: SelectItem[];
  pos: Position;
}

export interface ExplainStatement {
  kind: 'explain';
  analyze: boolean;
  statement: Statement;
  pos: Position;
}

export type SelectItem =
  | { kind: 'star'; table?: Identifier; pos: Position }
  | { kind: 'expression'; expression: Expression; alias?: Identifier; pos: Position };

export type FromItem =
  | { kind: 'table'; name: Identifier; alias?: Identifier; pos: Position }
  | { kind: 'subquery'; query: SelectStatement; alias: Identifier; pos: Position }
  | {
      kind: 'join';
      joinType: 'inner' | 'left' | 'cross';
      left: FromItem;
      right: FromItem;
      on?: Expression;
      pos: Position;
    };

export interface OrderItem {
  expression: Expression;
  direction: 'asc' | 'desc';
  /** Explicit NULLS FIRST/LAST; undefined means the Postgres default (NULLS LAST for ASC). */
  nulls?: 'first' | 'last';
  pos: Position;
}

export interface SelectStatement {
  kind: 'select';
  distinct: boolean;
  items: SelectItem[];
  /** Comma-separated FROM entries; each may be a join tree. Empty for SELECT without FROM. */
  from: FromItem[];
  where?: Expression;
  groupBy: Expression[];
  having?: Expression;
  orderBy: OrderItem[];
  limit?: Expression;
  offset?: Expression;
  pos: Position;
}

// ---------------------------------------------------------------- expressions

export type BinaryOperator =
  | '+' | '-' | '*' | '/' | '%'
  | '||'
  | '=' | '<>' | '<' | '<=' | '>' | '>='
  | 'AND' | 'OR'
  | '->' | '->>' | '#>' | '#>>' | '@>' | '<@'
  | '<=>' | '<->' | '<#>';

export type Expression =
  | { kind: 'number'; text: string; isInteger: boolean; pos: Position }
  | { kind: 'string'; value: string; pos: Position }
  | { kind: 'boolean'; value: boolean; pos: Position }
  | { kind: 'null'; pos: Position }
  /** A bound parameter; `index` is its 0-based slot in the parameter list. */
  | { kind: 'parameter'; index: number; name?: string; pos: Position }
  | { kind: 'column'; table?: Identifier; name: Identifier; pos: Position }
  | { kind: 'unary'; operator: '-' | '+' | 'NOT'; operand: Expression; pos: Position }
  | { kind: 'binary'; operator: BinaryOperator; left: Expression; right: Expression; pos: Position }
  | { kind: 'is_null'; operand: Expression; negated: boolean; pos: Position }
  | { kind: 'is_boolean'; operand: Expression; value: boolean; negated: boolean; pos: Position }
  | { kind: 'in_list'; operand: Expression; list: Expression[]; negated: boolean; pos: Position }
  | { kind: 'in_subquery'; operand: Expression; query: SelectStatement; negated: boolean; pos: Position }
  | { kind: 'exists'; query: SelectStatement; negated: boolean; pos: Position }
  | { kind: 'between'; operand: Expression; low: Expression; high: Expression; negated: boolean; pos: Position }
  | {
      kind: 'like';
      operand: Expression;
      pattern: Expression;
      caseInsensitive: boolean;
      negated: boolean;
      escape?: Expression;
      pos: Position;
    }
  | {
      kind: 'case';
      operand?: Expression;
      whens: { when: Expression; then: Expression }[];
      otherwise?: Expression;
      pos: Position;
    }
  | { kind: 'cast'; operand: Expression; type: TypeName; pos: Position }
  | {
      kind: 'function';
      /** Lower-cased function name. */
      name: string;
      args: Expression[];
      distinct: boolean;
      /** count(*) */
      star: boolean;
      pos: Position;
    }
  | { kind: 'subquery'; query: SelectStatement; pos: Position }
  | { kind: 'array'; elements: Expression[]; pos: Position };

// ---------------------------------------------------------------- parse result

export type ParameterStyle = 'format' | 'numeric' | 'qmark' | 'named';

/** What the parser found out about the statement's parameters. */
export interface ParameterInfo {
  /** undefined when the statement has no parameters. Mixing styles is a syntax error. */
  style?: ParameterStyle;
  /** Number of slots: the caller must supply exactly this many values. */
  count: number;
  /** For the named style: slot index → name. */
  names: string[];
  /** Slot index → position of its first occurrence. */
  positions: Position[];
}

export interface ParsedStatement {
  statement: Statement;
  parameters: ParameterInfo;
  sql: string;
}
