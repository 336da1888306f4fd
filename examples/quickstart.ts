/**
 * `npm start`: replaydb end to end on a small embedded sample. It logs agent trajectories
 * step by step (as an agent would), records each run's outcome, curates with SQL (the
 * seed's join of steps and outcomes), looks for similar steps by vector, branches the data
 * for an experiment, and trains a classifier in WGSL compute kernels on batches the
 * dataloader streams straight into WebGPU buffers (on the machine's GPU, or Mesa's software
 * Vulkan adapter where there is none); then it commits, reopens, and prints what it did
 * and how fast.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogisticRegressionTrainer } from '../src/gpu/classifier_training.js';
import { openWebGPU } from '../src/gpu/webgpu_device.js';
import { open, SqlError, type Database, type WebGPUBatch } from '../src/index.js';

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
const DIMENSION = 1536;
/**
 * How far a step's embedding leans along the "success" direction: noise is uniform in ±0.5
 * per component (standard deviation 0.29 along any direction), so a linear classifier can
 * reach about 88% accuracy and the loss can fall from 0.69 to about 0.3.
 */
const SIGNAL = 0.35;

const SEED_CURATION = `SELECT t.trajectory_id, t.step, t.role, t.content, t.tool_call, t.tool_result
FROM trajectories t
JOIN trajectory_outcomes o ON t.trajectory_id = o.trajectory_id
WHERE o.success = true
AND o.reward_score > 0.85
AND o.task_type = 'code_generation'
AND o.total_steps < 20 -- prefer efficient trajectories
ORDER BY t.trajectory_id, t.step`;

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

interface PlannedRun {
  id: string;
  length: number;
  success: boolean;
  embeddings: Float32Array[];
}

/**
 * The sample, made before anything is timed: per run its length, its outcome, and one
 * embedding per step — noise plus a lean along a fixed direction whose sign is the run's
 * success, so that a classifier on embeddings has something real to learn.
 */
function planRuns(next: () => number, runs: number): PlannedRun[] {
  const direction = Float32Array.from({ length: DIMENSION }, () => next() - 0.5);
  const norm = Math.hypot(...direction);
  for (let i = 0; i < DIMENSION; i++) direction[i]! /= norm;
  const planned: PlannedRun[] = [];
  for (let run = 0; run < runs; run++) {
    const length = 3 + Math.floor(next() * 22);
    const success = next() < 0.6;
    const sign = success ? SIGNAL : -SIGNAL;
    const embeddings: Float32Array[] = [];
    for (let step = 0; step < length; step++) {
      const embedding = new Float32Array(DIMENSION);
      for (let i = 0; i < DIMENSION; i++) embedding[i] = next() - 0.5 + sign * direction[i]!;
      embeddings.push(embedding);
    }
    planned.push({ id: `run-${String(run).padStart(4, '0')}`, length, success, embeddings });
  }
  return planned;
}

async function logRuns(db: Database, planned: PlannedRun[], next: () => number): Promise<number> {
  let steps = 0;
  const started = performance.now();
  for (let run = 0; run < planned.length; run++) {
    const { id, length, success, embeddings } = planned[run]!;
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
          embeddings[step]!,
        ],
      );
      steps++;
    }
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
  const seconds = (performance.now() - started) / 1000;
  console.log(`logged   ${steps} steps of ${planned.length} trajectories (${DIMENSION}-d embeddings) in ${seconds.toFixed(2)} s: ${Math.round(steps / seconds)} steps/s`);
  return steps;
}

async function curate(db: Database): Promise<void> {
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

  t = performance.now();
  const steps = await db.execute(SEED_CURATION);
  const runs = new Set(steps.column('trajectory_id') as unknown[]).size;
  console.log(`joined   steps with outcomes (the seed's curation query): ${steps.rowCount} steps of ${runs} trajectories in ${(performance.now() - t).toFixed(1)} ms`);
}

async function findSimilar(db: Database, probe: Float32Array): Promise<void> {
  const t = performance.now();
  try {
    const similar = await db.execute(
      'SELECT t.trajectory_id, t.step, cosine_similarity(t.embedding, :q) AS similarity FROM trajectories t ORDER BY similarity DESC LIMIT 3',
      { q: probe },
    );
    console.log(`similar  3 steps nearest a successful run's step in ${(performance.now() - t).toFixed(1)} ms:`);
    for (const row of similar.rows()) console.log(`         ${row.trajectory_id} step ${row.step}  cosine=${(row.similarity as number).toFixed(3)}`);
  } catch (error) {
    if (error instanceof SqlError && error.code === 'undefined_function') console.log('similar  vector search not available yet');
    else throw error;
  }
}

