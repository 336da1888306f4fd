/**
 * Loads the compiled addon (build/Release/replaydb.node) and declares the shape of its few
 * calls. Everything that touches data goes through here, one call per statement.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PlanMessage } from './plan/plan_message.js';

/** A result column as native code returns it (native/binding/result_columns.cpp); type ids as in TYPE_IDS. */
export type NativeColumn = [typeId: number, dimension: number, length: number, data: ArrayBuffer, offsets: ArrayBuffer | undefined, validity: ArrayBuffer | undefined];

export interface NativeResult {
  rowCount: number;
  columns?: NativeColumn[];
}

export interface NativeCatalogColumn {
  name: string;
  typeId: number;
  dimension: number;
  notNull: boolean;
  hasDefault: boolean;
  primaryKey: boolean;
}

export interface NativeCatalog {
  schemaVersion: number;
  version: string;
  tables: { name: string; rowCount: number; columns: NativeCatalogColumn[] }[];
}

export interface NativeDatabase {
  run(message: PlanMessage, params: unknown[]): NativeResult;
  /** `cancellation` from createCancellation(): cancel(token) stops the statement at its next batch. */
  runAsync(message: PlanMessage, params: unknown[], cancellation?: unknown): Promise<NativeResult>;
  /** Reads an INSERT message once; the handle then only needs parameters. */
  prepareInsert(message: PlanMessage): unknown;
  /** Runs a prepared INSERT; returns the number of rows inserted. */
  runPrepared(handle: unknown, params: unknown[]): number;
  runPreparedAsync(handle: unknown, params: unknown[]): Promise<NativeResult>;
  /** Reads a query message once (its parameters left open); the handle then binds parameters into it. */
  prepareQuery(message: PlanMessage): unknown;
  /** Runs a prepared query; `message` is read again only while another run holds the prepared one. */
  runQuery(handle: unknown, message: PlanMessage, params: unknown[]): NativeResult;
  runQueryAsync(handle: unknown, message: PlanMessage, params: unknown[], cancellation?: unknown): Promise<NativeResult>;
  catalog(): NativeCatalog;
  schemaVersion(): number;
  /** [rows indexed, rows to index] of the running (or last) index build. */
  indexProgress(): [number, number];
  seal(kind: 'commit' | 'seal', message: string): string;
  sync(): void;
  /** Takes in other processes' commits to this branch; whether anything changed. */
  refresh(): boolean;
  /** Discards uncommitted changes. */
  rollback(): void;
  /** 8 bytes over the shared COMMITS counter (moves whenever any process commits), or null for a read-only view. */
  commitCounter(): ArrayBuffer | null;
  close(): void;
  currentBranch(): string;
  createBranch(name: string, from: string): string;
  checkout(name: string): void;
  deleteBranch(name: string): void;
  branches(): string[];
  log(branchOrVersion: string, limit?: number): {
    id: string;
    parent: string;
    mergeParent: string;
    kind: 'create' | 'commit' | 'seal' | 'branch' | 'merge' | 'optimize';
    message: string;
    timeMicros: number;
    rowCounts: Record<string, number>;
  }[];
  diff(from: string, to: string): Record<string, { added: number; removed: number }>;
  merge(source: string, into: string, strategy: string): { version: string; upToDate: boolean; conflicts: { table: string; kind: 'row' | 'primary_key' | 'schema'; detail: string }[] };
  optimize(): string;
  gc(): number;
}

export interface NativeAddon {
  NativeDatabase: new (
    path: string,
    options: {
      syncFull?: boolean;
      create?: boolean;
      sealThresholdBytes?: number;
      branch?: string;
      snapshot?: string;
      compactionThresholdSegments?: number;
    },
  ) => NativeDatabase;
  decodeText(offsets: Uint32Array, data: Uint8Array, validity?: Uint8Array): (string | null)[];
  createCancellation(): unknown;
  cancel(token: unknown): void;
}

/** The package root: the nearest folder above this file with replaydb's package.json. */
export function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(directory, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === 'replaydb') return directory;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(directory);
    if (parent === directory) throw new Error('replaydb: cannot find the package root (package.json)');
    directory = parent;
  }
}

let addon: NativeAddon | undefined;

export function native(): NativeAddon {
  if (addon) return addon;
  const root = packageRoot();
  const candidates = [join(root, 'build', 'Release', 'replaydb.node'), join(root, 'build', 'Debug', 'replaydb.node')];
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(`replaydb: the native addon is not built (looked for ${candidates[0]}); run "npm run build:native"`);
  }
  addon = createRequire(import.meta.url)(found) as NativeAddon;
  return addon;
}
