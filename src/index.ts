/** replaydb's public API. Everything exported here is documented in README.md. */
export { open, openSync, Database } from './database.js';
export type { OpenOptions, ExecuteOptions, IndexProgress } from './database.js';
export { Result } from './result/result.js';
export type { ColumnInfo, Row } from './result/result.js';
export type { ColumnData } from './result/column_data.js';
export { SqlError, type SqlErrorCode } from './sql/sql_error.js';
export type { Parameters } from './plan/parameters.js';
export { MergeConflictError } from './versions.js';
export type { VersionEntry, TableDiff, MergeOptions, MergeResult, MergeConflict } from './versions.js';
export { DataLoader } from './loader/data_loader.js';
export type { Batch, BatchColumn, TextColumn } from './loader/batch.js';
export type { LoaderState, LoaderConfig, LoaderCursor } from './loader/loader_state.js';
export type { TokenOptions } from './loader/token_collator.js';
export type { WebGPUBatch, WebGPUBatchLayout, WebGPUColumnLayout, WebGPUOptions } from './gpu/webgpu_batches.js';
export type { GPUDeviceLike, GPUBufferLike } from './gpu/webgpu_types.js';
