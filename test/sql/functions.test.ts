/**
 * Scalar functions, operators and the expression forms evaluated natively beside them
 * (src/plan/functions.ts, native/expr/*): text and numeric functions, ||, JSONB operators,
 * LIKE/ILIKE, CASE, IN (list), COALESCE/NULLIF/GREATEST/LEAST and CAST. Every expected value
 * is what Postgres returns for the same statement (Postgres 16, UTF-8, en_US collation where
 * it matters is avoided), unless a comment says otherwise.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { open, SqlError, type Database } from '../../src/index.js';
import { databasePath } from '../helpers.js';

async function freshDatabase(): Promise<Database> {
  const db = await open(databasePath());
  db.executeSync('CREATE TABLE t (k INT, s TEXT, j JSONB, f DOUBLE PRECISION, b BIGINT, ok BOOLEAN, ts TIMESTAMP)');
  db.executeSync(
    `INSERT INTO t VALUES
      (1, 'Hello', '{"name": "run_tests", "args": {"path": "test/", "flags": ["-v", "--ci"]}, "n": 3, "ok": true}', 1.5, 10, true, '2024-01-02 03:04:05'),
      (2, 'héllo wörld', '[10, 20, {"x": null}]', -2.5, -3000000000, false, '1999-12-31 23:59:59.25'),
      (3, '', '"plain"', 0, 0, NULL, NULL),
      (4, NULL, NULL, NULL, NULL, NULL, NULL)`,
  );
  return db;
}

/**
 * `SELECT a, f(b, c) FROM …` → `SELECT a AS c0, f(b, c) AS c1 FROM …`, so that columns with
 * the same default name (two calls of one function) stay apart in rows(). Splits the select
 * list at commas outside quotes, parentheses and brackets.
 */
function aliased(sql: string): string {
  const body = sql.slice('SELECT '.length);
  const items: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  let end = body.length;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '(' || c === '[') {
      depth++;
    } else if (c === ')' || c === ']') {
      depth--;
    } else if (depth === 0 && c === ',') {
      items.push(body.slice(start, i));
      start = i + 1;
    } else if (depth === 0 && /^\s+FROM\s/i.test(body.slice(i, i + 6)) && /\s/.test(c)) {
      end = i;
      break;
    }
  }
  items.push(body.slice(start, end));
  return `SELECT ${items.map((item, i) => `${item.trim()} AS c${i}`).join(', ')}${body.slice(end)}`;
}

/** The first row's values, in select-list order. */
function row(db: Database, sql: string, params?: unknown[] | Record<string, unknown>): unknown[] {
  const rows = db.executeSync(aliased(sql), params).rows();
  assert.ok(rows.length > 0, `${sql}: no rows`);
  return Object.values(rows[0]!);
}

/** The first column's values over all rows. */
function column(db: Database, sql: string, params?: unknown[]): unknown[] {
  return db.executeSync(sql, params).rows().map((r) => Object.values(r)[0]);
}

function expectError(db: Database, sql: string, expected: { code: string; message?: RegExp; line?: number; column?: number }, params?: unknown[]): SqlError {
  let caught: unknown;
  try {
    db.executeSync(sql, params);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof SqlError, `${sql}: expected a SqlError, got ${String(caught)}`);
  assert.equal(caught.code, expected.code, `${sql}: ${caught.message}`);
  if (expected.message) assert.match(caught.message, expected.message, sql);
  if (expected.line !== undefined) assert.equal(caught.line, expected.line, `${sql}: line`);
  if (expected.column !== undefined) assert.equal(caught.column, expected.column, `${sql}: column (${caught.message})`);
  return caught;
}

// ---------------------------------------------------------------- text

test('length, char_length and octet_length count characters and bytes', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, "SELECT length('héllo'), char_length('日本語'), octet_length('日本語'), length(''), length(NULL::text)"), [5, 3, 9, 0, null]);
  assert.deepEqual(column(db, 'SELECT length(s) FROM t ORDER BY k'), [5, 11, 0, null]);
  assert.deepEqual(row(db, "SELECT length('🙂x'), octet_length('🙂x')"), [2, 5]);
  assert.deepEqual(db.executeSync("SELECT length('a') AS n").columns, [{ name: 'n', type: 'integer' }]);
  await db.close();
});

test('lower and upper map ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, "SELECT lower('HeLLo 123'), upper('HeLLo 123'), lower(NULL), upper('')"), ['hello 123', 'HELLO 123', null, '']);
  assert.deepEqual(row(db, "SELECT lower('ÀÉÎÕÜ ÆØÞ'), upper('àéîõü æøþ ÿ')"), ['àéîõü æøþ', 'ÀÉÎÕÜ ÆØÞ Ÿ']);
  assert.deepEqual(row(db, "SELECT lower('ĄĆĘŁŃŚŹŻ Ő'), upper('ąćęłńśźż ő')"), ['ąćęłńśźż ő', 'ĄĆĘŁŃŚŹŻ Ő']);
  assert.deepEqual(row(db, "SELECT lower('ΑΒΓ ΆΈ Σ'), upper('αβγ άέ ς'), lower('ПРИВЕТ Ёж'), upper('привет ёж')"), ['αβγ άέ σ', 'ΑΒΓ ΆΈ Σ', 'привет ёж', 'ПРИВЕТ ЁЖ']);
  // One-to-one mapping only: ß has no single-character upper case (Postgres with glibc agrees).
  assert.deepEqual(row(db, "SELECT upper('straße'), lower('日本'), upper('🙂')"), ['STRAßE', '日本', '🙂']);
  assert.deepEqual(column(db, 'SELECT upper(s) FROM t ORDER BY k'), ['HELLO', 'HÉLLO WÖRLD', '', null]);
  await db.close();
});

