/**
 * `replaydb import <db> <file.jsonl | ->`: loads trajectories from JSON Lines (chat format,
 * one run per line, or --format steps, one step per line) into the seed's `trajectories`
 * and `trajectory_outcomes` tables, creating the database and the tables when missing.
 * Lines are read as a stream, so files of any size (and stdin) work in bounded memory.
 *
 * What holds: a run is imported whole or not at all (run_writer.ts); a malformed line is
 * reported with its line number and its run skipped, or with --strict stops the import
 * (runs on earlier lines stay imported; the bad run and everything after it do not);
 * a run already in the database is skipped, so importing a file twice adds nothing.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { basename } from 'node:path';
import { SqlError } from '../sql/sql_error.js';
import { expectPositionals, hasFlag, integerOption, optionValue, UsageError, type ParsedArguments } from './arguments.js';
import { CliError } from './cli_errors.js';
import { BRANCH_OPTION, EXIT_ERROR, EXIT_OK, HELP_OPTION, type Command, type CommandIo } from './command.js';
import { openForCommand } from './open_database.js';
import { formatCount, ImportProgress } from './progress.js';
import { RunWriter } from './run_writer.js';
import { MalformedLine, outcomeValues, parseChatLine, parseStepLine, type OutcomeFields, type StepValues, type TrajectoryRun } from './trajectory_lines.js';

const USAGE = 'replaydb import <db> <file.jsonl | -> [--format chat|steps] [--strict]';
const DEFAULT_BATCH_STEPS = 4096;
/** Malformed lines reported one by one; the rest are counted. */
const MAX_REPORTED = 50;

export const importCommand: Command = {
  name: 'import',
  summary: 'Import trajectories from a JSON Lines file (or stdin) into the seed tables.',
  usage: USAGE,
  help: `
Chat format (default), one run per line:
  {"id": "run-1", "messages": [{"role": "user", "content": "…"},
     {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", …}]},
     {"role": "tool", "tool_call_id": "c1", "content": "{\\"ok\\": true}"}],
   "success": true, "reward": 0.9, "task_type": "coding", "model": "m-1", "metadata": {…}}
  → a trajectories row per message (step = its index; tool_calls → tool_call; a tool
    message's content → tool_result, as JSON where it parses, else as a JSON string) and a
    trajectory_outcomes row (total_steps = message count; total_tokens from
    metadata.total_tokens, metadata.usage.total_tokens or usage.total_tokens).

Steps format (--format steps), one step per line; a run is consecutive lines of one id:
  {"trajectory_id": "run-1", "step": 0, "role": "user", "content": "…",
   "tool_call": …, "tool_result": …, "outcome": {"success": true, "reward": 1, …}}
  → a trajectories row per line; an outcome row only for runs where one line carries
    "outcome" (fields success, reward, task_type, model, metadata, total_tokens).

The database and the tables are created when missing. Runs whose id is already in the
database are skipped, so importing a file again adds nothing. A malformed line is
reported as <file>:<line>: <reason> and its run skipped (exit code 0); with --strict the
import stops there with exit code 1 (runs on earlier lines stay imported). At the end the
import is committed as one version. "-" reads stdin.

examples:
  replaydb import data/trajectories runs.jsonl
  zcat runs.jsonl.gz | replaydb import data/trajectories - --strict
  replaydb import data/trajectories steps.jsonl --format steps
`,
  options: [
    { name: 'format', value: 'chat|steps', description: 'line format (default chat: one run per line)' },
    { name: 'strict', description: 'stop at the first malformed line (exit code 1)' },
    { name: 'batch-steps', value: 'n', description: `steps per INSERT statement (default ${DEFAULT_BATCH_STEPS})` },
    { name: 'message', short: 'm', value: 'text', description: 'commit message (default: "import <file>")' },
    BRANCH_OPTION,
    HELP_OPTION,
  ],
  run: runImport,
};

interface Tally {
  lines: number;
  malformedLines: number;
  skippedRuns: number;
  alreadyPresent: number;
  duplicatesInFile: number;
}

/** The run being gathered from consecutive steps-format lines. */
interface StepGroup {
  id: string;
  firstLine: number;
  lastLine: number;
  steps: StepValues[];
  stepNumbers: Set<number>;
  outcome: OutcomeFields | null;
  damaged: boolean;
}

