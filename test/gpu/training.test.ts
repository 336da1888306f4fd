/**
 * The WGSL training example learns: a logistic-regression classifier trained in compute
 * kernels on toWebGPU() batches (embeddings whose direction carries the label) lowers its
 * loss epoch after epoch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LogisticRegressionTrainer } from '../../src/gpu/classifier_training.js';
import { open } from '../../src/index.js';
import { databasePath } from '../helpers.js';
import { gpuDevice } from './gpu_helpers.js';

const DIMENSION = 48;

/** Deterministic rows: noise in ±0.5 per component plus ±0.25 along a fixed direction, the sign being the label. */
function makeRows(count: number): { embedding: Float32Array; success: boolean }[] {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const direction = Float32Array.from({ length: DIMENSION }, () => next() - 0.5);
  const norm = Math.hypot(...direction);
  return Array.from({ length: count }, () => {
    const success = next() < 0.5;
    const embedding = Float32Array.from({ length: DIMENSION }, (_, i) => next() - 0.5 + ((success ? 0.25 : -0.25) * direction[i]!) / norm);
    return { embedding, success };
  });
}

test('the WGSL classifier trained on toWebGPU batches lowers its loss epoch after epoch', async (t) => {
  const device = await gpuDevice(t);
  if (!device) return;
  const db = await open(databasePath());
  await db.execute(`CREATE TABLE examples (embedding VECTOR(${DIMENSION}), success BOOLEAN)`);
  const rows = makeRows(3000);
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    await db.execute(`INSERT INTO examples VALUES ${chunk.map(() => '(%s, %s)').join(', ')}`, chunk.flatMap((row) => [row.embedding, row.success]));
  }
  const batchRows = 64;
  const trainer = new LogisticRegressionTrainer(device, { dimension: DIMENSION, batchRows, learningRate: 1 });
  const losses: number[] = [];
  for await (const batch of db.dataloader('SELECT embedding, success FROM examples').batchSize(batchRows).shuffle(3).epochs(6).toWebGPU(device)) {
    trainer.step(batch, 'embedding', 'success');
    batch.release();
    if (batch.endOfEpoch) {
      const { loss, rows: trained } = await trainer.takeLoss();
      assert.equal(trained, rows.length);
      losses.push(loss);
    }
  }
  trainer.destroy();
  assert.equal(losses.length, 6);
  assert.ok(losses[0]! < Math.LN2 + 0.05, `the first epoch's mean loss is at most chance level (${losses[0]})`);
  // It falls every epoch (flattening out near the end, where adapters may differ in the last digits).
  const trace = losses.map((loss) => loss.toFixed(4)).join(' → ');
  for (let epoch = 1; epoch < losses.length; epoch++) assert.ok(losses[epoch]! < losses[epoch - 1]! + 1e-3, `loss falls: ${trace}`);
  assert.ok(losses[2]! < losses[1]! && losses[1]! < losses[0]!, `loss falls: ${trace}`);
  assert.ok(losses.at(-1)! < 0.8 * losses[0]!, `the classifier learned: ${losses.map((loss) => loss.toFixed(4)).join(' → ')}`);
  await db.close();
});