/** Token batches of the curated steps: a look at what a language-model trainer would get. */
async function tokenBatches(db: Database): Promise<void> {
  const t = performance.now();
  const loader = db.dataloader(SEED_CURATION).batchSize(8).tokens({ seqLen: 1024, lossOn: ['assistant'], pack: true });
  let rows = 0;
  let tokens = 0;
  let trained = 0;
  let first: string | undefined;
  for await (const batch of loader) {
    rows += batch.size;
    tokens += batch.tokens;
    const mask = batch.columns.loss_mask as Int32Array;
    for (let i = 0; i < mask.length; i++) trained += mask[i]!;
    if (!first) {
      const ids = (batch.columns.input_ids as Int32Array).subarray(0, 48);
      first = new TextDecoder().decode(Uint8Array.from(ids.filter((id) => id < 256)));
    }
    batch.release();
  }
  const seconds = (performance.now() - t) / 1000;
  console.log(
    `tokens   packed the curated steps into ${rows} rows of 1024 byte tokens (${tokens} tokens, ${((100 * trained) / Math.max(1, tokens)).toFixed(0)}% trained on assistant turns) in ${(seconds * 1000).toFixed(0)} ms`,
  );
  if (first) console.log(`         row 0 begins: ${JSON.stringify(first)}`);
}

/** Trains the success classifier in WGSL on batches from loader.toWebGPU(). */
async function train(db: Database): Promise<void> {
  const opened = await openWebGPU();
  if ('reason' in opened) {
    console.log(`train    skipped: ${opened.reason}`);
    return;
  }
  const { device } = opened;
  const epochs = 5;
  const batchRows = 256;
  const loader = db
    .dataloader('SELECT t.embedding, o.success FROM trajectories t JOIN trajectory_outcomes o ON t.trajectory_id = o.trajectory_id')
    .batchSize(batchRows)
    .shuffle(7)
    .epochs(epochs)
    .prefetch(3);
  const trainer = new LogisticRegressionTrainer(device, { dimension: DIMENSION, batchRows, learningRate: 0.5 });
  console.log(`train    logistic regression on ${DIMENSION}-d embeddings → success, in WGSL on ${opened.adapter}${opened.software ? ' [software adapter]' : ''}`);
  const started = performance.now();
  const info = await loader.info(); // runs the query once; the loop below reuses its result
  console.log(`         the loader's query returned ${info.rows} rows in ${(performance.now() - started).toFixed(0)} ms: ${info.batchesPerEpoch} batches of ${batchRows} per epoch`);
  let epochStart = performance.now();
  let waitedForData = 0;
  let waitedForGpu = 0;
  let rows = 0;
  let bytes = 0;
  let state = '';
  const iterator = loader.toWebGPU(device)[Symbol.asyncIterator]();
  for (;;) {
    const before = performance.now();
    const next: IteratorResult<WebGPUBatch> = await iterator.next();
    const waited = performance.now() - before;
    if (next.done) break;
    const batch = next.value;
    // The iterator tells apart waiting for the GPU to hand a staging buffer back (it is
    // still busy with earlier batches) from waiting for the loader itself.
    waitedForGpu += Math.min(waited, batch.timing.gpuWaitMs);
    waitedForData += Math.max(0, waited - batch.timing.gpuWaitMs);
    trainer.step(batch, 'embedding', 'success');
    batch.release();
    rows += batch.size;
    bytes += batch.bytes;
    if (batch.endOfEpoch) {
      const { loss } = await trainer.takeLoss();
      const milliseconds = performance.now() - epochStart;
      console.log(
        `         epoch ${batch.epoch + 1}/${epochs}  loss=${loss.toFixed(4)}  ${Math.round((rows * 1000) / milliseconds)} rows/s  ${(bytes / milliseconds / 1e6).toFixed(2)} GB/s delivered  waited for data ${((100 * waitedForData) / milliseconds).toFixed(0)}% of the time (for the GPU ${((100 * waitedForGpu) / milliseconds).toFixed(0)}%)`,
      );
      state = JSON.stringify(loader.state());
      epochStart = performance.now();
      waitedForData = waitedForGpu = rows = bytes = 0;
    }
  }
  console.log(`         loader state after training (resume() continues from it): ${state}`);
  trainer.destroy();
  device.destroy();
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
  const planned = planRuns(next, 400);
  await logRuns(db, planned, next);

  // 2. Curate: the seed's filters on outcomes, and its join of steps with outcomes.
  await curate(db);

  // 3. Find: steps whose embeddings are nearest one of a successful run.
  await findSimilar(db, planned.find((run) => run.success)!.embeddings[0]!);

  // 4. Branch: an experiment gets its own view of the data without copying it.
  const version = await db.branch('experiment/high-efficiency-only');
  await db.checkout('experiment/high-efficiency-only');
  const branches = await db.branches();
  console.log(`branched experiment/high-efficiency-only at ${version} (exists: ${branches.includes('experiment/high-efficiency-only')}); working on ${db.currentBranch}`);

  // 5. Load: token batches for a language model, and a classifier trained on the GPU.
  await tokenBatches(db);
  await train(db);

  // 6. Commit, close, reopen: opening reads manifests, not data.
  await db.checkout('main');
  const committed = await db.commit('quickstart sample');
  await db.close();
  const t = performance.now();
  const reopened = await open(path);
  const openMs = performance.now() - t;
  const count = reopened.executeSync("SELECT count(*) AS n FROM trajectories WHERE role = 'assistant'").rows()[0]!.n;
  console.log(`reopened version ${committed} in ${openMs.toFixed(1)} ms; ${count} assistant steps stored`);
  await reopened.close();
  rmSync(directory, { recursive: true, force: true });
}

await main();