test('substr and substring follow Postgres for out-of-range, negative and multi-byte cases', async () => {
  const db = await freshDatabase();
  assert.deepEqual(
    row(db, "SELECT substr('hello', 2, 3), substr('hello', 2), substr('hello', 0, 3), substr('hello', -1, 3), substr('hello', -1), substr('hello', 10), substr('hello', 3, 0)"),
    ['ell', 'ello', 'he', 'h', 'hello', '', ''],
  );
  assert.deepEqual(row(db, "SELECT substring('héllo wörld', 2, 4), substr('日本語テキスト', 3), substr('', 1, 5), substr('abc', 1, 2147483647)"), ['éllo', '語テキスト', '', 'abc']);
  assert.deepEqual(row(db, "SELECT substr(NULL, 1), substr('abc', NULL), substr('abc', 1, NULL)"), [null, null, null]);
  assert.deepEqual(column(db, 'SELECT substr(s, 2, 3) FROM t ORDER BY k'), ['ell', 'éll', '', null]);
  expectError(db, "SELECT substr('hello', 2, -1)", { code: 'substring_error', message: /negative substring length not allowed/ });
  expectError(db, "SELECT substr('hello', 2::bigint)", { code: 'undefined_function', message: /function substr\(unknown, bigint\) does not exist/ });
  await db.close();
});

test('left, right, strpos, starts_with and replace', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, "SELECT left('hello', 2), left('hello', -2), left('hello', 9), left('hello', -9), right('hello', 2), right('hello', -2), right('héllo', 3)"), [
    'he',
    'hel',
    'hello',
    '',
    'lo',
    'llo',
    'llo',
  ]);
  assert.deepEqual(row(db, "SELECT strpos('hello', 'll'), strpos('hello', 'z'), strpos('héllo', 'l'), strpos('abc', ''), strpos(NULL, 'a')"), [3, 0, 3, 1, null]);
  assert.deepEqual(row(db, "SELECT starts_with('hello', 'he'), starts_with('hello', 'lo'), starts_with('', ''), starts_with('x', NULL)"), [true, false, true, null]);
  assert.deepEqual(row(db, "SELECT replace('banana', 'an', 'AN'), replace('abc', '', 'x'), replace('aaa', 'a', ''), replace('wörld', 'ö', 'oe'), replace('a', 'a', NULL)"), [
    'bANANa',
    'abc',
    '',
    'woerld',
    null,
  ]);
  assert.deepEqual(column(db, "SELECT replace(s, 'l', 'L') FROM t ORDER BY k"), ['HeLLo', 'héLLo wörLd', '', null]);
  await db.close();
});

test('trim, btrim, ltrim and rtrim remove spaces or the given characters', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, "SELECT trim('  x  '), btrim('  x  '), ltrim('  x  '), rtrim('  x  '), btrim('\tx\t')"), ['x', 'x', 'x  ', '  x', '\tx\t']);
  assert.deepEqual(row(db, "SELECT btrim('xxaxx', 'x'), ltrim('abcba', 'ab'), rtrim('abcba', 'ab'), btrim('xyz', 'xyz'), btrim('', 'x')"), ['a', 'cba', 'abc', '', '']);
  assert.deepEqual(row(db, "SELECT btrim('ééaéé', 'é'), rtrim('a日本日', '日'), ltrim('日a', '本日'), btrim(NULL), btrim('x', NULL)"), ['a', 'a日本', 'a', null, null]);
  await db.close();
});

test('|| concatenates text, casts the other side to text, and is NULL when either side is', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, "SELECT 'a' || 'b', 'a' || NULL, 'step ' || 3, 1.5 || 'x', 'flag: ' || true, '' || ''"), ['ab', null, 'step 3', '1.5x', 'flag: true', '']);
  assert.deepEqual(column(db, "SELECT s || '!' FROM t ORDER BY k"), ['Hello!', 'héllo wörld!', '!', null]);
  assert.deepEqual(column(db, "SELECT k || ':' || f FROM t ORDER BY k"), ['1:1.5', '2:-2.5', '3:0', null]);
  assert.deepEqual(row(db, "SELECT 'at ' || ts FROM t WHERE k = 2"), ['at 1999-12-31 23:59:59.25']);
  expectError(db, 'SELECT 1 || 2', { code: 'undefined_function', message: /operator does not exist: integer \|\| integer/ });
  await db.close();
});

test('concat skips NULLs and prints values with their output functions; concat_ws joins', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, "SELECT concat('a', NULL, 1, true, 2.5), concat(NULL), concat_ws(',', 'a', NULL, 'b'), concat_ws(NULL, 'a'), concat_ws('', 1, 2)"), [
    'a1t2.5',
    '',
    'a,b',
    null,
    '12',
  ]);
  assert.deepEqual(column(db, "SELECT concat_ws('|', k, s, ok) FROM t ORDER BY k"), ['1|Hello|t', '2|héllo wörld|f', '3|', '4']);
  assert.deepEqual(row(db, "SELECT concat(j -> 'args') FROM t WHERE k = 1"), ['{"path": "test/", "flags": ["-v", "--ci"]}']);
  expectError(db, 'SELECT concat()', { code: 'undefined_function' });
  await db.close();
});

// ---------------------------------------------------------------- numbers

test('abs keeps the argument type and checks the integer range', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, 'SELECT abs(-5), abs(-2.5), abs(0), abs(-3000000000)'), [5, 2.5, 0, 3000000000]);
  assert.deepEqual(
    db.executeSync('SELECT abs(k) AS a, abs(f) AS b, abs(b) AS c FROM t').columns.map((c) => c.type),
    ['integer', 'double precision', 'bigint'],
  );
  assert.deepEqual(column(db, 'SELECT abs(f) FROM t ORDER BY k'), [1.5, 2.5, 0, null]);
  expectError(db, 'SELECT abs(-2147483647 - 1)', { code: 'numeric_value_out_of_range' });
  expectError(db, "SELECT abs('x'::text)", { code: 'undefined_function', message: /function abs\(text\) does not exist/ });
  await db.close();
});

