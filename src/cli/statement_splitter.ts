/**
 * Splits SQL text into statements at semicolons that are outside string literals ('…',
 * with '' inside, and E'…' with backslash escapes), quoted names ("…") and comments (`--`
 * to the end of the line, nested `/* … *\/`), as the lexer reads them. The shell feeds it
 * line by line: text after the last semicolon is the unfinished statement.
 */

export interface SplitText {
  /** Complete statements, without their semicolons; statements of only blanks and comments are dropped. */
  statements: string[];
  /** The text after the last complete statement (an unfinished statement, or blanks). */
  rest: string;
}

export function splitStatements(text: string): SplitText {
  const statements: string[] = [];
  let start = 0;
  let hasCode = false;
  let i = 0;
  while (i < text.length) {
    const character = text[i]!;
    const next = text[i + 1];
    if (character === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      if (end < 0) break; // a comment running to the end of the text: unfinished
      i = end + 1;
      continue;
    }
    if (character === '/' && next === '*') {
      const end = commentEnd(text, i);
      if (end < 0) break;
      i = end;
      continue;
    }
    if (character === "'" || character === '"') {
      const escapes = character === "'" && (text[i - 1] === 'E' || text[i - 1] === 'e') && !isNameCharacter(text[i - 2]);
      const end = quoteEnd(text, i, character, escapes);
      hasCode = true;
      if (end < 0) break;
      i = end;
      continue;
    }
    if (character === ';') {
      if (hasCode) statements.push(text.slice(start, i).trim());
      start = i + 1;
      hasCode = false;
      i++;
      continue;
    }
    if (!/\s/.test(character)) hasCode = true;
    i++;
  }
  return { statements, rest: text.slice(start) };
}

/** True when `text` holds nothing but blanks and comments. */
/** Every statement in `text`, the last one with or without its semicolon. */
export function allStatements(text: string): string[] {
  const { statements, rest } = splitStatements(text);
  if (!isBlank(rest)) statements.push(rest.trim());
  return statements;
}

export function isBlank(text: string): boolean {
  const split = splitStatements(`${text}\n;`);
  return split.statements.length === 0 && split.rest.trim() === '';
}

function isNameCharacter(character: string | undefined): boolean {
  return character !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(character);
}

/** Offset just past the closing quote, or -1 when the text ends first. */
function quoteEnd(text: string, open: number, quote: string, backslashEscapes: boolean): number {
  for (let i = open + 1; i < text.length; i++) {
    const character = text[i];
    if (backslashEscapes && character === '\\') {
      i++;
      continue;
    }
    if (character === quote) {
      if (text[i + 1] === quote) {
        i++;
        continue;
      }
      return i + 1;
    }
  }
  return -1;
}

/** Offset just past the `*\/` that closes the comment opened at `open` (nested), or -1. */
function commentEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length - 1; i++) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth++;
      i++;
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth--;
      i++;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
