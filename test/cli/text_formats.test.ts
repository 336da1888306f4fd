/** The CLI's text helpers: statement splitting, CSV fields, number and time text, --param values, typo hints. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nearestName, parseArguments, UsageError } from '../../src/cli/arguments.js';
import { csvField } from '../../src/cli/format_csv.js';
import { displayWidth } from '../../src/cli/format_table.js';
import { parameterValues } from '../../src/cli/parameter_values.js';
import { statusLine } from '../../src/cli/print_result.js';
import { float32Text, timestampIso, timestampText } from '../../src/cli/result_cells.js';
import { allStatements, isBlank, splitStatements } from '../../src/cli/statement_splitter.js';

test('statements split at semicolons outside strings, quoted names and comments', () => {
  assert.deepEqual(splitStatements("SELECT ';'; SELECT \"a;b\" FROM t; -- x;\nSELECT 1 /* ; /* nested ; */ */;  SELECT"), {
    statements: ["SELECT ';'", 'SELECT "a;b" FROM t', '-- x;\nSELECT 1 /* ; /* nested ; */ */'],
    rest: '  SELECT',
  });
  assert.deepEqual(splitStatements("SELECT E'it\\'s;' ;").statements, ["SELECT E'it\\'s;'"]);
  assert.deepEqual(splitStatements("SELECT 'it''s;';").statements, ["SELECT 'it''s;'"]);
  assert.deepEqual(splitStatements("SELECT 'open;").statements, [], 'an unterminated string continues');
  assert.deepEqual(splitStatements(';; -- only a comment\n;').statements, []);
  assert.deepEqual(allStatements('SELECT 1; SELECT 2'), ['SELECT 1', 'SELECT 2']);
  assert.ok(isBlank('  -- comment\n /* c */ '));
  assert.ok(!isBlank("'"));
});

test('CSV fields are quoted only when needed', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField(''), '""');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('line\r\nbreak'), '"line\r\nbreak"');
});

test('float32 values print in their shortest form; timestamps keep microseconds', () => {
  assert.equal(float32Text(Math.fround(0.1)), '0.1');
  assert.equal(float32Text(Math.fround(1 / 3)), '0.33333334');
  assert.equal(float32Text(-2.25), '-2.25');
  assert.equal(timestampText(1714566600123456n), '2024-05-01 12:30:00.123456');
  assert.equal(timestampText(1714566600000000n), '2024-05-01 12:30:00');
  assert.equal(timestampText(1714566600100000n), '2024-05-01 12:30:00.1');
  assert.equal(timestampIso(-1n), '1969-12-31T23:59:59.999999Z');
});

test('--param values are JSON where they parse, text otherwise; :name=value is named', () => {
  assert.deepEqual(parameterValues(['42', 'hello', 'true', 'null', '[1,2]', '{"a":1}', '"42"', '12345678901234567890', '1.5e3'], 'sql'), [
    42, 'hello', true, null, [1, 2], { a: 1 }, '42', 12345678901234567890n, 1500,
  ]);
  assert.deepEqual(parameterValues([':a=1', ':b=x=y'], 'sql'), { a: 1, b: 'x=y' });
  assert.equal(parameterValues([], 'sql'), undefined);
  assert.throws(() => parameterValues([':a=1', '2'], 'sql'), UsageError);
});

test('arguments: values, repeats, --, and typo hints', () => {
  const specs = [
    { name: 'json', description: '' },
    { name: 'param', short: 'p', value: 'v', repeated: true, description: '' },
    { name: 'limit', value: 'n', description: '' },
  ];
  const parsed = parseArguments(['db', '--param', '1', '-p', '-2', '--limit=5', '--json', '--', '--not-an-option'], specs, 'sql');
  assert.deepEqual(parsed.positionals, ['db', '--not-an-option']);
  assert.deepEqual(parsed.options.get('param'), ['1', '-2']);
  assert.equal(parsed.options.get('limit'), '5');
  assert.equal(parsed.options.get('json'), true);
  assert.throws(() => parseArguments(['--jsno'], specs, 'sql'), (error: UsageError) => error.hint!.startsWith('did you mean --json?'));
  assert.throws(() => parseArguments(['--limit'], specs, 'sql'), /needs a value/);
  assert.throws(() => parseArguments(['--json=1'], specs, 'sql'), /takes no value/);
  assert.equal(nearestName('shel', ['sql', 'shell']), 'shell');
  assert.equal(nearestName('frobnicate', ['sql', 'shell']), undefined);
});

test('status lines and display widths', () => {
  assert.equal(statusLine('  insert into t values (1)', 3), 'INSERT 3');
  assert.equal(statusLine('-- c\nCREATE TABLE t (a INT)', 0), 'CREATE TABLE');
  assert.equal(statusLine('drop index if exists i', 0), 'DROP INDEX');
  assert.equal(displayWidth('abc'), 3);
  assert.equal(displayWidth('日本'), 4);
});