test('round, trunc, floor and ceil', async () => {
  const db = await freshDatabase();
  // A decimal literal is numeric in Postgres (half away from zero); a double rounds half to even.
  assert.deepEqual(row(db, 'SELECT round(2.5), round(-2.5), round(2.5::float), round(3.5::float), round(7)'), [3, -3, 2, 4, 7]);
  assert.deepEqual(row(db, 'SELECT round(1.2345, 2), round(2.675, 2), round(-1.005, 2), round(1234.5, -2), round(0.004, 2), round(5, 1)'), [1.23, 2.68, -1.01, 1200, 0, 5]);
  assert.deepEqual(row(db, 'SELECT trunc(-1.7), trunc(1.789, 2), trunc(-1.789, 1), trunc(1789, -2)'), [-1, 1.78, -1.7, 1700]);
  assert.deepEqual(row(db, 'SELECT ceil(1.2), ceil(-1.2), ceiling(1.5), floor(1.8), floor(-1.2), floor(5)'), [2, -1, 2, 1, -2, 5]);
  assert.deepEqual(column(db, 'SELECT round(f) FROM t ORDER BY k'), [2, -2, 0, null]);
  assert.deepEqual(column(db, 'SELECT floor(f) FROM t ORDER BY k'), [1, -3, 0, null]);
  assert.deepEqual(db.executeSync('SELECT round(k) AS r FROM t').columns, [{ name: 'r', type: 'double precision' }]);
  expectError(db, "SELECT round('a'::text)", { code: 'undefined_function' });
  await db.close();
});

// ---------------------------------------------------------------- NULL handling

test('coalesce, nullif, greatest and least', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, "SELECT coalesce(NULL, 2, 3), coalesce(NULL::int, NULL), coalesce(NULL, 'x'), coalesce(1, 2.5)"), [2, null, 'x', 1]);
  assert.deepEqual(column(db, "SELECT coalesce(s, '(none)') FROM t ORDER BY k"), ['Hello', 'héllo wörld', '', '(none)']);
  assert.deepEqual(column(db, 'SELECT coalesce(b, k, 0) FROM t ORDER BY k'), [10, -3000000000, 0, 4]);
  // Later arguments are evaluated only for the rows that need them: no division by zero.
  assert.deepEqual(column(db, 'SELECT coalesce(k, 1 / 0) FROM t ORDER BY k'), [1, 2, 3, 4]);
  assert.deepEqual(column(db, 'SELECT coalesce(f, 10 / (k - 3)) FROM t ORDER BY k'), [1.5, -2.5, 0, 10]);
  assert.deepEqual(row(db, "SELECT nullif(1, 1), nullif(1, 2), nullif('a', 'b'), nullif(NULL, 1), nullif(1, NULL), nullif(2, 2.0)"), [null, 1, 'a', null, 1, null]);
  assert.deepEqual(column(db, "SELECT nullif(s, '') FROM t ORDER BY k"), ['Hello', 'héllo wörld', null, null]);
  assert.deepEqual(row(db, "SELECT greatest(1, 3, 2), least(1, 3, 2), greatest(1, NULL), least(NULL::int, NULL), least(2, 1.5), greatest('a', 'b'), greatest(true, false)"), [
    3,
    1,
    1,
    null,
    1.5,
    'b',
    true,
  ]);
  assert.deepEqual(db.executeSync('SELECT least(k, b) AS l FROM t').columns, [{ name: 'l', type: 'bigint' }]);
  assert.deepEqual(column(db, 'SELECT greatest(k, b, 2) FROM t ORDER BY k'), [10, 2, 3, 4]);
  assert.deepEqual(column(db, "SELECT least(ts, '2000-01-01') FROM t ORDER BY k"), [
    new Date('2000-01-01T00:00:00Z'),
    new Date('1999-12-31T23:59:59.250Z'),
    new Date('2000-01-01T00:00:00Z'),
    new Date('2000-01-01T00:00:00Z'),
  ]);
  expectError(db, "SELECT coalesce(k, 'x'::text) FROM t", { code: 'datatype_mismatch', message: /COALESCE types integer and text cannot be matched/ });
  expectError(db, 'SELECT greatest(j, j) FROM t', { code: 'undefined_function' });
  await db.close();
});

// ---------------------------------------------------------------- LIKE

