/**
 * CSV as RFC 4180 defines it: a header line, CRLF line ends, a field quoted (with `"`
 * doubled) when it holds a comma, a quote, CR or LF. NULL is an empty unquoted field and an
 * empty string is `""`, so the two stay apart (as Postgres' COPY … CSV writes them).
 * JSONB is its JSON text, VECTOR `[1,2,3]`, TIMESTAMP ISO 8601 in UTC.
 */
import { cellText, timestampIso, type CellColumn } from './result_cells.js';

const ROWS_PER_CHUNK = 1024;

/** The CSV text in chunks of whole lines (so a large result is never one huge string). */
export function* csvChunks(columns: CellColumn[], rowCount: number): Generator<string> {
  yield columns.map((column) => csvField(column.name)).join(',') + '\r\n';
  let chunk = '';
  for (let row = 0; row < rowCount; row++) {
    let line = '';
    for (let c = 0; c < columns.length; c++) {
      const cell = columns[c]!.cell(row);
      if (c > 0) line += ',';
      if (cell !== null) line += csvField(cellText(cell, timestampIso));
    }
    chunk += line + '\r\n';
    if ((row + 1) % ROWS_PER_CHUNK === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export function csvField(text: string): string {
  if (text === '') return '""';
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
