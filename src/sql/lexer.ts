/**
 * The lexer turns SQL text into a flat array of tokens, each with the Position of its first
 * character. It runs once over the text with a charCode switch (no per-character regular
 * expressions), so its cost is linear in the length of the SQL even for INSERT statements with
 * thousands of rows. Keywords are not a token type of their own: a keyword is an unquoted
 * identifier, and the parser decides by its lower-cased value what it means. Parameters
 * (`%s`, `$1`, `?`, `:name`) are recognised here because only the lexer knows whether a
 * character sits inside a string literal, a quoted identifier or a comment, where it is
 * plain text.
 */
import type { ParameterStyle, Position } from './ast.js';
import { SqlError } from './sql_error.js';

export type TokenType =
  /** Unquoted name or keyword; `value` is lower-cased (ASCII only, as Postgres does). */
  | 'identifier'
  /** "Quoted" name; `value` keeps its case, `""` already turned into `"`. */
  | 'quoted_identifier'
  /** Numeric literal; `value` is its text as written. */
  | 'number'
  /** String literal; `value` is the decoded content. */
  | 'string'
  /** Operator or punctuation; `value` is its canonical spelling (`!=` becomes `<>`). */
  | 'operator'
  /** Parameter placeholder; see `parameterStyle`. */
  | 'parameter'
  /** After the last token; `pos` is the end of the text. Always the last element. */
  | 'end';

export interface Token {
  type: TokenType;
  /**
   * identifier: lower-cased name; quoted_identifier: the name; number: its text; string: the
   * decoded value; operator: the operator; parameter: the name for `:name`, the digits for
   * `$n`, '' for `%s` and `?`; end: ''.
   */
  value: string;
  /** Where the token's first character is. */
  pos: Position;
  /** Offset just past the token's last character: `sql.slice(pos.offset, end)` is its text. */
  end: number;
  /** Set on parameter tokens only. */
  parameterStyle?: ParameterStyle;
}

// Character codes the lexer switches on.
const TAB = 9;
const LINE_FEED = 10;
const VERTICAL_TAB = 11;
const FORM_FEED = 12;
const CARRIAGE_RETURN = 13;
const SPACE = 32;
const EXCLAMATION = 33;
const DOUBLE_QUOTE = 34;
const HASH = 35;
const DOLLAR = 36;
const PERCENT = 37;
const SINGLE_QUOTE = 39;
const LEFT_PAREN = 40;
const RIGHT_PAREN = 41;
const ASTERISK = 42;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const SLASH = 47;
const DIGIT_0 = 48;
const DIGIT_7 = 55;
const DIGIT_9 = 57;
const COLON = 58;
const SEMICOLON = 59;
const LESS = 60;
const EQUALS = 61;
const GREATER = 62;
const QUESTION = 63;
const AT = 64;
const UPPER_A = 65;
const UPPER_E = 69;
const UPPER_Z = 90;
const LEFT_BRACKET = 91;
const BACKSLASH = 92;
const RIGHT_BRACKET = 93;
const UNDERSCORE = 95;
const LOWER_A = 97;
const LOWER_E = 101;
const LOWER_S = 115;
const LOWER_Z = 122;
const VERTICAL_BAR = 124;

function isDigit(code: number): boolean {
  return code >= DIGIT_0 && code <= DIGIT_9;
}

/** Letters, underscore, and every non-ASCII character (Postgres treats high-bit bytes as letters). */
function isIdentifierStart(code: number): boolean {
  return (
    (code >= LOWER_A && code <= LOWER_Z) ||
    (code >= UPPER_A && code <= UPPER_Z) ||
    code === UNDERSCORE ||
    code >= 128
  );
}

function isIdentifierPart(code: number): boolean {
  return isIdentifierStart(code) || isDigit(code) || code === DOLLAR;
}

/** Lower-cases A-Z only: Postgres leaves non-ASCII letters of unquoted names alone. */
function foldAsciiCase(text: string): string {
  return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
}

/** How much of a bad token an error message quotes. */
const QUOTED_TEXT_LIMIT = 40;

function excerpt(sql: string, start: number, end: number): string {
  const text = sql.slice(start, Math.min(end, start + QUOTED_TEXT_LIMIT));
  return end - start > QUOTED_TEXT_LIMIT ? `${text}…` : text;
}