test('LIKE and ILIKE: wildcards per character, escapes, NULLs and patterns from columns', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, "SELECT 'abc' LIKE 'abc', 'abc' LIKE 'ab', 'abc' LIKE 'a%', 'abc' LIKE '%c', 'abc' LIKE '%b%', 'abc' LIKE '%', '' LIKE '%', '' LIKE '_'"), [
    true,
    false,
    true,
    true,
    true,
    true,
    true,
    false,
  ]);
  assert.deepEqual(row(db, "SELECT 'abc' LIKE 'a_c', 'abc' LIKE '___', 'abc' LIKE '____', 'é' LIKE '_', '日本' LIKE '__', 'a%b' LIKE 'a%%b', 'aXbXc' LIKE '%X_X%'"), [
    true,
    true,
    false,
    true,
    true,
    true,
    true,
  ]);
  // Backtracking: a later % must be able to absorb more.
  assert.deepEqual(row(db, "SELECT 'mississippi' LIKE '%iss%ppi', 'mississippi' LIKE 'm%is_i%pi', 'aaa' LIKE '%a%a%a%a', 'abcabd' LIKE '%abd'"), [true, true, false, true]);
  assert.deepEqual(row(db, String.raw`SELECT '100%' LIKE '100\%', '1000' LIKE '100\%', 'a_c' LIKE 'a\_c', 'abc' LIKE 'a\_c', 'a\b' LIKE 'a\\b'`), [true, false, true, false, true]);
  assert.deepEqual(row(db, String.raw`SELECT '100%' LIKE '100#%' ESCAPE '#', '10#0' LIKE '10##0' ESCAPE '#', 'a\c' LIKE 'a\c' ESCAPE '', '%' LIKE '%' ESCAPE ''`), [true, true, true, true]);
  assert.deepEqual(row(db, "SELECT 'HeLLo' ILIKE 'hello', 'HÉLLO' ILIKE 'hé%', 'ΑΒΓ' ILIKE '%βγ', 'abc' NOT ILIKE 'A_C', 'abc' NOT LIKE 'A_C'"), [true, true, true, false, true]);
  assert.deepEqual(row(db, "SELECT NULL LIKE 'a', 'a' LIKE NULL, 'a' LIKE 'a' ESCAPE NULL, NULL NOT LIKE 'a'"), [null, null, null, null]);
  assert.deepEqual(column(db, "SELECT k FROM t WHERE s LIKE 'H%' OR s ILIKE '%WÖR%' ORDER BY k"), [1, 2]);
  assert.deepEqual(column(db, "SELECT s NOT LIKE '%l%' FROM t ORDER BY k"), [false, false, true, null]);
  db.executeSync('CREATE TABLE patterns (v TEXT, p TEXT)');
  db.executeSync(String.raw`INSERT INTO patterns VALUES ('run_tests', 'run%'), ('rerun', '%run'), ('100%', '100\%'), ('héllo', 'h_llo'), ('x', NULL), (NULL, '%'), ('abc', 'ABC')`);
  assert.deepEqual(column(db, 'SELECT v LIKE p FROM patterns'), [true, true, true, true, null, null, false]);
  assert.deepEqual(column(db, 'SELECT v ILIKE p FROM patterns'), [true, true, true, true, null, null, true]);
  expectError(db, String.raw`SELECT 'abc' LIKE 'abc\'`, { code: 'invalid_escape_sequence', message: /must not end with escape character/ });
  expectError(db, "SELECT 'abc' LIKE 'abc' ESCAPE 'xy'", { code: 'invalid_escape_sequence' });
  expectError(db, "SELECT k FROM t WHERE k LIKE '1'", { code: 'undefined_function', message: /integer ~~ unknown/ });
  await db.close();
});

// ---------------------------------------------------------------- CASE

test('CASE: searched and simple forms, NULL conditions, no ELSE, result types, lazy branches', async () => {
  const db = await freshDatabase();
  assert.deepEqual(column(db, "SELECT CASE WHEN f > 0 THEN 'pos' WHEN f < 0 THEN 'neg' ELSE 'zero or null' END FROM t ORDER BY k"), ['pos', 'neg', 'zero or null', 'zero or null']);
  // A NULL condition is not true; without ELSE the result is NULL.
  assert.deepEqual(column(db, "SELECT CASE WHEN ok THEN 'yes' WHEN NOT ok THEN 'no' END FROM t ORDER BY k"), ['yes', 'no', null, null]);
  assert.deepEqual(column(db, "SELECT CASE k WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END FROM t ORDER BY k"), ['one', 'two', 'many', 'many']);
  // The simple form compares with =: a NULL operand or WHEN value matches nothing.
  assert.deepEqual(column(db, "SELECT CASE s WHEN NULL THEN 'null' WHEN '' THEN 'empty' ELSE 'other' END FROM t ORDER BY k"), ['other', 'other', 'empty', 'other']);
  // Integer and double branches give a double; untyped literals take the branches' type.
  const mixed = db.executeSync('SELECT CASE WHEN ok THEN k ELSE 0.5 END AS v FROM t ORDER BY k');
  assert.deepEqual(mixed.columns, [{ name: 'v', type: 'double precision' }]);
  assert.deepEqual(mixed.rows().map((r) => r.v), [1, 0.5, 0.5, 0.5]);
  assert.deepEqual(column(db, "SELECT CASE WHEN k > 2 THEN '7' ELSE k END FROM t ORDER BY k"), [1, 2, 7, 7]);
  assert.deepEqual(column(db, "SELECT CASE WHEN k = 1 THEN j -> 'n' ELSE j -> 0 END FROM t ORDER BY k"), [3, 10, null, null]);
  // Only the chosen branch is evaluated.
  assert.deepEqual(column(db, 'SELECT CASE WHEN k = 3 THEN 0 ELSE 60 / (k - 3) END FROM t ORDER BY k'), [-30, -60, 0, 60]);
  assert.deepEqual(column(db, 'SELECT CASE WHEN b = 0 THEN NULL WHEN b IS NULL THEN -1 ELSE 6000000000 / b END FROM t ORDER BY k'), [600000000, -2, null, -1]);
  assert.deepEqual(row(db, "SELECT CASE WHEN false THEN 'x' END, CASE WHEN NULL THEN 1 ELSE 2 END, CASE 1 WHEN 1 THEN 'a' END"), [null, 2, 'a']);
  assert.deepEqual(column(db, 'SELECT k FROM t WHERE CASE WHEN s IS NULL THEN true ELSE length(s) > 5 END ORDER BY k'), [2, 4]);
  assert.deepEqual(row(db, 'SELECT sum(CASE WHEN ok THEN 1 ELSE 0 END), count(CASE WHEN f > 0 THEN 1 END) FROM t'), [1, 1]);
  expectError(db, 'SELECT CASE WHEN ok THEN s ELSE k END FROM t', { code: 'datatype_mismatch', message: /CASE types text and integer cannot be matched/ });
  expectError(db, 'SELECT CASE WHEN k THEN 1 END FROM t', { code: 'datatype_mismatch', message: /argument of CASE\/WHEN must be type boolean, not type integer/ });
  await db.close();
});

// ---------------------------------------------------------------- IN

