/**
 * `--param` values for `replaydb sql` and `replaydb export`. Shell arguments are text, but
 * replaydb binds parameters by their JS type ('42' bound to an INT column is an error), so a
 * value is read as JSON when it is a JSON number, true, false, null, array or object (an
 * integer beyond 2^53 as a bigint), and as text otherwise; a JSON string ('"42"') forces
 * text. `--param :name=value` gives a named parameter for `:name` markers.
 */
import type { Parameters } from '../plan/parameters.js';
import { UsageError } from './arguments.js';

export function parameterValues(texts: readonly string[], command: string): Parameters | undefined {
  if (texts.length === 0) return undefined;
  const named = texts.map((text) => /^:([A-Za-z_][A-Za-z0-9_]*)=/.exec(text));
  if (named.every((match) => match !== null)) {
    const values: Record<string, unknown> = {};
    texts.forEach((text, i) => (values[named[i]![1]!] = parameterValue(text.slice(named[i]![0].length))));
    return values;
  }
  if (named.some((match) => match !== null)) {
    throw new UsageError('--param values are either all positional or all named (:name=value)', `see "replaydb ${command} --help"`);
  }
  return texts.map(parameterValue);
}

export function parameterValue(text: string): unknown {
  if (/^-?\d+$/.test(text)) {
    const number = Number(text);
    return Number.isSafeInteger(number) ? number : BigInt(text);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
