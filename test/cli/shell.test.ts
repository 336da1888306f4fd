/** `replaydb shell`: driven through a pipe (statements across lines, dot commands, errors) and through a pseudo-terminal. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { databasePath, temporaryDirectory } from '../helpers.js';
import { chatLine, CLI, runCli } from './cli_helpers.js';

let path: string;

before(() => {
  path = databasePath();
  const run = runCli(['import', path, '-'], { input: [chatLine('r1', 3), chatLine('r2', 2)].join('\n') + '\n' });
  assert.equal(run.code, 0, run.stderr);
});

test('statements piped into the shell run in order, across lines and several per line', () => {
  const input = [
    'SELECT trajectory_id, count(*) AS steps',
    '  FROM trajectories',
    "  WHERE role <> ';'  -- a semicolon in a string or comment does not end it;",
    '  GROUP BY trajectory_id ORDER BY trajectory_id;',
    'SELECT 1 AS a; SELECT 2 AS b;',
    'SELECT 3 AS c',
  ].join('\n');
  const run = runCli(['shell', path], { input });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.equal(
    run.stdout,
    [
      ' trajectory_id | steps',
      '---------------+-------',
      ' r1            |     3',
      ' r2            |     2',
      '(2 rows)',
      '',
      ' a',
      '---',
      ' 1',
      '(1 row)',
      '',
      ' b',
      '---',
      ' 2',
      '(1 row)',
      '',
      ' c',
      '---',
      ' 3',
      '(1 row)',
      '',
      '',
    ].join('\n'),
    'no prompts when stdin is not a terminal; a last statement without ";" runs at the end',
  );
});

test('dot commands: .tables, .schema, .branch, .mode, .timer, .help, .quit', () => {
  const input = ['.tables', '.schema trajectory_outcomes', '.branch', '.mode json', 'SELECT 7 AS x;', '.timer on', 'SELECT 8 AS y;', '.help', '.quit', 'SELECT 9 AS unreachable;'].join('\n');
  const run = runCli(['shell', path], { input });
  assert.equal(run.code, 0, run.stderr);
  const out = run.stdout;
  assert.ok(out.startsWith('trajectories\ntrajectory_outcomes\nCREATE TABLE trajectory_outcomes (\n  trajectory_id TEXT PRIMARY KEY,\n  task_type TEXT,\n'), out);
  assert.match(out, /  reward_score DOUBLE PRECISION,\n/);
  assert.match(out, /\n\);\nmain\n\{"x":7\}\n\{"y":8\}\nTime: \d+\.\d{3} ms\n/);
  assert.match(out, /\.schema \[table\]/);
  assert.doesNotMatch(out, /unreachable/, '.quit stops reading');
});

test('errors are printed with a caret and the shell goes on; the exit code says one failed', () => {
  const run = runCli(['shell', path], { input: 'SELECT nope FROM trajectories;\n.frobnicate\nSELECT 1 AS still_running;\n' });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^SqlError \[undefined_column\]: column "nope" does not exist.*\nLINE 1: SELECT nope FROM trajectories\n               \^\n/);
  assert.match(run.stderr, /unknown command "\.frobnicate"/);
  assert.match(run.stdout, /still_running/);
});

test('on a terminal: prompts, continuation prompts, results and history in ~/.replaydb_history', (t) => {
  const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (script.error || script.status !== 0) {
    t.skip('script(1) is not available');
    return;
  }
  const home = temporaryDirectory();
  // script(1) runs the shell on a pseudo-terminal; the sleeps let each line arrive after the prompt.
  const feed = `(sleep 0.5; printf 'SELECT 41 + 1\\n'; sleep 0.3; printf 'AS answer;\\n'; sleep 0.5; printf '.branch\\n'; sleep 0.3; printf '.quit\\n'; sleep 0.3)`;
  const command = `${feed} | script -qec '${process.execPath} ${CLI} shell ${path}' /dev/null`;
  const run = spawnSync('sh', ['-c', command], { encoding: 'utf8', env: { ...process.env, HOME: home }, timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  const screen = run.stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
  assert.match(screen, /replaydb shell: .* \(branch main\)/);
  assert.match(screen, /replaydb> SELECT 41 \+ 1\n/);
  assert.match(screen, /\.\.\.> AS answer;\n/);
  assert.match(screen, / answer\n--------\n     42\n\(1 row\)\n/);
  assert.match(screen, /replaydb> \.branch\nmain\n/);
  const historyFile = join(home, '.replaydb_history');
  assert.ok(existsSync(historyFile));
  assert.deepEqual(readFileSync(historyFile, 'utf8').split('\n').filter(Boolean), ['SELECT 41 + 1', 'AS answer;', '.branch', '.quit']);
});
