/**
 * The parser turns one SQL statement (Postgres dialect, the subset replaydb supports) into the
 * AST of ast.ts, plus what it learnt about the statement's parameters. It is a hand-written
 * recursive descent parser; expressions use precedence climbing with Postgres' operator
 * precedence. It never backtracks, so tokens are consumed strictly left to right and the
 * first error in the text is the one reported; every error is a SqlError whose position is
 * the offending token's.
 *
 * Positions: every node's `pos` is the position of its first token. For binary, postfix and
 * join nodes that is the start of the left operand, not the operator.
 *
 * Two liberties the AST takes with "what the user wrote", both as Postgres does them: a minus
 * sign directly before a numeric literal is folded into the literal (`-5` is the number '-5',
 * so the binder sees -2147483648 as one INT constant), and `CURRENT_TIMESTAMP` becomes the
 * function call `now()`.
 */
import type {
  Assignment,
  BinaryOperator,
  ColumnDefinition,
  CreateIndexStatement,
  CreateTableStatement,
  DeleteStatement,
  DropIndexStatement,
  DropTableStatement,
  ExplainStatement,
  Expression,
  FromItem,
  Identifier,
  IndexColumn,
  InsertStatement,
  OnConflictClause,
  OrderItem,
  ParameterInfo,
  ParameterStyle,
  ParsedStatement,
  Position,
  SelectItem,
  SelectStatement,
  Statement,
  TypeKeyword,
  TypeName,
  UpdateStatement,
} from './ast.js';
import { tokenize, tokenText, type Token } from './lexer.js';
import { SqlError } from './sql_error.js';

/**
 * Keywords that can never be a bare name (table, column, alias, function): the words that
 * start or separate clauses and expressions. Close to Postgres' reserved list; a quoted
 * identifier ("order") is always a name.
 */
const RESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  'all', 'and', 'any', 'array', 'as', 'asc', 'between', 'both', 'case', 'cast', 'check',
  'collate', 'constraint', 'create', 'cross', 'current_date', 'current_time',
  'current_timestamp', 'default', 'desc', 'distinct', 'do', 'else', 'end', 'except', 'exists',
  'false', 'fetch', 'for', 'foreign', 'from', 'full', 'group', 'having', 'ilike', 'in',
  'inner', 'intersect', 'into', 'is', 'isnull', 'join', 'lateral', 'leading', 'left', 'like',
  'limit', 'natural', 'not', 'notnull', 'null', 'offset', 'on', 'only', 'or', 'order', 'outer',
  'primary', 'references', 'returning', 'right', 'select', 'similar', 'some', 'symmetric',
  'table', 'then', 'to', 'trailing', 'true', 'union', 'unique', 'using', 'when', 'where',
  'window', 'with',
]);

/**
 * Words that may name a column but not serve as an alias written without AS, because they
 * may follow a select item or a table reference (`UPDATE t SET`, `ORDER BY a NULLS FIRST`).
 */
const NOT_BARE_ALIASES: ReadonlySet<string> = new Set([
  ...RESERVED_KEYWORDS,
  'set', 'values', 'nulls', 'by',
]);

/** Keywords that end a select list: a comma right before one is a trailing comma. */
const SELECT_LIST_ENDINGS: ReadonlySet<string> = new Set([
  'from', 'where', 'group', 'having', 'order', 'limit', 'offset', 'fetch', 'union', 'intersect',
  'except', 'into', 'returning', 'on', 'window',
]);

/** Keywords that NOT may precede as an infix operator: a NOT BETWEEN / IN / LIKE / ILIKE b. */
const NEGATABLE_PATTERN_KEYWORDS: ReadonlySet<string> = new Set(['between', 'in', 'like', 'ilike']);

const SET_OPERATIONS: ReadonlySet<string> = new Set(['union', 'intersect', 'except']);

const EXPLAINABLE_STATEMENTS: ReadonlySet<string> = new Set(['select', 'insert', 'update', 'delete']);

/** Type names accepted before a string literal as a typed literal: TIMESTAMP '2024-01-01'. */
const TYPED_LITERAL_PREFIXES: ReadonlySet<string> = new Set([
  'int', 'integer', 'int4', 'int2', 'smallint', 'bigint', 'int8', 'real', 'float4', 'float',
  'float8', 'boolean', 'bool', 'text', 'varchar', 'jsonb', 'json', 'timestamp', 'timestamptz',
  'vector',
]);

/** Postgres types replaydb knows but does not store: feature_not_supported rather than "does not exist". */
const UNSUPPORTED_TYPES: ReadonlySet<string> = new Set([
  'numeric', 'decimal', 'date', 'time', 'timetz', 'interval', 'uuid', 'bytea', 'serial',
  'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2', 'money', 'inet', 'cidr',
  'macaddr', 'xml', 'bit', 'varbit', 'point', 'line', 'box', 'path', 'polygon', 'circle',
  'tsvector', 'tsquery', 'halfvec', 'sparsevec', 'oid', 'name', 'character', 'bpchar',
]);

const MAX_VECTOR_DIMENSION = 16000;
/** The Postgres wire protocol's limit, and a guard against allocating huge slot arrays. */
const MAX_NUMERIC_PARAMETER = 65535;
/** Nesting deeper than this is reported as an error instead of overflowing the JS stack. */
const MAX_NESTING_DEPTH = 1000;

// Binding strength of operators, loosest first (Postgres' table, from gram.y).
const PRECEDENCE_OR = 1;
const PRECEDENCE_AND = 2;
const PRECEDENCE_NOT = 3;
/** IS …, ISNULL, NOTNULL (non-associative). */
const PRECEDENCE_IS = 4;
/** = <> < <= > >= (non-associative). */
const PRECEDENCE_COMPARISON = 5;
/** [NOT] BETWEEN / IN / LIKE / ILIKE (non-associative). */
const PRECEDENCE_PATTERN = 6;
/** Every other operator: || -> ->> #>> @> <=> <-> <#>. */
const PRECEDENCE_OTHER_OPERATOR = 7;
const PRECEDENCE_ADDITIVE = 8;
const PRECEDENCE_MULTIPLICATIVE = 9;
const PRECEDENCE_UNARY = 10;
const PRECEDENCE_CAST = 11;