class Lexer {
  private readonly tokens: Token[] = [];
  private offset = 0;
  private line = 1;
  /** Offset of the first character of the current line, for columns. */
  private lineStart = 0;

  constructor(private readonly sql: string) {}

  run(): Token[] {
    const sql = this.sql;
    const length = sql.length;
    while (this.offset < length) {
      const code = sql.charCodeAt(this.offset);
      switch (code) {
        case LINE_FEED:
          this.offset++;
          this.line++;
          this.lineStart = this.offset;
          break;
        case SPACE:
        case TAB:
        case CARRIAGE_RETURN:
        case VERTICAL_TAB:
        case FORM_FEED:
          this.offset++;
          break;
        case SINGLE_QUOTE:
          this.lexString(this.offset, this.offset);
          break;
        case DOUBLE_QUOTE:
          this.lexQuotedIdentifier();
          break;
        case LEFT_PAREN:
          this.emitOperator('(', 1);
          break;
        case RIGHT_PAREN:
          this.emitOperator(')', 1);
          break;
        case COMMA:
          this.emitOperator(',', 1);
          break;
        case SEMICOLON:
          this.emitOperator(';', 1);
          break;
        case LEFT_BRACKET:
          this.emitOperator('[', 1);
          break;
        case RIGHT_BRACKET:
          this.emitOperator(']', 1);
          break;
        case PLUS:
          this.emitOperator('+', 1);
          break;
        case ASTERISK:
          this.emitOperator('*', 1);
          break;
        case EQUALS:
          this.emitOperator('=', 1);
          break;
        case MINUS:
          this.lexMinus();
          break;
        case SLASH:
          if (sql.charCodeAt(this.offset + 1) === ASTERISK) this.skipBlockComment();
          else this.emitOperator('/', 1);
          break;
        case PERCENT:
          this.lexPercent();
          break;
        case VERTICAL_BAR:
          if (sql.charCodeAt(this.offset + 1) === VERTICAL_BAR) this.emitOperator('||', 2);
          else this.failAtCharacter();
          break;
        case LESS:
          this.lexLess();
          break;
        case GREATER:
          if (sql.charCodeAt(this.offset + 1) === EQUALS) this.emitOperator('>=', 2);
          else this.emitOperator('>', 1);
          break;
        case EXCLAMATION:
          if (sql.charCodeAt(this.offset + 1) === EQUALS) this.emitOperator('<>', 2);
          else this.failAtCharacter();
          break;
        case HASH:
          if (sql.charCodeAt(this.offset + 1) === GREATER && sql.charCodeAt(this.offset + 2) === GREATER) {
            this.emitOperator('#>>', 3);
          } else if (sql.charCodeAt(this.offset + 1) === GREATER) {
            this.emitOperator('#>', 2);
          } else {
            this.failAtCharacter();
          }
          break;
        case AT:
          if (sql.charCodeAt(this.offset + 1) === GREATER) this.emitOperator('@>', 2);
          else this.failAtCharacter();
          break;
        case COLON:
          this.lexColon();
          break;
        case QUESTION:
          this.emitParameter('qmark', '', 1);
          break;
        case DOLLAR:
          this.lexDollar();
          break;
        case DOT:
          if (isDigit(sql.charCodeAt(this.offset + 1))) this.lexNumber();
          else this.emitOperator('.', 1);
          break;
        default:
          if (isDigit(code)) {
            this.lexNumber();
          } else if (
            (code === UPPER_E || code === LOWER_E) &&
            sql.charCodeAt(this.offset + 1) === SINGLE_QUOTE
          ) {
            this.lexString(this.offset, this.offset + 1);
          } else if (isIdentifierStart(code)) {
            this.lexIdentifier();
          } else {
            this.failAtCharacter();
          }
      }
    }
    this.tokens.push({ type: 'end', value: '', pos: this.positionOf(length), end: length });
    return this.tokens;
  }

  // ------------------------------------------------------------------ helpers

  /** Position of `offset`, which must lie on the current line (tokens never start mid-skip). */
  private positionOf(offset: number): Position {
    return { offset, line: this.line, column: offset - this.lineStart + 1 };
  }

  private push(type: TokenType, value: string, start: number, end: number): void {
    this.tokens.push({ type, value, pos: this.positionOf(start), end });
  }