test('IN (list): NULL semantics, constant sets of any size, and items that are expressions', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, 'SELECT 1 IN (1, NULL), 2 IN (1, NULL), 2 NOT IN (1, NULL), 1 NOT IN (1, NULL), NULL IN (1, 2), NULL::int NOT IN (1), 3 NOT IN (1, 2)'), [
    true,
    null,
    null,
    false,
    null,
    null,
    true,
  ]);
  assert.deepEqual(column(db, 'SELECT k FROM t WHERE k IN (1, 3, 99) ORDER BY k'), [1, 3]);
  assert.deepEqual(column(db, 'SELECT k FROM t WHERE k NOT IN (1, 3) ORDER BY k'), [2, 4]);
  assert.deepEqual(column(db, "SELECT k FROM t WHERE s IN ('Hello', '', 'x') ORDER BY k"), [1, 3]);
  assert.deepEqual(column(db, "SELECT k FROM t WHERE k IN ('1', '2') ORDER BY k"), [1, 2]);
  assert.deepEqual(column(db, 'SELECT k IN (1.5, 2) FROM t ORDER BY k'), [false, true, false, false]);
  assert.deepEqual(column(db, 'SELECT b IN (10, NULL) FROM t ORDER BY k'), [true, null, null, null]);
  // More items than the linear search takes: a hash set (integers, floats, text).
  const many = Array.from({ length: 40 }, (_, i) => i * 3).join(', ');
  assert.deepEqual(column(db, `SELECT k FROM t WHERE k IN (${many}) ORDER BY k`), [3]);
  assert.deepEqual(column(db, `SELECT k NOT IN (${many}, NULL) FROM t ORDER BY k`), [null, null, false, null]);
  const words = Array.from({ length: 20 }, (_, i) => `'w${i}'`).join(', ');
  assert.deepEqual(column(db, `SELECT s IN (${words}, 'Hello') FROM t ORDER BY k`), [true, false, false, null]);
  assert.deepEqual(row(db, `SELECT (-0.0)::float IN (${many}), 'NaN'::float IN (1, 'NaN'), 'NaN'::float IN (${many}, 'NaN')`), [true, true, true]);
  assert.deepEqual(column(db, 'SELECT k + 1 IN (k * 2, 5) FROM t ORDER BY k'), [true, false, false, true]);
  assert.deepEqual(column(db, `SELECT j IN ('"plain"', '[10, 20, {"x": null}]') FROM t ORDER BY k`), [false, true, true, null]);
  assert.deepEqual(column(db, "SELECT ts IN ('2024-01-02 03:04:05', NULL) FROM t ORDER BY k"), [true, null, null, null]);
  expectError(db, "SELECT k FROM t WHERE k IN (1, 'a'::text)", { code: 'undefined_function', message: /integer = text/ });
  expectError(db, "SELECT k FROM t WHERE k IN (1, 'a')", { code: 'invalid_text_representation' });
  await db.close();
});

// ---------------------------------------------------------------- casts

test('casts from text parse each type and report bad input at the cast', async () => {
  const db = await open(databasePath());
  db.executeSync('CREATE TABLE raw (k INT, v TEXT)');
  db.executeSync("INSERT INTO raw VALUES (1, ' 42 '), (2, '-7'), (3, NULL)");
  assert.deepEqual(column(db, 'SELECT v::int FROM raw ORDER BY k'), [42, -7, null]);
  assert.deepEqual(column(db, 'SELECT CAST(v AS BIGINT) FROM raw ORDER BY k'), [42, -7, null]);
  assert.deepEqual(column(db, 'SELECT v::double precision FROM raw ORDER BY k'), [42, -7, null]);
  db.executeSync("INSERT INTO raw VALUES (4, 'yes'), (5, 'OFF'), (6, ' t '), (7, '0')");
  assert.deepEqual(column(db, 'SELECT v::boolean FROM raw WHERE k >= 4 ORDER BY k'), [true, false, true, false]);
  db.executeSync(`INSERT INTO raw VALUES (8, '2024-01-02 03:04:05.25'), (9, '{"b": [1, 2], "a": null}'), (10, '[1, 2.5]'), (11, 'NaN'), (12, '-Infinity'), (13, '1e-3')`);
  assert.deepEqual(row(db, 'SELECT v::timestamp FROM raw WHERE k = 8'), [new Date('2024-01-02T03:04:05.250Z')]);
  assert.deepEqual(row(db, 'SELECT v::jsonb FROM raw WHERE k = 9'), [{ a: null, b: [1, 2] }]);
  assert.deepEqual(row(db, 'SELECT v::vector(2) FROM raw WHERE k = 10'), [new Float32Array([1, 2.5])]);
  assert.deepEqual(column(db, 'SELECT v::double precision FROM raw WHERE k >= 11 ORDER BY k'), [NaN, -Infinity, 0.001]);
  assert.deepEqual(column(db, 'SELECT v::real FROM raw WHERE k = 13'), [Math.fround(0.001)]);

  // Bad input: invalid_text_representation naming the value, pointing at the cast.
  const error = expectError(db, 'SELECT k,\n       v::int AS n FROM raw WHERE k = 4', {
    code: 'invalid_text_representation',
    message: /invalid input syntax for type integer: "yes"/,
    line: 2,
    column: 8,
  });
  assert.match(error.toString(), /LINE 2: {8}v::int AS n/);
  expectError(db, 'SELECT CAST(v AS boolean) FROM raw WHERE k = 1', { code: 'invalid_text_representation', message: /type boolean: " 42 "/, line: 1, column: 8 });
  expectError(db, 'SELECT k, v::timestamp FROM raw WHERE k = 1', { code: 'invalid_text_representation', message: /type timestamp/, column: 11 });
  expectError(db, 'SELECT v::double precision FROM raw WHERE k = 4', { code: 'invalid_text_representation', message: /type double precision: "yes"/ });
  expectError(db, 'SELECT v::jsonb FROM raw WHERE k = 4', { code: 'invalid_json' });
  expectError(db, 'SELECT v::vector(3) FROM raw WHERE k = 10', { code: 'data_exception', message: /expected 3 dimensions, not 2/ });
  expectError(db, "SELECT '99999999999'::text::int", { code: 'numeric_value_out_of_range', message: /value "99999999999" is out of range for type integer/ });
  expectError(db, "SELECT '1e400'::text::double precision", { code: 'numeric_value_out_of_range' });
  // Literals are parsed as the target type directly; the error points at the literal.
  expectError(db, "SELECT CAST('abc' AS int)", { code: 'invalid_text_representation', column: 13 });
  await db.close();
});