const BINARY_OPERATOR_PRECEDENCE: ReadonlyMap<string, number> = new Map([
  ['=', PRECEDENCE_COMPARISON],
  ['<>', PRECEDENCE_COMPARISON],
  ['<', PRECEDENCE_COMPARISON],
  ['<=', PRECEDENCE_COMPARISON],
  ['>', PRECEDENCE_COMPARISON],
  ['>=', PRECEDENCE_COMPARISON],
  ['||', PRECEDENCE_OTHER_OPERATOR],
  ['->', PRECEDENCE_OTHER_OPERATOR],
  ['->>', PRECEDENCE_OTHER_OPERATOR],
  ['#>>', PRECEDENCE_OTHER_OPERATOR],
  ['#>', PRECEDENCE_OTHER_OPERATOR],
  ['<@', PRECEDENCE_OTHER_OPERATOR],
  ['@>', PRECEDENCE_OTHER_OPERATOR],
  ['<=>', PRECEDENCE_OTHER_OPERATOR],
  ['<->', PRECEDENCE_OTHER_OPERATOR],
  ['<#>', PRECEDENCE_OTHER_OPERATOR],
  ['+', PRECEDENCE_ADDITIVE],
  ['-', PRECEDENCE_ADDITIVE],
  ['*', PRECEDENCE_MULTIPLICATIVE],
  ['/', PRECEDENCE_MULTIPLICATIVE],
  ['%', PRECEDENCE_MULTIPLICATIVE],
]);

const PARAMETER_SPELLING: Record<ParameterStyle, string> = {
  format: '%s',
  numeric: '$n',
  qmark: '?',
  named: ':name',
};

/**
 * Assigns parameter tokens to slots as the parser meets them (which is text order, since the
 * parser never backtracks) and builds the ParameterInfo.
 */
class ParameterCollector {
  private style?: ParameterStyle;
  private count = 0;
  private readonly names: string[] = [];
  private readonly positions: Position[] = [];
  private readonly slotByName = new Map<string, number>();
  /** Position of the highest $n seen: stands in for the positions of unused lower slots. */
  private highestNumericPosition?: Position;

  constructor(private readonly sql: string) {}

  slotFor(token: Token): number {
    const style = token.parameterStyle as ParameterStyle;
    if (this.style === undefined) {
      this.style = style;
    } else if (this.style !== style) {
      throw new SqlError(
        'syntax_error',
        `cannot mix parameter styles: "${tokenText(this.sql, token)}" is the ${style} style ` +
          `(${PARAMETER_SPELLING[style]}), but the statement already uses the ${this.style} style ` +
          `(${PARAMETER_SPELLING[this.style]})`,
        { pos: token.pos, sql: this.sql },
      );
    }
    switch (style) {
      case 'format':
      case 'qmark':
        this.positions.push(token.pos);
        return this.count++;
      case 'numeric': {
        const number = Number(token.value);
        if (number === 0 || number > MAX_NUMERIC_PARAMETER) {
          const why = number === 0 ? 'numbering starts at $1' : `the highest is $${MAX_NUMERIC_PARAMETER}`;
          throw new SqlError('syntax_error', `there is no parameter $${token.value}: ${why}`, {
            pos: token.pos,
            sql: this.sql,
          });
        }
        const slot = number - 1;
        if (number > this.count) {
          this.count = number;
          this.highestNumericPosition = token.pos;
        }
        this.positions[slot] ??= token.pos;
        return slot;
      }
      case 'named': {
        const known = this.slotByName.get(token.value);
        if (known !== undefined) return known;
        const slot = this.count++;
        this.slotByName.set(token.value, slot);
        this.names.push(token.value);
        this.positions.push(token.pos);
        return slot;
      }
    }
  }

  info(): ParameterInfo {
    const positions = this.positions;
    // $1 and $3 without $2: slot 1 still exists (the caller supplies a value for it).
    for (let slot = 0; slot < this.count; slot++) {
      positions[slot] ??= this.highestNumericPosition as Position;
    }
    const info: ParameterInfo = { count: this.count, names: this.names, positions };
    if (this.style !== undefined) info.style = this.style;
    return info;
  }
}

class Parser {
  private index = 0;
  private depth = 0;
  private readonly parameters: ParameterCollector;

  constructor(
    private readonly sql: string,
    private readonly tokens: Token[],
  ) {
    this.parameters = new ParameterCollector(sql);
  }

  // ------------------------------------------------------------------ token access

  private peek(ahead = 0): Token {
    const tokens = this.tokens;
    return tokens[Math.min(this.index + ahead, tokens.length - 1)] as Token;
  }

  private advance(): Token {
    const token = this.tokens[this.index] as Token;
    if (token.type !== 'end') this.index++;
    return token;
  }

  private static isKeyword(token: Token, keyword: string): boolean {
    return token.type === 'identifier' && token.value === keyword;
  }

  private static isOperator(token: Token, operator: string): boolean {
    return token.type === 'operator' && token.value === operator;
  }

  private atKeyword(keyword: string, ahead = 0): boolean {
    return Parser.isKeyword(this.peek(ahead), keyword);
  }

  private atOperator(operator: string, ahead = 0): boolean {
    return Parser.isOperator(this.peek(ahead), operator);
  }

  private acceptKeyword(keyword: string): boolean {
    if (!this.atKeyword(keyword)) return false;
    this.index++;
    return true;
  }

  private acceptOperator(operator: string): boolean {
    if (!this.atOperator(operator)) return false;
    this.index++;
    return true;
  }

  private expectKeyword(keyword: string): Token {
    const token = this.peek();
    if (!Parser.isKeyword(token, keyword)) this.fail(token, `expected ${keyword.toUpperCase()}`);
    this.index++;
    return token;
  }

  private expectOperator(operator: string): Token {
    const token = this.peek();
    if (!Parser.isOperator(token, operator)) this.fail(token, `expected "${operator}"`);
    this.index++;
    return token;
  }

  // ------------------------------------------------------------------ errors

  /** Where the parser is: the position of the next unread token. */
  position(): Position {
    return this.peek().pos;
  }

  /** `syntax error at or near "x"` (or `at end of input`), with an optional hint after a colon. */
  private fail(token: Token, hint?: string): never {
    const where =
      token.type === 'end' ? 'syntax error at end of input' : `syntax error at or near "${tokenText(this.sql, token)}"`;
    throw new SqlError('syntax_error', hint === undefined ? where : `${where}: ${hint}`, {
      pos: token.pos,
      sql: this.sql,
    });
  }

  private failWith(code: 'invalid_table_definition' | 'undefined_object', token: Token, message: string): never {
    throw new SqlError(code, message, { pos: token.pos, sql: this.sql });
  }

