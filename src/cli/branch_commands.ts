/**
 * Versions and branches from the command line, one command per API call: `commit`
 * (db.commit), `branch` (db.branches / db.branch / db.deleteBranch), `checkout`
 * (db.checkout, remembered in HEAD), `log` (db.log) and `merge` (db.merge). Each checks at
 * run time that the library offers the call and otherwise says it is not available yet
 * (exit code 2), so the CLI works against older and newer libraries alike.
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '../database.js';
import type { MergeConflictError, MergeResult, VersionEntry } from '../versions.js';
import { expectPositionals, hasFlag, integerOption, optionValue, UsageError } from './arguments.js';
import { requireMethod } from './cli_errors.js';
import { BRANCH_OPTION, EXIT_ERROR, EXIT_OK, HELP_OPTION, type Command } from './command.js';
import { openForCommand } from './open_database.js';

/** Opens `path`, runs `action`, closes the database whatever happens. */
async function withDatabase<T>(path: string, branch: string | undefined, action: (db: Database) => Promise<T>): Promise<T> {
  const db = await openForCommand(path, { branch });
  try {
    return await action(db);
  } finally {
    await db.close();
  }
}

export function currentBranchOf(db: Database): string {
  const branch = (db as { currentBranch?: unknown }).currentBranch;
  return typeof branch === 'string' && branch !== '' ? branch : 'main';
}

export const commitCommand: Command = {
  name: 'commit',
  summary: 'Seal pending rows into a new version and print its id.',
  usage: 'replaydb commit <db> [-m <message>]',
  help: `
Statements are durable as soon as they run; a commit seals them into immutable segments
and publishes a new version of the current branch (see "replaydb log").

example:
  replaydb commit data/trajectories -m "curated v1"
`,
  options: [{ name: 'message', short: 'm', value: 'text', description: 'the version message' }, BRANCH_OPTION, HELP_OPTION],
  async run(parsed, io) {
    expectPositionals(parsed, 1, 1, this.usage, 'commit');
    const version = await withDatabase(parsed.positionals[0]!, optionValue(parsed, 'branch'), async (db) => {
      requireMethod(db, 'commit', 'commit');
      return db.commit(optionValue(parsed, 'message') ?? '');
    });
    io.stdout.write(`${version}\n`);
    return EXIT_OK;
  },
};

export const branchCommand: Command = {
  name: 'branch',
  summary: 'List branches, create one, or delete one.',
  usage: 'replaydb branch <db> [<name> [--from <branch|version>]] [--delete <name>]',
  help: `
Without a name, lists the branches, the current one (HEAD) marked with "*". With a name,
creates that branch at --from (default: the current branch, whose pending rows are
committed first); no data is copied. --delete removes a branch (not the current one).

examples:
  replaydb branch data/trajectories
  replaydb branch data/trajectories experiment/high-reward --from main
  replaydb branch data/trajectories --delete experiment/old
`,
  options: [
    { name: 'from', value: 'ref', description: 'branch or version id to start the new branch at' },
    { name: 'delete', short: 'd', value: 'name', description: 'delete this branch' },
    HELP_OPTION,
  ],
  async run(parsed, io) {
    expectPositionals(parsed, 1, 2, this.usage, 'branch');
    const [path, name] = parsed.positionals as [string, string | undefined];
    const doomed = optionValue(parsed, 'delete');
    if (doomed !== undefined && name !== undefined) throw new UsageError('give a branch to create or --delete, not both', 'see "replaydb branch --help"');
    if (name === undefined && optionValue(parsed, 'from') !== undefined) throw new UsageError('--from needs a branch name to create', 'see "replaydb branch --help"');
    return withDatabase(path, undefined, async (db) => {
      if (doomed !== undefined) {
        requireMethod(db, 'deleteBranch', 'deleting branches');
        await db.deleteBranch(doomed);
        io.stdout.write(`deleted branch ${doomed}\n`);
      } else if (name !== undefined) {
        requireMethod(db, 'branch', 'creating branches');
        const version = await db.branch(name, { from: optionValue(parsed, 'from') });
        io.stdout.write(`created branch ${name} at ${version}\n`);
      } else {
        requireMethod(db, 'branches', 'listing branches');
        const current = currentBranchOf(db);
        for (const branch of await db.branches()) io.stdout.write(`${branch === current ? '*' : ' '} ${branch}\n`);
      }
      return EXIT_OK;
    });
  },
};

export const checkoutCommand: Command = {
  name: 'checkout',
  summary: 'Make another branch the one later commands use.',
  usage: 'replaydb checkout <db> <branch>',
  help: `
Commits what is pending on the current branch, then records <branch> in the database's
HEAD, so later commands (sql, shell, import, export, commit, log) work on it. Any command
can also work on another branch once with --branch <name>.

example:
  replaydb checkout data/trajectories experiment/high-reward
`,
  options: [HELP_OPTION],
  async run(parsed, io) {
    expectPositionals(parsed, 2, 2, this.usage, 'checkout');
    const [path, name] = parsed.positionals as [string, string];
    return withDatabase(path, undefined, async (db) => {
      requireMethod(db, 'checkout', 'checkout');
      await db.checkout(name);
      await makeDefaultBranch(db, name);
      io.stdout.write(`switched to branch ${name}\n`);
      return EXIT_OK;
    });
  },
};

