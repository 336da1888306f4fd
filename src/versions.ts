/**
 * Versions and branches as the API presents them: history entries, differences, merge
 * results and the error a conflicting merge raises. The work happens natively
 * (native/store/versions.cpp); these types shape what comes back.
 */

export interface VersionEntry {
  id: string;
  /** The previous version; a merge has two parents (this branch's, then the merged one's). */
  parents: string[];
  /** commit: db.commit(); seal: pending rows sealed automatically; branch; merge; optimize; create. */
  kind: 'create' | 'commit' | 'seal' | 'branch' | 'merge' | 'optimize';
  message: string;
  time: Date;
  /** Live rows per table in this version. */
  rowCounts: Record<string, number>;
}

export interface TableDiff {
  added: number;
  removed: number;
}

export interface MergeOptions {
  /** Branch to merge into (default: the current branch). */
  into?: string;
  /** Resolve conflicts: 'ours' keeps the target's rows, 'theirs' the source's. Default: fail. */
  strategy?: 'ours' | 'theirs';
}

export interface MergeConflict {
  table: string;
  /** row: the same row updated or deleted on both sides; primary_key: a key live on both; schema: definitions differ. */
  kind: 'row' | 'primary_key' | 'schema';
  detail: string;
}

export interface MergeResult {
  /** The new version of the target branch (its current one when already up to date). */
  version: string;
  upToDate: boolean;
  /** Conflicts the strategy resolved. */
  resolved: MergeConflict[];
}

/** A merge found conflicts and no strategy was given: nothing was changed. */
export class MergeConflictError extends Error {
  readonly code = 'merge_conflict';
  constructor(
    readonly source: string,
    readonly into: string,
    readonly conflicts: MergeConflict[],
  ) {
    super(
      `merging "${source}" into "${into}" conflicts (nothing was changed; pass { strategy: 'ours' | 'theirs' } to resolve):\n` +
        conflicts.map((c) => `  ${c.table}: ${c.kind}: ${c.detail}`).join('\n'),
    );
    this.name = 'MergeConflictError';
  }
}

export function versionEntry(raw: {
  id: string;
  parent: string;
  mergeParent: string;
  kind: VersionEntry['kind'];
  message: string;
  timeMicros: number;
  rowCounts: Record<string, number>;
}): VersionEntry {
  return {
    id: raw.id,
    parents: [raw.parent, raw.mergeParent].filter((p) => p !== ''),
    kind: raw.kind,
    message: raw.message,
    time: new Date(raw.timeMicros / 1000),
    rowCounts: raw.rowCounts,
  };
}
