/**
 * Loader: how fast the dataloader delivers training batches, in bytes per second, against
 * the ceiling (memcpy of the same bytes, measured interleaved in the same run) and against
 * what users do without it: reading the same rows from a JSONL file with JSON.parse, or
 * from an Arrow IPC file with apache-arrow, into the same batch arrays; and, for the GPU,
 * uploading with queue.writeBuffer from JS arrays.
 *
 * Data, built once: 100k trajectory steps (50k with --quick, times --size) from the prose
 * generator in bench/data.ts: step INT, reward DOUBLE PRECISION, embedding VECTOR(128)
 * (clustered, normalised), role TEXT and content TEXT (README prose, about 0.9 KiB a
 * step). Fixed-width cases load (step, reward, embedding): 524 bytes a row on the CPU.
 *
 * Every system delivers one epoch per run in batches of 2048 rows, each batch as typed
 * arrays (text as u32 offsets + UTF-8 bytes) in buffers reused from batch to batch:
 *  - replaydb: db.dataloader(sql).batchSize(2048)[.shuffle(seed)], one loader with endless
 *    epochs whose query ran before timing; each run consumes one epoch and releases every
 *    batch. The native thread gathers the next batches while JS takes the current one.
 *  - memcpy: Buffer.copy of each batch's bytes from a contiguous copy of all rows into a
 *    reused batch buffer: the ceiling. The ratio on its row is memcpy time / loader time,
 *    i.e. the loader's speed as a fraction of memcpy (targets: ≥ 0.5 in order, ≥ 0.3 shuffled).
 *  - jsonl: the rows as JSON lines (embedding as a number array); each run reads the file
 *    with node:readline, JSON.parse's every line and fills the batch arrays (in the epoch's
 *    order when shuffled, after parsing every line).
 *  - arrow: the rows as an Arrow IPC file (written by Result.toArrow()); each run reads it
 *    with tableFromIPC and copies each batch's rows out of its column buffers.
 *  - webgpu cases (when a WebGPU adapter exists): replaydb's toWebGPU(device) (gathered
 *    straight into mapped staging buffers, copied into storage buffers on the GPU) against
 *    writeBuffer: the same batches gathered into JS typed arrays and uploaded with
 *    queue.writeBuffer into the same storage buffers; both wait for the queue at the end.
 */
import { closeSync, createReadStream, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Table } from 'apache-arrow';
import { openWebGPU } from '../../src/gpu/webgpu_device.js';
import { BufferUsage, type GPUBufferLike, type GPUComputeDeviceLike } from '../../src/gpu/webgpu_types.js';
import { nativeLoader } from '../../src/loader/native_loader.js';
import { open, type Database, type DataLoader, type TextColumn } from '../../src/index.js';
import { mulberry32, TrajectoryGenerator } from '../data.js';
import { keepsCase, keepsSystem, loadOptional, memcpyBandwidth, releaseWhenDone, removePath, temporaryPath, type Case, type RunOptions, type Skip, type System, type Workload } from '../harness.js';

const SEED = 4242;
const DIMENSION = 128;
const BATCH_ROWS = 2048;
const INSERT_ROWS = 1000;
const SHUFFLE_SEED = 17;
const FIXED_ROW_BYTES = 4 + 8 + 4 * DIMENSION;

const CASE_NAMES = ['fixed', 'fixed_shuffled', 'files', 'files_shuffled', 'text', 'webgpu', 'webgpu_shuffled'];
const SYSTEM_NAMES = ['replaydb', 'memcpy', 'jsonl', 'arrow', 'writeBuffer'];

const FIXED_SQL = 'SELECT step, reward, embedding FROM steps ORDER BY id';
const TEXT_SQL = 'SELECT role, content FROM steps ORDER BY id';

/** Where timed runs leave a value, so that no batch is gathered for nothing. */
const consumed = { value: 0 };

interface LoaderData {
  rows: number;
  db: Database;
  path: string;
  jsonlFile: string;
  arrowFile: string;
  /** The fixed-width columns of every row, packed row-major per column: the memcpy source. */
  fixedBytes: Buffer;
  textBytes: number;
  /** The most UTF-8 bytes of one column in any batch of consecutive rows: what the peers' batch buffers hold. */
  maxBatchTextBytes: number;
  notes: Record<string, unknown>;
  release(): Promise<void>;
}

interface JsonRow {
  step: number;
  reward: number;
  embedding: number[];
  role: string;
  content: string;
}

