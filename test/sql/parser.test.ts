/**
 * Tests for the SQL lexer and parser: the statements replaydb's users write (the seed
 * statements below come from the trajectory-logging workload) parse into the expected AST,
 * operators bind with Postgres' precedence, the four parameter styles are numbered correctly
 * and never found inside literals or comments, and errors carry the line and column of the
 * offending token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { Expression, ParsedStatement, SelectStatement, Statement } from '../../src/sql/ast.js';
import { tokenize } from '../../src/sql/lexer.js';
import { parse } from '../../src/sql/parser.js';
import { SqlError } from '../../src/sql/sql_error.js';

// ---------------------------------------------------------------- helpers

/** A copy of an AST without its `pos` fields, for comparing shapes. */
function withoutPositions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutPositions);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (key !== 'pos') copy[key] = withoutPositions(field);
    }
    return copy;
  }
  return value;
}

function shapeOf(sql: string): unknown {
  return withoutPositions(parse(sql).statement);
}

function select(sql: string): SelectStatement {
  const statement = parse(sql).statement;
  assert.equal(statement.kind, 'select');
  return statement as SelectStatement;
}

/** The expression of the first select item of `SELECT <expression>`. */
function expressionOf(expression: string): unknown {
  const item = select(`SELECT ${expression}`).items[0];
  assert.ok(item !== undefined && item.kind === 'expression');
  return withoutPositions(item.expression);
}

