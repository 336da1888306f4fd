/**
 * A deterministic fuzz test for the lexer and parser. A seeded mutator damages a corpus of
 * valid statements (deleting, duplicating and swapping tokens, inserting keywords, operators
 * and stray characters, truncating) and checks what must hold for any input: parse() either
 * returns a statement or throws a SqlError whose line and column agree with its offset, never
 * another exception (a TypeError, a stack overflow), and every node it returns has a position
 * that agrees with the text. The seed is fixed, so a failure reproduces; the failing SQL is in
 * the assertion message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { Position } from '../../src/sql/ast.js';
import { tokenize } from '../../src/sql/lexer.js';
import { parse } from '../../src/sql/parser.js';
import { SqlError, positionAt } from '../../src/sql/sql_error.js';

const CORPUS = [
  'CREATE TABLE IF NOT EXISTS trajectories (trajectory_id TEXT, step INT, role TEXT, content TEXT, tool_call JSONB, tool_result JSONB, embedding VECTOR(1536), created_at TIMESTAMP DEFAULT NOW())',
  'CREATE TABLE IF NOT EXISTS trajectory_outcomes (trajectory_id TEXT PRIMARY KEY, task_type TEXT, success BOOLEAN, reward_score FLOAT, total_steps INT, total_tokens INT, model_version TEXT, metadata JSONB, completed_at TIMESTAMP DEFAULT NOW())',
  'INSERT INTO trajectories (trajectory_id, step, role, content, tool_call, tool_result, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s)',
  `SELECT t.trajectory_id, t.step, t.role, t.content, t.tool_call, t.tool_result
FROM trajectories t
JOIN trajectory_outcomes o ON t.trajectory_id = o.trajectory_id
WHERE o.success = true
AND o.reward_score > 0.85
AND o.task_type = 'code_generation'
AND o.total_steps < 20 -- prefer efficient trajectories
ORDER BY t.trajectory_id, t.step;`,
  `SELECT o.trajectory_id, o.reward_score, o.total_steps,
cosine_similarity(t.embedding, :task_embedding) AS relevance
FROM trajectory_outcomes o
JOIN trajectories t ON o.trajectory_id = t.trajectory_id AND t.step = 0
WHERE o.success = true
ORDER BY relevance DESC
LIMIT 50;`,
  'CREATE TABLE t (a INT NOT NULL DEFAULT -1, b DOUBLE PRECISION, c VARCHAR(20) NULL, d TIMESTAMP WITH TIME ZONE, PRIMARY KEY (a, c))',
  'CREATE INDEX IF NOT EXISTS emb_idx ON trajectories USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)',
  'DROP TABLE IF EXISTS a, b;',
  'DROP INDEX IF EXISTS emb_idx',
  "INSERT INTO t (a, b) VALUES (1, 'x'), (-2.5e3, NULL), ($1, E'esc\\'aped') ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE t.a > 0 RETURNING *",
  'INSERT INTO t SELECT a, b FROM u WHERE b IS NOT NULL ON CONFLICT DO NOTHING',
  'UPDATE trajectory_outcomes AS o SET success = false, reward_score = reward_score * 0.5 WHERE o.task_type = ? RETURNING trajectory_id',
  'DELETE FROM trajectories t WHERE t.created_at < NOW() AND t.step BETWEEN 1 AND 10 RETURNING t.trajectory_id',
  'EXPLAIN ANALYZE SELECT count(*) FROM trajectories',
  'SELECT DISTINCT task_type, count(*) AS n, avg(reward_score) FROM trajectory_outcomes GROUP BY task_type HAVING count(*) > 10 ORDER BY n DESC NULLS LAST LIMIT 5 OFFSET 10',
  "SELECT CASE WHEN reward_score >= 0.9 THEN 'great' WHEN reward_score >= 0.5 THEN 'ok' ELSE 'bad' END AS grade FROM trajectory_outcomes",
  "SELECT tool_call -> 'name' ->> 'first', metadata #>> '{a,b}', metadata @> '{\"x\": 1}'::jsonb FROM trajectories",
  'SELECT a FROM t WHERE a IN (SELECT b FROM u) AND NOT EXISTS (SELECT 1 FROM v WHERE v.x = t.a) OR a NOT IN (1, 2, 3)',
  "SELECT name FROM t WHERE name ILIKE 'abc%' ESCAPE '!' AND other NOT LIKE '%x' AND z ISNULL",
  "SELECT CAST(step AS BIGINT), '[1,2,3]'::vector(3), x::text::jsonb, TIMESTAMP '2024-01-01', -2::int FROM t",
  'SELECT * FROM (SELECT a, b FROM t) AS s LEFT OUTER JOIN u ON s.a = u.a CROSS JOIN v, w',
  'SELECT embedding <-> $1 AS d, embedding <=> $2, embedding <#> $1 FROM trajectories ORDER BY d LIMIT $3',
  "SELECT coalesce(a, nullif(b, ''), 'z') || ARRAY[1, 2] FROM t WHERE (a + b) * c / 2 % 3 <> 1 AND d != 2",
  'SELECT :x::int, :y, :x FROM t WHERE a = :y',
  "SELECT '50%s off $1 ? :name', \"quoted \"\" id\", $$ dollar :x $$ FROM t /* block /* nested */ comment */",
  'SELECT t.*, (SELECT max(step) FROM trajectories) AS m FROM trajectories t WHERE t.step >= ALL_STEPS',
  'SELECT a FROM t WHERE b IS NOT TRUE AND c IS FALSE AND d IS NULL AND e NOTNULL LIMIT ALL',
  'SELECT current_timestamp, now(), count(DISTINCT role) FROM t GROUP BY 1',
  'SELECT a FROM ((t JOIN u ON t.id = u.id) LEFT JOIN v ON v.id = t.id) FETCH FIRST 10 ROWS ONLY',
  'UPDATE t SET a = CASE a WHEN 1 THEN 2 END, b = .5 WHERE c BETWEEN -1 AND +1',
];