async function buildData(rows: number): Promise<LoaderData> {
  const generator = new TrajectoryGenerator({ seed: SEED, embeddingDimension: DIMENSION });
  const random = mulberry32(SEED ^ 0x10ad);
  const path = temporaryPath('replaydb-loader');
  const jsonlFile = `${temporaryPath('loader-steps')}.jsonl`;
  const arrowFile = `${temporaryPath('loader-steps')}.arrow`;
  const db = await open(path);
  db.executeSync('CREATE TABLE steps (id INT, step INT, reward DOUBLE PRECISION, embedding VECTOR(128), role TEXT, content TEXT)');
  const jsonl = openSync(jsonlFile, 'w');
  const started = performance.now();
  let textBytes = 0;
  let maxBatchTextBytes = 0;
  let batchTextBytes = 0;
  const encoder = new TextEncoder();
  for (let done = 0; done < rows; done += INSERT_ROWS) {
    const count = Math.min(INSERT_ROWS, rows - done);
    const values: unknown[] = [];
    const lines: string[] = [];
    for (const [index, step] of generator.take(count).entries()) {
      const reward = Math.round(random() * 1e6) / 1e6;
      values.push(done + index, step.step, reward, step.embedding, step.role, step.content);
      lines.push(JSON.stringify({ step: step.step, reward, embedding: Array.from(step.embedding!), role: step.role, content: step.content }));
      const contentBytes = encoder.encode(step.content).length;
      textBytes += encoder.encode(step.role).length + contentBytes;
      if ((done + index) % BATCH_ROWS === 0) batchTextBytes = 0;
      batchTextBytes += contentBytes;
      maxBatchTextBytes = Math.max(maxBatchTextBytes, batchTextBytes);
    }
    db.executeSync(`INSERT INTO steps VALUES ${Array.from({ length: count }, () => '(%s, %s, %s, %s, %s, %s)').join(', ')}`, values);
    writeSync(jsonl, lines.join('\n') + '\n');
  }
  closeSync(jsonl);
  await db.commit('loader benchmark data');
  const result = await db.execute('SELECT step, reward, embedding, role, content FROM steps ORDER BY id');
  const { tableToIPC } = await import('apache-arrow');
  writeFileSync(arrowFile, tableToIPC(result.toArrow(), 'file'));
  // The memcpy source: every row's fixed-width bytes, contiguous.
  const fixedBytes = Buffer.alloc(rows * FIXED_ROW_BYTES);
  let offset = 0;
  for (const name of ['step', 'reward', 'embedding']) {
    const column = result.columnData(name);
    fixedBytes.set(column.data, offset);
    offset += column.data.byteLength;
  }
  return {
    rows,
    db,
    path,
    jsonlFile,
    arrowFile,
    fixedBytes,
    textBytes,
    maxBatchTextBytes,
    notes: {
      rows,
      buildSeconds: Math.round((performance.now() - started) / 100) / 10,
      fixedRowBytes: FIXED_ROW_BYTES,
      textBytesPerRow: Math.round(textBytes / rows),
      jsonlMiB: Math.round(statSync(jsonlFile).size / 2 ** 20),
      arrowMiB: Math.round(statSync(arrowFile).size / 2 ** 20),
    },
    async release() {
      if (!db.closed) await db.close();
      removePath(path);
      removePath(jsonlFile);
      removePath(arrowFile);
    },
  };
}

// ---------------------------------------------------------------------------------------
// Batch arrays the peers fill (reused from batch to batch, like the loader's buffers)

interface FixedBatch {
  step: Int32Array;
  reward: Float64Array;
  embedding: Float32Array;
}

function fixedBatch(): FixedBatch {
  return { step: new Int32Array(BATCH_ROWS), reward: new Float64Array(BATCH_ROWS), embedding: new Float32Array(BATCH_ROWS * DIMENSION) };
}

interface TextBatch {
  role: { offsets: Uint32Array; data: Uint8Array };
  content: { offsets: Uint32Array; data: Uint8Array };
}

function textBatch(maxBytes: number): TextBatch {
  return {
    role: { offsets: new Uint32Array(BATCH_ROWS + 1), data: new Uint8Array(BATCH_ROWS * 16) },
    content: { offsets: new Uint32Array(BATCH_ROWS + 1), data: new Uint8Array(maxBytes) },
  };
}

