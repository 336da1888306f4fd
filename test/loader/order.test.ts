/**
 * The dataloader's order: every epoch exactly once, the query's order without shuffle, a
 * seeded permutation that is the documented algorithm (checked against a reference written
 * here from the spec in native/loader/permutation.hpp), and shards that are disjoint, equal
 * and together cover the epoch.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Database } from '../../src/index.js';
import { nativeLoader } from '../../src/loader/native_loader.js';
import { typedDatabase } from './loader_fixtures.js';

const MASK = (1n << 64n) - 1n;
const GOLDEN = 0x9e3779b97f4a7c15n;

function mix64(value: bigint): bigint {
  value = ((value ^ (value >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
  value = ((value ^ (value >> 27n)) * 0x94d049bb133111ebn) & MASK;
  return value ^ (value >> 31n);
}

/** The permutation of (seed, epoch) as permutation.hpp specifies it: SplitMix64, Lemire, Fisher–Yates. */
function referencePermutation(count: number, seed: bigint, epoch: number): number[] {
  let state = mix64(seed ^ mix64((BigInt(epoch) + GOLDEN) & MASK));
  const next = () => {
    state = (state + GOLDEN) & MASK;
    return mix64(state);
  };
  const below = (bound: number): number => {
    let product = (next() >> 32n) * BigInt(bound);
    let low = product & 0xffffffffn;
    if (low < BigInt(bound)) {
      const threshold = BigInt((2 ** 32 - bound) % bound);
      while (low < threshold) {
        product = (next() >> 32n) * BigInt(bound);
        low = product & 0xffffffffn;
      }
    }
    return Number(product >> 32n);
  };
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = below(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

const ROWS = 103;
let db: Database;
before(async () => {
  db = await typedDatabase(ROWS);
});
// The database stays open until the process ends: helpers.ts removes its directory in an after() hook that runs first.

async function ids(loader: AsyncIterable<{ columns: Record<string, unknown>; release(): void; epoch: number; size: number }>): Promise<{ ids: number[][]; sizes: number[] }> {
  const epochs: number[][] = [];
  const sizes: number[] = [];
  for await (const batch of loader) {
    (epochs[batch.epoch] ??= []).push(...(batch.columns.id as Int32Array));
    sizes.push(batch.size);
    batch.release();
  }
  return { ids: epochs, sizes };
}

const SQL = 'SELECT id, name FROM items ORDER BY id';

test('the seeded permutation is the documented algorithm, identical to a reference implementation', () => {
  const { loaderOrder } = nativeLoader();
  for (const [count, seed, epoch] of [[1, 0n, 0], [2, 1n, 0], [10, 42n, 0], [10, 42n, 1], [257, 7n, 3], [1000, 2n ** 64n - 1n, 9]] as const) {
    assert.deepEqual(Array.from(loaderOrder(count, epoch, true, seed, 0, 1, false)), referencePermutation(count, seed, epoch), `n=${count} seed=${seed} epoch=${epoch}`);
  }
  // Pinned, so that the algorithm and this reference cannot drift apart together.
  assert.deepEqual(Array.from(loaderOrder(10, 0, true, 42n, 0, 1, false)), [5, 1, 4, 8, 6, 3, 9, 2, 0, 7]);
});

test('without shuffle, every epoch follows the query order exactly once', async () => {
  const { ids: epochs, sizes } = await ids(db.dataloader(SQL).batchSize(10).epochs(3));
  assert.equal(epochs.length, 3);
  for (const epoch of epochs) assert.deepEqual(epoch, Array.from({ length: ROWS }, (_, i) => i));
  assert.deepEqual(sizes, [...Array(10).fill(10), 3, ...Array(10).fill(10), 3, ...Array(10).fill(10), 3]);
});

test('with shuffle, every epoch is a different permutation; dropLast leaves out the short batch', async () => {
  const { ids: epochs } = await ids(db.dataloader(SQL).batchSize(8).shuffle(11).epochs(3));
  for (const epoch of epochs) assert.deepEqual([...epoch].sort((a, b) => a - b), Array.from({ length: ROWS }, (_, i) => i));
  assert.notDeepEqual(epochs[0], epochs[1]);
  assert.notDeepEqual(epochs[1], epochs[2]);
  assert.deepEqual(epochs[1], referencePermutation(ROWS, 11n, 1));

  const dropped = await ids(db.dataloader(SQL).batchSize(8).shuffle(11).epochs(2).dropLast());
  assert.deepEqual(dropped.sizes, Array(24).fill(8));
  assert.deepEqual(dropped.ids[0], epochs[0]!.slice(0, 96));
  assert.deepEqual(dropped.ids[1], epochs[1]!.slice(0, 96));
});

test('the same seed gives the same order at any prefetch depth; another seed another order', async () => {
  const first = await ids(db.dataloader(SQL).batchSize(5).shuffle(1234).epochs(2).prefetch(1));
  const again = await ids(db.dataloader(SQL).batchSize(5).shuffle(1234).epochs(2).prefetch(8));
  const bigSeed = await ids(db.dataloader(SQL).batchSize(5).shuffle(1234n).epochs(2));
  const other = await ids(db.dataloader(SQL).batchSize(5).shuffle(1235).epochs(2));
  assert.deepEqual(again.ids, first.ids);
  assert.deepEqual(bigSeed.ids, first.ids);
  assert.notDeepEqual(other.ids[0], first.ids[0]);
});

test('shards with remainder drop are disjoint, equal, and cover the epoch but its last n mod w', async () => {
  for (const worldSize of [1, 2, 3, 4, 7]) {
    const parts = await Promise.all(
      Array.from({ length: worldSize }, (_, rank) => ids(db.dataloader(SQL).batchSize(6).shuffle(5).shard(rank, worldSize).epochs(2))),
    );
    for (let epoch = 0; epoch < 2; epoch++) {
      const full = referencePermutation(ROWS, 5n, epoch);
      const kept = full.slice(0, Math.floor(ROWS / worldSize) * worldSize);
      const seen = parts.flatMap((part) => part.ids[epoch]!);
      for (const part of parts) assert.equal(part.ids[epoch]!.length, Math.floor(ROWS / worldSize), `world ${worldSize}: equal parts`);
      assert.equal(new Set(seen).size, seen.length, `world ${worldSize}: disjoint`);
      assert.deepEqual([...seen].sort((a, b) => a - b), [...kept].sort((a, b) => a - b), `world ${worldSize}: covering`);
      // Round-robin: rank r holds positions r, r + w, … of the epoch's order.
      parts.forEach((part, rank) => assert.deepEqual(part.ids[epoch], kept.filter((_, position) => position % worldSize === rank)));
    }
  }
});

test('shards with remainder pad are equal and cover every row, repeating at most w - 1', async () => {
  const worldSize = 4; // 103 = 4 × 25 + 3
  const parts = await Promise.all(
    Array.from({ length: worldSize }, (_, rank) => ids(db.dataloader(SQL).batchSize(7).shuffle(5).shard(rank, worldSize, { remainder: 'pad' }))),
  );
  const seen = parts.flatMap((part) => part.ids[0]!);
  for (const part of parts) assert.equal(part.ids[0]!.length, 26);
  assert.equal(new Set(seen).size, ROWS);
  assert.equal(seen.length - ROWS, 1);
  const full = referencePermutation(ROWS, 5n, 0);
  assert.deepEqual(parts[3]!.ids[0]!.at(-1), full[0], 'the pad wraps around to the start of the order');
});

test('settings are fixed once a loader starts, and one loop at a time reads it', async () => {
  const loader = db.dataloader(SQL).batchSize(50);
  const iterator = loader[Symbol.asyncIterator]();
  await iterator.next();
  assert.throws(() => loader.batchSize(3), /fixed once the loader has started/);
  await assert.rejects(loader[Symbol.asyncIterator]().next(), /already being iterated/);
  await iterator.return!();
  assert.throws(() => db.dataloader(SQL).shard(2, 2), RangeError);
  assert.throws(() => db.dataloader(SQL).shuffle(-1), RangeError);
  assert.throws(() => db.dataloader(SQL).batchSize(0), RangeError);
  await assert.rejects(db.dataloader('CREATE TABLE IF NOT EXISTS unused (x INT)')[Symbol.asyncIterator]().next(), /no rows to load/);
});
