/**
 * Writes imported runs into the seed's two tables, several runs per statement, so that a
 * run is in the database whole or not at all:
 *
 * - A batch of runs is two statements: one multi-row INSERT of all their steps, then one
 *   multi-row INSERT of their outcomes (`ON CONFLICT (trajectory_id) DO NOTHING`). Each
 *   statement is atomic, and every value was checked before (trajectory_lines.ts), so
 *   these do not fail on data.
 * - If the steps statement fails anyway, nothing of the batch is in; its runs are retried
 *   one by one to find the failing run, which is reported and skipped. If the outcomes
 *   statement fails, the batch's steps are deleted again (the ids were new, so the delete
 *   touches no other rows) and the runs are retried one by one the same way. An error
 *   about the database itself (I/O, corruption, a closed handle) ends the import instead.
 * - A run whose id already has steps or an outcome in the database is already imported:
 *   re-importing a file skips it (the importer asks `isPresent` before `add`).
 *
 * Writes are pipelined: the next batch is parsed while the previous one is inserted on
 * the database's worker thread.
 */
import type { Database } from '../database.js';
import { SqlError, type SqlErrorCode } from '../sql/sql_error.js';
import { CliError } from './cli_errors.js';
import type { TrajectoryRun } from './trajectory_lines.js';

export const TRAJECTORIES_TABLE =
  'CREATE TABLE IF NOT EXISTS trajectories (trajectory_id TEXT, step INT, role TEXT, content TEXT, tool_call JSONB, tool_result JSONB, embedding VECTOR(1536), created_at TIMESTAMP DEFAULT NOW())';
export const OUTCOMES_TABLE =
  'CREATE TABLE IF NOT EXISTS trajectory_outcomes (trajectory_id TEXT PRIMARY KEY, task_type TEXT, success BOOLEAN, reward_score FLOAT, total_steps INT, total_tokens INT, model_version TEXT, metadata JSONB, completed_at TIMESTAMP DEFAULT NOW())';

const STEP_COLUMNS = ['trajectory_id', 'step', 'role', 'content', 'tool_call', 'tool_result'];
const OUTCOME_COLUMNS = ['trajectory_id', 'task_type', 'success', 'reward_score', 'total_steps', 'total_tokens', 'model_version', 'metadata'];

/** A multi-row INSERT of `rows` rows, text cached per row count. */
class InsertStatements {
  private readonly texts = new Map<number, string>();
  constructor(
    private readonly head: string,
    private readonly columnCount: number,
    private readonly tail = '',
  ) {}

  sql(rows: number): string {
    let text = this.texts.get(rows);
    if (text === undefined) {
      const tuple = `(${new Array(this.columnCount).fill('?').join(', ')})`;
      text = `${this.head} VALUES ${new Array(rows).fill(tuple).join(', ')}${this.tail}`;
      if (this.texts.size > 64) this.texts.clear();
      this.texts.set(rows, text);
    }
    return text;
  }
}

const STEP_INSERT = new InsertStatements(`INSERT INTO trajectories (${STEP_COLUMNS.join(', ')})`, STEP_COLUMNS.length);
const OUTCOME_INSERT = new InsertStatements(`INSERT INTO trajectory_outcomes (${OUTCOME_COLUMNS.join(', ')})`, OUTCOME_COLUMNS.length, ' ON CONFLICT (trajectory_id) DO NOTHING');

export interface RunWriterOptions {
  /** Steps per batch (one INSERT statement); a batch always holds whole runs. */
  batchSteps: number;
  /** Called for a run that could not be inserted (nothing of it is in the database). */
  onRunFailed(run: TrajectoryRun, error: unknown): void;
  /** After a failed run, write nothing more (--strict). */
  stopOnFailure: boolean;
}

export interface WriteCounts {
  runs: number;
  steps: number;
  outcomes: number;
  failedRuns: number;
}

const MAX_RUNS_PER_BATCH = 1000;

/** Errors about the database rather than a run's data: they end the import. */
const FATAL_CODES = new Set<SqlErrorCode>(['io_error', 'data_corrupted', 'connection_closed', 'out_of_memory', 'internal_error', 'lock_not_available', 'serialization_failure', 'read_only_sql_transaction']);