/**
 * Makes `name` the branch a later open() starts on. The API's checkout() switches only the
 * handle it is called on and leaves HEAD alone (FORMAT.md §2), so until the library offers
 * a call for this (`setDefaultBranch`, used when present), the CLI writes HEAD itself as
 * FORMAT.md specifies it — `<branch>\n`, replaced atomically — while it holds the lock.
 */
async function makeDefaultBranch(db: Database, name: string): Promise<void> {
  const api = db as unknown as { setDefaultBranch?: (name: string) => Promise<void> | void };
  if (typeof api.setDefaultBranch === 'function') {
    await api.setDefaultBranch(name);
    return;
  }
  const head = join(db.path, 'HEAD');
  const temporary = `${head}.tmp-${process.pid}`;
  const file = openSync(temporary, 'w');
  try {
    writeSync(file, `${name}\n`);
    fsyncSync(file);
  } finally {
    closeSync(file);
  }
  renameSync(temporary, head);
  const directory = openSync(db.path, 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

export const logCommand: Command = {
  name: 'log',
  summary: 'Show the history of versions, newest first.',
  usage: 'replaydb log <db> [--branch <name>] [--limit <n>] [--json]',
  help: `
Each version: its id, kind (create, commit, seal, branch, merge, optimize), time, message
and live rows per table. --json prints one JSON object per version instead.

example:
  replaydb log data/trajectories --limit 5
`,
  options: [
    { name: 'branch', value: 'name', description: 'branch or version to start from (default: the current branch)' },
    { name: 'limit', short: 'n', value: 'n', description: 'show at most n versions' },
    { name: 'json', description: 'print JSON Lines' },
    HELP_OPTION,
  ],
  async run(parsed, io) {
    expectPositionals(parsed, 1, 1, this.usage, 'log');
    const limit = optionValue(parsed, 'limit') === undefined ? undefined : integerOption(parsed, 'limit', 0, 'log');
    const entries = await withDatabase(parsed.positionals[0]!, undefined, async (db) => {
      requireMethod(db, 'log', 'log');
      return db.log({ branch: optionValue(parsed, 'branch'), limit });
    });
    for (const entry of entries) io.stdout.write(hasFlag(parsed, 'json') ? `${JSON.stringify(entry)}\n` : formatLogEntry(entry));
    return EXIT_OK;
  },
};

function formatLogEntry(entry: VersionEntry): string {
  const lines = [`version ${entry.id} (${entry.kind})`];
  if (entry.parents.length > 1) lines.push(`Merge:  ${entry.parents.join(' ')}`);
  lines.push(`Date:   ${entry.time.toISOString()}`);
  if (entry.message) lines.push('', ...entry.message.split('\n').map((line) => `    ${line}`));
  const counts = Object.entries(entry.rowCounts);
  if (counts.length > 0) lines.push('', `    rows: ${counts.map(([table, count]) => `${table} ${count}`).join(', ')}`);
  return lines.join('\n') + '\n\n';
}

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'Merge a branch into another.',
  usage: 'replaydb merge <db> <source> [--into <branch>] [--strategy ours|theirs]',
  help: `
Appends merge as a union of segments. Conflicts (a row changed on both sides, a primary
key live on both, a table defined differently) are listed and nothing changes (exit code
1), unless --strategy resolves them: ours keeps the target's rows, theirs the source's.

example:
  replaydb merge data/trajectories experiment/high-reward --into main
`,
  options: [
    { name: 'into', value: 'branch', description: 'branch to merge into (default: the current branch)' },
    { name: 'strategy', value: 'ours|theirs', description: 'resolve conflicts by keeping one side' },
    HELP_OPTION,
  ],
  async run(parsed, io) {
    expectPositionals(parsed, 2, 2, this.usage, 'merge');
    const [path, source] = parsed.positionals as [string, string];
    const strategy = optionValue(parsed, 'strategy');
    if (strategy !== undefined && strategy !== 'ours' && strategy !== 'theirs') {
      throw new UsageError(`--strategy must be ours or theirs, not "${strategy}"`, 'see "replaydb merge --help"');
    }
    return withDatabase(path, undefined, async (db) => {
      requireMethod(db, 'merge', 'merge');
      let result: MergeResult;
      try {
        result = await db.merge(source, { into: optionValue(parsed, 'into'), strategy });
      } catch (error) {
        if ((error as MergeConflictError).code === 'merge_conflict') {
          io.stderr.write(`${(error as Error).message}\n`);
          return EXIT_ERROR;
        }
        throw error;
      }
      const into = optionValue(parsed, 'into') ?? currentBranchOf(db);
      if (result.upToDate) io.stdout.write(`${into} is already up to date with ${source}\n`);
      else io.stdout.write(`merged ${source} into ${into}: version ${result.version}\n`);
      for (const conflict of result.resolved) io.stdout.write(`  resolved (${strategy}): ${conflict.table}: ${conflict.kind}: ${conflict.detail}\n`);
      return EXIT_OK;
    });
  },
};

export const BRANCH_COMMANDS: Command[] = [branchCommand, checkoutCommand, commitCommand, logCommand, mergeCommand];
