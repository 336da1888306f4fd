/**
 * `npm start`: replaydb end to end on a small embedded sample. It logs agent trajectories
 * step by step (as an agent would), records each run's outcome, curates with SQL, commits,
 * reopens, and prints what it did and how fast. Later features (joins, vector search,
 * branches, the WebGPU dataloader) join this story as they land.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from '../src/index.js';

const TASKS = ['code_generation', 'bug_fix', 'data_analysis', 'web_research'];
const MODELS = ['agent-v1.2', 'agent-v1.3'];
const SENTENCES = [
  'Read the failing test and reproduce the error locally before changing anything.',
  'The stack trace points at the parser: a trailing comma is accepted where Postgres rejects it.',
  'Searching the repository for callers of the function shows three places that rely on the old behaviour.',
  'I will write a minimal patch, run the unit tests, and then the integration suite.',
  'The benchmark regressed by twelve percent after the allocator change; profiling shows time in page faults.',
  'Summarise the quarterly numbers by region and flag any month where revenue fell more than five percent.',
  'The API returned a rate-limit error, so the request is retried with exponential backoff.',
  'All tests pass now; the fix adds a bounds check and a regression test for the empty input case.',
];

/** mulberry32: a small seeded PRNG so every run logs the same sample. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'replaydb-quickstart-'));
  const path = join(directory, 'trajectories');
  const next = random(42);
  const db = await open(path);
  await db.execute(
    'CREATE TABLE IF NOT EXISTS trajectories (trajectory_id TEXT, step INT, role TEXT, content TEXT, tool_call JSONB, tool_result JSONB, embedding VECTOR(1536), created_at TIMESTAMP DEFAULT NOW())',
  );
  await db.execute(
    'CREATE TABLE IF NOT EXISTS trajectory_outcomes (trajectory_id TEXT PRIMARY KEY, task_type TEXT, success BOOLEAN, reward_score FLOAT, total_steps INT, total_tokens INT, model_version TEXT, metadata JSONB, completed_at TIMESTAMP DEFAULT NOW())',
  );

  // 1. Log: one INSERT per step, as a running agent does.
  const runs = 400;
  let steps = 0;
  // A pool of embeddings made up front, so the timing below measures logging, not the PRNG.
  const embeddings = Array.from({ length: 64 }, () => Float32Array.from({ length: 1536 }, () => next() - 0.5));
  const started = performance.now();
  for (let run = 0; run < runs; run++) {
    const id = `run-${String(run).padStart(4, '0')}`;
    const length = 3 + Math.floor(next() * 22);
    for (let step = 0; step < length; step++) {
      const role = step === 0 ? 'user' : step % 2 === 1 ? 'assistant' : 'tool';
      db.executeSync(
        'INSERT INTO trajectories (trajectory_id, step, role, content, tool_call, tool_result, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s)',
        [
          id,
          step,
          role,
          SENTENCES[Math.floor(next() * SENTENCES.length)]!,
          role === 'assistant' ? { name: 'run_tests', arguments: { path: `src/module_${run % 7}.ts` } } : null,
          role === 'tool' ? { exit_code: next() < 0.8 ? 0 : 1, stdout: 'ok' } : null,
          embeddings[(run * 31 + step) % embeddings.length]!,
        ],
      );
      steps++;
    }
    const success = next() < 0.6;
    await db.execute(
      'INSERT INTO trajectory_outcomes (trajectory_id, task_type, success, reward_score, total_steps, total_tokens, model_version, metadata) VALUES (:id, :task, :success, :reward, :steps, :tokens, :model, :meta)',
      {
        id,
        task: TASKS[run % TASKS.length],
        success,
        reward: success ? 0.6 + next() * 0.4 : next() * 0.5,
        steps: length,
        tokens: length * 180,
        model: MODELS[run % 2],
        meta: { seed: 42, run },
      },
    );
  }
  const logSeconds = (performance.now() - started) / 1000;
  console.log(`logged   ${steps} steps of ${runs} trajectories (1536-d embeddings) in ${logSeconds.toFixed(2)} s: ${Math.round(steps / logSeconds)} steps/s`);

  // 2. Curate: the seed's filters on outcomes.
  let t = performance.now();
  const curated = await db.execute(
    `SELECT trajectory_id, reward_score, total_steps FROM trajectory_outcomes
     WHERE success = true AND reward_score > 0.85 AND task_type = 'code_generation' AND total_steps < 20 -- prefer efficient trajectories
     ORDER BY reward_score DESC LIMIT 5`,
  );
  console.log(`curated  ${curated.rowCount} best efficient code_generation runs in ${(performance.now() - t).toFixed(1)} ms:`);
  for (const row of curated.rows()) console.log(`         ${row.trajectory_id}  reward=${(row.reward_score as number).toFixed(3)}  steps=${row.total_steps}`);

  t = performance.now();
  const byTask = await db.execute(
    'SELECT task_type, count(*) AS runs, avg(reward_score) AS mean_reward, max(total_steps) AS longest FROM trajectory_outcomes WHERE success = true GROUP BY task_type ORDER BY task_type',
  );
  console.log(`grouped  successful runs by task in ${(performance.now() - t).toFixed(1)} ms:`);
  for (const row of byTask.rows()) {
    console.log(`         ${String(row.task_type).padEnd(16)} runs=${row.runs}  mean_reward=${(row.mean_reward as number).toFixed(3)}  longest=${row.longest}`);
  }

  // 3. Commit, close, reopen: opening reads manifests, not data.
  const version = await db.commit('quickstart sample');
  await db.close();
  t = performance.now();
  const reopened = await open(path);
  const openMs = performance.now() - t;
  const count = reopened.executeSync("SELECT count(*) AS n FROM trajectories WHERE role = 'assistant'").rows()[0]!.n;
  console.log(`reopened version ${version} in ${openMs.toFixed(1)} ms; ${count} assistant steps stored`);
  await reopened.close();
  rmSync(directory, { recursive: true, force: true });
}

await main();