const KEYWORDS = [
  'SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'NULL', 'IS', 'IN', 'BETWEEN', 'LIKE', 'AS', 'ON', 'JOIN', 'LEFT',
  'CROSS', 'GROUP', 'BY', 'ORDER', 'LIMIT', 'OFFSET', 'ALL', 'DISTINCT', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END',
  'CAST', 'EXISTS', 'ARRAY', 'VALUES', 'INSERT', 'INTO', 'UPDATE', 'SET', 'DELETE', 'CREATE', 'TABLE', 'INDEX',
  'DROP', 'IF', 'PRIMARY', 'KEY', 'DEFAULT', 'RETURNING', 'CONFLICT', 'DO', 'NOTHING', 'EXPLAIN', 'VECTOR',
  'TIMESTAMP', 'INT', 'TEXT', 'WITH', 'USING', 'NULLS', 'FIRST', 'DESC', 'TRUE', 'step', 'role', 'excluded',
];
const FRAGMENTS = [
  '(', ')', ',', ';', '.', '*', '+', '-', '/', '%', '=', '<', '>', '<=', '<>', '!=', '::', '->', '->>', '#>>', '@>',
  '<=>', '<->', '<#>', '||', '[', ']', '%s', '$1', '$0', '?', ':name', "'", '"', "''", '--', '/*', '*/', '$$', 'E\'',
  '1', '0.5', '.5', '1e', '99999999999999999999', '$', ':', '!', '#', '@', '|', '\\', '\n', '\t', 'é', '😀',
];
const STRAY_CHARACTERS = "()[],;.:*+-/%=<>!#@|$?'\"\\ \n\tabcxyz019_é";

/** mulberry32: a small seeded generator, so every run sees the same mutants. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The SQL as token texts (comments and whitespace dropped); SQL the lexer rejects, as an
 * earlier mutation may have left it, is split at whitespace instead.
 */
function tokenTexts(sql: string): string[] {
  try {
    return tokenize(sql)
      .filter((token) => token.type !== 'end')
      .map((token) => sql.slice(token.pos.offset, token.end));
  } catch {
    return sql.split(/\s+/).filter((part) => part.length > 0);
  }
}