test('casts to text print Postgres output formats', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, 'SELECT 42::text, (-42)::bigint::text, true::text, false::text'), ['42', '-42', 'true', 'false']);
  assert.deepEqual(row(db, 'SELECT 0.1::float::text, (0.1 + 0.2)::text, 1e14::float::text, 1e15::float::text, 1e-4::float::text, 1e-5::float::text, 1.5e300::text'), [
    '0.1',
    '0.30000000000000004',
    '100000000000000',
    '1e+15',
    '0.0001',
    '1e-05',
    '1.5e+300',
  ]);
  assert.deepEqual(row(db, "SELECT 0.1::real::text, 100000::real::text, 1000000::real::text, 'NaN'::float::text, 'Infinity'::float::text, (-0.0)::float::text"), [
    '0.1',
    '100000',
    '1e+06',
    'NaN',
    'Infinity',
    '-0',
  ]);
  assert.deepEqual(column(db, 'SELECT ts::text FROM t ORDER BY k'), ['2024-01-02 03:04:05', '1999-12-31 23:59:59.25', null, null]);
  assert.deepEqual(row(db, "SELECT '0001-01-01 00:00:00'::timestamp::text, '2024-02-29 12:00:00.000001'::timestamp::text"), ['0001-01-01 00:00:00', '2024-02-29 12:00:00.000001']);
  assert.deepEqual(row(db, `SELECT '[1,2.5,-3]'::vector(3)::text, '{"b":1,"a":[1, 2]}'::jsonb::text, '"s"'::jsonb::text`), ['[1,2.5,-3]', '{"a": [1, 2], "b": 1}', '"s"']);
  assert.deepEqual(column(db, 'SELECT j::text FROM t ORDER BY k'), [
    '{"n": 3, "ok": true, "args": {"path": "test/", "flags": ["-v", "--ci"]}, "name": "run_tests"}',
    '[10, 20, {"x": null}]',
    '"plain"',
    null,
  ]);
  assert.deepEqual(column(db, 'SELECT f::text FROM t ORDER BY k'), ['1.5', '-2.5', '0', null]);
  await db.close();
});

test('casts between numbers, booleans and JSONB, and casts Postgres does not have', async () => {
  const db = await freshDatabase();
  assert.deepEqual(row(db, 'SELECT 2.5::float::int, 3.5::float::int, 2.5::int, (-2.5)::int, 0.5::int'), [2, 4, 3, -3, 1]);
  assert.deepEqual(row(db, 'SELECT 9.2e18::bigint::text, (-1.5)::bigint, 1.4::int'), ['9200000000000000000', -2, 1]);
  assert.deepEqual(row(db, 'SELECT 1::boolean, 0::boolean, 2::boolean, true::int, false::int'), [true, false, true, 1, 0]);
  assert.deepEqual(column(db, 'SELECT ok::int FROM t ORDER BY k'), [1, 0, null, null]);
  assert.deepEqual(row(db, "SELECT (j -> 'n')::int, (j -> 'n')::float, (j -> 'ok')::boolean, (j -> 'missing')::int FROM t WHERE k = 1"), [3, 3, true, null]);
  assert.deepEqual(row(db, "SELECT '1.5'::jsonb::int, '2.5'::jsonb::int, '-7'::jsonb::bigint, '1e2'::jsonb::real"), [2, 3, -7, 100]);
  expectError(db, "SELECT (j -> 'name')::int FROM t WHERE k = 1", { code: 'invalid_parameter_value', message: /cannot cast jsonb string to type integer/ });
  expectError(db, "SELECT 'null'::jsonb::int", { code: 'invalid_parameter_value', message: /cannot cast jsonb null to type integer/ });
  expectError(db, "SELECT '1'::jsonb::boolean", { code: 'invalid_parameter_value', message: /cannot cast jsonb numeric to type boolean/ });
  expectError(db, 'SELECT b::int FROM t ORDER BY k', { code: 'numeric_value_out_of_range' });
  expectError(db, 'SELECT 1e39::real', { code: 'numeric_value_out_of_range' });
  expectError(db, 'SELECT 1e19::bigint', { code: 'numeric_value_out_of_range' });
  expectError(db, 'SELECT 1::jsonb', { code: 'cannot_coerce', message: /cannot cast type integer to jsonb/ });
  expectError(db, 'SELECT true::timestamp', { code: 'cannot_coerce' });
  expectError(db, 'SELECT k::timestamp FROM t', { code: 'cannot_coerce', message: /cannot cast type integer to timestamp/, column: 8 });
  expectError(db, 'SELECT 10::bigint::boolean', { code: 'cannot_coerce' });
  expectError(db, "SELECT '[1,2]'::vector(2)::vector(3)", { code: 'datatype_mismatch', message: /expected 3 dimensions, not 2/ });
  assert.deepEqual(row(db, "SELECT '[1,2]'::vector"), [new Float32Array([1, 2])]);
  await db.close();
});

// ---------------------------------------------------------------- JSONB

