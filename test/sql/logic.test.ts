/**
 * Logic tests: replaydb's SQL behaviour written as sqllogictest files (DuckDB's style), one
 * `test()` per file under test/sql/logic/ in the source tree, each on a fresh database in a
 * child process of its own (so an engine crash fails one file and names the statement).
 * Every expected result is what Postgres returns for the same statements.
 *
 * File format. Records are separated by blank lines; a line starting with `#` between
 * records is a comment. A statement's SQL runs until the next blank line (or `----`), so
 * SQL inside a record has no blank lines.
 *
 *   statement ok                      the statement must succeed (a query's rows are ignored)
 *   CREATE TABLE t (a INT, b TEXT)
 *
 *   statement error undefined_column  it must fail with this SqlError code; text after the
 *   SELECT c FROM t                   code is a regular expression the message must match
 *                                     (`statement error syntax_error trailing comma`)
 *
 *   query IT rowsort                  one type letter per result column, then the rows
 *   SELECT a, b FROM t
 *   ----
 *   1	x
 *   NULL	NULL
 *
 *   skipif unsupported                directly before a record: skip the record if its
 *   statement ok                      statement fails with feature_not_supported (a feature
 *   UPDATE t SET a = 1                still to land); otherwise it runs and is checked as usual
 *
 *   onlyif previous                   directly before a record: run it only if the record
 *   query I                           before it ran (was not skipped), for a check of what a
 *   SELECT a FROM t                   skipped statement would have done; chains of them work
 *   ----
 *   1
 *
 *   commit                            db.commit(): seal what is pending into segments
 *   reopen                            close the database and open it again
 *
 * Type letters (checked against the result's column types): I integer types (smallint,
 * integer, bigint); R any number (real, double precision, or an integer type, since
 * Postgres' numeric results such as sum(bigint) may be whole); T text; B boolean; J jsonb
 * (its compact JSON text, keys in jsonb order); V vector; D timestamp.
 *
 * Values are tab-separated, one row per line: NULL as `NULL`; booleans `true`/`false`; the
 * empty string as `(empty)`; tabs, newlines and backslashes in text as `\t`, `\n`, `\\`;
 * R values rounded to 6 significant digits and printed without trailing zeros (`0.333333`,
 * `1.5`, `1e+21`, `NaN`, `Infinity`); V as `[1,2.5,-3]` with each element like R; D as ISO
 * 8601 UTC, `2024-01-02T03:04:05Z` or with the fraction of a second when it has one
 * (`2024-01-02T03:04:05.123456Z`).
 *
 * Row order: `rowsort` compares the rows sorted; `nosort` (the default) compares them in the
 * order returned, so use it only where ORDER BY fixes the order. A mismatch reports the
 * file:line of the record, the SQL, and the expected and actual rows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open, SqlError, type Database, type Result } from '../../src/index.js';
import { packageRoot } from '../../src/native.js';

type SortMode = 'rowsort' | 'nosort';

interface Directives {
  /** Skip the record if it fails with feature_not_supported. */
  skipIfUnsupported: boolean;
  /** Skip the record, unrun, if the record before it was skipped. */
  onlyIfPrevious: boolean;
}

interface StatementRecord extends Directives {
  kind: 'statement';
  line: number;
  sql: string;
  /** undefined: the statement must succeed. */
  error?: { code: string; message?: RegExp };
}

interface QueryRecord extends Directives {
  kind: 'query';
  line: number;
  sql: string;
  types: string;
  sort: SortMode;
  expected: string[];
}

/** A call on the database between statements: commit() or close() and open() again. */
interface CommandRecord extends Directives {
  kind: 'command';
  line: number;
  command: 'commit' | 'reopen';
}

type LogicRecord = StatementRecord | QueryRecord | CommandRecord;

const TYPE_LETTERS = 'IRTBJVD';

