/**
 * JSON Lines: one JSON object per row, keyed by column name, one row per line (what `jq`,
 * DuckDB's `read_json` and most loaders read). JSONB values are embedded as JSON, BIGINT
 * as exact integers, VECTOR as arrays of numbers, TIMESTAMP as ISO 8601 strings in UTC,
 * NaN and infinities (which JSON lacks) as null. A name used by two columns gets `_2`.
 */
import { cellJson, type CellColumn } from './result_cells.js';

const ROWS_PER_CHUNK = 1024;

export function* jsonLineChunks(columns: CellColumn[], rowCount: number): Generator<string> {
  const keys = uniqueNames(columns.map((column) => column.name)).map((name) => JSON.stringify(name) + ':');
  let chunk = '';
  for (let row = 0; row < rowCount; row++) {
    let line = '{';
    for (let c = 0; c < columns.length; c++) line += (c > 0 ? ',' : '') + keys[c] + cellJson(columns[c]!.cell(row));
    chunk += line + '}\n';
    if ((row + 1) % ROWS_PER_CHUNK === 0) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** `a, a` → `a, a_2`, as `result.toArrow()` names them. */
export function uniqueNames(names: string[]): string[] {
  const used = new Set<string>();
  return names.map((name) => {
    let unique = name;
    for (let n = 2; used.has(unique); n++) unique = `${name}_${n}`;
    used.add(unique);
    return unique;
  });
}
