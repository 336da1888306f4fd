/**
 * What every `replaydb` subcommand declares: its name, a one-line summary for the command
 * list, its usage line, a help text with an example, its options, and `run`, which returns
 * the exit code. Exit codes: 0 success, 1 an error (SQL, I/O, a malformed line under
 * --strict), 2 a usage error or a command the library does not offer yet.
 */
import type { OptionSpec, ParsedArguments } from './arguments.js';

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export interface CommandIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer description, then examples. */
  help: string;
  options: OptionSpec[];
  run(parsed: ParsedArguments, io: CommandIo): Promise<number>;
}

/** `--help` is accepted by every command. */
export const HELP_OPTION: OptionSpec = { name: 'help', short: 'h', description: 'show this help' };

/** `--branch`: open the database on another branch than the one HEAD names. */
export const BRANCH_OPTION: OptionSpec = { name: 'branch', value: 'name', description: 'work on this branch instead of the default (HEAD)' };

export function commandHelp(command: Command): string {
  const width = Math.max(...command.options.map((o) => optionLabel(o).length));
  const lines = [`usage: ${command.usage}`, '', command.summary, '', command.help.trim(), '', 'options:'];
  for (const option of command.options) lines.push(`  ${optionLabel(option).padEnd(width)}  ${option.description}`);
  return lines.join('\n') + '\n';
}

function optionLabel(option: OptionSpec): string {
  const short = option.short ? `-${option.short}, ` : '    ';
  return `${short}--${option.name}${option.value ? ` <${option.value}>` : ''}`;
}