export class RunWriter {
  readonly counts: WriteCounts = { runs: 0, steps: 0, outcomes: 0, failedRuns: 0 };
  private readonly present: Set<string>;
  /** Trajectory ids with steps but no outcome: a run logged through the API, or an interrupted import. */
  readonly incomplete: Set<string>;
  private batch: TrajectoryRun[] = [];
  private batchSteps = 0;
  private inflight: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    private readonly db: Database,
    private readonly options: RunWriterOptions,
    present: Set<string>,
    incomplete: Set<string>,
  ) {
    this.present = present;
    this.incomplete = incomplete;
  }

  /** Creates the two tables if missing, checks their columns, and reads which runs are already in. */
  static async open(db: Database, options: RunWriterOptions): Promise<RunWriter> {
    await db.execute(TRAJECTORIES_TABLE);
    await db.execute(OUTCOMES_TABLE);
    checkColumns(db, 'trajectories', STEP_COLUMNS);
    checkColumns(db, 'trajectory_outcomes', OUTCOME_COLUMNS);
    const outcomeIds = (await db.execute('SELECT trajectory_id FROM trajectory_outcomes')).column('trajectory_id') as (string | null)[];
    const stepIds = (await db.execute('SELECT DISTINCT trajectory_id FROM trajectories')).column('trajectory_id') as (string | null)[];
    const present = new Set<string>();
    for (const id of outcomeIds) if (id !== null) present.add(id);
    const incomplete = new Set<string>();
    for (const id of stepIds) {
      if (id === null || present.has(id)) continue;
      incomplete.add(id);
      present.add(id);
    }
    return new RunWriter(db, options, present, incomplete);
  }

  /** True when the database already holds steps or an outcome of this run. */
  isPresent(id: string): boolean {
    return this.present.has(id);
  }

  /** True once a run failed under stopOnFailure: nothing more is written. */
  get hasStopped(): boolean {
    return this.stopped;
  }

  /** Queues a run (not present, checked by the caller); writes a batch once it is full. */
  async add(run: TrajectoryRun): Promise<void> {
    this.present.add(run.id);
    this.batch.push(run);
    this.batchSteps += run.steps.length;
    if (this.batchSteps >= this.options.batchSteps || this.batch.length >= MAX_RUNS_PER_BATCH) await this.flush();
  }

  /** Writes what is queued and waits for every write. */
  async finish(): Promise<void> {
    await this.flush();
    await this.inflight;
  }

  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    this.batchSteps = 0;
    await this.inflight; // one write in flight at a time; its errors surface here
    if (batch.length === 0 || this.stopped) return;
    this.inflight = this.writeBatch(batch);
    this.inflight.catch(() => undefined); // awaited (and rethrown) by the next flush or finish
  }

  private async writeBatch(runs: TrajectoryRun[]): Promise<void> {
    const steps = runs.flatMap((run) => run.steps);
    const outcomes = runs.flatMap((run) => (run.outcome ? [run.outcome] : []));
    try {
      if (steps.length > 0) await this.db.execute(STEP_INSERT.sql(steps.length), steps.flat());
    } catch {
      return this.writeOneByOne(runs);
    }
    try {
      const inserted = outcomes.length > 0 ? (await this.db.execute(OUTCOME_INSERT.sql(outcomes.length), outcomes.flat())).rowCount : 0;
      this.counts.runs += runs.length;
      this.counts.steps += steps.length;
      this.counts.outcomes += inserted;
    } catch {
      await this.deleteSteps(runs);
      await this.writeOneByOne(runs);
    }
  }

  private async writeOneByOne(runs: TrajectoryRun[]): Promise<void> {
    for (const run of runs) {
      if (this.stopped) return;
      try {
        if (run.steps.length > 0) await this.db.execute(STEP_INSERT.sql(run.steps.length), run.steps.flat());
      } catch (error) {
        this.fail(run, error);
        continue;
      }
      try {
        const inserted = run.outcome ? (await this.db.execute(OUTCOME_INSERT.sql(1), run.outcome)).rowCount : 0;
        this.counts.runs++;
        this.counts.steps += run.steps.length;
        this.counts.outcomes += inserted;
      } catch (error) {
        await this.deleteSteps([run]);
        this.fail(run, error);
      }
    }
  }

  /** Removes the steps of runs whose outcome could not be inserted (their ids were new). */
  private async deleteSteps(runs: TrajectoryRun[]): Promise<void> {
    const ids = runs.filter((run) => run.steps.length > 0).map((run) => run.id);
    if (ids.length === 0) return;
    await this.db.execute(`DELETE FROM trajectories WHERE trajectory_id IN (${ids.map(() => '?').join(', ')})`, ids);
  }

  private fail(run: TrajectoryRun, error: unknown): void {
    // A broken database is not a bad run: stop the import instead of failing every run.
    if (!(error instanceof SqlError) || FATAL_CODES.has(error.code)) throw error;
    this.counts.failedRuns++;
    this.present.delete(run.id);
    if (this.options.stopOnFailure) this.stopped = true;
    this.options.onRunFailed(run, error);
  }
}

function checkColumns(db: Database, table: string, needed: string[]): void {
  const found = db.tables().find((t) => t.name === table);
  const names = new Set(found?.columns.map((column) => column.name));
  const missing = needed.filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw new CliError(
      `table ${table} exists without the column${missing.length === 1 ? '' : 's'} ${missing.join(', ')} that import writes`,
      `import writes the seed's schema: ${table === 'trajectories' ? TRAJECTORIES_TABLE : OUTCOMES_TABLE}`,
    );
  }
}
