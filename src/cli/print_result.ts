/**
 * Printing one statement's Result in the chosen text format. A statement that returns
 * columns prints them (table, CSV or JSON Lines); one that does not prints a psql-like
 * status line (`INSERT 3`, `CREATE TABLE`) — on stdout in table format, on stderr in the
 * machine formats so that their output stays parseable.
 */
import type { Result } from '../result/result.js';
import { csvChunks } from './format_csv.js';
import { jsonLineChunks } from './format_json.js';
import { formatTable } from './format_table.js';
import { writeChunks } from './output.js';
import { resultColumns } from './result_cells.js';

export type TextFormat = 'table' | 'json' | 'csv';

export interface PrintOptions {
  format: TextFormat;
  /** Table cells longer than this are cut (0: no limit). */
  maxWidth: number;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export async function printResult(result: Result, sql: string, options: PrintOptions): Promise<void> {
  if (result.columns.length === 0) {
    const status = statusLine(sql, result.rowCount);
    (options.format === 'table' ? options.stdout : options.stderr).write(`${status}\n`);
    return;
  }
  const columns = resultColumns(result);
  switch (options.format) {
    case 'table':
      await writeChunks(options.stdout, [formatTable(columns, result.rowCount, { maxWidth: options.maxWidth })]);
      return;
    case 'csv':
      await writeChunks(options.stdout, csvChunks(columns, result.rowCount));
      return;
    case 'json':
      await writeChunks(options.stdout, jsonLineChunks(columns, result.rowCount));
      return;
  }
}

const COUNTED = new Set(['INSERT', 'UPDATE', 'DELETE']);

/** `INSERT 3`, `CREATE TABLE`, `DROP INDEX`: the statement's leading keywords and, for DML, its row count. */
export function statusLine(sql: string, rowCount: number): string {
  const words = leadingWords(sql);
  const verb = words[0] ?? '';
  if (COUNTED.has(verb)) return `${verb} ${rowCount}`;
  if (verb === 'CREATE' || verb === 'DROP') return `${verb} ${(words[1] ?? '').replace(/[^A-Z]/g, '')}`.trim();
  return verb || 'OK';
}

/** The statement's words, upper-cased, comments left out (enough to name its kind). */
export function leadingWords(sql: string): string[] {
  return sql
    .replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ')
    .trim()
    .split(/\s+/)
    .slice(0, 3)
    .map((word) => word.toUpperCase());
}

/** True for statements that only read: SELECT, WITH, VALUES, EXPLAIN, or a parenthesised query. */
export function isQuery(sql: string): boolean {
  const first = leadingWords(sql)[0] ?? '';
  return /^(\(|SELECT\b|WITH\b|VALUES\b|EXPLAIN\b)/.test(first);
}