async function runImport(parsed: ParsedArguments, io: CommandIo): Promise<number> {
  expectPositionals(parsed, 2, 2, USAGE, 'import');
  const [path, file] = parsed.positionals as [string, string];
  const format = optionValue(parsed, 'format') ?? 'chat';
  if (format !== 'chat' && format !== 'steps') throw new UsageError(`--format must be chat or steps, not "${format}"`, 'see "replaydb import --help"');
  const strict = hasFlag(parsed, 'strict');
  const batchSteps = Math.max(1, integerOption(parsed, 'batch-steps', DEFAULT_BATCH_STEPS, 'import'));
  if (file !== '-' && !existsSync(file)) throw new CliError(`file "${file}" does not exist`);
  const source = file === '-' ? 'stdin' : file;

  const db = await openForCommand(path, { create: true, branch: optionValue(parsed, 'branch') });
  const progress = new ImportProgress(io.stderr, file === '-' ? undefined : statSync(file).size);
  const tally: Tally = { lines: 0, malformedLines: 0, skippedRuns: 0, alreadyPresent: 0, duplicatesInFile: 0 };
  let reported = 0;
  const report = (text: string) => {
    if (reported++ < MAX_REPORTED) progress.message(text);
  };
  let stopLine: number | undefined;
  try {
    const writer = await RunWriter.open(db, {
      batchSteps,
      stopOnFailure: strict,
      onRunFailed(run, error) {
        const reason = error instanceof SqlError ? `${error.code}: ${error.message}` : (error as Error).message;
        report(`${source}:${run.firstLine}: trajectory "${run.id}" not imported: ${reason}`);
        if (strict) stopLine ??= run.firstLine;
      },
    });
    const seenInFile = new Map<string, number>();

    /** A run ready to queue: skipped if already in the database or earlier in this file. */
    const submit = async (run: TrajectoryRun) => {
      const earlier = seenInFile.get(run.id);
      if (earlier !== undefined) {
        tally.duplicatesInFile++;
        report(`${source}:${run.firstLine}: trajectory "${run.id}" already appeared on line ${earlier}; skipped`);
        return;
      }
      seenInFile.set(run.id, run.firstLine);
      if (writer.isPresent(run.id)) {
        tally.alreadyPresent++;
        if (run.outcome !== null && writer.incomplete.has(run.id)) {
          report(`${source}:${run.firstLine}: trajectory "${run.id}" has steps but no outcome in the database; left as is (delete its steps to import it again)`);
        }
        return;
      }
      await writer.add(run);
    };

    let group: StepGroup | undefined;
    const finishGroup = async () => {
      const finished = group;
      group = undefined;
      if (!finished) return;
      if (finished.damaged) {
        tally.skippedRuns++;
        if (!seenInFile.has(finished.id)) seenInFile.set(finished.id, finished.firstLine);
        if (finished.steps.length > 0) {
          report(`${source}:${finished.firstLine}: trajectory "${finished.id}" (lines ${finished.firstLine}-${finished.lastLine}) not imported: it has malformed lines`);
        }
        return;
      }
      const outcome = finished.outcome ? outcomeValues(finished.id, finished.outcome, finished.steps.length) : null;
      await submit({ id: finished.id, firstLine: finished.firstLine, lastLine: finished.lastLine, steps: finished.steps, outcome });
    };
    const startGroup = (id: string, lineNumber: number, damaged: boolean): StepGroup =>
      (group = { id, firstLine: lineNumber, lastLine: lineNumber, steps: [], stepNumbers: new Set(), outcome: null, damaged });

    const input = file === '-' ? io.stdin : createReadStream(file);
    const lines = createInterface({ input, crlfDelay: Infinity });
    let lineNumber = 0;
    let bytesRead = 0; // of the lines taken so far (the stream itself reads ahead)
    for await (const raw of lines) {
      lineNumber++;
      bytesRead += Buffer.byteLength(raw) + 1;
      const text = lineNumber === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === '') continue;
      tally.lines++;
      try {
        if (format === 'chat') {
          await submit(parseChatLine(text, lineNumber));
        } else {
          const step = parseStepLine(text);
          if (group?.id !== step.trajectoryId) {
            await finishGroup();
            if (seenInFile.has(step.trajectoryId)) {
              throw new MalformedLine(`trajectory "${step.trajectoryId}" continues here after other trajectories (line ${seenInFile.get(step.trajectoryId)}); a run's lines must be consecutive`, step.trajectoryId);
            }
            startGroup(step.trajectoryId, lineNumber, false);
          }
          const current = group!;
          current.lastLine = lineNumber;
          if (current.stepNumbers.has(step.values[1])) throw new MalformedLine(`step ${step.values[1]} of trajectory "${step.trajectoryId}" appears twice`, step.trajectoryId);
          if (step.outcome && current.outcome) throw new MalformedLine(`trajectory "${step.trajectoryId}" has a second "outcome"`, step.trajectoryId);
          current.stepNumbers.add(step.values[1]);
          current.steps.push(step.values);
          current.outcome ??= step.outcome;
        }
      } catch (error) {
        if (!(error instanceof MalformedLine)) throw error;
        tally.malformedLines++;
        report(`${source}:${lineNumber}: ${error.trajectoryId !== undefined && !error.message.includes(`"${error.trajectoryId}"`) ? `trajectory "${error.trajectoryId}": ` : ''}${error.message}`);
        if (strict) {
          stopLine = lineNumber;
          // A run that ended before this line is complete and imported; the run this line
          // belongs to (or may belong to, when it names none) is not.
          if (format === 'steps' && error.trajectoryId !== undefined && group?.id !== error.trajectoryId) await finishGroup();
          break;
        }
        if (format === 'chat') {
          tally.skippedRuns++;
        } else if (error.trajectoryId !== undefined && group?.id !== error.trajectoryId) {
          await finishGroup();
          startGroup(error.trajectoryId, lineNumber, true);
        } else if (group) {
          // The line names this run, or no run at all (it may have belonged to this one).
          group.damaged = true;
          group.lastLine = lineNumber;
        }
      }
      if (writer.hasStopped) break;
      progress.update(writer.counts.steps + writer.counts.outcomes, bytesRead);
    }
    lines.close();
    if (stopLine === undefined) await finishGroup();
    else if (input !== io.stdin) (input as NodeJS.ReadableStream & { destroy(): void }).destroy();
    await writer.finish();
    progress.clear();
    if (reported > MAX_REPORTED) io.stderr.write(`… and ${reported - MAX_REPORTED} more messages\n`);

    const counts = writer.counts;
    const rows = counts.steps + counts.outcomes;
    const seconds = progress.elapsedSeconds;
    const skipped = [
      tally.alreadyPresent > 0 ? `${formatCount(tally.alreadyPresent)} already present` : '',
      tally.duplicatesInFile > 0 ? `${formatCount(tally.duplicatesInFile)} repeated in the file` : '',
      tally.malformedLines > 0 ? `${plural(tally.malformedLines, 'malformed line')}` : '',
      counts.failedRuns > 0 ? `${formatCount(counts.failedRuns)} failed` : '',
      tally.skippedRuns > 0 && format === 'steps' ? `${plural(tally.skippedRuns, 'run')} with malformed lines` : '',
    ].filter(Boolean);
    io.stderr.write(
      `imported ${plural(counts.runs, 'run')} (${plural(counts.steps, 'step')}, ${plural(counts.outcomes, 'outcome')}) ` +
        `from ${plural(tally.lines, 'line')} in ${seconds.toFixed(2)} s, ` +
        `${formatCount(Math.round(rows / Math.max(seconds, 1e-3)))} rows/s` +
        (skipped.length > 0 ? `; skipped: ${skipped.join(', ')}` : '') +
        '\n',
    );
    if (stopLine !== undefined) {
      io.stderr.write(`replaydb: import stopped at line ${stopLine} (--strict); runs on earlier lines are imported, nothing from that line on\n`);
      return EXIT_ERROR;
    }
    if (counts.runs > 0) await db.commit(optionValue(parsed, 'message') ?? `import ${file === '-' ? 'stdin' : basename(file)}: ${counts.runs} runs, ${counts.steps} steps`);
    return EXIT_OK;
  } finally {
    progress.clear();
    await db.close();
  }
}

/** `1 run`, `2,000 runs` */
function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}
