/** `replaydb import`: chat and steps formats, malformed lines, --strict, stdin, idempotent re-import. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { open } from '../../src/index.js';
import { databasePath, temporaryDirectory } from '../helpers.js';
import { chatLine, runCli } from './cli_helpers.js';

/** Line 3 is bad JSON, line 5 lacks an id, line 6 has messages of the wrong type, line 8 a bad role; 4 good runs. */
function chatFileWithMalformedLines(): string {
  const lines = [
    chatLine('run-a', 3, { metadata: { usage: { total_tokens: 1234 } } }),
    chatLine('run-b', 5),
    '{"id": "run-broken", "messages": [',
    '',
    JSON.stringify({ messages: [{ role: 'user', content: 'no id' }] }),
    JSON.stringify({ id: 'run-wrong', messages: 'not an array' }),
    chatLine('run-c', 1),
    JSON.stringify({ id: 'run-role', messages: [{ role: 7, content: 'x' }] }),
    chatLine('run-d', 0, { success: false, reward: null }),
  ];
  const file = join(temporaryDirectory(), 'runs.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('import of a chat-format file: steps, tool calls, tool results, outcomes; malformed lines reported and skipped', async () => {
  const path = databasePath();
  const file = chatFileWithMalformedLines();
  const run = runCli(['import', path, file]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /runs\.jsonl:3: bad JSON/);
  assert.match(run.stderr, /runs\.jsonl:5: missing "id"/);
  assert.match(run.stderr, /runs\.jsonl:6: trajectory "run-wrong": "messages" must be an array/);
  assert.match(run.stderr, /runs\.jsonl:8: trajectory "run-role": messages\[0\]\.role must be a string/);
  assert.match(run.stderr, /imported 4 runs \(9 steps, 4 outcomes\) from 8 lines .* rows\/s; skipped: 4 malformed lines/);
  assert.equal(run.stdout, '');

  const db = await open(path, { create: false });
  try {
    const steps = (await db.execute("SELECT step, role, content, tool_call, tool_result FROM trajectories WHERE trajectory_id = 'run-b' ORDER BY step")).rows();
    assert.equal(steps.length, 5);
    assert.deepEqual(steps[0], { step: 0, role: 'user', content: 'step 0 of run-b', tool_call: null, tool_result: null });
    assert.deepEqual(steps[1]!.tool_call, [{ id: 'call-1', type: 'function', function: { name: 'run_tests', arguments: '{}' } }]);
    assert.deepEqual(steps[2], { step: 2, role: 'tool', content: '{"passed": 3}', tool_call: { tool_call_id: 'call-1' }, tool_result: { passed: 3 } });
    const outcomes = (await db.execute('SELECT trajectory_id, task_type, success, reward_score, total_steps, total_tokens, model_version FROM trajectory_outcomes ORDER BY trajectory_id')).rows();
    assert.deepEqual(outcomes, [
      { trajectory_id: 'run-a', task_type: 'coding', success: true, reward_score: 0.5, total_steps: 3, total_tokens: 1234, model_version: 'model-a' },
      { trajectory_id: 'run-b', task_type: 'coding', success: true, reward_score: 0.5, total_steps: 5, total_tokens: null, model_version: 'model-a' },
      { trajectory_id: 'run-c', task_type: 'coding', success: true, reward_score: 0.5, total_steps: 1, total_tokens: null, model_version: 'model-a' },
      { trajectory_id: 'run-d', task_type: 'coding', success: false, reward_score: null, total_steps: 0, total_tokens: null, model_version: 'model-a' },
    ]);
    const count = (await db.execute("SELECT count(*) AS n FROM trajectories WHERE trajectory_id IN ('run-broken', 'run-wrong', 'run-role')")).rows();
    assert.deepEqual(count, [{ n: 0 }]);
    const versions = await db.log({ limit: 1 });
    assert.equal(versions[0]!.kind, 'commit', 'the import ends with a commit');
    assert.match(versions[0]!.message, /import runs\.jsonl: 4 runs, 9 steps/);
  } finally {
    await db.close();
  }
});

test('a tool message whose content is not JSON is stored as a JSON string', async () => {
  const path = databasePath();
  const file = join(temporaryDirectory(), 'tool.jsonl');
  writeFileSync(file, JSON.stringify({ id: 't', messages: [{ role: 'tool', tool_call_id: 'c', content: 'exit code 1' }] }) + '\n');
  assert.equal(runCli(['import', path, file]).code, 0);
  const db = await open(path, { create: false });
  try {
    assert.deepEqual((await db.execute('SELECT content, tool_result FROM trajectories')).rows(), [{ content: 'exit code 1', tool_result: 'exit code 1' }]);
  } finally {
    await db.close();
  }
});

