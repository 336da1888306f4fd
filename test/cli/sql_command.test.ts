/** `replaydb sql`: every output format parsed back, parameters, errors with carets, exit codes, a missing database. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import { open } from '../../src/index.js';
import { databasePath, SEED_OUTCOMES, SEED_TRAJECTORIES, temporaryDirectory } from '../helpers.js';
import { BRANCH_COMMANDS } from '../../src/cli/branch_commands.js';
import { commandHelp } from '../../src/cli/command.js';
import { exportCommand } from '../../src/cli/export.js';
import { importCommand } from '../../src/cli/import_jsonl.js';
import { shellCommand } from '../../src/cli/shell.js';
import { sqlCommand } from '../../src/cli/sql_command.js';
import { runCli, runInProcess } from './cli_helpers.js';

let path: string;

before(async () => {
  path = databasePath();
  const db = await open(path);
  await db.execute(SEED_TRAJECTORIES);
  await db.execute(SEED_OUTCOMES);
  await db.execute('CREATE TABLE kinds (i INT, b BIGINT, r REAL, d DOUBLE PRECISION, ok BOOLEAN, t TEXT, j JSONB, v VECTOR(3), ts TIMESTAMP)');
  await db.execute('INSERT INTO kinds VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s), (%s, %s, %s, %s, %s, %s, %s, %s, %s)', [
    1, 9007199254740993n, 0.1, 2.5, true, 'plain', { a: [1, 'x'] }, [0.5, -1, 2.25], '2024-05-01T12:30:00.123456Z',
    null, null, null, null, null, 'comma, "quote"\nnew line', null, null, null,
  ]);
  await db.execute("INSERT INTO kinds (i, t) VALUES (3, '')");
  await db.close();
});

test('the default output is an aligned table with a row count footer', () => {
  const run = runCli(['sql', path, 'SELECT i, t, ok FROM kinds ORDER BY i NULLS LAST']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split('\n');
  assert.equal(lines[0], '  i   |            t             |  ok');
  assert.equal(lines[1], '------+--------------------------+------');
  assert.equal(lines[2], '    1 | plain                    | true');
  assert.equal(lines[3], '    3 |                          | NULL');
  assert.equal(lines[4], ' NULL | comma, "quote"\\nnew line | NULL');
  assert.equal(lines[5], '(3 rows)');
  const one = runCli(['sql', path, 'SELECT 1 AS x']);
  assert.match(one.stdout, /\(1 row\)\n/);
});

test('--json prints JSON Lines that parse back to every type', () => {
  const run = runCli(['sql', path, 'SELECT * FROM kinds ORDER BY i NULLS LAST', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3);
  const rows = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(rows[0], { i: 1, b: 9007199254740993, r: 0.1, d: 2.5, ok: true, t: 'plain', j: { a: [1, 'x'] }, v: [0.5, -1, 2.25], ts: '2024-05-01T12:30:00.123456Z' });
  assert.ok(lines[0]!.includes('"b":9007199254740993'), 'BIGINT is printed exactly');
  assert.deepEqual(rows[1], { i: 3, b: null, r: null, d: null, ok: null, t: '', j: null, v: null, ts: null });
  assert.equal(rows[2]!.t, 'comma, "quote"\nnew line');
});

test('--csv prints RFC 4180 CSV: quoted fields, CRLF, NULL empty and empty string ""', () => {
  const run = runCli(['sql', path, 'SELECT i, t, j, v, ts FROM kinds ORDER BY i NULLS LAST', '--csv']);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.endsWith('\r\n'));
  const records = parseCsv(run.stdout);
  assert.deepEqual(records, [
    ['i', 't', 'j', 'v', 'ts'],
    ['1', 'plain', '{"a":[1,"x"]}', '[0.5,-1,2.25]', '2024-05-01T12:30:00.123456Z'],
    ['3', '', null, null, null],
    [null, 'comma, "quote"\nnew line', null, null, null],
  ]);
  assert.match(run.stdout, /\r\n3,"",,,\r\n/, 'an empty string is "" and NULL is an empty field');
});

/** RFC 4180 parser; an unquoted empty field is null (NULL), a quoted one a string. */
function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let field: string | null;
    if (text[i] === '"') {
      field = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        field += text.slice(i, quote);
        i = quote + 1;
        if (text[i] === '"') {
          field += '"';
          i++;
        } else break;
      }
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\r') end++;
      field = end === i ? null : text.slice(i, end);
      i = end;
    }
    record.push(field);
    if (text[i] === ',') {
      i++;
    } else {
      assert.equal(text.slice(i, i + 2), '\r\n', `a record ends with CRLF at ${i}`);
      i += 2;
      records.push(record);
      record = [];
    }
  }
  return records;
}