/** The epoch's row order as the loader visits it (identity, or the seeded permutation of epoch `epoch`). */
function epochOrder(rows: number, shuffled: boolean, epoch: number): Uint32Array {
  return nativeLoader().loaderOrder(rows, epoch, shuffled, BigInt(SHUFFLE_SEED), 0, 1, false);
}

// ---------------------------------------------------------------------------------------
// Systems

/** One loader with endless epochs; each run consumes one epoch's batches. */
function replaydbSystem(data: LoaderData, sql: string, shuffled: boolean, settings: string): System & { bytes: () => number } {
  let loader: DataLoader | undefined;
  let bytes = 0;
  return {
    name: 'replaydb',
    settings,
    bytes: () => bytes,
    async setup() {
      if (loader) return;
      loader = data.db.dataloader(sql).batchSize(BATCH_ROWS).epochs(Infinity).prefetch(2);
      if (shuffled) loader.shuffle(SHUFFLE_SEED);
      await loader.info(); // runs the query before any timing
    },
    async run() {
      let sum = 0;
      bytes = 0;
      for await (const batch of loader!) {
        const first = batch.columns[Object.keys(batch.columns)[0]!]!;
        sum += ArrayBuffer.isView(first) ? first.byteLength : (first as TextColumn).data.byteLength;
        bytes += batch.bytes;
        batch.release();
        if (batch.endOfEpoch) break;
      }
      consumed.value += sum;
    },
  };
}

function memcpySystem(source: Buffer, bytesPerEpoch: number): System {
  const batchBytes = BATCH_ROWS * FIXED_ROW_BYTES;
  const destination = Buffer.alloc(batchBytes, 1);
  return {
    name: 'memcpy',
    settings: `Buffer.copy of the same ${(bytesPerEpoch / 2 ** 20).toFixed(0)} MiB, batch by batch, into a reused ${(batchBytes / 2 ** 20).toFixed(1)} MiB buffer`,
    run() {
      for (let offset = 0; offset < bytesPerEpoch; offset += batchBytes) source.copy(destination, 0, offset, Math.min(offset + batchBytes, bytesPerEpoch));
      consumed.value += destination[0]!;
    },
  };
}

/** Every line of the JSONL file, parsed, in file order: node:readline, as Node's documentation reads a file line by line. */
async function* jsonRows(path: string): AsyncGenerator<JsonRow> {
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line.length > 0) yield JSON.parse(line) as JsonRow;
}

function jsonlFixedSystem(data: LoaderData, shuffled: boolean): System {
  let epoch = 0;
  return {
    name: 'jsonl',
    settings: 'node:readline over the file, JSON.parse each line, fill the batch arrays' + (shuffled ? ' in the epoch order (all lines parsed first)' : ''),
    async run() {
      const batch = fixedBatch();
      let sum = 0;
      const fill = (row: JsonRow, r: number) => {
        batch.step[r] = row.step;
        batch.reward[r] = row.reward;
        batch.embedding.set(row.embedding, r * DIMENSION);
      };
      if (shuffled) {
        const parsed: JsonRow[] = [];
        for await (const row of jsonRows(data.jsonlFile)) parsed.push(row);
        const order = epochOrder(data.rows, true, epoch++);
        for (let start = 0; start < data.rows; start += BATCH_ROWS) {
          const count = Math.min(BATCH_ROWS, data.rows - start);
          for (let r = 0; r < count; r++) fill(parsed[order[start + r]!]!, r);
          sum += batch.step[0]!;
        }
      } else {
        let r = 0;
        for await (const row of jsonRows(data.jsonlFile)) {
          fill(row, r++);
          if (r === BATCH_ROWS) {
            sum += batch.step[0]!;
            r = 0;
          }
        }
      }
      consumed.value += sum;
    },
  };
}

