/**
 * Token batches: the collator that turns a query's trajectory steps into packed rows of
 * token ids for language-model training. JS only prepares what is per role (the template
 * around each step, tokenized) and, with a pluggable tokenizer, the tokens of each step's
 * content; grouping, rendering, packing and the loss mask are native
 * (native/loader/token_packer.cpp) and run on a prefetch thread, one batch after another.
 *
 * A trajectory renders as its steps in step order, each as the template with `{role}` and
 * `{content}` filled in (default "<|{role}|>\n{content}\n"). The part of the template
 * before `{content}` is never trained; the content and the rest are trained on steps whose
 * role is in `lossOn` (default ['assistant']).
 */
import { native } from '../native.js';
import type { ColumnData } from '../result/column_data.js';
import { SqlError } from '../sql/sql_error.js';
import type { NativeLoaderData, NativeRoleTemplate } from './native_loader.js';

export interface TokenOptions {
  /** Tokens per row. */
  seqLen: number;
  /** How one step renders; must contain `{content}` once, may contain `{role}`. Default "<|{role}|>\n{content}\n". */
  template?: string;
  /** Roles whose content is trained (loss_mask 1). Default ['assistant']. */
  lossOn?: string[];
  /** Pack several trajectories into a row (default true); false: one trajectory per row, truncated to seqLen. */
  pack?: boolean;
  /** A deterministic tokenizer; default: the built-in byte-level tokenizer (ids 0–255 are UTF-8 bytes). */
  tokenizer?: (text: string) => Int32Array | number[];
  /** The id written after a row's last token. Default 256 with the built-in tokenizer, 0 with your own. */
  padId?: number;
  /** Column names, when the query names them differently. */
  columns?: { trajectoryId?: string; step?: string; role?: string; content?: string };
}

export interface ResolvedTokenOptions {
  seqLen: number;
  template: string;
  lossOn: string[];
  pack: boolean;
  tokenizer?: (text: string) => Int32Array | number[];
  padId: number;
  columns: { trajectoryId: string; step: string; role: string; content: string };
}

export const DEFAULT_TEMPLATE = '<|{role}|>\n{content}\n';

export function resolveTokenOptions(options: TokenOptions): ResolvedTokenOptions {
  if (!options || typeof options !== 'object') throw new TypeError('tokens() takes an options object with seqLen');
  const { seqLen } = options;
  if (!Number.isSafeInteger(seqLen) || seqLen < 1) throw new RangeError(`tokens(): seqLen must be a positive integer, not ${seqLen}`);
  const template = options.template ?? DEFAULT_TEMPLATE;
  if (template.split('{content}').length !== 2) throw new SqlError('invalid_parameter', 'tokens(): the template must contain {content} exactly once');
  if (options.tokenizer !== undefined && typeof options.tokenizer !== 'function') throw new TypeError('tokens(): tokenizer must be a function (text) => Int32Array');
  const padId = options.padId ?? (options.tokenizer ? 0 : 256);
  if (!Number.isInteger(padId) || padId < -(2 ** 31) || padId >= 2 ** 31) throw new RangeError('tokens(): padId must be an int32');
  return {
    seqLen,
    template,
    lossOn: [...(options.lossOn ?? ['assistant'])],
    pack: options.pack ?? true,
    tokenizer: options.tokenizer,
    padId,
    columns: {
      trajectoryId: options.columns?.trajectoryId ?? 'trajectory_id',
      step: options.columns?.step ?? 'step',
      role: options.columns?.role ?? 'role',
      content: options.columns?.content ?? 'content',
    },
  };
}

const encoder = new TextEncoder();

function tokenize(options: ResolvedTokenOptions, text: string): Int32Array {
  if (!options.tokenizer) return Int32Array.from(encoder.encode(text));
  const tokens = options.tokenizer(text);
  return tokens instanceof Int32Array ? tokens : Int32Array.from(tokens);
}

/**
 * Groups the result's rows into trajectories and configures the native packer; returns
 * the number of trajectories. `columnIndex` maps a result column name to its index.
 */
export function configureTokenCorpus(
  data: NativeLoaderData,
  options: ResolvedTokenOptions,
  columnIndex: (name: string) => number,
  columnData: (index: number) => ColumnData,
): number {
  const need = options.columns;
  const indexes = [need.trajectoryId, need.step, need.role, need.content].map(columnIndex);
  const missing = [need.trajectoryId, need.step, need.role, need.content].filter((_, i) => indexes[i]! < 0);
  if (missing.length > 0) {
    throw new SqlError('undefined_column', `token batches need the columns ${[need.trajectoryId, need.step, need.role, need.content].join(', ')}; the query does not return ${missing.join(', ')}`);
  }
  const [idColumn, stepColumn, roleColumn, contentColumn] = indexes as [number, number, number, number];
  const content = columnData(contentColumn);
  if (content.type !== 'text' && content.type !== 'jsonb' && content.type !== 'null') {
    throw new SqlError('datatype_mismatch', `token batches need a text content column; "${need.content}" is ${content.type}`);
  }
  const { trajectories, roles } = data.indexTrajectories(idColumn, stepColumn, roleColumn);
  const [before, after] = options.template.split('{content}') as [string, string];
  const templates: NativeRoleTemplate[] = roles.map((role) => ({
    prefix: tokenize(options, before.replaceAll('{role}', role)),
    suffix: tokenize(options, after.replaceAll('{role}', role)),
    trained: options.lossOn.includes(role),
  }));
  let contentTokens: Int32Array | undefined;
  let contentOffsets: Uint32Array | undefined;
  if (options.tokenizer && content.type !== 'null') {
    // A pluggable tokenizer runs in JS, once per row, when the loader first starts.
    const texts = native().decodeText(content.offsets!, content.data, content.validity);
    const pieces = texts.map((text) => (text === null ? new Int32Array(0) : tokenize(options, text)));
    contentOffsets = new Uint32Array(pieces.length + 1);
    for (let i = 0; i < pieces.length; i++) contentOffsets[i + 1] = contentOffsets[i]! + pieces[i]!.length;
    contentTokens = new Int32Array(contentOffsets[pieces.length]!);
    for (let i = 0; i < pieces.length; i++) contentTokens.set(pieces[i]!, contentOffsets[i]!);
  } else if (options.tokenizer) {
    contentOffsets = new Uint32Array(content.length + 1);
    contentTokens = new Int32Array(0);
  }
  data.configureTokens({ contentColumn, seqLen: options.seqLen, pack: options.pack, padId: options.padId, roles: templates, contentTokens, contentOffsets });
  return trajectories;
}
