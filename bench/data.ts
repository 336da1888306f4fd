/**
 * Deterministic benchmark data: trajectory steps in the seed schema (trajectory_id, step,
 * role, content, tool_call, tool_result, embedding). The same seed gives the same steps on
 * every machine that has the same prose corpus; the corpus is the README files under
 * node_modules (sorted by path), whose fingerprint goes into the results so that runs on
 * different installs can be told apart. Without node_modules a small built-in text is used.
 *
 * Embeddings are clustered, not uniform: every trajectory draws one of a few dozen cluster
 * centers and its steps scatter around it (noise about as large as the center, so clusters
 * overlap), then each vector is normalised. Uniform random vectors are a worst case for ANN
 * recall and tight clusters a best case; this sits between.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './harness.js';

export interface TrajectoryStep {
  trajectoryId: string;
  step: number;
  role: 'user' | 'assistant' | 'tool';
  content: string;
  /** Set on assistant steps. */
  toolCall: { name: string; arguments: Record<string, unknown> } | null;
  /** Set on tool steps. */
  toolResult: { ok: boolean; exit_code: number; output: string } | null;
  /** Null when the generator makes no embeddings. */
  embedding: Float32Array | null;
}

export interface GeneratorOptions {
  seed?: number;
  /** 0 = no embeddings (the default). */
  embeddingDimension?: number;
  /** 'prose': 48 B – 4 KiB of README prose per step (log-uniform, about 0.9 KiB on average); 'short': 16–64 B. */
  content?: 'prose' | 'short';
  clusters?: number;
  /**
   * Steps in each trajectory, drawn from the generator's random stream (one call of
   * `random` or more). Default: uniform 4–40 (one call), the distribution every workload
   * used before this option existed.
   */
  trajectoryLength?: (random: () => number) => number;
}

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ROLES = ['user', 'assistant', 'tool'] as const;
const TOOLS = ['run_tests', 'read_file', 'write_file', 'search', 'bash', 'apply_patch'];
const MODULES = ['index', 'parser', 'lexer', 'planner', 'database', 'segment', 'loader', 'result', 'utils', 'config'];

export class TrajectoryGenerator {
  private readonly random: () => number;
  private readonly corpus: string[];
  private readonly dimension: number;
  private readonly content: 'prose' | 'short';
  private readonly centers: Float32Array[] = [];
  private readonly trajectoryLengthOf: (random: () => number) => number;
  private trajectoryCount = 0;
  private trajectoryId = '';
  private trajectoryLength = 0;
  private center: Float32Array | undefined;
  private step = 0;
  private spareGaussian: number | undefined;

  constructor(options: GeneratorOptions = {}) {
    this.random = mulberry32(options.seed ?? 42);
    this.corpus = proseCorpus().paragraphs;
    this.dimension = options.embeddingDimension ?? 0;
    this.content = options.content ?? 'prose';
    this.trajectoryLengthOf = options.trajectoryLength ?? ((random) => 4 + Math.floor(random() * 37));
    if (this.dimension > 0) {
      for (let index = 0; index < (options.clusters ?? 48); index++) this.centers.push(this.unitVector(undefined, 0));
    }
  }

  next(): TrajectoryStep {
    if (this.step >= this.trajectoryLength) this.startTrajectory();
    const step = this.step++;
    const role = ROLES[step % 3];
    return {
      trajectoryId: this.trajectoryId,
      step,
      role,
      content: this.content === 'short' ? this.prose(16 + Math.floor(this.random() * 49)) : this.prose(Math.floor(48 * Math.exp(this.random() * Math.log(4096 / 48)))),
      toolCall: role === 'assistant' ? this.toolCall() : null,
      toolResult: role === 'tool' ? this.toolResult() : null,
      embedding: this.center ? this.unitVector(this.center, 1) : null,
    };
  }

  take(count: number): TrajectoryStep[] {
    const steps = new Array<TrajectoryStep>(count);
    for (let index = 0; index < count; index++) steps[index] = this.next();
    return steps;
  }

  private startTrajectory(): void {
    const tag = Math.floor(this.random() * 2 ** 32).toString(16).padStart(8, '0');
    this.trajectoryId = `traj-${tag}-${(this.trajectoryCount++).toString().padStart(7, '0')}`;
    this.trajectoryLength = Math.max(1, this.trajectoryLengthOf(this.random));
    this.step = 0;
    if (this.centers.length > 0) this.center = this.centers[Math.floor(this.random() * this.centers.length)];
  }

  /** About `bytes` characters of consecutive paragraphs from a random place in the corpus. */
  private prose(length: number): string {
    let index = Math.floor(this.random() * this.corpus.length);
    let text = this.corpus[index];
    while (text.length < length) {
      index = (index + 1) % this.corpus.length;
      text += '\n\n' + this.corpus[index];
    }
    let end = length;
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--; // never split a surrogate pair
    return text.slice(0, end);
  }

  private toolCall(): TrajectoryStep['toolCall'] {
    const name = TOOLS[Math.floor(this.random() * TOOLS.length)];
    const path = `src/${MODULES[Math.floor(this.random() * MODULES.length)]}.ts`;
    switch (name) {
      case 'search':
        return { name, arguments: { query: this.prose(12 + Math.floor(this.random() * 30)), max_results: 10 } };
      case 'bash':
        return { name, arguments: { command: `npm test -- ${path}`, timeout_s: 60 } };
      case 'write_file':
      case 'apply_patch':
        return { name, arguments: { path, text: this.prose(40 + Math.floor(this.random() * 200)) } };
      default:
        return { name, arguments: { path } };
    }
  }