test('--arrow writes an Arrow IPC file that tableFromIPC reads back', () => {
  const file = join(temporaryDirectory(), 'kinds.arrow');
  const run = runCli(['sql', path, 'SELECT i, t, j, v, ts FROM kinds ORDER BY i NULLS LAST', '--arrow', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '');
  const table = tableFromIPC(readFileSync(file));
  assert.equal(table.numRows, 3);
  assert.deepEqual(
    table.schema.fields.map((field) => field.name),
    ['i', 't', 'j', 'v', 'ts'],
  );
  assert.equal(table.getChild('t')!.get(0), 'plain');
  assert.equal(table.getChild('j')!.get(0), '{"a":[1,"x"]}');
  assert.deepEqual(Array.from(table.getChild('v')!.get(0)!.toArray() as Float32Array), [0.5, -1, 2.25]);
  assert.equal(table.getChild('i')!.get(2), null);
});

test('--param binds values by their JSON type; :name=value binds named markers', () => {
  const positional = runCli(['sql', path, 'SELECT i FROM kinds WHERE i = $1 OR t = $2 ORDER BY i', '--param', '3', '--param', 'plain', '--json']);
  assert.equal(positional.code, 0, positional.stderr);
  assert.equal(positional.stdout, '{"i":1}\n{"i":3}\n');
  const named = runCli(['sql', path, 'SELECT :x::int + 1 AS y, :s AS s', '-p', ':x=41', '-p', ':s="42"', '--json']);
  assert.equal(named.code, 0, named.stderr);
  assert.equal(named.stdout, '{"y":42,"s":"42"}\n');
});

test('several statements run in order; statements without rows print a status line', () => {
  const scratch = databasePath();
  const run = runCli(['sql', scratch, 'CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2); SELECT sum(a) AS s FROM t;', '--create']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^CREATE TABLE\nINSERT 2\n s\n---\n 3\n\(1 row\)\n/);
  const json = runCli(['sql', scratch, 'INSERT INTO t VALUES (5); SELECT count(*) AS n FROM t', '--json']);
  assert.equal(json.stdout, '{"n":3}\n');
  assert.equal(json.stderr, 'INSERT 1\n');
});

test('an SQL error prints the line with a caret under the column and exits 1', () => {
  const run = runCli(['sql', path, 'SELECT i,\n       nope FROM kinds']);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, 'SqlError [undefined_column]: column "nope" does not exist\nLINE 2:        nope FROM kinds\n               ^\n');
  const later = runCli(['sql', path, 'SELECT 1 AS ok; SELEC 2']);
  assert.equal(later.code, 1);
  assert.match(later.stdout, / ok\n/, 'statements before the failing one ran');
  assert.match(later.stderr, /syntax_error.*\nLINE 1: SELEC 2\n        \^/);
});

test('a database that does not exist is an error and is not created', async () => {
  const missing = join(temporaryDirectory(), 'missing-db');
  const run = runCli(['sql', missing, 'SELECT 1']);
  assert.equal(run.code, 1);
  assert.equal(run.stderr, `replaydb: database "${missing}" does not exist\nhint: check the path; "replaydb import" or --create makes a new database\n`);
  for (const args of [['export', missing, 'SELECT 1', '--jsonl', '-'], ['shell', missing], ['commit', missing], ['log', missing]]) {
    assert.equal((await runInProcess(args)).code, 1, args.join(' '));
  }
  assert.ok(!existsSync(missing));
});

test('usage errors exit 2 with a hint; --help lists the commands', async () => {
  const unknownFlag = runCli(['sql', path, 'SELECT 1', '--jsn']);
  assert.equal(unknownFlag.code, 2);
  assert.equal(unknownFlag.stderr, 'replaydb: unknown option --jsn for "replaydb sql"\nhint: did you mean --json? (see "replaydb sql --help")\n');
  const unknownCommand = await runInProcess(['sqll', path]);
  assert.equal(unknownCommand.code, 2);
  assert.match(unknownCommand.stderr, /unknown command "sqll"\nhint: did you mean "replaydb sql"\?/);
  const twoFormats = await runInProcess(['sql', path, 'SELECT 1', '--json', '--csv']);
  assert.equal(twoFormats.code, 2);
  assert.match(twoFormats.stderr, /choose one output format/);
  const missingArgument = await runInProcess(['sql', path]);
  assert.equal(missingArgument.code, 2);
  assert.match(missingArgument.stderr, /too few arguments: usage: replaydb sql/);
  assert.equal((await runInProcess(['log', path, '--limit', 'ten'])).code, 2);
  assert.equal((await runInProcess(['merge', path, 'x', '--strategy', 'mine'])).code, 2);
  const overview = runCli(['--help']);
  assert.equal(overview.code, 0);
  for (const command of ['import', 'sql', 'shell', 'export', 'branch', 'checkout', 'commit', 'log', 'merge']) {
    assert.match(overview.stdout, new RegExp(`\\n  ${command} `));
  }
  const help = await runInProcess(['import', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: replaydb import /);
  assert.equal((await runInProcess([])).code, 2);
});

test('"-" reads the SQL from stdin', async () => {
  const run = await runInProcess(['sql', path, '-', '--json'], 'SELECT count(*) AS n FROM kinds;\n');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '{"n":3}\n');
});

test('every command has a help text with an example', () => {
  const commands = [importCommand, sqlCommand, shellCommand, exportCommand, ...BRANCH_COMMANDS];
  assert.deepEqual(commands.map((command) => command.name), ['import', 'sql', 'shell', 'export', 'branch', 'checkout', 'commit', 'log', 'merge']);
  for (const command of commands) {
    const text = commandHelp(command);
    assert.match(text, new RegExp(`^usage: replaydb ${command.name} `));
    assert.match(text, /examples?:\n  replaydb /, command.name);
    assert.match(text, /-h, --help/);
  }
});
