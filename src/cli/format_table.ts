/**
 * The aligned table format, as psql prints it: a header, a rule, one line per row with
 * cells separated by ` | `, numbers right-aligned, and a `(N rows)` footer. NULL shows as
 * `NULL`; line breaks and tabs inside a value are shown as `\n`, `\r`, `\t` so that each
 * row stays on one line; cells wider than `maxWidth` characters are cut with `…`.
 */
import { cellText, type CellColumn } from './result_cells.js';

export interface TableOptions {
  /** Longest cell in characters; 0 = no limit. */
  maxWidth: number;
}

export const DEFAULT_MAX_WIDTH = 80;

export function formatTable(columns: CellColumn[], rowCount: number, options: TableOptions): string {
  const header = columns.map((column) => visible(column.name, options.maxWidth));
  const cells = columns.map((column) => {
    const texts = new Array<string>(rowCount);
    for (let row = 0; row < rowCount; row++) {
      const cell = column.cell(row);
      texts[row] = cell === null ? 'NULL' : visible(cellText(cell), options.maxWidth);
    }
    return texts;
  });
  const widths = columns.map((_, c) => {
    let width = displayWidth(header[c]!);
    for (const text of cells[c]!) width = Math.max(width, displayWidth(text));
    return width;
  });
  const lines: string[] = [];
  lines.push(trimEnd(header.map((name, c) => ` ${center(name, widths[c]!)} `).join('|')));
  lines.push(widths.map((width) => '-'.repeat(width + 2)).join('+'));
  for (let row = 0; row < rowCount; row++) {
    const line = columns.map((column, c) => {
      const text = cells[c]![row]!;
      return ` ${column.numeric ? padStart(text, widths[c]!) : padEnd(text, widths[c]!)} `;
    });
    lines.push(trimEnd(line.join('|')));
  }
  lines.push(rowCountFooter(rowCount));
  return lines.join('\n') + '\n\n'; // psql's blank line after a result
}

export function rowCountFooter(rowCount: number): string {
  return `(${rowCount} ${rowCount === 1 ? 'row' : 'rows'})`;
}

/** Control characters made visible; cut to `maxWidth` characters with an ellipsis. */
function visible(text: string, maxWidth: number): string {
  let shown = /[\u0000-\u001f\u007f]/.test(text) ? text.replace(/[\u0000-\u001f\u007f]/g, escapeControl) : text;
  if (maxWidth > 0 && displayWidth(shown) > maxWidth) shown = cut(shown, maxWidth - 1) + '…';
  return shown;
}

function escapeControl(character: string): string {
  switch (character) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default:
      return `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`;
  }
}

/** Columns a string takes in a terminal: wide (CJK, emoji) characters count two, combining marks none. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const character of text) width += characterWidth(character.codePointAt(0)!);
  return width;
}

function characterWidth(code: number): number {
  if (code < 0x300) return 1;
  if ((code >= 0x300 && code <= 0x36f) || (code >= 0x200b && code <= 0x200f) || (code >= 0xfe00 && code <= 0xfe0f)) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

function cut(text: string, width: number): string {
  let out = '';
  let used = 0;
  for (const character of text) {
    const w = characterWidth(character.codePointAt(0)!);
    if (used + w > width) break;
    out += character;
    used += w;
  }
  return out;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

function center(text: string, width: number): string {
  const room = Math.max(0, width - displayWidth(text));
  const left = Math.floor(room / 2);
  return ' '.repeat(left) + text + ' '.repeat(room - left);
}

function trimEnd(line: string): string {
  return line.replace(/ +$/, '');
}
