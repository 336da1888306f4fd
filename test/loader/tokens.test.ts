/**
 * Token batches: trajectories grouped by id in step order, rendered through the template,
 * tokenized (built-in bytes or a pluggable tokenizer), packed into rows of seqLen, with a
 * loss mask on exactly the trained roles' content (and the template after it).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Batch, Database } from '../../src/index.js';
import { trajectoryDatabase, TRAJECTORY_SQL } from './loader_fixtures.js';

const TRAJECTORIES = 37;
let db: Database;
let steps: { trajectory_id: string; step: number; role: string; content: string }[];

before(async () => {
  db = await trajectoryDatabase(TRAJECTORIES);
  steps = (await db.execute(TRAJECTORY_SQL)).rows() as typeof steps;
});
// The database stays open until the process ends: helpers.ts removes its directory in an after() hook that runs first.

const encoder = new TextEncoder();

/** The token stream and loss mask a trajectory should render to. */
function expectedStreams(template: string, lossOn: string[], tokenize: (text: string) => number[]): Map<string, { tokens: number[]; mask: number[] }> {
  const [before, after] = template.split('{content}') as [string, string];
  const streams = new Map<string, { tokens: number[]; mask: number[] }>();
  for (const step of steps) {
    let stream = streams.get(step.trajectory_id);
    if (!stream) streams.set(step.trajectory_id, (stream = { tokens: [], mask: [] }));
    const trained = lossOn.includes(step.role) ? 1 : 0;
    const prefix = tokenize(before.replaceAll('{role}', step.role));
    const rest = [...tokenize(step.content), ...tokenize(after.replaceAll('{role}', step.role))];
    stream.tokens.push(...prefix, ...rest);
    stream.mask.push(...prefix.map(() => 0), ...rest.map(() => trained));
  }
  return streams;
}

const bytes = (text: string) => Array.from(encoder.encode(text));

/** Splits packed rows back into per-row segments (by sequence_ids), checking positions and padding. */
function segments(batch: Batch, padId: number): { tokens: number[]; mask: number[] }[] {
  const seqLen = batch.seqLen;
  const ids = batch.columns.input_ids as Int32Array;
  const mask = batch.columns.loss_mask as Int32Array;
  const positions = batch.columns.position_ids as Int32Array;
  const sequences = batch.columns.sequence_ids as Int32Array;
  const out: { tokens: number[]; mask: number[] }[] = [];
  for (let r = 0; r < batch.size; r++) {
    let current = 0;
    for (let k = 0; k < seqLen; k++) {
      const i = r * seqLen + k;
      if (sequences[i] === 0) {
        assert.equal(ids[i], padId, 'padding holds the pad id');
        assert.equal(mask[i], 0);
        assert.equal(positions[i], 0);
        continue;
      }
      if (sequences[i] !== current) {
        assert.equal(sequences[i], current + 1, 'segments are numbered 1, 2, … within a row');
        current = sequences[i]!;
        out.push({ tokens: [], mask: [] });
      }
      const segment = out.at(-1)!;
      assert.equal(positions[i], segment.tokens.length, 'positions count from 0 in each segment');
      segment.tokens.push(ids[i]!);
      segment.mask.push(mask[i]!);
    }
  }
  return out;
}

test('packed rows hold every trajectory once, in order, with the loss mask on exactly the assistant turns', async () => {
  const seqLen = 96;
  const loader = db.dataloader(TRAJECTORY_SQL).batchSize(4).tokens({ seqLen, lossOn: ['assistant'] });
  const stream: { tokens: number[]; mask: number[] } = { tokens: [], mask: [] };
  let rows = 0;
  let batches = 0;
  for await (const batch of loader) {
    assert.equal(batch.seqLen, seqLen);
    for (const name of ['input_ids', 'loss_mask', 'position_ids', 'sequence_ids']) assert.equal((batch.columns[name] as Int32Array).length, batch.size * seqLen);
    for (const segment of segments(batch, 256)) {
      stream.tokens.push(...segment.tokens);
      stream.mask.push(...segment.mask);
    }
    rows += batch.size;
    batches++;
    batch.release();
  }
  const expected = [...expectedStreams('<|{role}|>\n{content}\n', ['assistant'], bytes).values()];
  const tokens = expected.flatMap((s) => s.tokens);
  assert.deepEqual(stream.tokens, tokens, 'the packed stream is the trajectories rendered in order');
  assert.deepEqual(stream.mask, expected.flatMap((s) => s.mask));
  assert.equal(rows, Math.ceil(tokens.length / seqLen), 'rows are packed densely');
  // Decoding the trained tokens gives back exactly the assistant contents and their newline.
  const trained = new TextDecoder().decode(Uint8Array.from(stream.tokens.filter((_, i) => stream.mask[i] === 1)));
  assert.equal(trained, steps.filter((s) => s.role === 'assistant').map((s) => `${s.content}\n`).join(''));
  assert.equal(batches, (await db.dataloader(TRAJECTORY_SQL).batchSize(4).tokens({ seqLen }).info()).batchesPerEpoch);
});