/** Runs `parse(sql)`, expecting a SqlError; returns it. */
function parseError(sql: string): SqlError {
  try {
    parse(sql);
  } catch (error) {
    assert.ok(error instanceof SqlError, `expected a SqlError, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(sql)} to fail`);
}

function assertErrorAt(sql: string, line: number, column: number, message?: RegExp): SqlError {
  const error = parseError(sql);
  assert.equal(error.code, 'syntax_error', error.message);
  assert.deepEqual({ line: error.line, column: error.column }, { line, column }, error.toString());
  if (message) assert.match(error.message, message);
  return error;
}

// Builders for expected shapes.
const id = (name: string, quoted = false) => ({ name, quoted });
const column = (name: string, table?: string) =>
  table === undefined ? { kind: 'column', name: id(name) } : { kind: 'column', table: id(table), name: id(name) };
const number = (text: string) => ({ kind: 'number', text, isInteger: /^-?\d+$/.test(text) });
const string = (value: string) => ({ kind: 'string', value });
const boolean = (value: boolean) => ({ kind: 'boolean', value });
const binary = (operator: string, left: unknown, right: unknown) => ({ kind: 'binary', operator, left, right });
const parameter = (index: number, name?: string) =>
  name === undefined ? { kind: 'parameter', index } : { kind: 'parameter', index, name };
const cast = (operand: unknown, name: string, dimension?: number) => ({
  kind: 'cast',
  operand,
  type: dimension === undefined ? { name } : { name, dimension },
});
const unary = (operator: string, operand: unknown) => ({ kind: 'unary', operator, operand });
const call = (name: string, ...args: unknown[]) => ({ kind: 'function', name, args, distinct: false, star: false });
const item = (expression: unknown, alias?: string) =>
  alias === undefined ? { kind: 'expression', expression } : { kind: 'expression', expression, alias: id(alias) };
const columnDefinition = (name: string, type: unknown, extra: Record<string, unknown> = {}) => ({
  name: id(name),
  type,
  notNull: false,
  primaryKey: false,
  ...extra,
});

// ---------------------------------------------------------------- seed statements

const CREATE_TRAJECTORIES =
  'CREATE TABLE IF NOT EXISTS trajectories (trajectory_id TEXT, step INT, role TEXT, content TEXT, tool_call JSONB, tool_result JSONB, embedding VECTOR(1536), created_at TIMESTAMP DEFAULT NOW())';
const CREATE_OUTCOMES =
  'CREATE TABLE IF NOT EXISTS trajectory_outcomes (trajectory_id TEXT PRIMARY KEY, task_type TEXT, success BOOLEAN, reward_score FLOAT, total_steps INT, total_tokens INT, model_version TEXT, metadata JSONB, completed_at TIMESTAMP DEFAULT NOW())';
const INSERT_STEP =
  'INSERT INTO trajectories (trajectory_id, step, role, content, tool_call, tool_result, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s)';
const SELECT_GOOD_TRAJECTORIES = `SELECT t.trajectory_id, t.step, t.role, t.content, t.tool_call, t.tool_result
FROM trajectories t
JOIN trajectory_outcomes o ON t.trajectory_id = o.trajectory_id
WHERE o.success = true
AND o.reward_score > 0.85
AND o.task_type = 'code_generation'
AND o.total_steps < 20 -- prefer efficient trajectories
ORDER BY t.trajectory_id, t.step;`;
const SELECT_SIMILAR = `SELECT o.trajectory_id, o.reward_score, o.total_steps,
cosine_similarity(t.embedding, :task_embedding) AS relevance
FROM trajectory_outcomes o
JOIN trajectories t ON o.trajectory_id = t.trajectory_id AND t.step = 0
WHERE o.success = true
ORDER BY relevance DESC
LIMIT 50;`;

test('seed: CREATE TABLE trajectories', () => {
  assert.deepEqual(shapeOf(CREATE_TRAJECTORIES), {
    kind: 'create_table',
    ifNotExists: true,
    name: id('trajectories'),
    columns: [
      columnDefinition('trajectory_id', { name: 'TEXT' }),
      columnDefinition('step', { name: 'INT' }),
      columnDefinition('role', { name: 'TEXT' }),
      columnDefinition('content', { name: 'TEXT' }),
      columnDefinition('tool_call', { name: 'JSONB' }),
      columnDefinition('tool_result', { name: 'JSONB' }),
      columnDefinition('embedding', { name: 'VECTOR', dimension: 1536 }),
      columnDefinition('created_at', { name: 'TIMESTAMP' }, { defaultValue: call('now') }),
    ],
  });
});

test('seed: CREATE TABLE trajectory_outcomes', () => {
  assert.deepEqual(shapeOf(CREATE_OUTCOMES), {
    kind: 'create_table',
    ifNotExists: true,
    name: id('trajectory_outcomes'),
    columns: [
      columnDefinition('trajectory_id', { name: 'TEXT' }, { primaryKey: true }),
      columnDefinition('task_type', { name: 'TEXT' }),
      columnDefinition('success', { name: 'BOOLEAN' }),
      columnDefinition('reward_score', { name: 'DOUBLE' }),
      columnDefinition('total_steps', { name: 'INT' }),
      columnDefinition('total_tokens', { name: 'INT' }),
      columnDefinition('model_version', { name: 'TEXT' }),
      columnDefinition('metadata', { name: 'JSONB' }),
      columnDefinition('completed_at', { name: 'TIMESTAMP' }, { defaultValue: call('now') }),
    ],
  });
});

test('seed: INSERT with %s parameters', () => {
  const parsed = parse(INSERT_STEP);
  const names = ['trajectory_id', 'step', 'role', 'content', 'tool_call', 'tool_result', 'embedding'];
  assert.deepEqual(withoutPositions(parsed.statement), {
    kind: 'insert',
    table: id('trajectories'),
    columns: names.map((name) => id(name)),
    source: { kind: 'values', rows: [names.map((_, index) => ({ kind: 'parameter', index }))] },
  });
  assert.equal(parsed.parameters.style, 'format');
  assert.equal(parsed.parameters.count, 7);
  assert.deepEqual(parsed.parameters.names, []);
  assert.deepEqual(
    parsed.parameters.positions.map((pos) => pos.column),
    [...INSERT_STEP.matchAll(/%s/g)].map((match) => (match.index ?? 0) + 1),
  );
});

test('seed: SELECT with JOIN, WHERE chain, comment and ORDER BY', () => {
  const where = binary(
    'AND',
    binary(
      'AND',
      binary('AND', binary('=', column('success', 'o'), boolean(true)), binary('>', column('reward_score', 'o'), number('0.85'))),
      binary('=', column('task_type', 'o'), string('code_generation')),
    ),
    binary('<', column('total_steps', 'o'), number('20')),
  );
  const parsed = parse(SELECT_GOOD_TRAJECTORIES);
  assert.deepEqual(withoutPositions(parsed.statement), {
    kind: 'select',
    distinct: false,
    items: ['trajectory_id', 'step', 'role', 'content', 'tool_call', 'tool_result'].map((name) => item(column(name, 't'))),
    from: [
      {
        kind: 'join',
        joinType: 'inner',
        left: { kind: 'table', name: id('trajectories'), alias: id('t') },
        right: { kind: 'table', name: id('trajectory_outcomes'), alias: id('o') },
        on: binary('=', column('trajectory_id', 't'), column('trajectory_id', 'o')),
      },
    ],
    where,
    groupBy: [],
    orderBy: [
      { expression: column('trajectory_id', 't'), direction: 'asc' },
      { expression: column('step', 't'), direction: 'asc' },
    ],
  });
  assert.deepEqual(parsed.parameters, { count: 0, names: [], positions: [] });
});

test('seed: vector similarity SELECT with a named parameter', () => {
  const parsed = parse(SELECT_SIMILAR);
  assert.deepEqual(withoutPositions(parsed.statement), {
    kind: 'select',
    distinct: false,
    items: [
      item(column('trajectory_id', 'o')),
      item(column('reward_score', 'o')),
      item(column('total_steps', 'o')),
      item(call('cosine_similarity', column('embedding', 't'), parameter(0, 'task_embedding')), 'relevance'),
    ],
    from: [
      {
        kind: 'join',
        joinType: 'inner',
        left: { kind: 'table', name: id('trajectory_outcomes'), alias: id('o') },
        right: { kind: 'table', name: id('trajectories'), alias: id('t') },
        on: binary(
          'AND',
          binary('=', column('trajectory_id', 'o'), column('trajectory_id', 't')),
          binary('=', column('step', 't'), number('0')),
        ),
      },
    ],
    where: binary('=', column('success', 'o'), boolean(true)),
    groupBy: [],
    orderBy: [{ expression: column('relevance'), direction: 'desc' }],
    limit: number('50'),
  });
  assert.equal(parsed.parameters.style, 'named');
  assert.deepEqual(parsed.parameters.names, ['task_embedding']);
  assert.deepEqual(parsed.parameters.positions, [{ offset: SELECT_SIMILAR.indexOf(':task'), line: 2, column: 32 }]);
});

test('the workload column names are identifiers everywhere', () => {
  const names = [
    'trajectory_id', 'step', 'role', 'content', 'tool_call', 'tool_result', 'embedding', 'created_at', 'task_type',
    'success', 'reward_score', 'total_steps', 'total_tokens', 'model_version', 'metadata', 'completed_at',
    'first', 'last', 'key', 'value', 'type', 'index', 'name', 'data', 'text', 'nulls', 'set', 'values',
  ];
  const list = names.join(', ');
  assert.deepEqual(
    select(`SELECT ${list} FROM t WHERE ${names.map((n) => `${n} IS NOT NULL`).join(' AND ')} GROUP BY ${list} ORDER BY ${list}`).items,
    select(`SELECT ${list} FROM t`).items,
  );
  for (const name of names.slice(0, 22)) {
    assert.deepEqual(withoutPositions(select(`SELECT x ${name}`).items[0]), item(column('x'), name));
    assert.equal(select(`SELECT x ${name} FROM t ${name}`).from[0]?.kind, 'table');
    assert.doesNotThrow(() => parse(`CREATE TABLE ${name} (${name} TEXT)`));
    assert.doesNotThrow(() => parse(`UPDATE t SET ${name} = 1 WHERE ${name} = 2`));
    assert.doesNotThrow(() => parse(`INSERT INTO t (${name}) VALUES (1) ON CONFLICT (${name}) DO UPDATE SET ${name} = excluded.${name}`));
    assert.doesNotThrow(() => parse(`CREATE INDEX ${name} ON t (${name})`));
  }
});

// ---------------------------------------------------------------- statements

test('CREATE TABLE: type spellings are normalised', () => {
  const cases: [string, unknown][] = [
    ['INT', { name: 'INT' }], ['INTEGER', { name: 'INT' }], ['int4', { name: 'INT' }], ['SMALLINT', { name: 'INT' }],
    ['INT2', { name: 'INT' }], ['BIGINT', { name: 'BIGINT' }], ['INT8', { name: 'BIGINT' }], ['REAL', { name: 'REAL' }],
    ['FLOAT4', { name: 'REAL' }], ['FLOAT', { name: 'DOUBLE' }], ['FLOAT8', { name: 'DOUBLE' }],
    ['DOUBLE PRECISION', { name: 'DOUBLE' }], ['FLOAT(24)', { name: 'REAL' }], ['FLOAT(25)', { name: 'DOUBLE' }],
    ['BOOLEAN', { name: 'BOOLEAN' }], ['BOOL', { name: 'BOOLEAN' }], ['TEXT', { name: 'TEXT' }],
    ['VARCHAR', { name: 'TEXT' }], ['VARCHAR(20)', { name: 'TEXT' }], ['CHARACTER VARYING(20)', { name: 'TEXT' }],
    ['CHAR(3)', { name: 'TEXT' }], ['JSONB', { name: 'JSONB' }], ['JSON', { name: 'JSONB' }],
    ['VECTOR(3)', { name: 'VECTOR', dimension: 3 }], ['vector(16000)', { name: 'VECTOR', dimension: 16000 }],
    ['TIMESTAMP', { name: 'TIMESTAMP' }], ['TIMESTAMPTZ', { name: 'TIMESTAMP' }],
    ['TIMESTAMP WITH TIME ZONE', { name: 'TIMESTAMP' }], ['TIMESTAMP WITHOUT TIME ZONE', { name: 'TIMESTAMP' }],
    ['TIMESTAMP(3)', { name: 'TIMESTAMP' }],
  ];
  for (const [spelling, type] of cases) {
    const statement = parse(`CREATE TABLE t (c ${spelling} NOT NULL)`).statement;
    assert.equal(statement.kind, 'create_table');
    if (statement.kind !== 'create_table') continue;
    assert.deepEqual(withoutPositions(statement.columns[0]?.type), type, spelling);
    assert.equal(statement.columns[0]?.notNull, true, spelling);
  }
});

test('CREATE TABLE: constraints in any order, table-level primary key', () => {
  assert.deepEqual(shapeOf('CREATE TABLE t (a INT DEFAULT -1 NOT NULL, b TEXT NULL PRIMARY KEY, "C" BIGINT)'), {
    kind: 'create_table',
    ifNotExists: false,
    name: id('t'),
    columns: [
      columnDefinition('a', { name: 'INT' }, { notNull: true, defaultValue: number('-1') }),
      columnDefinition('b', { name: 'TEXT' }, { primaryKey: true }),
      { name: id('C', true), type: { name: 'BIGINT' }, notNull: false, primaryKey: false },
    ],
  });
  const statement = parse('CREATE TABLE t (a INT, b INT, PRIMARY KEY (a, b))').statement;
  assert.ok(statement.kind === 'create_table');
  assert.deepEqual(withoutPositions(statement.primaryKey), [id('a'), id('b')]);
});

test('CREATE TABLE: bad types and constraints', () => {
  assert.match(parseError('CREATE TABLE t (a WIDGET)').message, /type "widget" does not exist/);
  assert.equal(parseError('CREATE TABLE t (a WIDGET)').code, 'undefined_object');
  assert.equal(parseError('CREATE TABLE t (a NUMERIC)').code, 'feature_not_supported');
  assertErrorAt('CREATE TABLE t (a VECTOR)', 1, 25, /VECTOR needs a dimension/);
  assertErrorAt('CREATE TABLE t (a VECTOR(0))', 1, 26, /between 1 and 16000/);
  assertErrorAt('CREATE TABLE t (a VECTOR(16001))', 1, 26, /between 1 and 16000/);
  assertErrorAt('CREATE TABLE t (a VECTOR(2.5))', 1, 26);
  assertErrorAt('CREATE TABLE t (a INT NOT NULL NULL)', 1, 32, /conflicting/);
  const twoKeys = parseError('CREATE TABLE t (a INT PRIMARY KEY, PRIMARY KEY (a))');
  assert.equal(twoKeys.code, 'invalid_table_definition');
  assert.deepEqual({ line: twoKeys.line, column: twoKeys.column }, { line: 1, column: 36 });
  assert.match(twoKeys.message, /multiple primary keys/);
  assertErrorAt('CREATE TABLE t ()', 1, 17);
  assertErrorAt('CREATE TABLE select (a INT)', 1, 14, /reserved keyword/);
});

test('DROP TABLE, CREATE INDEX, DROP INDEX', () => {
  assert.deepEqual(shapeOf('DROP TABLE IF EXISTS a, b'), { kind: 'drop_table', ifExists: true, names: [id('a'), id('b')] });
  assert.deepEqual(shapeOf('DROP TABLE a'), { kind: 'drop_table', ifExists: false, names: [id('a')] });
  assert.deepEqual(shapeOf('DROP INDEX IF EXISTS idx'), { kind: 'drop_index', ifExists: true, name: id('idx') });
  assert.deepEqual(
    shapeOf('CREATE INDEX IF NOT EXISTS emb_idx ON trajectories USING HNSW (embedding Vector_Cosine_Ops) WITH (m = 16, ef_construction = 64)'),
    {
      kind: 'create_index',
      ifNotExists: true,
      name: id('emb_idx'),
      table: id('trajectories'),
      method: 'hnsw',
      columns: [{ column: id('embedding'), operatorClass: 'vector_cosine_ops' }],
      options: [
        { key: id('m'), value: number('16') },
        { key: id('ef_construction'), value: number('64') },
      ],
    },
  );
  assert.deepEqual(shapeOf('CREATE INDEX ON t (a, b)'), {
    kind: 'create_index',
    ifNotExists: false,
    table: id('t'),
    columns: [{ column: id('a') }, { column: id('b') }],
    options: [],
  });
});

test('INSERT: multi-row VALUES, SELECT source, ON CONFLICT, RETURNING', () => {
  assert.deepEqual(shapeOf("INSERT INTO t VALUES (1, 'a'), (-2.5, NULL)"), {
    kind: 'insert',
    table: id('t'),
    source: { kind: 'values', rows: [[number('1'), string('a')], [number('-2.5'), { kind: 'null' }]] },
  });
  assert.deepEqual(shapeOf('INSERT INTO t (a) SELECT b FROM u ON CONFLICT DO NOTHING'), {
    kind: 'insert',
    table: id('t'),
    columns: [id('a')],
    source: {
      kind: 'select',
      query: { kind: 'select', distinct: false, items: [item(column('b'))], from: [{ kind: 'table', name: id('u') }], groupBy: [], orderBy: [] },
    },
    onConflict: { target: [], action: { kind: 'nothing' } },
  });
  assert.deepEqual(
    shapeOf('INSERT INTO t (id, n) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET n = t.n + excluded.n WHERE t.n < 10 RETURNING *, n AS total'),
    {
      kind: 'insert',
      table: id('t'),
      columns: [id('id'), id('n')],
      source: { kind: 'values', rows: [[{ kind: 'parameter', index: 0 }, { kind: 'parameter', index: 1 }]] },
      onConflict: {
        target: [id('id')],
        action: {
          kind: 'update',
          assignments: [{ column: id('n'), value: binary('+', column('n', 't'), column('n', 'excluded')) }],
          where: binary('<', column('n', 't'), number('10')),
        },
      },
      returning: [{ kind: 'star' }, item(column('n'), 'total')],
    },
  );
  assertErrorAt('INSERT INTO t VALUES (1, 2), (3)', 1, 30, /same length/);
  assertErrorAt('INSERT INTO t VALUES (1) ON CONFLICT DO UPDATE SET a = 1', 1, 41, /conflict columns/);
});

test('UPDATE and DELETE with aliases, WHERE and RETURNING', () => {
  assert.deepEqual(shapeOf('UPDATE trajectory_outcomes AS o SET success = false, reward_score = reward_score * 0.5 WHERE o.task_type = ? RETURNING trajectory_id'), {
    kind: 'update',
    table: id('trajectory_outcomes'),
    alias: id('o'),
    assignments: [
      { column: id('success'), value: boolean(false) },
      { column: id('reward_score'), value: binary('*', column('reward_score'), number('0.5')) },
    ],
    where: binary('=', column('task_type', 'o'), { kind: 'parameter', index: 0 }),
    returning: [item(column('trajectory_id'))],
  });
  assert.deepEqual(shapeOf('UPDATE t SET a = 1'), { kind: 'update', table: id('t'), assignments: [{ column: id('a'), value: number('1') }] });
  assert.deepEqual(shapeOf('DELETE FROM t x WHERE x.a IS NULL RETURNING *'), {
    kind: 'delete',
    table: id('t'),
    alias: id('x'),
    where: { kind: 'is_null', operand: column('a', 'x'), negated: false },
    returning: [{ kind: 'star' }],
  });
  assert.deepEqual(shapeOf('DELETE FROM t'), { kind: 'delete', table: id('t') });
});

test('EXPLAIN [ANALYZE]', () => {
  const statement = parse('EXPLAIN ANALYZE SELECT 1').statement;
  assert.ok(statement.kind === 'explain');
  assert.equal(statement.analyze, true);
  assert.equal(statement.statement.kind, 'select');
  const plain = parse('explain delete from t').statement;
  assert.ok(plain.kind === 'explain' && !plain.analyze && plain.statement.kind === 'delete');
  assertErrorAt('EXPLAIN CREATE TABLE t (a INT)', 1, 9, /EXPLAIN takes/);
});

test('SELECT clauses: DISTINCT, stars, GROUP BY, HAVING, ORDER BY, LIMIT/OFFSET in either order', () => {
  const query = select(
    'SELECT DISTINCT t.*, *, count(*) n, count(DISTINCT role) AS roles FROM trajectories t GROUP BY t.task_type HAVING count(*) > 1 ' +
      'ORDER BY 1 DESC NULLS FIRST, n ASC, roles NULLS LAST OFFSET 10 ROWS LIMIT 5',
  );
  assert.equal(query.distinct, true);
  assert.deepEqual(withoutPositions(query.items), [
    { kind: 'star', table: id('t') },
    { kind: 'star' },
    item({ kind: 'function', name: 'count', args: [], distinct: false, star: true }, 'n'),
    item({ kind: 'function', name: 'count', args: [column('role')], distinct: true, star: false }, 'roles'),
  ]);
  assert.deepEqual(withoutPositions(query.groupBy), [column('task_type', 't')]);
  assert.deepEqual(withoutPositions(query.orderBy), [
    { expression: number('1'), direction: 'desc', nulls: 'first' },
    { expression: column('n'), direction: 'asc' },
    { expression: column('roles'), direction: 'asc', nulls: 'last' },
  ]);
  assert.deepEqual(withoutPositions(query.limit), number('5'));
  assert.deepEqual(withoutPositions(query.offset), number('10'));
  assert.equal(select('SELECT ALL a FROM t LIMIT ALL').limit, undefined);
  assert.deepEqual(withoutPositions(select('SELECT a FROM t FETCH FIRST 3 ROWS ONLY').limit), number('3'));
  assertErrorAt('SELECT a FROM t LIMIT 1 LIMIT 2', 1, 25, /twice/);
});

test('SELECT: aliases, keywords as labels after AS', () => {
  assert.deepEqual(withoutPositions(select('SELECT 1 AS from, 2 "Order", 3 total FROM t').items), [
    item(number('1'), 'from'),
    { kind: 'expression', expression: number('2'), alias: id('Order', true) },
    item(number('3'), 'total'),
  ]);
  assertErrorAt('SELECT 1 order FROM t', 1, 16, /expected BY/);
});

test('FROM: subqueries, comma lists, LEFT/CROSS joins, parenthesised join trees', () => {
  const query = select(
    'SELECT * FROM (SELECT a FROM u) AS s, (a JOIN b ON a.x = b.x) LEFT OUTER JOIN c ON true CROSS JOIN d INNER JOIN e ee ON ee.y = d.y',
  );
  assert.deepEqual(withoutPositions(query.from), [
    {
      kind: 'subquery',
      query: { kind: 'select', distinct: false, items: [item(column('a'))], from: [{ kind: 'table', name: id('u') }], groupBy: [], orderBy: [] },
      alias: id('s'),
    },
    {
      kind: 'join',
      joinType: 'inner',
      left: {
        kind: 'join',
        joinType: 'cross',
        left: {
          kind: 'join',
          joinType: 'left',
          left: {
            kind: 'join',
            joinType: 'inner',
            left: { kind: 'table', name: id('a') },
            right: { kind: 'table', name: id('b') },
            on: binary('=', column('x', 'a'), column('x', 'b')),
          },
          right: { kind: 'table', name: id('c') },
          on: boolean(true),
        },
        right: { kind: 'table', name: id('d') },
      },
      right: { kind: 'table', name: id('e'), alias: id('ee') },
      on: binary('=', column('y', 'ee'), column('y', 'd')),
    },
  ]);
  assertErrorAt('SELECT * FROM (SELECT 1)', 1, 25, /must have an alias/);
  assertErrorAt('SELECT * FROM a JOIN b WHERE true', 1, 24, /expected ON/);
});

// ---------------------------------------------------------------- expressions

test('precedence: arithmetic, comparison, AND/OR, NOT', () => {
  assert.deepEqual(
    expressionOf('1 + 2 * 3 - 4'),
    binary('-', binary('+', number('1'), binary('*', number('2'), number('3'))), number('4')),
  );
  assert.deepEqual(expressionOf('a OR b AND c'), binary('OR', column('a'), binary('AND', column('b'), column('c'))));
  assert.deepEqual(expressionOf('NOT a = b AND c'), binary('AND', unary('NOT', binary('=', column('a'), column('b'))), column('c')));
  assert.deepEqual(
    expressionOf('a + b < c * d'),
    binary('<', binary('+', column('a'), column('b')), binary('*', column('c'), column('d'))),
  );
  assert.deepEqual(expressionOf('10 % 3 / 2'), binary('/', binary('%', number('10'), number('3')), number('2')));
  assert.deepEqual(expressionOf('a != b'), binary('<>', column('a'), column('b')));
  // "Other" operators bind looser than + and tighter than comparisons.
  assert.deepEqual(
    expressionOf("a || b + 1 = 'x'"),
    binary('=', binary('||', column('a'), binary('+', column('b'), number('1'))), string('x')),
  );
  assert.deepEqual(
    expressionOf("doc -> 'a' ->> 'b' = 'c'"),
    binary('=', binary('->>', binary('->', column('doc'), string('a')), string('b')), string('c')),
  );
  assert.deepEqual(expressionOf('v <-> :q < 0.5'), binary('<', binary('<->', column('v'), parameter(0, 'q')), number('0.5')));
  assert.deepEqual(
    expressionOf("a #>> '{x}' @> b <=> c <#> d"),
    binary('<#>', binary('<=>', binary('@>', binary('#>>', column('a'), string('{x}')), column('b')), column('c')), column('d')),
  );
});

test('precedence: unary minus, casts, IS, BETWEEN, IN, LIKE', () => {
  assert.deepEqual(expressionOf('-a * b'), binary('*', unary('-', column('a')), column('b')));
  assert.deepEqual(expressionOf('-2::int'), unary('-', cast(number('2'), 'INT')));
  assert.deepEqual(expressionOf('-5 + +3'), binary('+', number('-5'), unary('+', number('3'))));
  assert.deepEqual(expressionOf('a::text::jsonb'), cast(cast(column('a'), 'TEXT'), 'JSONB'));
  assert.deepEqual(expressionOf('a = b IS NOT NULL'), { kind: 'is_null', operand: binary('=', column('a'), column('b')), negated: true });
  assert.deepEqual(expressionOf('a IS NOT TRUE OR b ISNULL OR c NOTNULL'), binary('OR', binary('OR',
    { kind: 'is_boolean', operand: column('a'), value: true, negated: true },
    { kind: 'is_null', operand: column('b'), negated: false }),
    { kind: 'is_null', operand: column('c'), negated: true }));
  assert.deepEqual(expressionOf('x BETWEEN 1 + 1 AND 5 AND y'), binary('AND', {
    kind: 'between', operand: column('x'), low: binary('+', number('1'), number('1')), high: number('5'), negated: false,
  }, column('y')));
  assert.deepEqual(
    expressionOf('x NOT IN (1, 2) = false'),
    binary('=', { kind: 'in_list', operand: column('x'), list: [number('1'), number('2')], negated: true }, boolean(false)),
  );
  assert.deepEqual(expressionOf("name NOT ILIKE 'a!%' ESCAPE '!'"), {
    kind: 'like', operand: column('name'), pattern: string('a!%'), caseInsensitive: true, negated: true, escape: string('!'),
  });
  assert.deepEqual(expressionOf("a || 'x' LIKE 'y%'"), {
    kind: 'like', operand: binary('||', column('a'), string('x')), pattern: string('y%'), caseInsensitive: false, negated: false,
  });
  assert.equal(parseError('SELECT a = b = c').column, 14);
  assert.equal(parseError('SELECT a < b > c').column, 14);
  assert.equal(parseError('SELECT a IS NULL IS NULL').column, 18);
});

test('primaries: literals, CASE, CAST, EXISTS, subqueries, ARRAY, functions', () => {
  assert.deepEqual(expressionOf("'it''s'"), string("it's"));
  assert.deepEqual(expressionOf("E'a\\nb\\'c'"), string("a\nb'c"));
  assert.deepEqual(expressionOf('$$ %s $1 $$'), string(' %s $1 '));
  assert.deepEqual(expressionOf('1.5e-3'), number('1.5e-3'));
  assert.deepEqual(expressionOf('.5'), { kind: 'number', text: '.5', isInteger: false });
  assert.deepEqual(expressionOf('1e5'), { kind: 'number', text: '1e5', isInteger: false });
  assert.deepEqual(expressionOf('NULL'), { kind: 'null' });
  assert.deepEqual(expressionOf('CASE WHEN a > 0 THEN 1 WHEN a < 0 THEN -1 ELSE 0 END'), {
    kind: 'case',
    whens: [
      { when: binary('>', column('a'), number('0')), then: number('1') },
      { when: binary('<', column('a'), number('0')), then: number('-1') },
    ],
    otherwise: number('0'),
  });
  assert.deepEqual(expressionOf("CASE role WHEN 'user' THEN 1 END"), {
    kind: 'case',
    operand: column('role'),
    whens: [{ when: string('user'), then: number('1') }],
  });
  assert.deepEqual(expressionOf('CAST(x AS DOUBLE PRECISION)'), cast(column('x'), 'DOUBLE'));
  assert.deepEqual(expressionOf("'[1,2,3]'::vector(3)"), cast(string('[1,2,3]'), 'VECTOR', 3));
  assert.deepEqual(expressionOf("'[1,2,3]'::vector"), cast(string('[1,2,3]'), 'VECTOR'));
  assert.deepEqual(expressionOf("TIMESTAMP '2024-01-01'"), cast(string('2024-01-01'), 'TIMESTAMP'));
  const oneRow = { kind: 'select', distinct: false, items: [item(number('1'))], from: [], groupBy: [], orderBy: [] };
  assert.deepEqual(expressionOf('EXISTS (SELECT 1)'), { kind: 'exists', query: oneRow, negated: false });
  assert.deepEqual(expressionOf('NOT EXISTS (SELECT 1)'), { kind: 'exists', query: oneRow, negated: true });
  assert.deepEqual(expressionOf('(SELECT 1) + 1'), binary('+', { kind: 'subquery', query: oneRow }, number('1')));
  assert.deepEqual(expressionOf('a IN (SELECT 1)'), { kind: 'in_subquery', operand: column('a'), query: oneRow, negated: false });
  assert.deepEqual(expressionOf('ARRAY[1, 2]'), { kind: 'array', elements: [number('1'), number('2')] });
  assert.deepEqual(expressionOf('(1 + 2) * 3'), binary('*', binary('+', number('1'), number('2')), number('3')));
  assert.deepEqual(expressionOf('COALESCE(a, NULLIF(b, 0))'), call('coalesce', column('a'), call('nullif', column('b'), number('0'))));
  assert.deepEqual(expressionOf('CURRENT_TIMESTAMP'), call('now'));
  assert.deepEqual(expressionOf('Now()'), call('now'));
  assert.deepEqual(expressionOf('"Quoted"."Col"'), { kind: 'column', table: id('Quoted', true), name: id('Col', true) });
});

// ---------------------------------------------------------------- parameters

test('parameters: format %s and qmark ? are numbered in order of appearance', () => {
  const format = parse("SELECT %s, a % s, b %s2, '%s' FROM t WHERE x = %s");
  assert.equal(format.parameters.style, 'format');
  assert.equal(format.parameters.count, 2);
  const qmark = parse('SELECT ? FROM t WHERE a = ? AND b IN (?, ?)');
  assert.deepEqual(qmark.parameters.positions.map((pos) => pos.column), [8, 27, 39, 42]);
  assert.equal(qmark.parameters.count, 4);
  assert.equal(qmark.parameters.style, 'qmark');
});

test('parameters: numeric $n map to slot n-1, count is the highest n', () => {
  const parsed = parse('SELECT $2, $1, $2, $4');
  assert.deepEqual(withoutPositions(parsed.statement), {
    kind: 'select',
    distinct: false,
    items: [1, 0, 1, 3].map((index) => item({ kind: 'parameter', index })),
    from: [],
    groupBy: [],
    orderBy: [],
  });
  assert.equal(parsed.parameters.style, 'numeric');
  assert.equal(parsed.parameters.count, 4);
  assert.deepEqual(parsed.parameters.positions.map((pos) => pos.column), [12, 8, 20, 20]);
  assertErrorAt('SELECT $0', 1, 8, /\$0/);
});

test('parameters: named :name get one slot per distinct name, and :x::int is a cast', () => {
  const parsed = parse('SELECT :b, :a::int, :b, :Camel FROM t WHERE x::text = :a');
  assert.deepEqual(parsed.parameters.names, ['b', 'a', 'Camel']);
  assert.equal(parsed.parameters.count, 3);
  assert.deepEqual(parsed.parameters.positions.map((pos) => pos.column), [8, 12, 25]);
  const items = parse('SELECT :b, :a::int').statement as SelectStatement;
  assert.deepEqual(withoutPositions(items.items), [
    item(parameter(0, 'b')),
    item(cast(parameter(1, 'a'), 'INT')),
  ]);
});

test('parameters: never found inside strings, quoted identifiers or comments', () => {
  const sql = `SELECT '50%s off $1 ? :name', E'%s \\' ?', "col ? :x $1 %s", $$ :y $$ -- ? $1 :z %s
    /* ? $2 :w %s /* nested ? */ */ FROM t WHERE a::int = 1`;
  const parsed = parse(sql);
  assert.deepEqual(parsed.parameters, { count: 0, names: [], positions: [] });
  const query = parsed.statement as SelectStatement;
  assert.deepEqual(withoutPositions(query.items), [
    item(string('50%s off $1 ? :name')),
    item(string("%s ' ?")),
    item({ kind: 'column', name: id('col ? :x $1 %s', true) }),
    item(string(' :y ')),
  ]);
});

test('parameters: mixing styles is an error at the first token of the second style', () => {
  assertErrorAt('SELECT %s, ?', 1, 12, /cannot mix parameter styles/);
  assertErrorAt('SELECT $1,\n  :name', 2, 3, /cannot mix parameter styles/);
  assertErrorAt('SELECT :a FROM t WHERE b = $1', 1, 28, /cannot mix/);
  assertErrorAt('SELECT ? FROM t LIMIT %s', 1, 23, /cannot mix/);
});

// ---------------------------------------------------------------- errors

test('errors carry the line and column of the offending token', () => {
  const sql = 'SELECT a,\n       b\nFROM t WHERE a = = 1';
  const error = assertErrorAt(sql, 3, 18, /syntax error at or near "="/);
  assert.equal(error.offset, sql.lastIndexOf('='));
  assert.match(error.toString(), /LINE 3: FROM t WHERE a = = 1\n\s+\^/);
  assertErrorAt('SELECT a\nFROM t\nWHERE b IN (1, 2\n', 4, 1, /syntax error at end of input/);
  assertErrorAt('SELECT * FROM t WHERE', 1, 22, /at end of input/);
  assertErrorAt('SELEC 1', 1, 1, /"SELEC"/);
});

test('a trailing comma before FROM is a syntax error', () => {
  assertErrorAt('SELECT a, FROM t', 1, 11, /syntax error at or near "FROM": trailing comma before FROM/);
  assertErrorAt('SELECT a,\n  b,\n  FROM t', 3, 3, /trailing comma/);
  assertErrorAt('SELECT a, b, FROM t ORDER BY a', 1, 14, /trailing comma/);
  assertErrorAt('INSERT INTO t VALUES (1) RETURNING a,', 1, 38, /at end of input/);
});

test('only one statement; a trailing semicolon is fine', () => {
  assert.equal(parse('SELECT 1;').statement.kind, 'select');
  assert.equal(parse('SELECT 1 ; -- done\n').statement.kind, 'select');
  assertErrorAt('SELECT 1; SELECT 2', 1, 11, /only one statement per execute/);
  assertErrorAt('SELECT 1;\n\nDROP TABLE t;', 3, 1, /only one statement/);
  assertErrorAt('SELECT 1 SELECT 2', 1, 10, /"SELECT"/);
  assertErrorAt('', 1, 1, /at end of input/);
  assertErrorAt('  -- nothing here\n', 2, 1, /at end of input/);
  assertErrorAt(';', 1, 1);
});

test('comments: line, block, nested block', () => {
  assert.deepEqual(
    shapeOf('/* header\n /* nested */ still comment */ SELECT -- trailing\n a /* inline */ FROM t'),
    shapeOf('SELECT a FROM t'),
  );
  assert.deepEqual(expressionOf('1 --2\n + 3'), binary('+', number('1'), number('3')));
  assert.deepEqual(expressionOf('4/**/-1'), binary('-', number('4'), number('1')));
});

test('lexer errors point at where the bad token starts', () => {
  assertErrorAt("SELECT 'abc\n\ndef", 1, 8, /unterminated quoted string/);
  assertErrorAt('SELECT 1 /* never /* closed */', 1, 10, /unterminated \/\* comment/);
  assertErrorAt('SELECT "abc', 1, 8, /unterminated quoted identifier/);
  assertErrorAt('SELECT\n  a ^ b', 2, 5, /"\^"/);
  assertErrorAt('SELECT 12abc', 1, 8, /trailing junk/);
  assertErrorAt("SELECT 'ok',\n  'multi\nline' ~ 1", 3, 7);
});

test('lexer: token positions, case folding and operators', () => {
  const tokens = tokenize('Select "Mixed""Q" ->> <=> <-> <#> != :: :p\n  %s $12 ?');
  assert.deepEqual(
    tokens.map((token) => [token.type, token.value, token.pos.line, token.pos.column]),
    [
      ['identifier', 'select', 1, 1],
      ['quoted_identifier', 'Mixed"Q', 1, 8],
      ['operator', '->>', 1, 19],
      ['operator', '<=>', 1, 23],
      ['operator', '<->', 1, 27],
      ['operator', '<#>', 1, 31],
      ['operator', '<>', 1, 35],
      ['operator', '::', 1, 38],
      ['parameter', 'p', 1, 41],
      ['parameter', '', 2, 3],
      ['parameter', '12', 2, 6],
      ['parameter', '', 2, 10],
      ['end', '', 2, 11],
    ],
  );
  assert.deepEqual(
    tokens.filter((token) => token.type === 'parameter').map((token) => token.parameterStyle),
    ['named', 'format', 'numeric', 'qmark'],
  );
});

test('node positions are the first token of the node', () => {
  const query = select('SELECT\n  a + b AS total\nFROM t');
  const first = query.items[0];
  assert.ok(first?.kind === 'expression');
  assert.deepEqual(first.pos, { offset: 9, line: 2, column: 3 });
  assert.deepEqual(first.expression.pos, first.pos);
  const expression = first.expression as Extract<Expression, { kind: 'binary' }>;
  assert.deepEqual(expression.right.pos, { offset: 13, line: 2, column: 7 });
  assert.deepEqual(query.from[0]?.pos, { offset: 29, line: 3, column: 6 });
});

test('nesting too deep is a SqlError, not a stack overflow', () => {
  const error = parseError(`SELECT ${'('.repeat(20000)}1${')'.repeat(20000)}`);
  assert.equal(error.code, 'syntax_error');
  assert.match(error.message, /nested too deeply/);
  assert.equal(parseError(`SELECT ${'NOT '.repeat(20000)}true`).code, 'syntax_error');
  assert.equal(select(`SELECT ${'('.repeat(200)}1${')'.repeat(200)}`).items.length, 1);
});

test('unsupported Postgres syntax is feature_not_supported', () => {
  for (const sql of [
    'SELECT a FROM t UNION SELECT b FROM u',
    'WITH x AS (SELECT 1) SELECT * FROM x',
    'SELECT * FROM a RIGHT JOIN b ON true',
    'SELECT * FROM a JOIN b USING (id)',
    'SELECT DISTINCT ON (a) a FROM t',
    'CREATE UNIQUE INDEX i ON t (a)',
    'CREATE TABLE t (a INT UNIQUE)',
  ]) {
    assert.equal(parseError(sql).code, 'feature_not_supported', sql);
  }
});

test('a 1000-row, 7-column VALUES statement parses in a few milliseconds', () => {
  const rows: string[] = [];
  for (let row = 0; row < 1000; row++) {
    rows.push(`('trajectory-${row}', ${row}, 'assistant', 'step ${row} said ''hi''', '{"tool":"search"}', NULL, '[0.1,0.2,${row / 1000}]')`);
  }
  const sql = `INSERT INTO trajectories (trajectory_id, step, role, content, tool_call, tool_result, embedding) VALUES ${rows.join(',\n')}`;
  let parsed: ParsedStatement | undefined;
  for (let warmup = 0; warmup < 5; warmup++) parsed = parse(sql);
  const started = performance.now();
  const repetitions = 10;
  for (let run = 0; run < repetitions; run++) parsed = parse(sql);
  const perParse = (performance.now() - started) / repetitions;
  const statement = parsed?.statement as Statement;
  assert.ok(statement.kind === 'insert' && statement.source.kind === 'values');
  assert.equal(statement.source.rows.length, 1000);
  assert.deepEqual(withoutPositions(statement.source.rows[999]?.[3]), string("step 999 said 'hi'"));
  // Generous bound: a few ms on a laptop, with room for a loaded CI machine.
  assert.ok(perParse < 50, `parse took ${perParse.toFixed(1)} ms`);
});
