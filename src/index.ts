/** replaydb's public API. Everything exported here is documented in README.md. */
export { open, openSync, Database } from './database.js';
export type { OpenOptions, ExecuteOptions } from './database.js';
export { Result } from './result/result.js';
export type { ColumnInfo, Row } from './result/result.js';
export type { ColumnData } from './result/column_data.js';
export { SqlError, type SqlErrorCode } from './sql/sql_error.js';
export type { Parameters } from './plan/parameters.js';
export { MergeConflictError } from './versions.js';
export type { VersionEntry, TableDiff, MergeOptions, MergeResult, MergeConflict } from './versions.js';
