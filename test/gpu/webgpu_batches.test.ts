/**
 * Batches in WebGPU buffers: the bytes read back from each column's storage buffer are the
 * query's values in the documented GPU types and layout, for every type, shuffled and
 * sharded like the CPU loader; token batches match the CPU's; and ending a loop early or
 * destroying the device mid-loop leaves the native thread and the mapped staging buffers
 * safe.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { BufferUsage } from '../../src/gpu/webgpu_types.js';
import type { Database, Result, WebGPUBatch } from '../../src/index.js';
import { trajectoryDatabase, TRAJECTORY_SQL, typedDatabase } from '../loader/loader_fixtures.js';
import { gpuDevice, readBack } from './gpu_helpers.js';

const ROWS = 300;
const SQL = 'SELECT * FROM items ORDER BY id';
let db: Database;
let result: Result;
before(async () => {
  db = await typedDatabase(ROWS);
  result = await db.execute(SQL);
});

test('every column read back from its storage buffer holds the query values in the GPU layout', async (t) => {
  const device = await gpuDevice(t);
  if (!device) return;
  const expected = result.rows();
  const decoder = new TextDecoder();
  let seen = 0;
  for await (const batch of db.dataloader(SQL).batchSize(64).shuffle(21).toWebGPU(device)) {
    const { columns } = batch.layout;
    assert.equal(columns.id!.wgslType, 'i32');
    assert.equal(columns.reward!.wgslType, 'f32');
    assert.equal(columns.ok!.wgslType, 'u32');
    assert.equal(columns.big!.wgslType, 'vec2<u32>');
    assert.equal(columns.v!.elementsPerRow, 3);
    assert.ok(columns.maybe!.hasValidity && !columns.id!.hasValidity);
    for (const buffer of Object.values(batch.buffers)) assert.equal(buffer.usage & (BufferUsage.STORAGE | BufferUsage.COPY_SRC), BufferUsage.STORAGE | BufferUsage.COPY_SRC);
    const read = async (name: string): Promise<ArrayBuffer> => (await readBack(device, batch.buffers[name]!, columns[name]!.byteLength)).buffer as ArrayBuffer;
    const id = new Int32Array(await read('id'));
    const big = new Uint32Array(await read('big'));
    const score = new Float32Array(await read('score'));
    const reward = new Float32Array(await read('reward'));
    const ok = new Uint32Array(await read('ok'));
    const v = new Float32Array(await read('v'));
    const at = new Uint32Array(await read('at'));
    const maybe = new Int32Array(await read('maybe'));
    const valid: Uint32Array = new Uint32Array((await readBack(device, batch.validity.maybe!, 4 * batch.size)).buffer);
    const nameBytes = new Uint8Array(await read('name'));
    const nameLayout = columns.name!.text!;
    const offsets = new Uint32Array(nameBytes.buffer, 0, batch.size + 1);
    assert.equal(nameLayout.bytesOffset % 256, 0);
    assert.equal(id.length, batch.size);
    for (let r = 0; r < batch.size; r++) {
      const row = expected[id[r]!]! as Record<string, unknown>;
      const bigValue = BigInt(id[r]!) * 1_000_000_007n - 5n;
      assert.equal(BigInt(big[2 * r]!) | (BigInt(big[2 * r + 1]!) << 32n), BigInt.asUintN(64, bigValue));
      assert.equal(score[r], row.score);
      assert.equal(reward[r], Math.fround(row.reward as number), 'DOUBLE arrives as f32');
      assert.equal(ok[r], row.ok ? 1 : 0);
      assert.deepEqual(Array.from(v.subarray(3 * r, 3 * r + 3)), Array.from(row.v as Float32Array));
      assert.equal(Number(BigInt(at[2 * r]!) | (BigInt(at[2 * r + 1]!) << 32n)) / 1000, (row.at as Date).getTime());
      assert.equal(valid[r], row.maybe === null ? 0 : 1);
      if (row.maybe !== null) assert.equal(maybe[r], row.maybe);
      const text = decoder.decode(nameBytes.subarray(nameLayout.bytesOffset + offsets[r]!, nameLayout.bytesOffset + offsets[r + 1]!));
      assert.equal(text, row.name);
    }
    seen += batch.size;
    batch.release();
  }
  assert.equal(seen, ROWS);
});

test('GPU batches come in the CPU loader order, sharded and over epochs', async (t) => {
  const device = await gpuDevice(t);
  if (!device) return;
  const make = () => db.dataloader('SELECT id FROM items ORDER BY id').batchSize(17).shuffle(8).shard(1, 3).epochs(2).prefetch(4);
  const cpu: number[] = [];
  for await (const batch of make()) {
    cpu.push(...(batch.columns.id as Int32Array));
    batch.release();
  }
  const gpu: number[] = [];
  const kept: WebGPUBatch[] = [];
  for await (const batch of make().toWebGPU(device)) {
    kept.push(batch); // released only after the loop: the pool grows instead of reusing
    gpu.push(...new Int32Array((await readBack(device, batch.buffers.id!, 4 * batch.size)).buffer));
  }
  for (const batch of kept) batch.release();
  assert.deepEqual(gpu, cpu);
});

test('token batches on the GPU equal the CPU token batches', async (t) => {
  const device = await gpuDevice(t);
  if (!device) return;
  const tokensDb = await trajectoryDatabase(19);
  const make = () => tokensDb.dataloader(TRAJECTORY_SQL).batchSize(3).shuffle(4).tokens({ seqLen: 40 });
  const cpu: string[] = [];
  for await (const batch of make()) {
    cpu.push(['input_ids', 'loss_mask', 'position_ids', 'sequence_ids'].map((name) => Array.from(batch.columns[name] as Int32Array).join(',')).join('|'));
    batch.release();
  }
  const gpu: string[] = [];
  for await (const batch of make().toWebGPU(device)) {
    const parts: string[] = [];
    for (const name of ['input_ids', 'loss_mask', 'position_ids', 'sequence_ids']) {
      assert.equal(batch.layout.columns[name]!.elementsPerRow, 40);
      parts.push(Array.from(new Int32Array((await readBack(device, batch.buffers[name]!, 4 * 40 * batch.size)).buffer)).join(','));
    }
    gpu.push(parts.join('|'));
    batch.release();
  }
  assert.deepEqual(gpu, cpu);
  await tokensDb.close();
});

test('breaking out of a GPU loop, and destroying the device mid-loop, stop the thread safely', async (t) => {
  const device = await gpuDevice(t);
  if (!device) return;
  const loader = db.dataloader(SQL).batchSize(16).shuffle(1).epochs(50).prefetch(8);
  let batches = 0;
  for await (const batch of loader.toWebGPU(device)) {
    batch.release();
    if (++batches === 5) break;
  }
  assert.equal(loader.state().batchesDelivered, 5);
  // The same loader continues in a new loop on the GPU.
  for await (const batch of loader.toWebGPU(device)) {
    assert.equal(batch.index, 5);
    batch.release();
    break;
  }
  // Destroying the device while the thread gathers into mapped staging buffers: the guard
  // stops the thread before Dawn unmaps them; the loop then ends with an error, not a crash.
  const { openWebGPU } = await import('../../src/gpu/webgpu_device.js');
  const second = await openWebGPU();
  assert.ok(!('reason' in second));
  await assert.rejects(
    (async () => {
      for await (const batch of db.dataloader(SQL).batchSize(8).epochs(100).prefetch(8).toWebGPU(second.device)) {
        batch.release();
        second.device.destroy();
      }
    })(),
  );
});