test('steps are grouped by trajectory and ordered by step whatever the query order', async () => {
  const scrambled = 'SELECT content, role, step, trajectory_id FROM steps';
  const collect = async (sql: string) => {
    const out: number[] = [];
    for await (const batch of db.dataloader(sql).batchSize(8).tokens({ seqLen: 4096, pack: false })) {
      for (const segment of segments(batch, 256)) out.push(...segment.tokens, -1);
      batch.release();
    }
    return out;
  };
  const ordered = await collect(TRAJECTORY_SQL);
  const fromScrambled = await collect(scrambled);
  // Same trajectories (the order of trajectories follows first appearance in the result).
  const split = (tokens: number[]) => tokens.join(',').split(',-1').filter(Boolean).sort();
  assert.deepEqual(split(fromScrambled), split(ordered));
});

test('without packing each row is one trajectory, truncated to seqLen', async () => {
  const seqLen = 40;
  const expected = [...expectedStreams('<|{role}|>\n{content}\n', ['assistant'], bytes).values()];
  const rows: number[][] = [];
  for await (const batch of db.dataloader(TRAJECTORY_SQL).batchSize(5).tokens({ seqLen, pack: false })) {
    const parts = segments(batch, 256);
    assert.equal(parts.length, batch.size, 'one segment per row');
    rows.push(...parts.map((part) => part.tokens));
    batch.release();
  }
  assert.deepEqual(rows, expected.map((s) => s.tokens.slice(0, seqLen)));
});

test('a pluggable tokenizer, a custom template and several trained roles', async () => {
  // Words and runs of spaces, hashed to ids: deterministic, as a tokenizer must be for resume().
  const tokenizer = (text: string) =>
    Int32Array.from(
      text.split(/(\s+)/).filter(Boolean).map((word) => {
        let hash = 7;
        for (const character of word) hash = (hash * 31 + character.codePointAt(0)!) % 100_003;
        return hash;
      }),
    );
  const template = '[{role}] {content} [/{role}]\n';
  const loader = db.dataloader(TRAJECTORY_SQL).batchSize(3).tokens({ seqLen: 50, template, lossOn: ['user', 'tool'], tokenizer, padId: -1 });
  const stream: { tokens: number[]; mask: number[] } = { tokens: [], mask: [] };
  for await (const batch of loader) {
    for (const segment of segments(batch, -1)) {
      stream.tokens.push(...segment.tokens);
      stream.mask.push(...segment.mask);
    }
    batch.release();
  }
  const expected = [...expectedStreams(template, ['user', 'tool'], (text) => Array.from(tokenizer(text))).values()];
  assert.deepEqual(stream.tokens, expected.flatMap((s) => s.tokens));
  assert.deepEqual(stream.mask, expected.flatMap((s) => s.mask));
});

test('token batches need the trajectory columns and a template with {content}', async () => {
  await assert.rejects(db.dataloader('SELECT trajectory_id, content FROM steps').tokens({ seqLen: 8 })[Symbol.asyncIterator]().next(), /need the columns/);
  assert.throws(() => db.dataloader(TRAJECTORY_SQL).tokens({ seqLen: 8, template: 'no content here' }), /\{content\}/);
  assert.throws(() => db.dataloader(TRAJECTORY_SQL).tokens({ seqLen: 0 }), RangeError);
});