/** Splits a logic file into records; a malformed file throws with its file:line. */
function parseLogicFile(text: string, file: string): LogicRecord[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const records: LogicRecord[] = [];
  let directives: Directives = { skipIfUnsupported: false, onlyIfPrevious: false };
  const pending = () => directives.skipIfUnsupported || directives.onlyIfPrevious;
  let i = 0;
  const fail = (lineIndex: number, message: string): never => {
    throw new Error(`${file}:${lineIndex + 1}: ${message}`);
  };
  /** SQL lines from `i` until a blank line, EOF or (for queries) `----`. */
  const readSql = (start: number, header: number): string => {
    const sqlLines: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && lines[i] !== '----') sqlLines.push(lines[i++]!);
    if (sqlLines.length === 0) fail(header, `record at line ${start} has no SQL`);
    return sqlLines.join('\n');
  };
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '' || line.startsWith('#')) {
      i++;
      continue;
    }
    const header = i;
    const words = line.trim().split(/\s+/);
    i++;
    if (words[0] === 'skipif' || words[0] === 'onlyif') {
      const directive = words.join(' ');
      if (directive !== 'skipif unsupported' && directive !== 'onlyif previous') {
        fail(header, `unknown directive "${line}"; the directives are "skipif unsupported" and "onlyif previous"`);
      }
      const key = directive === 'skipif unsupported' ? 'skipIfUnsupported' : 'onlyIfPrevious';
      if (directives[key]) fail(header, `"${directive}" twice before one record`);
      directives = { ...directives, [key]: true };
      continue;
    }
    if (words[0] === 'statement') {
      let error: StatementRecord['error'];
      if (words[1] === 'error') {
        const rest = line.trim().slice('statement'.length).trim().slice('error'.length).trim();
        const space = rest.search(/\s/);
        const code = space < 0 ? rest : rest.slice(0, space);
        const pattern = space < 0 ? '' : rest.slice(space).trim();
        if (!/^[a-z_]+$/.test(code)) fail(header, `"statement error" needs an error code such as syntax_error, got "${code}"`);
        error = { code, message: pattern ? new RegExp(pattern) : undefined };
      } else if (words[1] !== 'ok' || words.length !== 2) {
        fail(header, `expected "statement ok" or "statement error <code> [regex]", got "${line}"`);
      }
      const sql = readSql(header + 1, header);
      if (lines[i] === '----') fail(i, '"----" belongs to a query record, not a statement');
      records.push({ kind: 'statement', line: header + 1, sql, ...directives, error });
      directives = { skipIfUnsupported: false, onlyIfPrevious: false };
      continue;
    }
    if ((words[0] === 'commit' || words[0] === 'reopen') && words.length === 1) {
      if (pending()) fail(header, `a directive before "${words[0]}"`);
      records.push({ kind: 'command', line: header + 1, command: words[0], skipIfUnsupported: false, onlyIfPrevious: false });
      continue;
    }
    if (words[0] === 'query') {
      const types = words[1] ?? '';
      if (!types || [...types].some((letter) => !TYPE_LETTERS.includes(letter))) {
        fail(header, `"query" needs type letters from ${TYPE_LETTERS}, got "${types}"`);
      }
      const sort = (words[2] ?? 'nosort') as SortMode;
      if ((sort !== 'rowsort' && sort !== 'nosort') || words.length > 3) fail(header, `unknown sort mode in "${line}" (rowsort or nosort)`);
      const sql = readSql(header + 1, header);
      if (lines[i] !== '----') fail(header, 'query record without "----" (write "----" and a blank line for no rows)');
      i++;
      const expected: string[] = [];
      while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
      records.push({ kind: 'query', line: header + 1, sql, ...directives, types, sort, expected });
      directives = { skipIfUnsupported: false, onlyIfPrevious: false };
      continue;
    }
    fail(header, `expected "statement", "query", a directive or a # comment, got "${line}"`);
  }
  if (pending()) fail(lines.length - 1, 'a directive at the end of the file, before no record');
  return records;
}

/** Whether a result column of Postgres type `type` may be read with `letter`. */
function letterFits(letter: string, type: string): boolean {
  switch (letter) {
    case 'I': return type === 'smallint' || type === 'integer' || type === 'bigint';
    case 'R': return ['smallint', 'integer', 'bigint', 'real', 'double precision', 'numeric'].includes(type);
    case 'T': return type === 'text' || type.startsWith('character varying') || type === 'unknown';
    case 'B': return type === 'boolean';
    case 'J': return type === 'jsonb' || type === 'json';
    case 'V': return type.startsWith('vector');
    case 'D': return type.startsWith('timestamp');
    default: return false;
  }
}