  private unsupported(token: Token, message: string): never {
    throw new SqlError('feature_not_supported', message, { pos: token.pos, sql: this.sql });
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_NESTING_DEPTH) {
      throw new SqlError('syntax_error', `statement is nested too deeply (more than ${MAX_NESTING_DEPTH} levels)`, {
        pos: token.pos,
        sql: this.sql,
      });
    }
  }

  private leave(): void {
    this.depth--;
  }

  // ------------------------------------------------------------------ names

  private static isName(token: Token): boolean {
    return token.type === 'quoted_identifier' || (token.type === 'identifier' && !RESERVED_KEYWORDS.has(token.value));
  }

  private static toIdentifier(token: Token): Identifier {
    return { name: token.value, quoted: token.type === 'quoted_identifier', pos: token.pos };
  }

  /** A table, column or index name: any identifier except a reserved keyword. */
  private parseName(what: string): Identifier {
    const token = this.peek();
    if (!Parser.isName(token)) {
      const hint =
        token.type === 'identifier'
          ? `${token.value.toUpperCase()} is a reserved keyword; quote it to use it as ${what}`
          : `expected ${what}`;
      this.fail(token, hint);
    }
    this.index++;
    return Parser.toIdentifier(token);
  }

  /** After AS or a dot any word is a label, reserved or not (Postgres' ColLabel). */
  private parseLabel(what: string): Identifier {
    const token = this.peek();
    if (token.type !== 'identifier' && token.type !== 'quoted_identifier') this.fail(token, `expected ${what}`);
    this.index++;
    return Parser.toIdentifier(token);
  }

  /** `[AS] alias` after a table or select item; a bare alias must not be a keyword that could follow. */
  private parseOptionalAlias(labelAfterAs: boolean): Identifier | undefined {
    if (this.acceptKeyword('as')) return labelAfterAs ? this.parseLabel('an alias') : this.parseName('an alias');
    const token = this.peek();
    if (token.type === 'quoted_identifier' || (token.type === 'identifier' && !NOT_BARE_ALIASES.has(token.value))) {
      this.index++;
      return Parser.toIdentifier(token);
    }
    return undefined;
  }

  private parseNameList(what: string): Identifier[] {
    this.expectOperator('(');
    const names = [this.parseName(what)];
    while (this.acceptOperator(',')) names.push(this.parseName(what));
    this.expectOperator(')');
    return names;
  }

  private parseIfNotExists(): boolean {
    if (!(this.atKeyword('if') && this.atKeyword('not', 1))) return false;
    this.index += 2;
    this.expectKeyword('exists');
    return true;
  }

  private parseIfExists(): boolean {
    if (!(this.atKeyword('if') && this.atKeyword('exists', 1))) return false;
    this.index += 2;
    return true;
  }

  // ------------------------------------------------------------------ statements

  parseSingleStatement(): ParsedStatement {
    const first = this.peek();
    if (first.type === 'end' || Parser.isOperator(first, ';')) {
      this.fail(first, 'the SQL text contains no statement');
    }
    const statement = this.parseStatement();
    const after = this.peek();
    if (Parser.isOperator(after, ';')) {
      while (this.acceptOperator(';'));
      const next = this.peek();
      if (next.type !== 'end') {
        throw new SqlError(
          'syntax_error',
          `only one statement per execute() call: found more SQL at "${tokenText(this.sql, next)}" after ";"`,
          { pos: next.pos, sql: this.sql },
        );
      }
    } else if (after.type !== 'end') {
      this.fail(after);
    }
    return { statement, parameters: this.parameters.info(), sql: this.sql };
  }

  private parseStatement(): Statement {
    const token = this.peek();
    if (token.type === 'identifier') {
      switch (token.value) {
        case 'select':
          return this.parseSelect();
        case 'insert':
          return this.parseInsert();
        case 'update':
          return this.parseUpdate();
        case 'delete':
          return this.parseDelete();
        case 'create':
          return this.parseCreate();
        case 'drop':
          return this.parseDrop();
        case 'explain':
          return this.parseExplain();
        case 'with':
          this.unsupported(token, 'WITH (common table expressions) is not supported');
      }
    }
    if (Parser.isOperator(token, '(') && this.atKeyword('select', 1)) {
      this.index++;
      const query = this.parseSelect();
      this.expectOperator(')');
      return query;
    }
    this.fail(token);
  }

  private parseExplain(): ExplainStatement {
    const start = this.expectKeyword('explain');
    const analyze = this.acceptKeyword('analyze') || this.acceptKeyword('analyse');
    const token = this.peek();
    const explainable = token.type === 'identifier' && EXPLAINABLE_STATEMENTS.has(token.value);
    if (!explainable && !Parser.isOperator(token, '(')) {
      this.fail(token, 'EXPLAIN takes a SELECT, INSERT, UPDATE or DELETE');
    }
    return { kind: 'explain', analyze, statement: this.parseStatement(), pos: start.pos };
  }

  private parseCreate(): CreateTableStatement | CreateIndexStatement {
    const start = this.expectKeyword('create');
    if (this.acceptKeyword('table')) return this.parseCreateTable(start);
    if (this.acceptKeyword('index')) return this.parseCreateIndex(start);
    const token = this.peek();
    if (Parser.isKeyword(token, 'unique')) this.unsupported(token, 'CREATE UNIQUE INDEX is not supported');
    this.fail(token, 'expected TABLE or INDEX after CREATE');
  }

  private parseCreateTable(start: Token): CreateTableStatement {
    const ifNotExists = this.parseIfNotExists();
    const name = this.parseName('a table name');
    this.expectOperator('(');
    if (this.atOperator(')')) this.fail(this.peek(), 'a table needs at least one column');
    const columns: ColumnDefinition[] = [];
    let primaryKey: Identifier[] | undefined;
    let primaryKeyToken: Token | undefined;
    do {
      const token = this.peek();
      if (Parser.isKeyword(token, 'primary')) {
        this.index++;
        this.expectKeyword('key');
        if (primaryKeyToken !== undefined) this.failWith('invalid_table_definition', token, 'multiple primary keys for table are not allowed');
        primaryKeyToken = token;
        primaryKey = this.parseNameList('a column name');
      } else if (token.type === 'identifier' && ['unique', 'check', 'foreign', 'constraint'].includes(token.value)) {
        this.unsupported(token, `table constraint ${token.value.toUpperCase()} is not supported`);
      } else {
        const column = this.parseColumnDefinition();
        if (column.primaryKey) {
          if (primaryKeyToken !== undefined) this.failWith('invalid_table_definition', token, 'multiple primary keys for table are not allowed');
          primaryKeyToken = token;
        }
        columns.push(column);
      }
    } while (this.acceptOperator(','));
    this.expectOperator(')');
    if (columns.length === 0) this.fail(start, 'a table needs at least one column');
    const statement: CreateTableStatement = { kind: 'create_table', ifNotExists, name, columns, pos: start.pos };
    if (primaryKey !== undefined) statement.primaryKey = primaryKey;
    return statement;
  }

  /** name type [NOT NULL | NULL | PRIMARY KEY | DEFAULT expr]… in any order. */
  private parseColumnDefinition(): ColumnDefinition {
    const name = this.parseName('a column name');
    const type = this.parseType(false);
    const column: ColumnDefinition = { name, type, notNull: false, primaryKey: false, pos: name.pos };
    let nullability: Token | undefined;
    for (;;) {
      const token = this.peek();
      if (token.type !== 'identifier') break;
      if (token.value === 'not' || token.value === 'null') {
        this.index++;
        if (token.value === 'not') this.expectKeyword('null');
        if (nullability !== undefined) {
          this.fail(token, `conflicting or redundant NULL / NOT NULL declarations for column "${name.name}"`);
        }
        nullability = token;
        column.notNull = token.value === 'not';
      } else if (token.value === 'primary') {
        this.index++;
        this.expectKeyword('key');
        if (column.primaryKey) this.fail(token, `column "${name.name}" is already a primary key`);
        column.primaryKey = true;
      } else if (token.value === 'default') {
        this.index++;
        if (column.defaultValue !== undefined) {
          this.fail(token, `multiple default values specified for column "${name.name}"`);
        }
        column.defaultValue = this.parseExpression();
      } else if (['unique', 'check', 'references', 'constraint', 'collate', 'generated'].includes(token.value)) {
        this.unsupported(token, `column constraint ${token.value.toUpperCase()} is not supported`);
      } else {
        break;
      }
    }
    return column;
  }

  private parseCreateIndex(start: Token): CreateIndexStatement {
    const ifNotExists = this.parseIfNotExists();
    const name = this.atKeyword('on') ? undefined : this.parseName('an index name');
    this.expectKeyword('on');
    const table = this.parseName('a table name');
    let method: string | undefined;
    if (this.acceptKeyword('using')) method = this.parseLabel('an index method').name.toLowerCase();
    this.expectOperator('(');
    const columns: IndexColumn[] = [];
    do {
      const column: IndexColumn = { column: this.parseName('a column name') };
      const operatorClass = this.peek();
      if (Parser.isName(operatorClass)) {
        this.index++;
        column.operatorClass = operatorClass.value.toLowerCase();
      }
      columns.push(column);
    } while (this.acceptOperator(','));
    this.expectOperator(')');
    const options: CreateIndexStatement['options'] = [];
    if (this.acceptKeyword('with')) {
      this.expectOperator('(');
      do {
        const key = this.parseLabel('an index option name');
        this.expectOperator('=');
        options.push({ key, value: this.parseExpression() });
      } while (this.acceptOperator(','));
      this.expectOperator(')');
    }
    const statement: CreateIndexStatement = {
      kind: 'create_index',
      ifNotExists,
      table,
      columns,
      options,
      pos: start.pos,
    };
    if (name !== undefined) statement.name = name;
    if (method !== undefined) statement.method = method;
    return statement;
  }

  private parseDrop(): DropTableStatement | DropIndexStatement {
    const start = this.expectKeyword('drop');
    if (this.acceptKeyword('table')) {
      const ifExists = this.parseIfExists();
      const names = [this.parseName('a table name')];
      while (this.acceptOperator(',')) names.push(this.parseName('a table name'));
      return { kind: 'drop_table', ifExists, names, pos: start.pos };
    }
    if (this.acceptKeyword('index')) {
      const ifExists = this.parseIfExists();
      return { kind: 'drop_index', ifExists, name: this.parseName('an index name'), pos: start.pos };
    }
    this.fail(this.peek(), 'expected TABLE or INDEX after DROP');
  }

  private parseInsert(): InsertStatement {
    const start = this.expectKeyword('insert');
    this.expectKeyword('into');
    const table = this.parseName('a table name');
    let columns: Identifier[] | undefined;
    if (this.atOperator('(') && !this.atKeyword('select', 1)) columns = this.parseNameList('a column name');
    let source: InsertStatement['source'];
    if (this.atKeyword('values')) {
      source = { kind: 'values', rows: this.parseValuesRows() };
    } else if (this.atKeyword('select')) {
      source = { kind: 'select', query: this.parseSelect() };
    } else if (this.atOperator('(') && this.atKeyword('select', 1)) {
      this.index++;
      source = { kind: 'select', query: this.parseSelect() };
      this.expectOperator(')');
    } else {
      const token = this.peek();
      if (Parser.isKeyword(token, 'default')) this.unsupported(token, 'INSERT … DEFAULT VALUES is not supported');
      this.fail(token, 'expected VALUES or SELECT');
    }
    const statement: InsertStatement = { kind: 'insert', table, source, pos: start.pos };
    if (columns !== undefined) statement.columns = columns;
    if (this.atKeyword('on')) statement.onConflict = this.parseOnConflict();
    const returning = this.parseReturning();
    if (returning !== undefined) statement.returning = returning;
    return statement;
  }

  private parseValuesRows(): Expression[][] {
    this.expectKeyword('values');
    const rows: Expression[][] = [];
    do {
      const open = this.expectOperator('(');
      const row = [this.parseExpression()];
      while (this.acceptOperator(',')) row.push(this.parseExpression());
      this.expectOperator(')');
      if (rows.length > 0 && row.length !== (rows[0] as Expression[]).length) {
        throw new SqlError('syntax_error', 'VALUES lists must all be the same length', {
          pos: open.pos,
          sql: this.sql,
        });
      }
      rows.push(row);
    } while (this.acceptOperator(','));
    return rows;
  }

  private parseOnConflict(): OnConflictClause {
    const start = this.expectKeyword('on');
    this.expectKeyword('conflict');
    const target = this.atOperator('(') ? this.parseNameList('a column name') : [];
    this.expectKeyword('do');
    if (this.acceptKeyword('nothing')) return { target, action: { kind: 'nothing' }, pos: start.pos };
    const update = this.expectKeyword('update');
    if (target.length === 0) {
      this.fail(update, 'ON CONFLICT DO UPDATE needs the conflict columns: ON CONFLICT (column, …)');
    }
    this.expectKeyword('set');
    const assignments = this.parseAssignments();
    const action: OnConflictClause['action'] = { kind: 'update', assignments };
    if (this.acceptKeyword('where')) action.where = this.parseExpression();
    return { target, action, pos: start.pos };
  }

  private parseAssignments(): Assignment[] {
    const assignments: Assignment[] = [];
    do {
      const column = this.parseName('a column name');
      this.expectOperator('=');
      assignments.push({ column, value: this.parseExpression() });
    } while (this.acceptOperator(','));
    return assignments;
  }

  private parseReturning(): SelectItem[] | undefined {
    if (!this.acceptKeyword('returning')) return undefined;
    return this.parseSelectItems();
  }

  private parseUpdate(): UpdateStatement {
    const start = this.expectKeyword('update');
    const table = this.parseName('a table name');
    const alias = this.parseOptionalAlias(false);
    this.expectKeyword('set');
    const statement: UpdateStatement = { kind: 'update', table, assignments: this.parseAssignments(), pos: start.pos };
    if (alias !== undefined) statement.alias = alias;
    if (this.atKeyword('from')) this.unsupported(this.peek(), 'UPDATE … FROM is not supported');
    if (this.acceptKeyword('where')) statement.where = this.parseExpression();
    const returning = this.parseReturning();
    if (returning !== undefined) statement.returning = returning;
    return statement;
  }

  private parseDelete(): DeleteStatement {
    const start = this.expectKeyword('delete');
    this.expectKeyword('from');
    const table = this.parseName('a table name');
    const alias = this.parseOptionalAlias(false);
    const statement: DeleteStatement = { kind: 'delete', table, pos: start.pos };
    if (alias !== undefined) statement.alias = alias;
    if (this.atKeyword('using')) this.unsupported(this.peek(), 'DELETE … USING is not supported');
    if (this.acceptKeyword('where')) statement.where = this.parseExpression();
    const returning = this.parseReturning();
    if (returning !== undefined) statement.returning = returning;
    return statement;
  }

  // ------------------------------------------------------------------ SELECT

  private parseSelect(): SelectStatement {
    const start = this.expectKeyword('select');
    this.enter(start);
    let distinct = false;
    if (this.acceptKeyword('distinct')) {
      distinct = true;
      if (this.atKeyword('on')) this.unsupported(this.peek(), 'SELECT DISTINCT ON is not supported');
    } else {
      this.acceptKeyword('all');
    }
    const query: SelectStatement = {
      kind: 'select',
      distinct,
      items: this.parseSelectItems(),
      from: [],
      groupBy: [],
      orderBy: [],
      pos: start.pos,
    };
    if (this.acceptKeyword('from')) {
      do query.from.push(this.parseFromItem());
      while (this.acceptOperator(','));
    }
    if (this.acceptKeyword('where')) query.where = this.parseExpression();
    if (this.atKeyword('group')) {
      this.index++;
      this.expectKeyword('by');
      do query.groupBy.push(this.parseExpression());
      while (this.acceptOperator(','));
    }
    if (this.acceptKeyword('having')) query.having = this.parseExpression();
    if (this.atKeyword('order')) {
      this.index++;
      this.expectKeyword('by');
      do query.orderBy.push(this.parseOrderItem());
      while (this.acceptOperator(','));
    }
    this.parseLimitAndOffset(query);
    const next = this.peek();
    if (next.type === 'identifier' && SET_OPERATIONS.has(next.value)) {
      this.unsupported(next, `${next.value.toUpperCase()} is not supported`);
    }
    this.leave();
    return query;
  }

  /** LIMIT n | LIMIT ALL, OFFSET n [ROW|ROWS], FETCH FIRST n ROWS ONLY: each once, in any order. */
  private parseLimitAndOffset(query: SelectStatement): void {
    let limitSeen = false;
    let offsetSeen = false;
    for (;;) {
      const token = this.peek();
      if (Parser.isKeyword(token, 'limit') || Parser.isKeyword(token, 'fetch')) {
        if (limitSeen) this.fail(token, 'LIMIT (or FETCH) given twice');
        limitSeen = true;
        this.index++;
        if (token.value === 'limit') {
          if (!this.acceptKeyword('all')) query.limit = this.parseExpression();
        } else {
          if (!this.acceptKeyword('first')) this.expectKeyword('next');
          const count = this.atKeyword('row') || this.atKeyword('rows') ? undefined : this.parseExpression();
          if (!this.acceptKeyword('rows')) this.expectKeyword('row');
          this.expectKeyword('only');
          query.limit = count ?? { kind: 'number', text: '1', isInteger: true, pos: token.pos };
        }
      } else if (Parser.isKeyword(token, 'offset')) {
        if (offsetSeen) this.fail(token, 'OFFSET given twice');
        offsetSeen = true;
        this.index++;
        query.offset = this.parseExpression();
        if (!this.acceptKeyword('rows')) this.acceptKeyword('row');
      } else {
        return;
      }
    }
  }

  private parseSelectItems(): SelectItem[] {
    const items = [this.parseSelectItem()];
    while (this.acceptOperator(',')) {
      const next = this.peek();
      if (next.type === 'end' || Parser.isOperator(next, ')') || Parser.isOperator(next, ';')) {
        this.fail(next, 'trailing comma at the end of the list');
      }
      if (next.type === 'identifier' && SELECT_LIST_ENDINGS.has(next.value)) {
        this.fail(next, `trailing comma before ${tokenText(this.sql, next)}`);
      }
      items.push(this.parseSelectItem());
    }
    return items;
  }

  private parseSelectItem(): SelectItem {
    const token = this.peek();
    if (Parser.isOperator(token, '*')) {
      this.index++;
      return { kind: 'star', pos: token.pos };
    }
    if (Parser.isName(token) && this.atOperator('.', 1) && this.atOperator('*', 2)) {
      this.index += 3;
      return { kind: 'star', table: Parser.toIdentifier(token), pos: token.pos };
    }
    if (token.type === 'end' || (token.type === 'identifier' && SELECT_LIST_ENDINGS.has(token.value))) {
      this.fail(token, 'expected a column or expression');
    }
    const expression = this.parseExpression();
    const item: SelectItem = { kind: 'expression', expression, pos: token.pos };
    const alias = this.parseOptionalAlias(true);
    if (alias !== undefined) item.alias = alias;
    return item;
  }

  private parseOrderItem(): OrderItem {
    const start = this.peek();
    const expression = this.parseExpression();
    let direction: OrderItem['direction'] = 'asc';
    if (this.acceptKeyword('desc')) direction = 'desc';
    else this.acceptKeyword('asc');
    const item: OrderItem = { expression, direction, pos: start.pos };
    if (this.acceptKeyword('nulls')) {
      if (this.acceptKeyword('first')) item.nulls = 'first';
      else if (this.acceptKeyword('last')) item.nulls = 'last';
      else this.fail(this.peek(), 'expected FIRST or LAST after NULLS');
    }
    return item;
  }

  /** One comma-separated FROM entry: a table, subquery or parenthesised join tree, then joins (left-associative). */
  private parseFromItem(): FromItem {
    const start = this.peek();
    this.enter(start);
    let left = this.parseFromPrimary();
    for (;;) {
      const token = this.peek();
      let joinType: 'inner' | 'left' | 'cross';
      if (token.type !== 'identifier') break;
      if (token.value === 'join') {
        joinType = 'inner';
        this.index++;
      } else if (token.value === 'inner') {
        joinType = 'inner';
        this.index++;
        this.expectKeyword('join');
      } else if (token.value === 'left') {
        joinType = 'left';
        this.index++;
        this.acceptKeyword('outer');
        this.expectKeyword('join');
      } else if (token.value === 'cross') {
        joinType = 'cross';
        this.index++;
        this.expectKeyword('join');
      } else if (token.value === 'right' || token.value === 'full' || token.value === 'natural') {
        this.unsupported(token, `${token.value.toUpperCase()} JOIN is not supported`);
      } else {
        break;
      }
      const right = this.parseFromPrimary();
      const join: FromItem = { kind: 'join', joinType, left, right, pos: left.pos };
      if (joinType !== 'cross') {
        const on = this.peek();
        if (Parser.isKeyword(on, 'using')) this.unsupported(on, 'JOIN … USING is not supported; write JOIN … ON');
        this.expectKeyword('on');
        join.on = this.parseExpression();
      }
      left = join;
    }
    this.leave();
    return left;
  }

  private parseFromPrimary(): FromItem {
    const token = this.peek();
    if (Parser.isOperator(token, '(')) {
      this.index++;
      if (this.atKeyword('select')) {
        const query = this.parseSelect();
        this.expectOperator(')');
        const alias = this.parseOptionalAlias(false);
        if (alias === undefined) this.fail(this.peek(), 'a subquery in FROM must have an alias');
        return { kind: 'subquery', query, alias, pos: token.pos };
      }
      const inner = this.parseFromItem();
      this.expectOperator(')');
      return inner;
    }
    if (Parser.isKeyword(token, 'lateral')) this.unsupported(token, 'LATERAL is not supported');
    const name = this.parseName('a table name');
    if (this.atOperator('.')) this.unsupported(this.peek(), 'schema-qualified table names are not supported');
    const table: FromItem = { kind: 'table', name, pos: token.pos };
    const alias = this.parseOptionalAlias(false);
    if (alias !== undefined) table.alias = alias;
    return table;
  }

  // ------------------------------------------------------------------ types

  /**
   * A type name, normalised to TypeKeyword. `vector` without a dimension is accepted only in
   * casts (`'[1,2]'::vector`), where the binder takes the dimension from the value.
   */
  private parseType(dimensionlessVectorAllowed: boolean): TypeName {
    const token = this.peek();
    if (token.type !== 'identifier') this.fail(token, 'expected a type name');
    this.index++;
    let name: TypeKeyword;
    let dimension: number | undefined;
    switch (token.value) {
      case 'int':
      case 'integer':
      case 'int4':
      case 'smallint':
      case 'int2':
        name = 'INT';
        break;
      case 'bigint':
      case 'int8':
        name = 'BIGINT';
        break;
      case 'real':
      case 'float4':
        name = 'REAL';
        break;
      case 'float': {
        name = 'DOUBLE';
        if (this.atOperator('(')) {
          const [bits, bitsToken] = this.parseTypeModifier();
          if (bits < 1) this.fail(bitsToken, 'precision for type float must be at least 1 bit');
          if (bits > 53) this.fail(bitsToken, 'precision for type float must be less than 54 bits');
          // Postgres: float(1)…float(24) is real, float(25)…float(53) double precision.
          if (bits <= 24) name = 'REAL';
        }
        break;
      }
      case 'float8':
        name = 'DOUBLE';
        break;
      case 'double':
        this.expectKeyword('precision');
        name = 'DOUBLE';
        break;
      case 'boolean':
      case 'bool':
        name = 'BOOLEAN';
        break;
      case 'text':
        name = 'TEXT';
        break;
      case 'varchar':
        name = 'TEXT';
        if (this.atOperator('(')) this.parseTypeModifier();
        break;
      case 'char':
      case 'character':
        name = 'TEXT';
        this.acceptKeyword('varying');
        if (this.atOperator('(')) this.parseTypeModifier();
        break;
      case 'jsonb':
      case 'json':
        name = 'JSONB';
        break;
      case 'vector': {
        name = 'VECTOR';
        if (!this.atOperator('(')) {
          if (dimensionlessVectorAllowed) break;
          this.fail(this.peek(), 'VECTOR needs a dimension: VECTOR(n)');
        }
        const [size, sizeToken] = this.parseTypeModifier();
        if (size < 1 || size > MAX_VECTOR_DIMENSION) {
          this.fail(sizeToken, `vector dimension must be between 1 and ${MAX_VECTOR_DIMENSION}`);
        }
        dimension = size;
        break;
      }
      case 'timestamp':
      case 'timestamptz': {
        name = 'TIMESTAMP';
        if (this.atOperator('(')) {
          const [precision, precisionToken] = this.parseTypeModifier();
          if (precision > 6) this.fail(precisionToken, 'TIMESTAMP precision must be between 0 and 6');
        }
        if (token.value === 'timestamp' && (this.atKeyword('with') || this.atKeyword('without'))) {
          // `with` is also the start of CREATE INDEX options, but never right after a type.
          this.index++;
          this.expectKeyword('time');
          this.expectKeyword('zone');
        }
        break;
      }
      default:
        if (UNSUPPORTED_TYPES.has(token.value)) {
          this.unsupported(token, `type "${token.value}" is not supported`);
        }
        this.failWith('undefined_object', token, `type "${token.value}" does not exist`);
    }
    if (this.atOperator('[')) this.unsupported(this.peek(), 'array types are not supported');
    const type: TypeName = { name, pos: token.pos };
    if (dimension !== undefined) type.dimension = dimension;
    return type;
  }

  /** `( integer )` after a type name. */
  private parseTypeModifier(): [number, Token] {
    this.expectOperator('(');
    const token = this.peek();
    if (token.type !== 'number' || !/^\d+$/.test(token.value)) this.fail(token, 'expected an integer type modifier');
    this.index++;
    this.expectOperator(')');
    return [Number(token.value), token];
  }

  // ------------------------------------------------------------------ expressions

  /**
   * An expression whose operators all bind tighter than `minPrecedence` (precedence climbing).
   * Operators of one precedence are left-associative, except the non-associative levels
   * (IS, comparison, BETWEEN/IN/LIKE), where `a = b = c` is an error as in Postgres.
   */
  parseExpression(minPrecedence = 0): Expression {
    const start = this.peek();
    this.enter(start);
    let left = this.parsePrefix();
    let previousPrecedence = 0;
    for (;;) {
      const token = this.peek();
      const precedence = this.infixPrecedence(token);
      if (precedence <= minPrecedence) break;
      if (
        precedence === previousPrecedence &&
        (precedence === PRECEDENCE_IS || precedence === PRECEDENCE_COMPARISON || precedence === PRECEDENCE_PATTERN)
      ) {
        this.fail(token, 'the operator is not associative: add parentheses');
      }
      previousPrecedence = precedence;
      left = this.parseInfix(left, token, precedence);
    }
    this.leave();
    return left;
  }

  /** How tightly `token` binds as an infix or postfix operator; 0 when it is none. */
  private infixPrecedence(token: Token): number {
    if (token.type === 'operator') {
      if (token.value === '::') return PRECEDENCE_CAST;
      return BINARY_OPERATOR_PRECEDENCE.get(token.value) ?? 0;
    }
    if (token.type !== 'identifier') return 0;
    switch (token.value) {
      case 'or':
        return PRECEDENCE_OR;
      case 'and':
        return PRECEDENCE_AND;
      case 'is':
      case 'isnull':
      case 'notnull':
        return PRECEDENCE_IS;
      case 'between':
      case 'in':
      case 'like':
      case 'ilike':
        return PRECEDENCE_PATTERN;
      case 'not': {
        const next = this.peek(1);
        return next.type === 'identifier' && NEGATABLE_PATTERN_KEYWORDS.has(next.value)
          ? PRECEDENCE_PATTERN
          : 0;
      }
      default:
        return 0;
    }
  }

  private parseInfix(left: Expression, token: Token, precedence: number): Expression {
    this.index++;
    const pos = left.pos;
    if (token.type === 'operator') {
      if (token.value === '::') return { kind: 'cast', operand: left, type: this.parseType(true), pos };
      const right = this.parseExpression(precedence);
      return { kind: 'binary', operator: token.value as BinaryOperator, left, right, pos };
    }
    switch (token.value) {
      case 'or':
      case 'and': {
        const right = this.parseExpression(precedence);
        return { kind: 'binary', operator: token.value === 'or' ? 'OR' : 'AND', left, right, pos };
      }
      case 'isnull':
        return { kind: 'is_null', operand: left, negated: false, pos };
      case 'notnull':
        return { kind: 'is_null', operand: left, negated: true, pos };
      case 'is': {
        const negated = this.acceptKeyword('not');
        const what = this.advance();
        if (Parser.isKeyword(what, 'null')) return { kind: 'is_null', operand: left, negated, pos };
        if (Parser.isKeyword(what, 'true') || Parser.isKeyword(what, 'false')) {
          return { kind: 'is_boolean', operand: left, value: what.value === 'true', negated, pos };
        }
        if (Parser.isKeyword(what, 'distinct') || Parser.isKeyword(what, 'unknown')) {
          this.unsupported(what, `IS ${negated ? 'NOT ' : ''}${what.value.toUpperCase()} is not supported`);
        }
        this.fail(what, 'expected NULL, TRUE or FALSE after IS');
      }
    }
    // [NOT] BETWEEN / IN / LIKE / ILIKE
    const negated = token.value === 'not';
    const keyword = negated ? this.advance() : token;
    switch (keyword.value) {
      case 'between': {
        if (this.atKeyword('symmetric') || this.atKeyword('asymmetric')) {
          this.unsupported(this.peek(), 'BETWEEN SYMMETRIC is not supported');
        }
        const low = this.parseExpression(PRECEDENCE_PATTERN);
        this.expectKeyword('and');
        const high = this.parseExpression(PRECEDENCE_PATTERN);
        return { kind: 'between', operand: left, low, high, negated, pos };
      }
      case 'in': {
        this.expectOperator('(');
        if (this.atKeyword('select')) {
          const query = this.parseSelect();
          this.expectOperator(')');
          return { kind: 'in_subquery', operand: left, query, negated, pos };
        }
        const list = [this.parseExpression()];
        while (this.acceptOperator(',')) list.push(this.parseExpression());
        this.expectOperator(')');
        return { kind: 'in_list', operand: left, list, negated, pos };
      }
      default: {
        // like / ilike
        const pattern = this.parseExpression(PRECEDENCE_PATTERN);
        const like: Expression = {
          kind: 'like',
          operand: left,
          pattern,
          caseInsensitive: keyword.value === 'ilike',
          negated,
          pos,
        };
        if (this.acceptKeyword('escape')) like.escape = this.parseExpression(PRECEDENCE_PATTERN);
        return like;
      }
    }
  }

  /** Prefix operators (NOT, unary + and -) bind their operand at their own precedence, then a primary. */
  private parsePrefix(): Expression {
    const token = this.peek();
    if (token.type === 'operator' && (token.value === '-' || token.value === '+')) {
      this.index++;
      const operand = this.parseExpression(PRECEDENCE_UNARY);
      if (token.value === '-' && operand.kind === 'number' && !operand.text.startsWith('-')) {
        return { kind: 'number', text: `-${operand.text}`, isInteger: operand.isInteger, pos: token.pos };
      }
      return { kind: 'unary', operator: token.value, operand, pos: token.pos };
    }
    if (Parser.isKeyword(token, 'not')) {
      this.index++;
      const operand = this.parseExpression(PRECEDENCE_NOT);
      if (operand.kind === 'exists' && !operand.negated) return { ...operand, negated: true, pos: token.pos };
      return { kind: 'unary', operator: 'NOT', operand, pos: token.pos };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expression {
    const token = this.peek();
    switch (token.type) {
      case 'number':
        this.index++;
        return { kind: 'number', text: token.value, isInteger: isIntegerLiteral(token.value), pos: token.pos };
      case 'string':
        this.index++;
        return { kind: 'string', value: token.value, pos: token.pos };
      case 'parameter': {
        this.index++;
        const index = this.parameters.slotFor(token);
        if (token.parameterStyle === 'named') return { kind: 'parameter', index, name: token.value, pos: token.pos };
        return { kind: 'parameter', index, pos: token.pos };
      }
      case 'operator':
        if (token.value === '(') return this.parseParenthesised();
        return this.fail(token);
      case 'quoted_identifier':
        return this.parseNameExpression();
      case 'identifier':
        return this.parseKeywordOrName(token);
      case 'end':
        return this.fail(token);
    }
  }

  /** `( expression )` or a scalar subquery `( SELECT … )`. */
  private parseParenthesised(): Expression {
    const open = this.advance();
    if (this.atKeyword('select')) {
      const query = this.parseSelect();
      this.expectOperator(')');
      return { kind: 'subquery', query, pos: open.pos };
    }
    const inner = this.parseExpression();
    if (this.atOperator(',')) this.unsupported(this.peek(), 'row constructors like (a, b) are not supported');
    this.expectOperator(')');
    return inner;
  }

  private parseKeywordOrName(token: Token): Expression {
    switch (token.value) {
      case 'default':
        return this.unsupported(token, 'DEFAULT in VALUES is not supported yet; leave the column out of the column list instead');
      case 'any':
      case 'some':
      case 'all':
        if (this.tokens[this.index + 1]?.type === 'operator' && this.tokens[this.index + 1]?.value === '(') {
          return this.unsupported(token, `${token.value.toUpperCase()} (…) is not supported yet; use IN (…)`);
        }
        break;
      case 'true':
      case 'false':
        this.index++;
        return { kind: 'boolean', value: token.value === 'true', pos: token.pos };
      case 'null':
        this.index++;
        return { kind: 'null', pos: token.pos };
      case 'case':
        return this.parseCase();
      case 'cast': {
        this.index++;
        this.expectOperator('(');
        const operand = this.parseExpression();
        this.expectKeyword('as');
        const type = this.parseType(true);
        this.expectOperator(')');
        return { kind: 'cast', operand, type, pos: token.pos };
      }
      case 'exists': {
        this.index++;
        this.expectOperator('(');
        const query = this.parseSelect();
        this.expectOperator(')');
        return { kind: 'exists', query, negated: false, pos: token.pos };
      }
      case 'array': {
        this.index++;
        this.expectOperator('[');
        const elements: Expression[] = [];
        if (!this.atOperator(']')) {
          do elements.push(this.parseExpression());
          while (this.acceptOperator(','));
        }
        this.expectOperator(']');
        return { kind: 'array', elements, pos: token.pos };
      }
      case 'current_timestamp':
        this.index++;
        return { kind: 'function', name: 'now', args: [], distinct: false, star: false, pos: token.pos };
      case 'current_date':
      case 'current_time':
        this.index++;
        return { kind: 'function', name: token.value, args: [], distinct: false, star: false, pos: token.pos };
      case 'left':
      case 'right':
        // Reserved, yet also the names of string functions.
        if (this.atOperator('(', 1)) return this.parseFunctionCall(token);
        break;
    }
    if (TYPED_LITERAL_PREFIXES.has(token.value) && this.peek(1).type === 'string') {
      const type = this.parseType(true);
      const literal = this.advance();
      const operand: Expression = { kind: 'string', value: literal.value, pos: literal.pos };
      return { kind: 'cast', operand, type, pos: token.pos };
    }
    if (RESERVED_KEYWORDS.has(token.value)) this.fail(token);
    return this.parseNameExpression();
  }

  /** A column `c`, a qualified column `t.c`, or a function call `f(…)`. */
  private parseNameExpression(): Expression {
    const token = this.advance();
    if (this.atOperator('(')) {
      this.index--;
      return this.parseFunctionCall(token);
    }
    if (this.acceptOperator('.')) {
      if (this.atOperator('*')) {
        this.fail(this.peek(), `${tokenText(this.sql, token)}.* is allowed only as a select list item`);
      }
      const name = this.parseLabel('a column name');
      if (this.atOperator('.')) this.unsupported(this.peek(), 'names with more than one qualifier are not supported');
      if (this.atOperator('(')) this.unsupported(this.peek(), 'schema-qualified function names are not supported');
      return { kind: 'column', table: Parser.toIdentifier(token), name, pos: token.pos };
    }
    return { kind: 'column', name: Parser.toIdentifier(token), pos: token.pos };
  }

  /** `name(args)`, `count(*)`, `f(DISTINCT x)`; unquoted names are lower-cased. */
  private parseFunctionCall(nameToken: Token): Expression {
    this.index++;
    this.expectOperator('(');
    const call: Expression = {
      kind: 'function',
      name: nameToken.value,
      args: [],
      distinct: false,
      star: false,
      pos: nameToken.pos,
    };
    if (this.acceptOperator('*')) {
      call.star = true;
    } else if (!this.atOperator(')')) {
      if (this.acceptKeyword('distinct')) call.distinct = true;
      else this.acceptKeyword('all');
      do call.args.push(this.parseExpression());
      while (this.acceptOperator(','));
      if (this.atKeyword('order')) this.unsupported(this.peek(), 'ORDER BY inside an aggregate is not supported');
    }
    this.expectOperator(')');
    const after = this.peek();
    if (Parser.isKeyword(after, 'over')) this.unsupported(after, 'window functions (OVER) are not supported');
    if (Parser.isKeyword(after, 'filter') && this.atOperator('(', 1)) {
      this.unsupported(after, 'aggregate FILTER is not supported');
    }
    return call;
  }

  private parseCase(): Expression {
    const start = this.expectKeyword('case');
    const expression: Expression = { kind: 'case', whens: [], pos: start.pos };
    if (!this.atKeyword('when')) expression.operand = this.parseExpression();
    if (!this.atKeyword('when')) this.fail(this.peek(), 'CASE needs at least one WHEN');
    while (this.acceptKeyword('when')) {
      const when = this.parseExpression();
      this.expectKeyword('then');
      expression.whens.push({ when, then: this.parseExpression() });
    }
    if (this.acceptKeyword('else')) expression.otherwise = this.parseExpression();
    this.expectKeyword('end');
    return expression;
  }
}

function isIntegerLiteral(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return false;
  }
  return true;
}

/**
 * Parses exactly one SQL statement, optionally followed by `;`. Throws SqlError (code
 * 'syntax_error', or 'feature_not_supported' for recognised Postgres syntax replaydb lacks)
 * with the line and column of the offending token.
 */
export function parse(sql: string): ParsedStatement {
  const parser = new Parser(sql, tokenize(sql));
  try {
    return parser.parseSingleStatement();
  } catch (error) {
    // MAX_NESTING_DEPTH keeps the default stack safe; a caller already deep in its own stack
    // can still run out first, and that too is the statement's fault, not an internal error.
    if (error instanceof RangeError) {
      throw new SqlError('syntax_error', 'statement is nested too deeply', {
        pos: parser.position(),
        sql,
        cause: error,
      });
    }
    throw error;
  }
}