test('JSONB -> and ->> on a column: keys, indexes (negative from the end), chains, NULLs', async () => {
  const db = await freshDatabase();
  const check = () => {
    assert.deepEqual(column(db, "SELECT j -> 'name' FROM t ORDER BY k"), ['run_tests', null, null, null]);
    assert.deepEqual(column(db, "SELECT j ->> 'name' FROM t ORDER BY k"), ['run_tests', null, null, null]);
    assert.deepEqual(row(db, "SELECT j -> 'args' -> 'flags' ->> 1, j -> 'args' ->> 'path', j #>> '{args,flags,0}', j #>> '{args}', j #>> '{}' FROM t WHERE k = 1"), [
      '--ci',
      'test/',
      '-v',
      '{"path": "test/", "flags": ["-v", "--ci"]}',
      '{"n": 3, "ok": true, "args": {"path": "test/", "flags": ["-v", "--ci"]}, "name": "run_tests"}',
    ]);
    assert.deepEqual(row(db, "SELECT j -> 0, j -> -1, j -> 3, j -> -4, j -> 2 -> 'x', j -> 2 ->> 'x', j ->> 1, j -> 'x' FROM t WHERE k = 2"), [10, { x: null }, null, null, null, null, '20', null]);
    assert.deepEqual(row(db, "SELECT j ->> 0, j -> 'a', j ->> 'ok' FROM t WHERE k = 3"), [null, null, null]);
    assert.deepEqual(row(db, "SELECT j ->> 'ok', j ->> 'n', j ->> 'args' FROM t WHERE k = 1"), ['true', '3', '{"path": "test/", "flags": ["-v", "--ci"]}']);
    assert.deepEqual(column(db, "SELECT k FROM t WHERE j ->> 'name' = 'run_tests'"), [1]);
    assert.deepEqual(column(db, "SELECT k FROM t WHERE (j -> 'n')::int > 2"), [1]);
  };
  check();
  await db.commit('sealed'); // the same from immutable segments
  check();
  assert.deepEqual(db.executeSync("SELECT j -> 'name' AS a, j ->> 'name' AS b FROM t WHERE k = 1").columns, [
    { name: 'a', type: 'jsonb' },
    { name: 'b', type: 'text' },
  ]);
  await db.close();
});

test('JSONB operators take keys, indexes and documents from parameters', async () => {
  const db = await freshDatabase();
  assert.deepEqual(column(db, 'SELECT j -> $1 FROM t ORDER BY k', ['n']), [3, null, null, null]);
  assert.deepEqual(column(db, 'SELECT j ->> $1 FROM t ORDER BY k', [1]), [null, '20', null, null]);
  assert.deepEqual(
    db.executeSync('SELECT j -> :i AS v FROM t ORDER BY k', { i: -1 }).rows().map((r) => r.v),
    [null, { x: null }, null, null],
  );
  const doc = { trajectory: { steps: [{ tool: 'grep' }, { tool: 'edit', args: { file: 'a.ts' } }] }, reward: 0.75 };
  assert.deepEqual(row(db, "SELECT $1 -> 'trajectory' -> 'steps' -> 1 ->> 'tool', $1 #>> '{trajectory,steps,1,args,file}', ($1 ->> 'reward')::float", [doc]), ['edit', 'a.ts', 0.75]);
  assert.deepEqual(row(db, 'SELECT $1::jsonb @> $2::jsonb, $2::jsonb @> $1::jsonb', [doc, { reward: 0.75 }]), [true, false]);
  assert.deepEqual(row(db, 'SELECT $1 #>> $2', [doc, '{trajectory,steps,0,tool}']), ['grep']);
  assert.deepEqual(column(db, 'SELECT k FROM t WHERE j @> $1', [{ args: { flags: ['--ci'] } }]), [1]);
  assert.deepEqual(row(db, 'SELECT $1 -> $2', [null, 'a']), [null]);
  expectError(db, 'SELECT j -> $1 FROM t', { code: 'undefined_function', message: /jsonb -> boolean/ }, [true]);
  await db.close();
});

test('@> containment as the Postgres documentation describes it', async () => {
  const db = await freshDatabase();
  const contains = (left: string, right: string) => row(db, `SELECT '${left}'::jsonb @> '${right}'::jsonb`)[0];
  assert.equal(contains('{"a":1, "b":2}', '{"b":2}'), true);
  assert.equal(contains('"foo"', '"foo"'), true);
  assert.equal(contains('[1, 2, 3]', '[1, 3]'), true);
  assert.equal(contains('[1, 2, 3]', '[3, 1]'), true);
  assert.equal(contains('[1, 2, 3]', '[1, 2, 2]'), true);
  assert.equal(contains('{"product": "PostgreSQL", "version": 9.4, "jsonb": true}', '{"version": 9.4}'), true);
  // Not contained although a similar array is nested inside (the documentation's example).
  assert.equal(contains('[1, 2, [1, 3]]', '[1, 3]'), false);
  assert.equal(contains('[1, 2, [1, 3]]', '[[1, 3]]'), true);
  assert.equal(contains('{"foo": {"bar": "baz"}}', '{"bar": "baz"}'), false);
  assert.equal(contains('{"foo": {"bar": "baz"}}', '{"foo": {}}'), true);
  assert.equal(contains('["foo", "bar"]', '"foo"'), true);
  assert.equal(contains('"foo"', '["foo"]'), false);
  assert.equal(contains('{"a": 1}', '[]'), false);
  assert.equal(contains('[]', '[]'), true);
  assert.equal(contains('{"n": 1.50}', '{"n": 1.5}'), true);
  assert.deepEqual(column(db, `SELECT j @> '{"name": "run_tests"}' FROM t ORDER BY k`), [true, false, false, null]);
  assert.deepEqual(column(db, "SELECT j @> '[10]' FROM t ORDER BY k"), [false, true, false, null]);
  expectError(db, "SELECT s @> '{}' FROM t", { code: 'undefined_function', message: /text @> unknown/ });
  await db.close();
});

