/**
 * The command line as a function: finds the subcommand, parses its arguments, runs it, and
 * turns what happened into an exit code (0 success, 1 error, 2 usage error or a feature the
 * library lacks). Each subcommand lives in its own file; this one only dispatches and
 * prints the command list (`replaydb --help`). main.ts wires it to the process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../native.js';
import { nearestName, parseArguments, UsageError } from './arguments.js';
import { BRANCH_COMMANDS } from './branch_commands.js';
import { reportError } from './cli_errors.js';
import { commandHelp, EXIT_OK, EXIT_USAGE, type Command, type CommandIo } from './command.js';
import { exportCommand } from './export.js';
import { importCommand } from './import_jsonl.js';
import { shellCommand } from './shell.js';
import { sqlCommand } from './sql_command.js';

export const COMMANDS: Command[] = [importCommand, sqlCommand, shellCommand, exportCommand, ...BRANCH_COMMANDS];

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'usage: replaydb <command> <db> [arguments] [options]',
    '',
    'replaydb: an embedded database for agent trajectories. <db> is a database directory.',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'examples:',
    '  replaydb import data/trajectories runs.jsonl',
    '  replaydb sql data/trajectories "SELECT task_type, avg(reward_score) FROM trajectory_outcomes GROUP BY 1"',
    '  replaydb shell data/trajectories',
    '',
    'Run "replaydb <command> --help" for a command\'s options. Exit codes: 0 success, 1 error,',
    '2 usage error or a feature not available yet.',
    '',
  ].join('\n');
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function runCommandLine(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(overview());
    return EXIT_USAGE;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    const command = COMMANDS.find((c) => c.name === topic);
    io.stdout.write(command ? commandHelp(command) : overview());
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`replaydb ${version()}\n`);
    return EXIT_OK;
  }
  try {
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) {
      const nearest = nearestName(name, COMMANDS.map((c) => c.name));
      const what = name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`;
      throw new UsageError(what, `${nearest ? `did you mean "replaydb ${nearest}"? ` : ''}"replaydb --help" lists the commands`);
    }
    const parsed = parseArguments(rest, command.options, command.name);
    if (parsed.options.get('help') === true) {
      io.stdout.write(commandHelp(command));
      return EXIT_OK;
    }
    return await command.run(parsed, io);
  } catch (error) {
    return reportError(error, io.stderr);
  }
}
