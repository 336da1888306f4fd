/** `replaydb export`: JSON Lines read back by DuckDB's read_json, and Arrow IPC files read back by apache-arrow. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromIPC } from 'apache-arrow';
import { databasePath, temporaryDirectory } from '../helpers.js';
import { chatLine, runCli, runInProcess } from './cli_helpers.js';

let path: string;

before(() => {
  path = databasePath();
  const lines = [chatLine('run-1', 3), chatLine('run-2', 2, { success: false, reward: -1.5, metadata: { total_tokens: 77, tags: ['a'] } })];
  const run = runCli(['import', path, '-'], { input: lines.join('\n') + '\n' });
  assert.equal(run.code, 0, run.stderr);
});

test('--jsonl output is read back by DuckDB read_json with the same values', async () => {
  const file = join(temporaryDirectory(), 'steps.jsonl');
  const run = runCli([
    'export',
    path,
    'SELECT t.trajectory_id, t.step, t.role, t.content, t.tool_call, t.tool_result, t.created_at, o.success, o.reward_score, o.metadata FROM trajectories t JOIN trajectory_outcomes o ON o.trajectory_id = t.trajectory_id ORDER BY t.trajectory_id, t.step',
    '--jsonl',
    file,
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /exported 5 rows to .*steps\.jsonl/);
  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  try {
    const escaped = file.replace(/'/g, "''");
    const reader = await duck.runAndReadAll(
      `SELECT trajectory_id, step, role, content, to_json(tool_call) AS tool_call, to_json(tool_result) AS tool_result, typeof(created_at) AS created_type, success, reward_score, to_json(metadata) AS metadata FROM read_json('${escaped}') ORDER BY trajectory_id, step`,
    );
    const rows = reader.getRowObjectsJS();
    assert.equal(rows.length, 5);
    assert.deepEqual(
      rows.map((row) => [row.trajectory_id, Number(row.step), row.role, row.success, row.reward_score]),
      [
        ['run-1', 0, 'user', true, 0.5],
        ['run-1', 1, 'assistant', true, 0.5],
        ['run-1', 2, 'tool', true, 0.5],
        ['run-2', 0, 'user', false, -1.5],
        ['run-2', 1, 'assistant', false, -1.5],
      ],
    );
    assert.equal(rows[0]!.content, 'step 0 of run-1');
    assert.equal(rows[1]!.content, null);
    assert.deepEqual(JSON.parse(rows[1]!.tool_call as string), [{ id: 'call-1', type: 'function', function: { name: 'run_tests', arguments: '{}' } }]);
    assert.deepEqual(JSON.parse(rows[2]!.tool_result as string), { passed: 3 });
    assert.equal(rows[0]!.created_type, 'TIMESTAMP', 'DuckDB reads the ISO timestamps as timestamps');
    assert.deepEqual(JSON.parse(rows[3]!.metadata as string), { tags: ['a'], total_tokens: 77 });
  } finally {
    duck.closeSync();
    instance.closeSync();
  }
});

test('--arrow output is an Arrow IPC file; "-" writes to stdout', () => {
  const file = join(temporaryDirectory(), 'outcomes.arrow');
  const run = runCli(['export', path, 'SELECT trajectory_id, reward_score, total_tokens FROM trajectory_outcomes ORDER BY trajectory_id', '--arrow', file]);
  assert.equal(run.code, 0, run.stderr);
  const table = tableFromIPC(readFileSync(file));
  assert.deepEqual(table.toArray().map((row) => row.toJSON()), [
    { trajectory_id: 'run-1', reward_score: 0.5, total_tokens: null },
    { trajectory_id: 'run-2', reward_score: -1.5, total_tokens: 77 },
  ]);
  const stdout = runCli(['export', path, 'SELECT count(*) AS n FROM trajectories', '--jsonl', '-']);
  assert.equal(stdout.stdout, '{"n":5}\n');
});

test('export needs one query and exactly one of --jsonl and --arrow; it never runs a write', async () => {
  assert.equal((await runInProcess(['export', path, 'SELECT 1'])).code, 2);
  assert.equal((await runInProcess(['export', path, 'SELECT 1', '--jsonl', '-', '--arrow', '-'])).code, 2);
  assert.equal((await runInProcess(['export', path, 'SELECT 1; SELECT 2', '--jsonl', '-'])).code, 2);
  const notAQuery = await runInProcess(['export', path, 'DELETE FROM trajectories', '--jsonl', '-']);
  assert.equal(notAQuery.code, 2);
  assert.match(notAQuery.stderr, /export needs a query that returns rows/);
  assert.equal((await runInProcess(['export', path, 'SELECT count(*) AS n FROM trajectories', '--jsonl', '-'])).stdout, '{"n":5}\n');
});