  private emitOperator(operator: string, width: number): void {
    this.push('operator', operator, this.offset, this.offset + width);
    this.offset += width;
  }

  private emitParameter(style: ParameterStyle, value: string, width: number): void {
    this.tokens.push({
      type: 'parameter',
      value,
      pos: this.positionOf(this.offset),
      end: this.offset + width,
      parameterStyle: style,
    });
    this.offset += width;
  }

  /** Moves the line counters over the newlines in [from, to): used after multi-line tokens. */
  private countLines(from: number, to: number): void {
    const sql = this.sql;
    for (let i = from; i < to; i++) {
      if (sql.charCodeAt(i) === LINE_FEED) {
        this.line++;
        this.lineStart = i + 1;
      }
    }
  }

  private fail(message: string, start: number): never {
    throw new SqlError('syntax_error', message, { pos: this.positionOf(start), sql: this.sql });
  }

  private failAtCharacter(): never {
    const text = String.fromCodePoint(this.sql.codePointAt(this.offset) ?? 0);
    this.fail(`syntax error at or near "${text}"`, this.offset);
  }

  // ------------------------------------------------------------------ token kinds

  private lexIdentifier(): void {
    const sql = this.sql;
    const start = this.offset;
    let end = start;
    let hasUpper = false;
    while (end < sql.length) {
      const code = sql.charCodeAt(end);
      if (!isIdentifierPart(code)) break;
      if (code >= UPPER_A && code <= UPPER_Z) hasUpper = true;
      end++;
    }
    const text = sql.slice(start, end);
    this.push('identifier', hasUpper ? foldAsciiCase(text) : text, start, end);
    this.offset = end;
  }

  private lexQuotedIdentifier(): void {
    const sql = this.sql;
    const start = this.offset;
    let value = '';
    let chunkStart = start + 1;
    for (;;) {
      const close = sql.indexOf('"', chunkStart);
      if (close < 0) {
        this.fail(`unterminated quoted identifier at or near "${excerpt(sql, start, sql.length)}"`, start);
      }
      value += sql.slice(chunkStart, close);
      if (sql.charCodeAt(close + 1) === DOUBLE_QUOTE) {
        value += '"';
        chunkStart = close + 2;
        continue;
      }
      const end = close + 1;
      if (value.length === 0) this.fail('zero-length delimited identifier at or near """"', start);
      this.push('quoted_identifier', value, start, end);
      this.countLines(start, end);
      this.offset = end;
      return;
    }
  }

  /**
   * A '…' literal with '' for a quote; `quoteAt` is the opening quote, `start` the token start
   * (one before it for E'…', whose backslash escapes are decoded as Postgres does).
   */
  private lexString(start: number, quoteAt: number): void {
    const sql = this.sql;
    const escapes = quoteAt !== start;
    let value = '';
    let chunkStart = quoteAt + 1;
    let i = chunkStart;
    for (;;) {
      if (!escapes) {
        // Fast path: jump from quote to quote.
        const close = sql.indexOf("'", i);
        if (close < 0) break;
        value += sql.slice(chunkStart, close);
        if (sql.charCodeAt(close + 1) === SINGLE_QUOTE) {
          value += "'";
          chunkStart = i = close + 2;
          continue;
        }
        this.finishString(value, start, close + 1);
        return;
      }
      if (i >= sql.length) break;
      const code = sql.charCodeAt(i);
      if (code === SINGLE_QUOTE) {
        value += sql.slice(chunkStart, i);
        if (sql.charCodeAt(i + 1) === SINGLE_QUOTE) {
          value += "'";
          chunkStart = i = i + 2;
          continue;
        }
        this.finishString(value, start, i + 1);
        return;
      }
      if (code === BACKSLASH) {
        value += sql.slice(chunkStart, i);
        const [decoded, next] = this.decodeEscape(i);
        value += decoded;
        chunkStart = i = next;
        continue;
      }
      i++;
    }
    this.fail(`unterminated quoted string at or near "${excerpt(sql, start, sql.length)}"`, start);
  }

  private finishString(value: string, start: number, end: number): void {
    this.push('string', value, start, end);
    this.countLines(start, end);
    this.offset = end;
  }