test('jsonb_typeof, jsonb_array_length, jsonb_extract_path[_text], #>> paths and jsonb ||', async () => {
  const db = await freshDatabase();
  assert.deepEqual(column(db, 'SELECT jsonb_typeof(j) FROM t ORDER BY k'), ['object', 'array', 'string', null]);
  assert.deepEqual(row(db, "SELECT jsonb_typeof('1.5'), jsonb_typeof('true'), jsonb_typeof('null'), jsonb_typeof(j -> 'args') FROM t WHERE k = 1"), ['number', 'boolean', 'null', 'object']);
  assert.deepEqual(row(db, "SELECT jsonb_array_length(j -> 'args' -> 'flags'), jsonb_array_length('[]'), jsonb_array_length(NULL) FROM t WHERE k = 1"), [2, 0, null]);
  expectError(db, 'SELECT jsonb_array_length(j) FROM t WHERE k = 1', { code: 'invalid_parameter_value', message: /cannot get array length of a non-array/ });
  expectError(db, 'SELECT jsonb_array_length(j) FROM t WHERE k = 3', { code: 'invalid_parameter_value', message: /of a scalar/ });
  assert.deepEqual(row(db, "SELECT jsonb_extract_path(j, 'args', 'flags', '1'), jsonb_extract_path_text(j, 'args', 'path'), jsonb_extract_path_text(j, 'nope', 'x') FROM t WHERE k = 1"), [
    '--ci',
    'test/',
    null,
  ]);
  assert.deepEqual(row(db, `SELECT j #>> ARRAY['args', 'flags', '-1'], j #>> '{ "args" , path }', j #>> '{args,NULL}', j #>> '{n,0}' FROM t WHERE k = 1`), ['--ci', 'test/', null, null]);
  expectError(db, "SELECT j #>> '{args' FROM t", { code: 'invalid_text_representation', message: /malformed array literal/, column: 14 });
  assert.deepEqual(
    row(db, `SELECT '{"a":1}'::jsonb || '{"b":2}', '{"a":1}'::jsonb || '{"a":2}', '[1]'::jsonb || '[2, 3]', '[1]'::jsonb || '2', '1'::jsonb || '[]', '{"a":1}'::jsonb || '[1]', '[]'::jsonb || '{}'`),
    [{ a: 1, b: 2 }, { a: 2 }, [1, 2, 3], [1, 2], [1], [{ a: 1 }, 1], [{}]],
  );
  assert.deepEqual(column(db, `SELECT j || '{"k": 0}' FROM t ORDER BY k`), [
    { n: 3, ok: true, args: { path: 'test/', flags: ['-v', '--ci'] }, name: 'run_tests', k: 0 },
    [10, 20, { x: null }, { k: 0 }],
    ['plain', { k: 0 }],
    null,
  ]);
  expectError(db, "SELECT s -> 'a' FROM t", { code: 'undefined_function', message: /operator does not exist: text -> unknown/ });
  expectError(db, 'SELECT j -> 1.5 FROM t', { code: 'undefined_function' });
  await db.close();
});

// ---------------------------------------------------------------- errors and plumbing

test('unknown functions and bad calls are undefined_function at the name, with suggestions', async () => {
  const db = await freshDatabase();
  expectError(db, 'SELECT lowr(s) FROM t', { code: 'undefined_function', message: /function lowr\(text\) does not exist\. Perhaps you meant "lower"/, column: 8 });
  expectError(db, 'SELECT k, upper(k) FROM t', { code: 'undefined_function', message: /function upper\(integer\) does not exist/, column: 11 });
  expectError(db, "SELECT length('a', 'b')", { code: 'undefined_function', message: /function length\(unknown, unknown\) does not exist/ });
  expectError(db, 'SELECT lower(DISTINCT s) FROM t', { code: 'syntax_error', message: /not an aggregate function/ });
  expectError(db, 'SELECT coalesce() FROM t', { code: 'undefined_function' });
  await db.close();
});

test('functions compose with aggregates, GROUP BY, ORDER BY and work across batches and segments', async () => {
  const db = await open(databasePath());
  db.executeSync('CREATE TABLE steps (id INT, tool TEXT, meta JSONB)');
  const tools = ['grep', 'Edit', 'run_tests'];
  const toolOf = (i: number) => (i % 7 === 0 ? null : tools[i % 3]!);
  const values: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const tool = toolOf(i);
    values.push(`(${i}, ${tool === null ? 'NULL' : `'${tool}'`}, '{"tokens": ${i % 100}, "ok": ${i % 2 === 0}}')`);
  }
  db.executeSync(`INSERT INTO steps VALUES ${values.join(', ')}`);
  const check = () => {
    const grouped = db.executeSync("SELECT lower(coalesce(tool, 'none')) AS t, count(*) AS n FROM steps GROUP BY lower(coalesce(tool, 'none')) ORDER BY t").rows();
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const key = (toolOf(i) ?? 'none').toLowerCase();
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.deepEqual(grouped, [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => ({ t, n })));
    let expectedSum = 0;
    for (let i = 0; i < 5000; i += 2) expectedSum += i % 100;
    const sums = db.executeSync("SELECT sum(CASE WHEN (meta ->> 'ok')::boolean THEN (meta -> 'tokens')::int ELSE 0 END) AS a FROM steps").rows();
    assert.deepEqual(sums, [{ a: expectedSum }]);
    const ids = [1, 2, 4, 5, 8, 10, 11, 13, 14, 16, 4999];
    const likeCount = db.executeSync(`SELECT count(*) AS n FROM steps WHERE tool ILIKE '%E%' AND id IN (${ids.join(', ')})`).rows()[0]!.n;
    assert.equal(likeCount, ids.filter((i) => /e/i.test(toolOf(i) ?? '')).length);
    const top = db.executeSync("SELECT id, substr(tool, 1, 2) || '-' || (meta ->> 'tokens') AS label FROM steps WHERE tool IS NOT NULL ORDER BY length(tool) DESC, id LIMIT 2").rows();
    assert.deepEqual(top, [
      { id: 2, label: 'ru-2' },
      { id: 5, label: 'ru-5' },
    ]);
  };
  check();
  await db.commit('sealed');
  check();
  await db.close();
});