/** A float rounded to 6 significant digits, without trailing zeros. */
function formatReal(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

function formatTimestamp(milliseconds: number): string {
  const micros = BigInt(Math.round(milliseconds * 1000));
  const seconds = micros / 1_000_000n - (micros % 1_000_000n < 0n ? 1n : 0n);
  const fraction = micros - seconds * 1_000_000n;
  const iso = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return fraction === 0n ? `${iso}Z` : `${iso}.${fraction.toString().padStart(6, '0').replace(/0+$/, '')}Z`;
}

function formatValue(value: unknown, letter: string): string {
  if (value === null || value === undefined) return 'NULL';
  switch (letter) {
    case 'I': return String(value);
    case 'R': return typeof value === 'bigint' ? value.toString() : formatReal(value as number);
    case 'B': return value ? 'true' : 'false';
    case 'V': {
      const elements = Array.from((value as { toArray(): Float32Array }).toArray());
      return `[${elements.map(formatReal).join(',')}]`;
    }
    case 'D': return formatTimestamp(value as number);
    default: {
      const text = String(value);
      if (text === '') return '(empty)';
      return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
    }
  }
}

/** The rows of a result as tab-separated lines, read by position (column names may repeat). */
function formatRows(result: Result, types: string): string[] {
  const table = result.toArrow();
  const columns = result.columns.map((_, index) => table.getChildAt(index)!);
  const lines: string[] = [];
  for (let row = 0; row < result.rowCount; row++) {
    lines.push(columns.map((column, index) => formatValue(column.get(row), types[index]!)).join('\t'));
  }
  return lines;
}

function describe(file: string, record: LogicRecord): string {
  return `${file}:${record.line}\n${record.kind === 'command' ? record.command : record.sql}`;
}

function describeError(error: unknown): string {
  return error instanceof SqlError ? `SqlError [${error.code}]: ${error.message}` : String(error);
}

/** Runs one record; returns whether it was skipped (see the directives above). */
function runRecord(db: Database, file: string, record: StatementRecord | QueryRecord, previousSkipped: boolean): boolean {
  if (record.onlyIfPrevious && previousSkipped) return true;
  let result: Result | undefined;
  let failure: unknown;
  try {
    result = db.executeSync(record.sql);
  } catch (error) {
    failure = error;
  }
  if (record.skipIfUnsupported && failure instanceof SqlError && failure.code === 'feature_not_supported') return true;

  if (record.kind === 'statement') {
    if (!record.error) {
      if (failure !== undefined) assert.fail(`${describe(file, record)}\nexpected: success\nactual:   ${describeError(failure)}`);
      return false;
    }
    const { code, message } = record.error;
    if (failure === undefined) assert.fail(`${describe(file, record)}\nexpected: error ${code}\nactual:   success`);
    if (!(failure instanceof SqlError)) assert.fail(`${describe(file, record)}\nexpected: SqlError ${code}\nactual:   ${describeError(failure)}`);
    if (failure.code !== code || (message && !message.test(failure.message))) {
      assert.fail(`${describe(file, record)}\nexpected: error ${code}${message ? ` matching /${message.source}/` : ''}\nactual:   ${describeError(failure)}`);
    }
    return false;
  }

  if (failure !== undefined) assert.fail(`${describe(file, record)}\nexpected: rows\nactual:   ${describeError(failure)}`);
  const columns = result!.columns;
  if (columns.length !== record.types.length) {
    assert.fail(`${describe(file, record)}\nexpected ${record.types.length} column(s) (${record.types}), got ${columns.length}: ${columns.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  }
  columns.forEach((column, index) => {
    const letter = record.types[index]!;
    if (!letterFits(letter, column.type)) {
      assert.fail(`${describe(file, record)}\ncolumn ${index + 1} ("${column.name}") has type ${column.type}, which type letter ${letter} does not cover`);
    }
  });
  let actual = formatRows(result!, record.types);
  let expected = record.expected;
  if (record.sort === 'rowsort') {
    actual = [...actual].sort();
    expected = [...expected].sort();
  }
  if (actual.length !== expected.length || actual.some((row, index) => row !== expected[index])) {
    const show = (rows: string[]) => (rows.length ? rows.map((row) => `  ${row}`).join('\n') : '  (no rows)');
    assert.fail(`${describe(file, record)}\nexpected (${expected.length} rows):\n${show(expected)}\nactual (${actual.length} rows):\n${show(actual)}`);
  }
  return false;
}

function findLogicFiles(directory: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) files.push(...findLogicFiles(path));
    else if (name.endsWith('.test')) files.push(path);
  }
  return files;
}

/**
 * Each file runs in a child process (this module, started with WORKER_FLAG), so an engine
 * crash (a signal, an abort) fails that file's test with the record it was running instead
 * of taking every logic test down. The child announces each record on stdout before running
 * it and ends with one RESULT line of JSON. After a crash the file runs again on a fresh
 * database without the records that crashed, so the records after them are still checked.
 */
const WORKER_FLAG = '--logic-worker';
const RECORD_PREFIX = 'LOGIC-RECORD ';
const RESULT_PREFIX = 'LOGIC-RESULT ';

interface FileOutcome {
  records: number;
  skipped: number;
  failures: string[];
}

/** Runs a file's records, leaving out those on the lines in `crashed`. */
async function runFile(path: string, file: string, databaseDirectory: string, crashed: Set<number>): Promise<FileOutcome> {
  const records = parseLogicFile(readFileSync(path, 'utf8'), file).filter((record) => !crashed.has(record.line));
  let db = await open(databaseDirectory);
  let skipped = 0;
  let previousSkipped = false;
  // Every record runs, so one wrong result does not hide the others; they fail together.
  const failures: string[] = [];
  try {
    for (const record of records) {
      writeSync(1, `${RECORD_PREFIX}${record.line}\n`);
      let skippedNow = false;
      try {
        if (record.kind === 'command') {
          if (record.command === 'commit') await db.commit(`${file}:${record.line}`);
          else {
            await db.close();
            db = await open(databaseDirectory);
          }
        } else {
          skippedNow = runRecord(db, file, record, previousSkipped);
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push(record.kind === 'command' ? `${describe(file, record)}\nfailed: ${message}` : message);
      }
      if (skippedNow) skipped++;
      previousSkipped = skippedNow;
    }
  } finally {
    await db.close();
  }
  return { records: records.length, skipped, failures };
}

const root = packageRoot();

if (process.argv[2] === WORKER_FLAG) {
  const [path, databaseDirectory, crashedLines] = process.argv.slice(3) as [string, string, string];
  const crashed = new Set(crashedLines.split(',').filter(Boolean).map(Number));
  const outcome = await runFile(path, relative(root, path), databaseDirectory, crashed);
  writeSync(1, `${RESULT_PREFIX}${JSON.stringify(outcome)}\n`);
} else {
  const { databasePath } = await import('../helpers.js');
  const logicDirectory = join(root, 'test', 'sql', 'logic');
  const logicFiles = findLogicFiles(logicDirectory);

  test('the logic-test directory holds .test files', () => {
    assert.ok(logicFiles.length > 0, `no .test files under ${logicDirectory}`);
  });

  for (const path of logicFiles) {
    const file = relative(root, path);
    test(file, (t) => {
      // Parse here too: a malformed file fails before any SQL runs, and a crash is reported
      // with the SQL of the record the child was running.
      const records = parseLogicFile(readFileSync(path, 'utf8'), file);
      const crashed = new Set<number>();
      const crashes: string[] = [];
      let outcome: FileOutcome | undefined;
      while (!outcome) {
        const child = spawnSync(
          process.execPath,
          [fileURLToPath(import.meta.url), WORKER_FLAG, path, databasePath(), [...crashed].join(',')],
          { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
        );
        const lines = child.stdout.split('\n');
        const resultLine = lines.find((line) => line.startsWith(RESULT_PREFIX));
        if (resultLine) {
          outcome = JSON.parse(resultLine.slice(RESULT_PREFIX.length)) as FileOutcome;
          break;
        }
        const running = lines.filter((line) => line.startsWith(RECORD_PREFIX)).pop();
        const record = records.find((candidate) => `${RECORD_PREFIX}${candidate.line}` === running);
        const how = child.error ? String(child.error) : child.signal ? `killed by ${child.signal}` : `exited with status ${child.status}`;
        const report = `the logic-test process ${how}${record ? ` while running ${describe(file, record)}` : ''}\nstderr:\n${child.stderr.slice(-2000)}`;
        // Without a record to leave out (or after too many), a rerun would crash the same way.
        if (!record || crashed.has(record.line) || crashed.size >= 10) assert.fail([...crashes, report].join('\n\n'));
        crashed.add(record.line);
        crashes.push(report);
      }
      const failures = [...crashes, ...outcome.failures];
      if (outcome.skipped) t.diagnostic(`${outcome.skipped} of ${records.length} records skipped: feature_not_supported (or after one that was)`);
      if (failures.length) assert.fail(`${failures.length} of ${records.length} records failed:\n\n${failures.join('\n\n')}`);
    });
  }
}
