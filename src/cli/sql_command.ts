/**
 * `replaydb sql <db> "<query>"`: runs SQL against an existing database and prints the
 * result as an aligned table (default), JSON Lines, CSV, or writes it as an Arrow IPC
 * file. Several statements separated by `;` run in order and stop at the first error;
 * each statement is durable once it has run.
 */
import type { Result } from '../result/result.js';
import { expectPositionals, hasFlag, integerOption, optionValue, optionValues, UsageError, type ParsedArguments } from './arguments.js';
import { BRANCH_OPTION, EXIT_OK, HELP_OPTION, type Command, type CommandIo } from './command.js';
import { DEFAULT_MAX_WIDTH } from './format_table.js';
import { openForCommand } from './open_database.js';
import { parameterValues } from './parameter_values.js';
import { printResult, type TextFormat } from './print_result.js';
import { allStatements } from './statement_splitter.js';
import { writeArrowFile } from './write_arrow.js';

const USAGE = 'replaydb sql <db> "<query>" [--json | --csv | --arrow <file>] [--param <value> …]';

export const sqlCommand: Command = {
  name: 'sql',
  summary: 'Run SQL statements and print their results.',
  usage: USAGE,
  help: `
The query may hold several statements separated by ";" (they run in order and stop at the
first error); "-" reads the SQL from stdin. The database must exist (see --create).

Output: an aligned table with a "(N rows)" footer (cells longer than --max-width are cut
with "…"; NULL shows as NULL); --json prints JSON Lines, one object per row; --csv prints
RFC 4180 CSV with a header (CRLF line ends; NULL is an empty field, '' is ""); --arrow
writes the (last) query's result to an Arrow IPC file ("-" for stdout). A statement that
returns no rows prints a status line such as "INSERT 3" (on stderr with --json/--csv).

--param binds $1…$n, %s and ? markers in order. A value is read as JSON when it is a JSON
number, true, false, null, array (a vector) or object (JSONB), otherwise as text; quote it
as a JSON string to force text: --param '"42"'. --param :name=value binds :name markers.

Errors print the SQL line with a caret under the place and exit with code 1.

examples:
  replaydb sql data/trajectories "SELECT task_type, count(*) FROM trajectory_outcomes GROUP BY 1"
  replaydb sql data/trajectories "SELECT * FROM trajectories WHERE trajectory_id = \\$1 ORDER BY step" --param run-17 --json
  replaydb sql data/trajectories "SELECT * FROM trajectory_outcomes" --arrow outcomes.arrow
`,
  options: [
    { name: 'json', description: 'print JSON Lines (one object per row)' },
    { name: 'csv', description: 'print CSV (RFC 4180, with a header)' },
    { name: 'arrow', value: 'file', description: 'write the result to an Arrow IPC file ("-": stdout)' },
    { name: 'param', short: 'p', value: 'value', repeated: true, description: 'a parameter value, in order (or :name=value); repeat for more' },
    { name: 'max-width', value: 'n', description: `cut table cells longer than n characters (default ${DEFAULT_MAX_WIDTH}; 0: never)` },
    { name: 'create', description: 'create the database if it does not exist' },
    BRANCH_OPTION,
    HELP_OPTION,
  ],
  run: runSql,
};

async function runSql(parsed: ParsedArguments, io: CommandIo): Promise<number> {
  expectPositionals(parsed, 2, 2, USAGE, 'sql');
  const [path, queryArgument] = parsed.positionals as [string, string];
  const arrowPath = optionValue(parsed, 'arrow');
  const formats = [hasFlag(parsed, 'json'), hasFlag(parsed, 'csv'), arrowPath !== undefined].filter(Boolean).length;
  if (formats > 1) throw new UsageError('choose one output format: --json, --csv or --arrow', 'see "replaydb sql --help"');
  const format: TextFormat = hasFlag(parsed, 'json') ? 'json' : hasFlag(parsed, 'csv') ? 'csv' : 'table';
  const maxWidth = integerOption(parsed, 'max-width', DEFAULT_MAX_WIDTH, 'sql');
  const sql = queryArgument === '-' ? await readAll(io.stdin) : queryArgument;
  const statements = allStatements(sql);
  if (statements.length === 0) throw new UsageError('no SQL statement given', 'see "replaydb sql --help"');
  const params = parameterValues(optionValues(parsed, 'param'), 'sql');
  if (params !== undefined && statements.length > 1) {
    throw new UsageError('--param needs a single statement, but the query holds several', 'run the statements one by one');
  }
  const db = await openForCommand(path, { create: hasFlag(parsed, 'create'), branch: optionValue(parsed, 'branch') });
  try {
    let lastQuery: Result | undefined;
    for (const statement of statements) {
      const result = await db.execute(statement, params);
      if (arrowPath !== undefined && result.columns.length > 0) {
        lastQuery = result;
        continue;
      }
      // With --arrow, status lines go to stderr as in the other machine formats.
      const printFormat = arrowPath !== undefined ? 'csv' : format;
      await printResult(result, statement, { format: printFormat, maxWidth, stdout: io.stdout, stderr: io.stderr });
    }
    if (arrowPath !== undefined) {
      if (!lastQuery) throw new UsageError('--arrow needs a query that returns rows', 'see "replaydb sql --help"');
      await writeArrowFile(lastQuery, arrowPath, io.stdout);
    }
  } finally {
    await db.close();
  }
  return EXIT_OK;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
}