test('--strict stops at the first malformed line with exit code 1; earlier runs stay, nothing after', async () => {
  const path = databasePath();
  const run = runCli(['import', path, chatFileWithMalformedLines(), '--strict']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /runs\.jsonl:3: bad JSON/);
  assert.doesNotMatch(run.stderr, /runs\.jsonl:5:/);
  assert.match(run.stderr, /import stopped at line 3 \(--strict\)/);
  const db = await open(path, { create: false });
  try {
    const ids = (await db.execute('SELECT DISTINCT trajectory_id FROM trajectories ORDER BY trajectory_id')).column('trajectory_id');
    assert.deepEqual(ids, ['run-a', 'run-b']);
    const outcomes = (await db.execute('SELECT trajectory_id FROM trajectory_outcomes ORDER BY trajectory_id')).column('trajectory_id');
    assert.deepEqual(outcomes, ['run-a', 'run-b']);
  } finally {
    await db.close();
  }
});

test('re-importing the same file (and ids repeated inside a file) adds nothing', async () => {
  const path = databasePath();
  const file = join(temporaryDirectory(), 'twice.jsonl');
  writeFileSync(file, [chatLine('x', 4), chatLine('y', 2), chatLine('x', 9)].join('\n') + '\n');
  const first = runCli(['import', path, file]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /twice\.jsonl:3: trajectory "x" already appeared on line 1; skipped/);
  assert.match(first.stderr, /imported 2 runs \(6 steps, 2 outcomes\)/);
  const second = runCli(['import', path, file]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /imported 0 runs .*skipped: 2 already present/);
  // From stdin too.
  const third = runCli(['import', path, '-'], { input: chatLine('y', 2) + '\n' + chatLine('z', 1) + '\n' });
  assert.equal(third.code, 0, third.stderr);
  assert.match(third.stderr, /imported 1 run \(1 step, 1 outcome\) from 2 lines .*skipped: 1 already present/);
  const db = await open(path, { create: false });
  try {
    const counts = (await db.execute('SELECT trajectory_id, count(*) AS n FROM trajectories GROUP BY trajectory_id ORDER BY trajectory_id')).rows();
    assert.deepEqual(counts, [
      { trajectory_id: 'x', n: 4 },
      { trajectory_id: 'y', n: 2 },
      { trajectory_id: 'z', n: 1 },
    ]);
    assert.deepEqual((await db.execute('SELECT count(*) AS n FROM trajectory_outcomes')).rows(), [{ n: 3 }]);
  } finally {
    await db.close();
  }
});

test('--format steps: runs are consecutive lines; outcomes only where a line carries one; a bad line drops its whole run', async () => {
  const path = databasePath();
  const file = join(temporaryDirectory(), 'steps.jsonl');
  const lines = [
    { trajectory_id: 's1', step: 0, role: 'user', content: 'go' },
    { trajectory_id: 's1', step: 1, role: 'assistant', content: null, tool_call: { name: 'ls' }, outcome: { success: true, reward: 1, total_tokens: 50 } },
    { trajectory_id: 's2', step: 0, role: 'user', content: 'go' },
    { trajectory_id: 's2', step: 'one', role: 'assistant', content: 'bad step' },
    { trajectory_id: 's3', step: 0, role: 'user', content: 'no outcome', tool_result: { ok: true } },
  ].map((line) => JSON.stringify(line));
  writeFileSync(file, lines.join('\n') + '\n');
  const run = runCli(['import', path, file, '--format', 'steps']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /steps\.jsonl:4: trajectory "s2": "step" must be an integer/);
  assert.match(run.stderr, /steps\.jsonl:3: trajectory "s2" \(lines 3-4\) not imported/);
  assert.match(run.stderr, /imported 2 runs \(3 steps, 1 outcome\)/);
  const db = await open(path, { create: false });
  try {
    const steps = (await db.execute('SELECT trajectory_id, step, tool_call, tool_result FROM trajectories ORDER BY trajectory_id, step')).rows();
    assert.deepEqual(steps, [
      { trajectory_id: 's1', step: 0, tool_call: null, tool_result: null },
      { trajectory_id: 's1', step: 1, tool_call: { name: 'ls' }, tool_result: null },
      { trajectory_id: 's3', step: 0, tool_call: null, tool_result: { ok: true } },
    ]);
    const outcomes = (await db.execute('SELECT trajectory_id, success, reward_score, total_steps, total_tokens FROM trajectory_outcomes')).rows();
    assert.deepEqual(outcomes, [{ trajectory_id: 's1', success: true, reward_score: 1, total_steps: 2, total_tokens: 50 }]);
  } finally {
    await db.close();
  }
  const again = runCli(['import', path, file, '--format', 'steps']);
  assert.match(again.stderr, /imported 0 runs .*skipped: 2 already present/);
});

test('import errors: a missing file, a bad --format, a table without the seed columns', async () => {
  const path = databasePath();
  const missing = runCli(['import', path, '/nonexistent/file.jsonl']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /file "\/nonexistent\/file\.jsonl" does not exist/);
  const format = runCli(['import', path, '-', '--format', 'xml']);
  assert.equal(format.code, 2);
  assert.match(format.stderr, /--format must be chat or steps/);

  const db = await open(path);
  await db.execute('CREATE TABLE trajectories (trajectory_id TEXT, step INT)');
  await db.close();
  const wrongTable = runCli(['import', path, '-'], { input: chatLine('a', 1) + '\n' });
  assert.equal(wrongTable.code, 1);
  assert.match(wrongTable.stderr, /table trajectories exists without the columns role, content, tool_call, tool_result/);
});
