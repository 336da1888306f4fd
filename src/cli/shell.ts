/**
 * `replaydb shell <db>`: an interactive SQL prompt. A statement may span lines and ends
 * with `;`; lines starting with `.` are shell commands (`.help` lists them). On a terminal
 * it keeps a history in ~/.replaydb_history and Ctrl-C clears the statement being typed.
 * With stdin from a pipe or file it prints no prompts, runs each statement as it is read
 * (a last statement without `;` runs at the end of input), keeps going after errors, and
 * exits with code 1 if any statement failed — so scripts can drive it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Database } from '../database.js';
import { expectPositionals, hasFlag, nearestName, optionValue, type ParsedArguments } from './arguments.js';
import { currentBranchOf } from './branch_commands.js';
import { describeError } from './cli_errors.js';
import { BRANCH_OPTION, EXIT_ERROR, EXIT_OK, HELP_OPTION, type Command, type CommandIo } from './command.js';
import { DEFAULT_MAX_WIDTH } from './format_table.js';
import { openForCommand } from './open_database.js';
import { printResult, type TextFormat } from './print_result.js';
import { isBlank, splitStatements } from './statement_splitter.js';

const USAGE = 'replaydb shell <db>';
const HISTORY_SIZE = 1000;
const PROMPT = 'replaydb> ';
const CONTINUATION = '      ...> ';

const SHELL_HELP = `Statements end with ";" and may span lines. Shell commands:
  .tables              list the tables
  .schema [table]      show CREATE TABLE statements (all tables, or one)
  .branch              print the current branch
  .mode table|json|csv output format (default table)
  .width <n>           cut table cells longer than n characters (0: never)
  .timer on|off        print each statement's time
  .help                this text
  .quit                leave (also .exit or Ctrl-D)
`;

export const shellCommand: Command = {
  name: 'shell',
  summary: 'An interactive SQL prompt (also reads statements from a pipe).',
  usage: USAGE,
  help: `
${SHELL_HELP}
History is kept in ~/.replaydb_history. With stdin not a terminal, statements are read
and run without prompts; the exit code is 1 if any failed.

examples:
  replaydb shell data/trajectories
  echo "SELECT count(*) FROM trajectories;" | replaydb shell data/trajectories
`,
  options: [{ name: 'create', description: 'create the database if it does not exist' }, BRANCH_OPTION, HELP_OPTION],
  run: runShell,
};

interface ShellState {
  format: TextFormat;
  maxWidth: number;
  timer: boolean;
  failures: number;
  quit: boolean;
}

async function runShell(parsed: ParsedArguments, io: CommandIo): Promise<number> {
  expectPositionals(parsed, 1, 1, USAGE, 'shell');
  const db = await openForCommand(parsed.positionals[0]!, { create: hasFlag(parsed, 'create'), branch: optionValue(parsed, 'branch') });
  const interactive = io.stdin.isTTY === true;
  const historyPath = join(homedir(), '.replaydb_history');
  const state: ShellState = { format: 'table', maxWidth: DEFAULT_MAX_WIDTH, timer: false, failures: 0, quit: false };
  const lines = createInterface({
    input: io.stdin,
    output: interactive ? io.stdout : undefined,
    terminal: interactive,
    history: interactive ? readHistory(historyPath) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  } as Parameters<typeof createInterface>[0]);
  let buffer = '';
  if (interactive) {
    io.stdout.write(`replaydb shell: ${db.path} (branch ${currentBranchOf(db)}). Statements end with ";"; .help for help.\n`);
    lines.on('history', (history: string[]) => saveHistory(historyPath, history));
    lines.on('SIGINT', () => {
      if (buffer === '' && lines.line === '') io.stdout.write('\n(.quit or Ctrl-D to leave)\n');
      else io.stdout.write('^C\n');
      buffer = '';
      // Drop the half-typed line (Ctrl-E, Ctrl-U), then show a fresh prompt.
      lines.write(null, { ctrl: true, name: 'e' });
      lines.write(null, { ctrl: true, name: 'u' });
      lines.setPrompt(PROMPT);
      lines.prompt();
    });
    lines.setPrompt(PROMPT);
    lines.prompt();
  }
  try {
    for await (const line of lines) {
      if (buffer === '' && line.trim().startsWith('.')) {
        await dotCommand(line.trim(), db, state, io);
      } else {
        buffer += (buffer === '' ? '' : '\n') + line;
        const { statements, rest } = splitStatements(buffer);
        buffer = isBlank(rest) ? '' : rest.replace(/^\s*\n/, '');
        for (const statement of statements) await runStatement(statement, db, state, io);
      }
      if (state.quit) break;
      if (interactive) {
        lines.setPrompt(buffer === '' ? PROMPT : CONTINUATION);
        lines.prompt();
      }
    }
    if (!state.quit && !isBlank(buffer)) await runStatement(buffer.trim(), db, state, io);
    if (interactive && !state.quit) io.stdout.write('\n');
  } finally {
    lines.close();
    await db.close();
  }
  return !interactive && state.failures > 0 ? EXIT_ERROR : EXIT_OK;
}

async function runStatement(sql: string, db: Database, state: ShellState, io: CommandIo): Promise<void> {
  const started = performance.now();
  try {
    const result = await db.execute(sql);
    await printResult(result, sql, { format: state.format, maxWidth: state.maxWidth, stdout: io.stdout, stderr: io.stderr });
  } catch (error) {
    state.failures++;
    io.stderr.write(`${describeError(error)}\n`);
  }
  if (state.timer) io.stdout.write(`Time: ${(performance.now() - started).toFixed(3)} ms\n`);
}

async function dotCommand(line: string, db: Database, state: ShellState, io: CommandIo): Promise<void> {
  const [command, ...args] = line.split(/\s+/);
  const fail = (message: string) => {
    state.failures++;
    io.stderr.write(`${message}\n`);
  };
  switch (command) {
    case '.quit':
    case '.exit':
      state.quit = true;
      return;
    case '.help':
      io.stdout.write(SHELL_HELP);
      return;
    case '.tables':
      for (const table of db.tables()) io.stdout.write(`${table.name}\n`);
      return;
    case '.schema': {
      const tables = db.tables();
      const chosen = args[0] === undefined ? tables : tables.filter((table) => table.name === args[0]);
      if (args[0] !== undefined && chosen.length === 0) {
        const nearest = nearestName(args[0], tables.map((table) => table.name));
        return fail(`no table named "${args[0]}"${nearest ? `; did you mean "${nearest}"?` : ''}`);
      }
      for (const table of chosen) io.stdout.write(`${createTableText(table)}\n`);
      return;
    }
    case '.branch':
      io.stdout.write(`${currentBranchOf(db)}\n`);
      return;
    case '.timer':
      if (args[0] !== 'on' && args[0] !== 'off') return fail('usage: .timer on|off');
      state.timer = args[0] === 'on';
      return;
    case '.mode':
      if (args[0] !== 'table' && args[0] !== 'json' && args[0] !== 'csv') return fail('usage: .mode table|json|csv');
      state.format = args[0];
      return;
    case '.width':
      if (args[0] === undefined || !/^\d+$/.test(args[0])) return fail('usage: .width <n> (0: no limit)');
      state.maxWidth = Number(args[0]);
      return;
    default: {
      const known = ['.tables', '.schema', '.branch', '.mode', '.width', '.timer', '.help', '.quit', '.exit'];
      const nearest = nearestName(command ?? '', known);
      return fail(`unknown command "${command}"${nearest ? `; did you mean ${nearest}?` : ''} (.help lists them)`);
    }
  }
}

/** A table as the CREATE TABLE statement that would make it (columns, types, NOT NULL, PRIMARY KEY). */
function createTableText(table: ReturnType<Database['tables']>[number]): string {
  const keys = table.columns.filter((column) => column.primaryKey);
  const columns = table.columns.map((column) => {
    let text = `  ${quoteName(column.name)} ${typeText(column.type)}`;
    if (keys.length === 1 && column.primaryKey) text += ' PRIMARY KEY';
    else if (column.notNull) text += ' NOT NULL';
    return text;
  });
  if (keys.length > 1) columns.push(`  PRIMARY KEY (${keys.map((column) => quoteName(column.name)).join(', ')})`);
  return `CREATE TABLE ${quoteName(table.name)} (\n${columns.join(',\n')}\n);`;
}

/** tables() type ids in SQL spelling: int → INT, double → DOUBLE PRECISION, vector(3) → VECTOR(3). */
function typeText(type: string): string {
  return type === 'double' ? 'DOUBLE PRECISION' : type.toUpperCase();
}

function quoteName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** History lines, newest first (readline's order); none if the file is missing or unreadable. */
function readHistory(path: string): string[] {
  try {
    if (!existsSync(path)) return [];
    return readFileSync(path, 'utf8').split('\n').filter(Boolean).reverse().slice(0, HISTORY_SIZE);
  } catch {
    return [];
  }
}

function saveHistory(path: string, history: string[]): void {
  try {
    writeFileSync(path, [...history].reverse().join('\n') + '\n', { mode: 0o600 });
  } catch {
    // History is a convenience: a read-only home directory must not break the shell.
  }
}