function mutate(sql: string, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const steps = 1 + Math.floor(random() * 3);
  let text = sql;
  for (let step = 0; step < steps; step++) {
    const tokens = tokenTexts(text);
    const at = Math.floor(random() * Math.max(1, tokens.length));
    switch (Math.floor(random() * 9)) {
      case 0: // delete a token
        tokens.splice(at, 1);
        break;
      case 1: // duplicate a token
        tokens.splice(at, 0, tokens[at] ?? '');
        break;
      case 2: {
        // swap two tokens
        const other = Math.floor(random() * tokens.length);
        [tokens[at], tokens[other]] = [tokens[other] ?? '', tokens[at] ?? ''];
        break;
      }
      case 3: // insert a keyword
        tokens.splice(at, 0, pick(KEYWORDS));
        break;
      case 4: // insert an operator or other fragment
        tokens.splice(at, 0, pick(FRAGMENTS));
        break;
      case 5: // replace a token
        tokens[at] = random() < 0.5 ? pick(KEYWORDS) : pick(FRAGMENTS);
        break;
      case 6: {
        // insert a stray character anywhere in the text, inside literals and comments too
        const offset = Math.floor(random() * (text.length + 1));
        text = text.slice(0, offset) + pick([...STRAY_CHARACTERS]) + text.slice(offset);
        continue;
      }
      case 7: // truncate the text
        text = text.slice(0, Math.floor(random() * text.length));
        continue;
      default: {
        // delete a run of characters
        const offset = Math.floor(random() * text.length);
        text = text.slice(0, offset) + text.slice(offset + 1 + Math.floor(random() * 5));
        continue;
      }
    }
    text = tokens.join(random() < 0.8 ? ' ' : '\n');
  }
  return text;
}

/** Every `pos` in the tree must agree with the text: line and column computed from its offset. */
function checkPositions(sql: string, value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((element, index) => checkPositions(sql, element, `${path}[${index}]`));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, field] of Object.entries(value)) {
    if (key === 'pos') {
      const pos = field as Position;
      assert.deepEqual(pos, positionAt(sql, pos.offset), `${path}.pos in ${JSON.stringify(sql)}`);
    } else {
      checkPositions(sql, field, `${path}.${key}`);
    }
  }
}

test('every corpus statement parses as written', () => {
  for (const sql of CORPUS) {
    assert.doesNotThrow(() => parse(sql), sql);
    checkPositions(sql, parse(sql), 'parsed');
  }
});

test('mutated SQL either parses or throws a SqlError with a consistent position', () => {
  const random = seededRandom(0x5eed);
  const mutants = 6000;
  let parsed = 0;
  let failed = 0;
  const started = performance.now();
  for (let round = 0; round < mutants; round++) {
    const sql = mutate(CORPUS[round % CORPUS.length] as string, random);
    let result;
    try {
      result = parse(sql);
    } catch (error) {
      if (!(error instanceof SqlError)) {
        assert.fail(`parse(${JSON.stringify(sql)}) threw ${error instanceof Error ? error.stack : String(error)}`);
      }
      assert.equal(typeof error.code, 'string');
      assert.equal(typeof error.line, 'number', `no line for ${JSON.stringify(sql)}: ${error.message}`);
      assert.equal(typeof error.column, 'number');
      assert.equal(typeof error.offset, 'number');
      assert.ok((error.line as number) >= 1 && (error.column as number) >= 1);
      assert.ok((error.offset as number) <= sql.length);
      assert.deepEqual(
        { offset: error.offset, line: error.line, column: error.column },
        positionAt(sql, error.offset as number),
        `error position for ${JSON.stringify(sql)}: ${error.message}`,
      );
      assert.equal(error.sql, sql);
      assert.ok(error.message.length > 0);
      failed++;
      continue;
    }
    assert.equal(typeof result.statement.kind, 'string');
    assert.equal(result.sql, sql);
    assert.equal(result.parameters.positions.length, result.parameters.count);
    checkPositions(sql, result, 'parsed');
    parsed++;
  }
  const elapsed = performance.now() - started;
  assert.equal(parsed + failed, mutants);
  // The mutator must produce both outcomes, or it is not testing much.
  assert.ok(parsed > 100, `only ${parsed} mutants parsed`);
  assert.ok(failed > 1000, `only ${failed} mutants failed`);
  assert.ok(elapsed < 20000, `fuzzing took ${elapsed.toFixed(0)} ms`);
});

test('random byte soup never escapes as a non-SqlError', () => {
  const random = seededRandom(42);
  const alphabet = [...STRAY_CHARACTERS, ...FRAGMENTS, ...KEYWORDS.map((keyword) => ` ${keyword} `)];
  for (let round = 0; round < 2000; round++) {
    let sql = random() < 0.5 ? 'SELECT ' : '';
    const length = Math.floor(random() * 40);
    for (let i = 0; i < length; i++) sql += alphabet[Math.floor(random() * alphabet.length)];
    try {
      parse(sql);
    } catch (error) {
      assert.ok(error instanceof SqlError, `parse(${JSON.stringify(sql)}) threw ${String(error)}`);
      assert.equal(typeof error.line, 'number');
    }
  }
});