  private toolResult(): TrajectoryStep['toolResult'] {
    const ok = this.random() < 0.8;
    return { ok, exit_code: ok ? 0 : 1 + Math.floor(this.random() * 2), output: this.prose(20 + Math.floor(this.random() * 180)) };
  }

  private gaussian(): number {
    if (this.spareGaussian !== undefined) {
      const value = this.spareGaussian;
      this.spareGaussian = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.random()));
    const angle = 2 * Math.PI * this.random();
    this.spareGaussian = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** center + noise with norm about `noise`, normalised; a random direction without a center. */
  private unitVector(center: Float32Array | undefined, noise: number): Float32Array {
    const vector = new Float32Array(this.dimension);
    const scale = center ? noise / Math.sqrt(this.dimension) : 1;
    let squares = 0;
    for (let index = 0; index < this.dimension; index++) {
      const value = (center ? center[index] : 0) + this.gaussian() * scale;
      vector[index] = value;
      squares += value * value;
    }
    const inverse = 1 / Math.sqrt(squares);
    for (let index = 0; index < this.dimension; index++) vector[index] *= inverse;
    return vector;
  }
}

// ---------------------------------------------------------------------------------------
// The prose corpus

export interface ProseCorpus {
  /** 'node_modules' or 'built-in'. */
  source: string;
  files: number;
  paragraphs: string[];
  bytes: number;
  /** sha256 of the paragraphs, first 16 hex digits: equal fingerprints = equal data. */
  fingerprint: string;
}

let corpusCache: ProseCorpus | undefined;

const FALLBACK_TEXT = `An agent trajectory is the record of one attempt at a task: the request that started it, every message the model wrote, every tool it called and what the tool returned, and how the attempt ended.

Curating training data means choosing which of these attempts to learn from. Successful runs on hard tasks are worth more than easy ones, and a failed run that ends with a clear error can teach as much as a clean success.

The test runner reported two failures in the parser module. The first was an off-by-one error in the column count of a multi-line string; the second came from a keyword that was also accepted as an identifier.

Reading the file showed that the function returned early when the input was empty, so the cache was never filled. Moving the check below the initialisation fixed both the empty case and the cold start.

Benchmarks compare systems inside one process and interleave their repetitions, because the noise on a small shared machine is larger than most of the differences worth measuring.`;

/** Paragraphs of prose from README files under node_modules, in a fixed order. */
export function proseCorpus(): ProseCorpus {
  if (corpusCache) return corpusCache;
  const modules = join(repositoryRoot(), 'node_modules');
  const files = existsSync(modules) ? readmeFiles(modules) : [];
  const paragraphs: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    paragraphs.push(...proseParagraphs(text));
  }
  const source = paragraphs.length >= 200 ? 'node_modules' : 'built-in';
  const chosen = source === 'node_modules' ? paragraphs : proseParagraphs(FALLBACK_TEXT);
  const hash = createHash('sha256');
  for (const paragraph of chosen) hash.update(paragraph).update('\0');
  corpusCache = {
    source,
    files: source === 'node_modules' ? files.length : 0,
    paragraphs: chosen,
    bytes: chosen.reduce((sum, paragraph) => sum + Buffer.byteLength(paragraph), 0),
    fingerprint: hash.digest('hex').slice(0, 16),
  };
  return corpusCache;
}

/** node_modules/<name>/README* and node_modules/@scope/<name>/README*, sorted by path. */
function readmeFiles(modules: string): string[] {
  const packages: string[] = [];
  for (const entry of readdirSync(modules).sort()) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const scoped of safeList(join(modules, entry))) packages.push(join(modules, entry, scoped));
    } else {
      packages.push(join(modules, entry));
    }
  }
  const files: string[] = [];
  for (const directory of packages) {
    const readme = safeList(directory).find((name) => /^readme\.(md|markdown)$/i.test(name));
    if (readme) files.push(join(directory, readme));
  }
  return files;
}

function safeList(directory: string): string[] {
  try {
    return readdirSync(directory).sort();
  } catch {
    return [];
  }
}

/** Paragraphs that read as prose: no code blocks, headings, HTML, tables or badges; links reduced to their text. */
function proseParagraphs(markdown: string): string[] {
  const withoutCode = markdown.replace(/\r\n/g, '\n').replace(/```[\s\S]*?```/g, '\n\n').replace(/~~~[\s\S]*?~~~/g, '\n\n');
  const paragraphs: string[] = [];
  for (const block of withoutCode.split(/\n\s*\n/)) {
    const trimmed = block.trim();
    if (/^(#|<|\||!\[|\[!\[|>|=|-{3}|\s{4})/.test(trimmed) || block.startsWith('    ')) continue;
    const text = trimmed
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (text.length < 80 || text.length > 4000) continue;
    const letters = text.replace(/[^A-Za-z ]/g, '').length;
    if (letters / text.length < 0.75) continue;
    paragraphs.push(text);
  }
  return paragraphs;
}