function arrowFixedSystem(data: LoaderData, arrow: typeof import('apache-arrow'), shuffled: boolean): System {
  let epoch = 0;
  return {
    name: 'arrow',
    settings: 'readFileSync + tableFromIPC, then each batch copied out of the column buffers' + (shuffled ? ' row by row in the epoch order' : ' (TypedArray.set of slices)'),
    run() {
      const table: Table = arrow.tableFromIPC(readFileSync(data.arrowFile));
      const step = table.getChild('step')!.toArray() as Int32Array;
      const reward = table.getChild('reward')!.toArray() as Float64Array;
      const vectors = table.getChild('embedding')!;
      const embedding = vectors.data.length === 1 ? (vectors.data[0]!.children[0]!.values as Float32Array) : Float32Array.from(vectors.toArray().flatMap((v: { toArray(): Float32Array }) => Array.from(v.toArray())));
      const batch = fixedBatch();
      const order = shuffled ? epochOrder(data.rows, true, epoch++) : undefined;
      let sum = 0;
      for (let start = 0; start < data.rows; start += BATCH_ROWS) {
        const count = Math.min(BATCH_ROWS, data.rows - start);
        if (!order) {
          batch.step.set(step.subarray(start, start + count));
          batch.reward.set(reward.subarray(start, start + count));
          batch.embedding.set(embedding.subarray(start * DIMENSION, (start + count) * DIMENSION));
        } else {
          for (let r = 0; r < count; r++) {
            const row = order[start + r]!;
            batch.step[r] = step[row]!;
            batch.reward[r] = reward[row]!;
            batch.embedding.set(embedding.subarray(row * DIMENSION, (row + 1) * DIMENSION), r * DIMENSION);
          }
        }
        sum += batch.step[0]!;
      }
      consumed.value += sum;
    },
  };
}

function jsonlTextSystem(data: LoaderData, maxBytes: number): System {
  const encoder = new TextEncoder();
  return {
    name: 'jsonl',
    settings: 'node:readline over the file, JSON.parse each line, TextEncoder.encodeInto the batch bytes',
    async run() {
      const batch = textBatch(maxBytes);
      let sum = 0;
      let r = 0;
      let roleBytes = 0;
      let contentBytes = 0;
      for await (const row of jsonRows(data.jsonlFile)) {
        roleBytes += encoder.encodeInto(row.role, batch.role.data.subarray(roleBytes)).written;
        batch.role.offsets[r + 1] = roleBytes;
        contentBytes += encoder.encodeInto(row.content, batch.content.data.subarray(contentBytes)).written;
        batch.content.offsets[++r] = contentBytes;
        if (r === BATCH_ROWS) {
          sum += contentBytes;
          r = roleBytes = contentBytes = 0;
        }
      }
      consumed.value += sum;
    },
  };
}

function arrowTextSystem(data: LoaderData, arrow: typeof import('apache-arrow'), maxBytes: number): System {
  return {
    name: 'arrow',
    settings: 'readFileSync + tableFromIPC, each batch copied out of the Utf8 offsets and bytes (offsets rebased)',
    run() {
      const table: Table = arrow.tableFromIPC(readFileSync(data.arrowFile));
      const batch = textBatch(maxBytes);
      let sum = 0;
      for (const name of ['role', 'content'] as const) {
        const column = table.getChild(name)!;
        for (const chunk of column.data) {
          const offsets = chunk.valueOffsets as Int32Array;
          const values = chunk.values as Uint8Array;
          for (let start = 0; start < chunk.length; start += BATCH_ROWS) {
            const count = Math.min(BATCH_ROWS, chunk.length - start);
            const base = offsets[start]!;
            const out = batch[name];
            for (let r = 0; r <= count; r++) out.offsets[r] = offsets[start + r]! - base;
            out.data.set(values.subarray(base, offsets[start + count]!));
            sum += out.offsets[count]!;
          }
        }
      }
      consumed.value += sum;
    },
  };
}