  /** Decodes the backslash escape at `at` inside an E'…' string; returns the text and the next offset. */
  private decodeEscape(at: number): [string, number] {
    const sql = this.sql;
    const code = sql.charCodeAt(at + 1);
    if (Number.isNaN(code)) return ['', at + 1]; // the caller reports the unterminated string
    switch (code) {
      case 98: // b
        return ['\b', at + 2];
      case 102: // f
        return ['\f', at + 2];
      case 110: // n
        return ['\n', at + 2];
      case 114: // r
        return ['\r', at + 2];
      case 116: // t
        return ['\t', at + 2];
      case 120: {
        // \xh or \xhh
        let end = at + 2;
        while (end < at + 4 && /[0-9a-fA-F]/.test(sql.charAt(end))) end++;
        if (end === at + 2) return ['x', at + 2];
        return [String.fromCharCode(parseInt(sql.slice(at + 2, end), 16)), end];
      }
      case 117: // \uXXXX
      case 85: {
        // \UXXXXXXXX
        const digits = code === 117 ? 4 : 8;
        const hex = sql.slice(at + 2, at + 2 + digits);
        if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) {
          this.fail('invalid Unicode escape: \\u needs 4 and \\U 8 hexadecimal digits', at);
        }
        const codePoint = parseInt(hex, 16);
        if (codePoint > 0x10ffff || codePoint === 0) this.fail('invalid Unicode escape value', at);
        return [String.fromCodePoint(codePoint), at + 2 + digits];
      }
      default:
        if (code >= DIGIT_0 && code <= DIGIT_7) {
          let end = at + 1;
          while (end < at + 4 && sql.charCodeAt(end) >= DIGIT_0 && sql.charCodeAt(end) <= DIGIT_7) end++;
          return [String.fromCharCode(parseInt(sql.slice(at + 1, end), 8)), end];
        }
        // Any other escaped character stands for itself (\\ and \' included).
        return [String.fromCodePoint(sql.codePointAt(at + 1) ?? 0), at + 1 + (code >= 0xd800 && code < 0xdc00 ? 2 : 1)];
    }
  }

  /** Integers, decimals (`1.5`, `1.`, `.5`) and exponents; a letter right after one is an error, as in Postgres 15+. */
  private lexNumber(): void {
    const sql = this.sql;
    const start = this.offset;
    let end = start;
    while (isDigit(sql.charCodeAt(end))) end++;
    // `1..2` is two tokens in Postgres (array slices), so a dot followed by a dot stays behind.
    if (sql.charCodeAt(end) === DOT && sql.charCodeAt(end + 1) !== DOT) {
      end++;
      while (isDigit(sql.charCodeAt(end))) end++;
    }
    const exponent = sql.charCodeAt(end);
    if (exponent === LOWER_E || exponent === UPPER_E) {
      let digitsAt = end + 1;
      const sign = sql.charCodeAt(digitsAt);
      if (sign === PLUS || sign === MINUS) digitsAt++;
      if (isDigit(sql.charCodeAt(digitsAt))) {
        end = digitsAt;
        while (isDigit(sql.charCodeAt(end))) end++;
      }
    }
    if (end < sql.length && isIdentifierPart(sql.charCodeAt(end))) {
      let junkEnd = end;
      while (junkEnd < sql.length && isIdentifierPart(sql.charCodeAt(junkEnd))) junkEnd++;
      this.fail(`trailing junk after numeric literal at or near "${excerpt(sql, start, junkEnd)}"`, start);
    }
    this.push('number', sql.slice(start, end), start, end);
    this.offset = end;
  }

  private lexMinus(): void {
    const sql = this.sql;
    const next = sql.charCodeAt(this.offset + 1);
    if (next === MINUS) {
      // -- comment: up to (not including) the newline, which the main loop counts.
      const newline = sql.indexOf('\n', this.offset + 2);
      this.offset = newline < 0 ? sql.length : newline;
    } else if (next === GREATER) {
      if (sql.charCodeAt(this.offset + 2) === GREATER) this.emitOperator('->>', 3);
      else this.emitOperator('->', 2);
    } else {
      this.emitOperator('-', 1);
    }
  }

  /** `/* … *\/`, nested as in Postgres. */
  private skipBlockComment(): void {
    const sql = this.sql;
    const start = this.offset;
    let depth = 0;
    let i = start;
    while (i < sql.length) {
      const code = sql.charCodeAt(i);
      if (code === SLASH && sql.charCodeAt(i + 1) === ASTERISK) {
        depth++;
        i += 2;
      } else if (code === ASTERISK && sql.charCodeAt(i + 1) === SLASH) {
        depth--;
        i += 2;
        if (depth === 0) {
          this.countLines(start, i);
          this.offset = i;
          return;
        }
      } else {
        i++;
      }
    }
    this.fail('unterminated /* comment', start);
  }

  /** `%s` is a format parameter when no identifier character follows; otherwise `%` is modulo. */
  private lexPercent(): void {
    const sql = this.sql;
    if (sql.charCodeAt(this.offset + 1) === LOWER_S && !isIdentifierPart(sql.charCodeAt(this.offset + 2))) {
      this.emitParameter('format', '', 2);
    } else {
      this.emitOperator('%', 1);
    }
  }

  private lexLess(): void {
    const sql = this.sql;
    const second = sql.charCodeAt(this.offset + 1);
    const third = sql.charCodeAt(this.offset + 2);
    if (third === GREATER && (second === EQUALS || second === MINUS || second === HASH)) {
      this.emitOperator(sql.slice(this.offset, this.offset + 3), 3);
    } else if (second === EQUALS) {
      this.emitOperator('<=', 2);
    } else if (second === GREATER) {
      this.emitOperator('<>', 2);
    } else if (second === AT) {
      this.emitOperator('<@', 2);
    } else {
      this.emitOperator('<', 1);
    }
  }

  /** `::` cast, or `:name` parameter (a colon directly followed by an identifier start). */
  private lexColon(): void {
    const sql = this.sql;
    const next = sql.charCodeAt(this.offset + 1);
    if (next === COLON) {
      this.emitOperator('::', 2);
      return;
    }
    if (!isIdentifierStart(next)) this.failAtCharacter();
    let end = this.offset + 2;
    while (end < sql.length && isIdentifierPart(sql.charCodeAt(end))) end++;
    // Names keep their case: they are matched against the keys of a JS object.
    this.emitParameter('named', sql.slice(this.offset + 1, end), end - this.offset);
  }

  /** `$1` parameter, or a dollar-quoted string `$$…$$` / `$tag$…$tag$`. */
  private lexDollar(): void {
    const sql = this.sql;
    const start = this.offset;
    const next = sql.charCodeAt(start + 1);
    if (isDigit(next)) {
      let end = start + 1;
      while (isDigit(sql.charCodeAt(end))) end++;
      if (end < sql.length && isIdentifierPart(sql.charCodeAt(end))) {
        let junkEnd = end;
        while (junkEnd < sql.length && isIdentifierPart(sql.charCodeAt(junkEnd))) junkEnd++;
        this.fail(`trailing junk after parameter at or near "${excerpt(sql, start, junkEnd)}"`, start);
      }
      this.emitParameter('numeric', sql.slice(start + 1, end), end - start);
      return;
    }
    let tagEnd = start + 1;
    if (isIdentifierStart(next)) {
      tagEnd++;
      while (tagEnd < sql.length) {
        const code = sql.charCodeAt(tagEnd);
        if (code === DOLLAR || !isIdentifierPart(code)) break;
        tagEnd++;
      }
    }
    if (sql.charCodeAt(tagEnd) !== DOLLAR) this.failAtCharacter();
    const delimiter = sql.slice(start, tagEnd + 1);
    const close = sql.indexOf(delimiter, tagEnd + 1);
    if (close < 0) {
      this.fail(`unterminated dollar-quoted string at or near "${excerpt(sql, start, sql.length)}"`, start);
    }
    this.finishString(sql.slice(tagEnd + 1, close), start, close + delimiter.length);
  }
}

/**
 * Splits `sql` into tokens; the last one has type 'end'. Throws SqlError('syntax_error')
 * for an unterminated string, quoted identifier or comment (pointing at where it starts) and
 * for characters that start no token.
 */
export function tokenize(sql: string): Token[] {
  return new Lexer(sql).run();
}

/** The token as written in `sql` (for error messages). */
export function tokenText(sql: string, token: Token): string {
  return excerpt(sql, token.pos.offset, token.end);
}
