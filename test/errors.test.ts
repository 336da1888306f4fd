/** Bad input gets a SqlError with a code, a message and the line/column it points at. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { open, SqlError } from '../src/index.js';
import { databasePath, SEED_OUTCOMES, SEED_TRAJECTORIES } from './helpers.js';

interface Expected {
  code: string;
  line?: number;
  column?: number;
  message?: RegExp;
}

async function setup() {
  const db = await open(databasePath());
  await db.execute(SEED_TRAJECTORIES);
  await db.execute(SEED_OUTCOMES);
  await db.execute("INSERT INTO trajectory_outcomes (trajectory_id, success) VALUES ('a', true)");
  return db;
}

const cases: [string, unknown[] | undefined, Expected][] = [
  ['SELECT * FROM trajectory_outcome', undefined, { code: 'undefined_table', line: 1, column: 15, message: /Perhaps you meant "trajectory_outcomes"/ }],
  ['SELECT reward FROM trajectory_outcomes', undefined, { code: 'undefined_column', column: 8, message: /Perhaps you meant "reward_score"/ }],
  ['SELECT o.success FROM trajectory_outcomes t', undefined, { code: 'undefined_table', column: 8 }],
  ['SELECT trajectory_id\nFROM trajectory_outcomes\nWHERE  succes = true', undefined, { code: 'undefined_column', line: 3, column: 8 }],
  ['SELECT trajectory_id FROM trajectory_outcomes WHERE task_type = 3', undefined, { code: 'undefined_function', message: /text = integer/ }],
  ['SELECT trajectory_id FROM trajectory_outcomes WHERE total_steps', undefined, { code: 'datatype_mismatch', message: /must be type boolean/ }],
  ['SELECT trajectory_id, FROM trajectory_outcomes', undefined, { code: 'syntax_error', line: 1 }],
  ['SELECT 1; SELECT 2', undefined, { code: 'syntax_error', column: 11 }],
  ["INSERT INTO trajectory_outcomes (trajectory_id) VALUES ('a')", undefined, { code: 'unique_violation' }],
  ['INSERT INTO trajectory_outcomes (trajectory_id, success) VALUES (NULL, true)', undefined, { code: 'not_null_violation' }],
  ["INSERT INTO trajectory_outcomes (trajectory_id, nope) VALUES ('b', 1)", undefined, { code: 'undefined_column', column: 49 }],
  ["INSERT INTO trajectory_outcomes (trajectory_id) VALUES ('b', 1)", undefined, { code: 'syntax_error', column: 62 }],
  ["INSERT INTO trajectory_outcomes (trajectory_id, total_steps) VALUES ('b', 'many')", undefined, { code: 'invalid_text_representation', column: 75 }],
  ['INSERT INTO trajectories (trajectory_id, embedding) VALUES (?, ?)', ['b', new Float32Array(3)], { code: 'data_exception', column: 64, message: /1536 dimensions, not 3/ }],
  ['INSERT INTO trajectories (trajectory_id, embedding) VALUES (?, ?)', ['b', 'not a vector'], { code: 'invalid_text_representation', column: 64 }],
  ['INSERT INTO trajectories (step) VALUES (?)', [{ step: 1 }], { code: 'datatype_mismatch', column: 41 }],
  ['SELECT trajectory_id, count(*) FROM trajectory_outcomes', undefined, { code: 'grouping_error', column: 8 }],
  ['SELECT trajectory_id FROM trajectory_outcomes WHERE count(*) > 1', undefined, { code: 'grouping_error' }],
  ['SELECT nosuchfn(trajectory_id) FROM trajectory_outcomes', undefined, { code: 'undefined_function' }],
  ['SELECT trajectory_id FROM trajectory_outcomes ORDER BY 3', undefined, { code: 'invalid_column_reference' }],
  ['CREATE TABLE x (a INT, a TEXT)', undefined, { code: 'duplicate_column', column: 24 }],
  ['CREATE TABLE x (a VECTOR(0))', undefined, { code: 'syntax_error' }],
];

test('each bad statement raises the right SqlError at the right place and changes nothing', async () => {
  const db = await setup();
  const before = db.executeSync('SELECT count(*) AS n FROM trajectory_outcomes').rows();
  for (const [sql, params, expected] of cases) {
    let caught: unknown;
    try {
      await db.execute(sql, params);
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof SqlError, `${sql}: expected a SqlError, got ${String(caught)}`);
    assert.equal(caught.code, expected.code, `${sql}: ${caught.message}`);
    if (expected.line !== undefined) assert.equal(caught.line, expected.line, `${sql}: line`);
    if (expected.column !== undefined) assert.equal(caught.column, expected.column, `${sql}: column (${caught.message})`);
    if (expected.message) assert.match(caught.message, expected.message, sql);
    if (caught.line !== undefined) assert.match(caught.toString(), /\^/, 'toString() shows a caret');
  }
  assert.deepEqual(db.executeSync('SELECT count(*) AS n FROM trajectory_outcomes').rows(), before);
  assert.deepEqual(db.tables().map((t) => t.name).sort(), ['trajectories', 'trajectory_outcomes']);
  await db.close();
});

test('the caret excerpt points under the offending token', async () => {
  const db = await setup();
  const error = await db.execute('SELECT trajectory_id\nFROM trajectory_outcomes\nWHERE  succes = true').catch((e: SqlError) => e);
  assert.ok(error instanceof SqlError);
  const lines = error.toString().split('\n');
  assert.equal(lines[1], 'LINE 3: WHERE  succes = true');
  assert.equal(lines[2]!.indexOf('^'), 'LINE 3: WHERE  '.length);
  await db.close();
});