/** The same batches, gathered in JS from the query's typed arrays and uploaded with queue.writeBuffer. */
function writeBufferSystem(data: LoaderData, device: GPUComputeDeviceLike, shuffled: boolean): System {
  let columns: { step: Int32Array; reward: Float32Array; embedding: Float32Array } | undefined;
  let targets: GPUBufferLike[] = [];
  const batch = { step: new Int32Array(BATCH_ROWS), reward: new Float32Array(BATCH_ROWS), embedding: new Float32Array(BATCH_ROWS * DIMENSION) };
  let epoch = 0;
  return {
    name: 'writeBuffer',
    settings: 'batches gathered in JS from Result typed arrays (DOUBLE converted to f32 as on the GPU path), queue.writeBuffer per column into reused storage buffers',
    async setup() {
      if (columns) return;
      const result = await data.db.execute(FIXED_SQL);
      const usage = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;
      columns = {
        step: result.column('step') as Int32Array,
        reward: Float32Array.from(result.column('reward') as Float64Array),
        embedding: new Float32Array(result.columnData('embedding').data.buffer, result.columnData('embedding').data.byteOffset, data.rows * DIMENSION),
      };
      targets = [4, 4, 4 * DIMENSION].map((bytes) => device.createBuffer({ size: bytes * BATCH_ROWS, usage, label: 'bench writeBuffer target' }));
    },
    async run() {
      const source = columns!;
      const order = shuffled ? epochOrder(data.rows, true, epoch++) : undefined;
      for (let start = 0; start < data.rows; start += BATCH_ROWS) {
        const count = Math.min(BATCH_ROWS, data.rows - start);
        if (!order) {
          device.queue.writeBuffer(targets[0]!, 0, source.step.subarray(start, start + count));
          device.queue.writeBuffer(targets[1]!, 0, source.reward.subarray(start, start + count));
          device.queue.writeBuffer(targets[2]!, 0, source.embedding.subarray(start * DIMENSION, (start + count) * DIMENSION));
        } else {
          for (let r = 0; r < count; r++) {
            const row = order[start + r]!;
            batch.step[r] = source.step[row]!;
            batch.reward[r] = source.reward[row]!;
            batch.embedding.set(source.embedding.subarray(row * DIMENSION, (row + 1) * DIMENSION), r * DIMENSION);
          }
          device.queue.writeBuffer(targets[0]!, 0, batch.step.subarray(0, count));
          device.queue.writeBuffer(targets[1]!, 0, batch.reward.subarray(0, count));
          device.queue.writeBuffer(targets[2]!, 0, batch.embedding.subarray(0, count * DIMENSION));
        }
        device.queue.submit([]);
      }
      await device.queue.onSubmittedWorkDone();
    },
    dispose() {
      for (const buffer of targets) buffer.destroy();
    },
  };
}

function webgpuLoaderSystem(data: LoaderData, device: GPUComputeDeviceLike, shuffled: boolean): System {
  let loader: DataLoader | undefined;
  return {
    name: 'replaydb',
    settings: `toWebGPU(device): gathered by the native thread into mapped staging buffers, copyBufferToBuffer into storage buffers${shuffled ? `, shuffle(${SHUFFLE_SEED})` : ''}`,
    async setup() {
      if (loader) return;
      loader = data.db.dataloader(FIXED_SQL).batchSize(BATCH_ROWS).epochs(Infinity).prefetch(2);
      if (shuffled) loader.shuffle(SHUFFLE_SEED);
      await loader.info();
    },
    async run() {
      let sum = 0;
      for await (const batch of loader!.toWebGPU(device)) {
        sum += batch.size;
        batch.release();
        if (batch.endOfEpoch) break;
      }
      await device.queue.onSubmittedWorkDone();
      consumed.value += sum;
    },
  };
}

// ---------------------------------------------------------------------------------------

