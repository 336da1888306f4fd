/**
 * The JSONL way: what a user does without a database. Steps and outcomes live in two files
 * of one JSON object per line; a query is a script that reads them with node:readline
 * (the pattern Node's documentation gives for reading a file line by line), JSON.parse's
 * every line, and filters, joins and sorts in plain JS. Nothing is cached between calls:
 * every call reads and parses its files again, as a script run would.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One line of the steps file; the keys are the SQL column names. */
export interface StepRecord {
  trajectory_id: string;
  step: number;
  role: string;
  content: string;
  tool_call: unknown;
  tool_result: unknown;
}

/** One line of the outcomes file. */
export interface OutcomeRecord {
  trajectory_id: string;
  task_type: string;
  success: boolean;
  reward_score: number;
  total_steps: number;
  total_tokens: number;
  model_version: string;
}

/** Calls `visit` with every line of `path` parsed (empty lines skipped). */
export async function forEachJsonLine<T>(path: string, visit: (record: T) => void): Promise<void> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line.length > 0) visit(JSON.parse(line) as T);
}

/** Orders steps like ORDER BY trajectory_id, step (ids compared by code unit, as SQL's binary collation). */
export function compareSteps(a: StepRecord, b: StepRecord): number {
  if (a.trajectory_id !== b.trajectory_id) return a.trajectory_id < b.trajectory_id ? -1 : 1;
  return a.step - b.step;
}

/**
 * The seed curation query the JSONL way: outcomes filtered into a Set of ids (the build
 * side of a hash join; trajectory_id is unique there), steps probed against it, then
 * sorted. Returns the rows and the seconds of each phase.
 */
export async function seedCurationJsonl(stepsPath: string, outcomesPath: string): Promise<{ rows: StepRecord[]; phases: Record<string, number> }> {
  let start = performance.now();
  const chosen = new Set<string>();
  await forEachJsonLine<OutcomeRecord>(outcomesPath, (outcome) => {
    if (outcome.success === true && outcome.reward_score > 0.85 && outcome.task_type === 'code_generation' && outcome.total_steps < 20) {
      chosen.add(outcome.trajectory_id);
    }
  });
  const outcomes = (performance.now() - start) / 1000;
  start = performance.now();
  const rows: StepRecord[] = [];
  await forEachJsonLine<StepRecord>(stepsPath, (step) => {
    if (chosen.has(step.trajectory_id)) rows.push(step);
  });
  const steps = (performance.now() - start) / 1000;
  start = performance.now();
  rows.sort(compareSteps);
  return { rows, phases: { outcomes, steps, sort: (performance.now() - start) / 1000 } };
}

export interface TaskGroup {
  task_type: string;
  runs: number;
  mean_reward: number;
  tokens: number;
}

/** GROUP BY task_type with count, avg(reward_score), sum(total_tokens), ordered by task_type. */
export async function groupByTaskJsonl(outcomesPath: string): Promise<TaskGroup[]> {
  const groups = new Map<string, { runs: number; rewardSum: number; tokens: number }>();
  await forEachJsonLine<OutcomeRecord>(outcomesPath, (outcome) => {
    let group = groups.get(outcome.task_type);
    if (!group) groups.set(outcome.task_type, (group = { runs: 0, rewardSum: 0, tokens: 0 }));
    group.runs++;
    group.rewardSum += outcome.reward_score;
    group.tokens += outcome.total_tokens;
  });
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([task_type, group]) => ({ task_type, runs: group.runs, mean_reward: group.rewardSum / group.runs, tokens: group.tokens }));
}
