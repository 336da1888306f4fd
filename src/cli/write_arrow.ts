/**
 * A query's Result as an Arrow IPC *file* (the random-access format with a footer that
 * `tableFromIPC`, DuckDB, pyarrow and Polars open), through `result.toArrow()` and
 * apache-arrow's `tableToIPC`. JSONB is Utf8 JSON text, VECTOR(n) FixedSizeList<Float32>[n],
 * TIMESTAMP timestamp[µs, UTC].
 */
import { tableToIPC } from 'apache-arrow';
import type { Result } from '../result/result.js';
import { CliError } from './cli_errors.js';
import { writeBytesToFile } from './output.js';

export async function writeArrowFile(result: Result, path: string, stdout: NodeJS.WritableStream): Promise<void> {
  if (result.columns.length === 0) throw new CliError('the statement returns no rows to write as Arrow (only a query does)');
  await writeBytesToFile(path, tableToIPC(result.toArrow(), 'file'), stdout);
}