export const loaderWorkload: Workload = {
  name: 'loader',
  caseNames: CASE_NAMES,
  systemNames: SYSTEM_NAMES,
  async cases(options: RunOptions, skipped: Skip[]): Promise<Case[]> {
    const names = CASE_NAMES.filter((name) => keepsCase(options, 'loader', name));
    if (names.length === 0) return [];
    const keep = (name: string): boolean => keepsSystem(options, name);
    const rows = Math.max(BATCH_ROWS, Math.round(((options.quick ? 50_000 : 100_000) * options.scale) / INSERT_ROWS) * INSERT_ROWS);
    const data = await buildData(rows);
    const memcpy = memcpyBandwidth();
    const arrowLoaded = keep('arrow') ? await loadOptional<typeof import('apache-arrow')>('apache-arrow') : undefined;
    if (arrowLoaded && 'reason' in arrowLoaded) skipped.push({ system: 'arrow', reason: arrowLoaded.reason });
    const arrow = arrowLoaded && 'module' in arrowLoaded ? arrowLoaded.module : undefined;
    const fixedBytes = rows * FIXED_ROW_BYTES;
    const notes = { ...data.notes, memcpyGiBPerSecond: memcpy.gibPerSecond };

    const cases: Case[] = [];
    const loaderSettings = (shuffled: boolean) => `dataloader, batchSize(${BATCH_ROWS})${shuffled ? `.shuffle(${SHUFFLE_SEED})` : ''}, prefetch 2, host batches`;
    const describeFixed = (shuffled: boolean) =>
      `one epoch of ${rows} rows × (step INT, reward DOUBLE, embedding VECTOR(${DIMENSION})) = ${FIXED_ROW_BYTES} B a row (${(fixedBytes / 2 ** 20).toFixed(0)} MiB) in batches of ${BATCH_ROWS}${shuffled ? ', shuffled' : ', in order'}; GB/s = rows/s × ${FIXED_ROW_BYTES} B`;
    // The file readers' cases are the slowest of a --quick run (JSONL takes seconds an
    // epoch, every system of a case runs the same number of times): two repetitions there.
    const fileRepetitions = options.quick ? Math.min(2, options.repetitions) : undefined;
    const fraction = (minimum: number) => [{ system: 'memcpy', label: `≥ ${minimum} (loader at ≥ ${minimum * 100}% of memcpy)`, met: (ratio: number) => ratio >= minimum }];
    for (const name of names) {
      switch (name) {
        case 'fixed':
        case 'fixed_shuffled': {
          // Against the ceiling only: the file readers' garbage (hundreds of MiB of parsed
          // JSON) is swept by V8 threads during the next runs, which would measure the
          // sweeper rather than the loader; they have cases of their own below.
          const shuffled = name === 'fixed_shuffled';
          const systems: System[] = [];
          if (keep('replaydb')) systems.push(replaydbSystem(data, FIXED_SQL, shuffled, loaderSettings(shuffled)));
          if (keep('memcpy')) systems.push(memcpySystem(data.fixedBytes, fixedBytes));
          cases.push({ name: `loader/${name}`, unit: 'rows/s', units: rows, description: describeFixed(shuffled), systems, ratioTargets: fraction(shuffled ? 0.3 : 0.5), notes });
          break;
        }
        case 'files':
        case 'files_shuffled': {
          const shuffled = name === 'files_shuffled';
          const systems: System[] = [];
          if (keep('replaydb')) systems.push(replaydbSystem(data, FIXED_SQL, shuffled, loaderSettings(shuffled)));
          if (keep('arrow') && arrow) systems.push(arrowFixedSystem(data, arrow, shuffled));
          if (keep('jsonl')) systems.push(jsonlFixedSystem(data, shuffled));
          cases.push({
            name: `loader/${name}`,
            unit: 'rows/s',
            units: rows,
            description: `${describeFixed(shuffled)}; the same rows read from an Arrow IPC file and from JSONL`,
            systems,
            repetitions: fileRepetitions,
            notes,
          });
          break;
        }
        case 'text': {
          const systems: System[] = [];
          if (keep('replaydb')) systems.push(replaydbSystem(data, TEXT_SQL, false, `dataloader, batchSize(${BATCH_ROWS}), prefetch 2, host batches (u32 offsets + UTF-8 bytes)`));
          if (keep('arrow') && arrow) systems.push(arrowTextSystem(data, arrow, data.maxBatchTextBytes));
          if (keep('jsonl')) systems.push(jsonlTextSystem(data, data.maxBatchTextBytes));
          cases.push({
            name: 'loader/text',
            unit: 'rows/s',
            units: rows,
            description: `one epoch of ${rows} rows × (role TEXT, content TEXT), about ${Math.round(data.textBytes / rows)} B of UTF-8 a row (${(data.textBytes / 2 ** 20).toFixed(0)} MiB), batches of ${BATCH_ROWS} as offsets + bytes`,
            systems,
            repetitions: fileRepetitions,
            notes,
          });
          break;
        }
        case 'webgpu':
        case 'webgpu_shuffled': {
          if (!keep('replaydb') && !keep('writeBuffer')) break;
          const opened = await openWebGPU();
          if ('reason' in opened) {
            skipped.push({ system: 'replaydb', case: `loader/${name}`, reason: opened.reason });
            break;
          }
          const shuffled = name === 'webgpu_shuffled';
          const systems: System[] = [];
          if (keep('replaydb')) systems.push(webgpuLoaderSystem(data, opened.device, shuffled));
          if (keep('writeBuffer')) systems.push(writeBufferSystem(data, opened.device, shuffled));
          const gpuRowBytes = 4 + 4 + 4 * DIMENSION;
          cases.push({
            name: `loader/${name}`,
            unit: 'rows/s',
            units: rows,
            description: `one epoch of ${rows} rows into WebGPU storage buffers (i32, f32, f32 × ${DIMENSION}: ${gpuRowBytes} B a row) on ${opened.adapter}${opened.software ? ' (software adapter: "GPU" copies run on the CPU)' : ''}${shuffled ? ', shuffled' : ', in order'}; GB/s = rows/s × ${gpuRowBytes} B`,
            systems,
            notes: { ...notes, adapter: opened.adapter },
          });
          break;
        }
      }
    }
    // Every case that runs releases the shared data once it is done; the last one frees it.
    await releaseWhenDone(cases, () => data.release());
    return cases;
  },
};
