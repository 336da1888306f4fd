/**
 * `replaydb export <db> "<query>" --jsonl <file> | --arrow <file>`: writes one query's rows
 * to a file for other tools — JSON Lines (the format DuckDB's read_json, pandas and most
 * training pipelines read) or an Arrow IPC file (DuckDB, pyarrow, Polars, Spark).
 */
import { expectPositionals, optionValue, optionValues, UsageError, type ParsedArguments } from './arguments.js';
import { BRANCH_OPTION, EXIT_OK, HELP_OPTION, type Command, type CommandIo } from './command.js';
import { jsonLineChunks } from './format_json.js';
import { openForCommand } from './open_database.js';
import { writeChunksToFile } from './output.js';
import { parameterValues } from './parameter_values.js';
import { isQuery } from './print_result.js';
import { resultColumns } from './result_cells.js';
import { allStatements } from './statement_splitter.js';
import { writeArrowFile } from './write_arrow.js';

const USAGE = 'replaydb export <db> "<query>" (--jsonl <file> | --arrow <file>) [--param <value> …]';

export const exportCommand: Command = {
  name: 'export',
  summary: "Write a query's rows to a JSON Lines or Arrow IPC file.",
  usage: USAGE,
  help: `
--jsonl writes one JSON object per row (JSONB embedded as JSON, VECTOR as arrays of numbers,
TIMESTAMP as ISO 8601 in UTC, BIGINT exact); --arrow writes an Arrow IPC file (JSONB as
Utf8 JSON text, VECTOR(n) as FixedSizeList<Float32>[n], TIMESTAMP as timestamp[us, UTC]).
A file of "-" is stdout. --param works as in "replaydb sql".

examples:
  replaydb export data/trajectories "SELECT * FROM trajectories WHERE trajectory_id IN (SELECT trajectory_id FROM trajectory_outcomes WHERE success)" --jsonl successes.jsonl
  replaydb export data/trajectories "SELECT * FROM trajectory_outcomes" --arrow outcomes.arrow
  duckdb -c "SELECT count(*) FROM read_json('successes.jsonl')"
`,
  options: [
    { name: 'jsonl', value: 'file', description: 'write JSON Lines to file ("-": stdout)' },
    { name: 'arrow', value: 'file', description: 'write an Arrow IPC file ("-": stdout)' },
    { name: 'param', short: 'p', value: 'value', repeated: true, description: 'a parameter value, in order (or :name=value)' },
    BRANCH_OPTION,
    HELP_OPTION,
  ],
  run: runExport,
};

async function runExport(parsed: ParsedArguments, io: CommandIo): Promise<number> {
  expectPositionals(parsed, 2, 2, USAGE, 'export');
  const [path, query] = parsed.positionals as [string, string];
  const jsonlPath = optionValue(parsed, 'jsonl');
  const arrowPath = optionValue(parsed, 'arrow');
  if ((jsonlPath === undefined) === (arrowPath === undefined)) {
    throw new UsageError('give exactly one of --jsonl <file> or --arrow <file>', 'see "replaydb export --help"');
  }
  const statements = allStatements(query);
  if (statements.length !== 1) throw new UsageError(`export takes one query, not ${statements.length} statements`, 'see "replaydb export --help"');
  // Refuse writes before running anything: export must not change the database.
  if (!isQuery(statements[0]!)) throw new UsageError('export needs a query that returns rows (SELECT …)', 'see "replaydb export --help"');
  const params = parameterValues(optionValues(parsed, 'param'), 'export');
  const db = await openForCommand(path, { branch: optionValue(parsed, 'branch') });
  try {
    const result = await db.execute(statements[0]!, params);
    if (result.columns.length === 0) throw new UsageError('export needs a query that returns rows', 'see "replaydb export --help"');
    if (arrowPath !== undefined) {
      await writeArrowFile(result, arrowPath, io.stdout);
    } else {
      await writeChunksToFile(jsonlPath!, jsonLineChunks(resultColumns(result), result.rowCount), io.stdout);
    }
    const target = (arrowPath ?? jsonlPath)!;
    if (target !== '-') io.stderr.write(`exported ${result.rowCount} ${result.rowCount === 1 ? 'row' : 'rows'} to ${target}\n`);
  } finally {
    await db.close();
  }
  return EXIT_OK;
}
