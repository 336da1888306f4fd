/**
 * How the command line reports failures. SqlErrors print their caret picture (the SQL line
 * with a caret under the column); usage errors and features the library lacks exit 2; any
 * other failure prints its message and exits 1. Messages go to stderr, never stdout, so
 * piped output stays clean.
 */
import { SqlError } from '../sql/sql_error.js';
import { UsageError } from './arguments.js';
import { EXIT_ERROR, EXIT_USAGE } from './command.js';

/** An expected failure with a message for the user (and maybe a hint); exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The library does not offer this yet (a method missing at run time); exit code 2. */
export class NotAvailableError extends Error {
  constructor(feature: string) {
    super(`${feature} is not available yet in this version of replaydb`);
    this.name = 'NotAvailableError';
  }
}

/** Writes `error` to stderr the way the CLI shows errors; returns the exit code. */
export function reportError(error: unknown, stderr: NodeJS.WritableStream): number {
  if (error instanceof UsageError) {
    stderr.write(`replaydb: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
    return EXIT_USAGE;
  }
  if (error instanceof NotAvailableError) {
    stderr.write(`replaydb: ${error.message}\n`);
    return EXIT_USAGE;
  }
  stderr.write(`${describeError(error)}\n`);
  return EXIT_ERROR;
}

/** The text the CLI prints for an error (without a trailing newline). */
export function describeError(error: unknown): string {
  if (error instanceof SqlError) return error.toString();
  if (error instanceof CliError) return `replaydb: ${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}`;
  if (error instanceof Error) return `replaydb: ${error.message}`;
  return `replaydb: ${String(error)}`;
}

/** Throws NotAvailableError unless `target[method]` is a function. */
export function requireMethod(target: object, method: string, feature: string): void {
  if (typeof (target as Record<string, unknown>)[method] !== 'function') throw new NotAvailableError(feature);
}
