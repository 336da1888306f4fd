/**
 * Command-line arguments: each command declares its options, and `parseArguments` turns
 * argv into positionals and option values or raises a UsageError that says what was wrong
 * and what was probably meant. Options take `--name value`, `--name=value`, or a short
 * alias (`-m value`); `--` ends options. A usage error exits with code 2.
 */

export interface OptionSpec {
  /** Long name without dashes: `json` for `--json`. */
  name: string;
  /** One letter, for `-m` style. */
  short?: string;
  /** Takes a value (the next argument, or after `=`). */
  value?: string;
  /** May be given more than once; values are collected in order. */
  repeated?: boolean;
  description: string;
}

export interface ParsedArguments {
  positionals: string[];
  /** Flags as true, valued options as their (last) value, repeated options as arrays. */
  options: Map<string, string | true | string[]>;
}

/** Wrong arguments: the message says what, `hint` what to try. Exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArguments(argv: readonly string[], specs: readonly OptionSpec[], command: string): ParsedArguments {
  const positionals: string[] = [];
  const options = new Map<string, string | true | string[]>();
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!;
    if (argument === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!argument.startsWith('-') || argument === '-') {
      positionals.push(argument);
      continue;
    }
    const isLong = argument.startsWith('--');
    const equals = isLong ? argument.indexOf('=') : -1;
    const written = equals >= 0 ? argument.slice(0, equals) : argument;
    const spec = isLong ? specs.find((s) => `--${s.name}` === written) : specs.find((s) => s.short !== undefined && `-${s.short}` === written);
    if (!spec) throw unknownOption(written, specs, command);
    if (spec.value === undefined) {
      if (equals >= 0) throw new UsageError(`option --${spec.name} takes no value`, `see "replaydb ${command} --help"`);
      options.set(spec.name, true);
      continue;
    }
    let value: string;
    if (equals >= 0) {
      value = argument.slice(equals + 1);
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`option ${written} needs a value (${spec.value})`, `see "replaydb ${command} --help"`);
      value = argv[++i]!;
    }
    if (spec.repeated) {
      const previous = options.get(spec.name);
      options.set(spec.name, [...(Array.isArray(previous) ? previous : []), value]);
    } else {
      options.set(spec.name, value);
    }
  }
  return { positionals, options };
}

function unknownOption(written: string, specs: readonly OptionSpec[], command: string): UsageError {
  const names = specs.map((s) => `--${s.name}`);
  const nearest = nearestName(written.startsWith('--') ? written : `-${written}`, names);
  return new UsageError(
    `unknown option ${written} for "replaydb ${command}"`,
    nearest ? `did you mean ${nearest}? (see "replaydb ${command} --help")` : `see "replaydb ${command} --help"`,
  );
}

/** The candidate closest to `name` by edit distance, if it is close enough to be a likely typo. */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The value of a valued option, if given. */
export function optionValue(parsed: ParsedArguments, name: string): string | undefined {
  const value = parsed.options.get(name);
  return typeof value === 'string' ? value : undefined;
}

export function optionValues(parsed: ParsedArguments, name: string): string[] {
  const value = parsed.options.get(name);
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

export function hasFlag(parsed: ParsedArguments, name: string): boolean {
  return parsed.options.get(name) === true;
}

/** A non-negative integer option (`--limit 10`), or `fallback` when absent. */
export function integerOption(parsed: ParsedArguments, name: string, fallback: number, command: string): number {
  const text = optionValue(parsed, name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`option --${name} needs a non-negative integer, not "${text}"`, `see "replaydb ${command} --help"`);
  return Number(text);
}

/** Checks the number of positionals. */
export function expectPositionals(parsed: ParsedArguments, min: number, max: number, usage: string, command: string): void {
  const count = parsed.positionals.length;
  if (count < min) throw new UsageError(`too few arguments: usage: ${usage}`, `see "replaydb ${command} --help"`);
  if (count > max) {
    throw new UsageError(`unexpected argument "${parsed.positionals[max]}": usage: ${usage}`, `quote a query or message that has spaces; see "replaydb ${command} --help"`);
  }
}
