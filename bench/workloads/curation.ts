/**
 * Curation: the SQL engine's targets. The query a user runs to pick training data (steps
 * of successful, high-reward, short code-generation runs, joined to their outcomes), an
 * aggregate over outcomes, and point lookups of one trajectory, on replaydb, DuckDB and
 * "the JSONL way" (two files and a script).
 *
 * Data, built once per run: 1M steps (200k with --quick, times --size) from the prose
 * generator in bench/data.ts, in trajectories of 3–40 steps skewed short (mean about 12.5,
 * so about 80k trajectories; the short ones make `total_steps < 20` select about three
 * quarters of them), JSON tool_call on assistant steps and tool_result on tool steps; and
 * one outcome per trajectory: task_type one of six (one 'code_generation'), success 60%
 * true, reward_score uniform in [0, 1), total_steps the trajectory's step count,
 * total_tokens about its bytes / 4, model_version one of three. No embeddings and no
 * created_at column (so that SELECT * returns the same columns on every system).
 *
 *  - replaydb: 1000-row INSERT … VALUES through executeSync, commit(), close, reopen.
 *  - DuckDB (in memory): INSERT INTO … SELECT * FROM read_json(<the JSONL files>) with the
 *    columns typed: DuckDB's parallel JSON reader, its fastest honest load from files a
 *    JS program wrote (an Appender crosses into native once per value from JS).
 *  - JSONL: the same rows, one file for steps and one for outcomes.
 *
 * Timed end to end: the query and turning its result into JS. Rows are plain objects with
 * every selected column as a JS value, and JSON columns as parsed objects on every system
 * (replaydb's rows() parses JSONB; DuckDB returns JSON as text, which is JSON.parse'd in
 * the timed run). A second seed case compares JSON as text on both engines. Before any
 * timing, every system's result is checked against the others (row count, a checksum of
 * (trajectory_id, step) in order, and one of every value); a disagreement stops the run.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBPreparedStatement } from '@duckdb/node-api';
import { open, type ColumnData, type Database, type Result } from '../../src/index.js';
import { mulberry32, TrajectoryGenerator, type TrajectoryStep } from '../data.js';
import { keepsCase, keepsSystem, releaseWhenDone, removePath, temporaryPath, type Case, type Phases, type RunOptions, type Skip, type System, type Workload } from '../harness.js';
import { loadDuckDB, openDuckDB, parseJsonColumns, type DuckDBPeer } from '../peers/duckdb.js';
import { groupByTaskJsonl, seedCurationJsonl, type OutcomeRecord, type StepRecord } from '../peers/jsonl.js';
import { insertSql } from './ingest.js';

const SEED = 1337;
const BATCH_ROWS = 1000;
const LOOKUPS_PER_RUN = 200;
const GROUP_QUERIES_PER_RUN = 10;
const JSONL_TARGET_RATIO = 20;

export const SEED_SQL = `SELECT t.trajectory_id, t.step, t.role, t.content, t.tool_call, t.tool_result
FROM trajectories t
JOIN trajectory_outcomes o ON t.trajectory_id = o.trajectory_id
WHERE o.success = true
AND o.reward_score > 0.85
AND o.task_type = 'code_generation'
AND o.total_steps < 20 -- prefer efficient trajectories
ORDER BY t.trajectory_id, t.step;`;

/**
 * The same rows as SEED_SQL because trajectory_id is trajectory_outcomes' primary key (an
 * inner join with a unique key is a semi-join): a diagnostic variant that shows what the
 * join costs over a filtered scan (replaydb's IN-subquery filter is pushed into the scan).
 */
const SEED_IN_SUBQUERY_SQL = `SELECT trajectory_id, step, role, content, tool_call, tool_result
FROM trajectories
WHERE trajectory_id IN (SELECT trajectory_id FROM trajectory_outcomes
  WHERE success = true AND reward_score > 0.85 AND task_type = 'code_generation' AND total_steps < 20)
ORDER BY trajectory_id, step`;

const GROUP_SQL = 'SELECT task_type, count(*) AS runs, avg(reward_score) AS mean_reward, sum(total_tokens) AS tokens FROM trajectory_outcomes GROUP BY task_type ORDER BY task_type';
const LOOKUP_SQL = 'SELECT * FROM trajectories WHERE trajectory_id = $1 ORDER BY step';

const STEP_COLUMNS = ['trajectory_id', 'step', 'role', 'content', 'tool_call', 'tool_result'] as const;
const JSON_COLUMNS = ['tool_call', 'tool_result'] as const;
const GROUP_COLUMNS = ['task_type', 'runs', 'mean_reward', 'tokens'] as const;

const TASK_TYPES = ['code_generation', 'bug_fix', 'refactoring', 'test_writing', 'documentation', 'data_analysis'];
const MODEL_VERSIONS = ['agent-2024.06', 'agent-2024.09', 'agent-2025.01'];

const REPLAYDB_SCHEMA = [
  'CREATE TABLE trajectories (trajectory_id TEXT, step INT, role TEXT, content TEXT, tool_call JSONB, tool_result JSONB)',
  'CREATE TABLE trajectory_outcomes (trajectory_id TEXT PRIMARY KEY, task_type TEXT, success BOOLEAN, reward_score DOUBLE PRECISION, total_steps INT, total_tokens BIGINT, model_version TEXT)',
];
const DUCKDB_SCHEMA = [
  'CREATE TABLE trajectories (trajectory_id VARCHAR, step INTEGER, role VARCHAR, content VARCHAR, tool_call JSON, tool_result JSON)',
  'CREATE TABLE trajectory_outcomes (trajectory_id VARCHAR PRIMARY KEY, task_type VARCHAR, success BOOLEAN, reward_score DOUBLE, total_steps INTEGER, total_tokens BIGINT, model_version VARCHAR)',
];
const STEP_JSON_COLUMNS = `{trajectory_id: 'VARCHAR', step: 'INTEGER', role: 'VARCHAR', content: 'VARCHAR', tool_call: 'JSON', tool_result: 'JSON'}`;
const OUTCOME_JSON_COLUMNS = `{trajectory_id: 'VARCHAR', task_type: 'VARCHAR', success: 'BOOLEAN', reward_score: 'DOUBLE', total_steps: 'INTEGER', total_tokens: 'BIGINT', model_version: 'VARCHAR'}`;
const OUTCOME_COLUMNS = ['trajectory_id', 'task_type', 'success', 'reward_score', 'total_steps', 'total_tokens', 'model_version'];

/**
 * Steps per trajectory: 3 + ⌊38·u^2.8⌋, i.e. 3–40 skewed towards short runs with a mean of
 * about 12.5 (1M steps ≈ 80k trajectories).
 */
function trajectoryLength(random: () => number): number {
  return 3 + Math.floor(38 * random() ** 2.8);
}

type Row = Record<string, unknown>;

/** Where timed runs leave their row counts, so that no result is computed for nothing. */
const consumed = { rows: 0 };

// ---------------------------------------------------------------------------------------
// Building the data

interface CurationData {
  steps: number;
  outcomes: OutcomeRecord[];
  stepsFile: string;
  outcomesFile: string;
  replaydb?: { path: string; db: Database };
  duckdb?: { instance: DuckDBInstance; connection: DuckDBConnection; threads: number; version: string };
  notes: Record<string, unknown>;
  /** Closes the databases and removes the files once every case that uses them is done. */
  release(): Promise<void>;
}

function stepRecord(step: TrajectoryStep): StepRecord {
  return { trajectory_id: step.trajectoryId, step: step.step, role: step.role, content: step.content, tool_call: step.toolCall, tool_result: step.toolResult };
}

/** The outcome of a finished trajectory; `random` is the outcome stream, separate from the steps'. */
function makeOutcome(random: () => number, trajectoryId: string, steps: number, bytes: number): OutcomeRecord {
  return {
    trajectory_id: trajectoryId,
    task_type: TASK_TYPES[Math.floor(random() * TASK_TYPES.length)]!,
    success: random() < 0.6,
    reward_score: random(),
    total_steps: steps,
    total_tokens: Math.ceil(bytes / 4),
    model_version: MODEL_VERSIONS[Math.floor(random() * MODEL_VERSIONS.length)]!,
  };
}

function outcomeValues(outcome: OutcomeRecord): unknown[] {
  return [outcome.trajectory_id, outcome.task_type, outcome.success, outcome.reward_score, outcome.total_steps, outcome.total_tokens, outcome.model_version];
}

function outcomeInsertSql(rows: number): string {
  const tuple = `(${OUTCOME_COLUMNS.map(() => '%s').join(', ')})`;
  return `INSERT INTO trajectory_outcomes (${OUTCOME_COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function directoryBytes(path: string): number {
  let bytes = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    bytes += entry.isDirectory() ? directoryBytes(child) : statSync(child).size;
  }
  return bytes;
}

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * Generates the steps batch by batch (never all in memory), writing each batch to the
 * steps JSONL file and, when replaydb is wanted, inserting it as one 1000-row statement;
 * then the outcomes the same way, commit(), and DuckDB's load from the finished files.
 */
async function buildData(steps: number, wantReplaydb: boolean, duckdbPeer: DuckDBPeer | undefined): Promise<CurationData> {
  const generator = new TrajectoryGenerator({ seed: SEED, trajectoryLength });
  const outcomeRandom = mulberry32(SEED ^ 0x5eed);
  const stepsFile = `${temporaryPath('curation-steps')}.jsonl`;
  const outcomesFile = `${temporaryPath('curation-outcomes')}.jsonl`;
  const replaydbPath = temporaryPath('replaydb-curation');
  const notes: Record<string, unknown> = { steps };

  const db = wantReplaydb ? await open(replaydbPath) : undefined;
  for (const statement of REPLAYDB_SCHEMA) db?.executeSync(statement);
  const stepsDescriptor = openSync(stepsFile, 'w');
  const outcomes: OutcomeRecord[] = [];
  let currentId = '';
  let currentSteps = 0;
  let currentBytes = 0;
  let insertSeconds = 0;
  const generateStart = performance.now();
  try {
    for (let done = 0; done < steps; done += BATCH_ROWS) {
      const batch = generator.take(Math.min(BATCH_ROWS, steps - done));
      const lines: string[] = new Array(batch.length);
      for (let index = 0; index < batch.length; index++) {
        const step = batch[index]!;
        const line = JSON.stringify(stepRecord(step));
        lines[index] = line;
        if (step.trajectoryId !== currentId) {
          if (currentSteps > 0) outcomes.push(makeOutcome(outcomeRandom, currentId, currentSteps, currentBytes));
          currentId = step.trajectoryId;
          currentSteps = 0;
          currentBytes = 0;
        }
        currentSteps++;
        currentBytes += line.length;
      }
      writeSync(stepsDescriptor, lines.join('\n') + '\n');
      if (db) {
        const values: unknown[] = [];
        for (const step of batch) values.push(step.trajectoryId, step.step, step.role, step.content, step.toolCall, step.toolResult);
        const start = performance.now();
        db.executeSync(insertSql(false, batch.length, '%s'), values);
        insertSeconds += (performance.now() - start) / 1000;
      }
    }
    if (currentSteps > 0) outcomes.push(makeOutcome(outcomeRandom, currentId, currentSteps, currentBytes));
  } finally {
    closeSync(stepsDescriptor);
  }
  const outcomesDescriptor = openSync(outcomesFile, 'w');
  try {
    for (let first = 0; first < outcomes.length; first += BATCH_ROWS) {
      const batch = outcomes.slice(first, first + BATCH_ROWS);
      writeSync(outcomesDescriptor, batch.map((outcome) => JSON.stringify(outcome)).join('\n') + '\n');
      if (db) {
        const start = performance.now();
        db.executeSync(outcomeInsertSql(batch.length), batch.flatMap(outcomeValues));
        insertSeconds += (performance.now() - start) / 1000;
      }
    }
  } finally {
    closeSync(outcomesDescriptor);
  }
  notes.trajectories = outcomes.length;
  notes.generateAndWriteSeconds = round((performance.now() - generateStart) / 1000 - insertSeconds);
  notes.stepsJsonlMegabytes = round(statSync(stepsFile).size / 2 ** 20, 1);
  notes.outcomesJsonlMegabytes = round(statSync(outcomesFile).size / 2 ** 20, 1);

  let replaydb: CurationData['replaydb'];
  if (db) {
    const commitStart = performance.now();
    await db.commit('curation benchmark data');
    const commitSeconds = (performance.now() - commitStart) / 1000;
    await db.close();
    const reopened = await open(replaydbPath, { create: false });
    replaydb = { path: replaydbPath, db: reopened };
    notes.replaydbLoad = {
      how: '1000-row INSERT … VALUES via executeSync, then commit()',
      insertSeconds: round(insertSeconds),
      insertRowsPerSecond: Math.round((steps + outcomes.length) / insertSeconds),
      commitSeconds: round(commitSeconds),
      megabytes: round(directoryBytes(replaydbPath) / 2 ** 20, 1),
    };
  }

  let duckdb: CurationData['duckdb'];
  if (duckdbPeer) {
    const opened = await openDuckDB(duckdbPeer);
    const loadStart = performance.now();
    for (const statement of DUCKDB_SCHEMA) await opened.connection.run(statement);
    await opened.connection.run(`INSERT INTO trajectories SELECT * FROM read_json(${sqlString(stepsFile)}, format = 'newline_delimited', columns = ${STEP_JSON_COLUMNS})`);
    await opened.connection.run(`INSERT INTO trajectory_outcomes SELECT * FROM read_json(${sqlString(outcomesFile)}, format = 'newline_delimited', columns = ${OUTCOME_JSON_COLUMNS})`);
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const counted = await opened.connection.runAndReadAll('SELECT (SELECT count(*) FROM trajectories) AS steps, (SELECT count(*) FROM trajectory_outcomes) AS outcomes');
    const counts = counted.getRowObjectsJS()[0]!;
    if (Number(counts.steps) !== steps || Number(counts.outcomes) !== outcomes.length) {
      throw new Error(`curation: DuckDB loaded ${counts.steps} steps and ${counts.outcomes} outcomes, expected ${steps} and ${outcomes.length}`);
    }
    duckdb = { ...opened, version: duckdbPeer.version };
    notes.duckdbLoad = { how: 'in-memory; INSERT INTO … SELECT * FROM read_json(JSONL, typed columns)', seconds: round(loadSeconds), threads: opened.threads, version: duckdbPeer.version };
  }

  let released = false;
  return {
    steps,
    outcomes,
    stepsFile,
    outcomesFile,
    replaydb,
    duckdb,
    notes,
    async release() {
      if (released) return;
      released = true;
      await replaydb?.db.close();
      duckdb?.connection.closeSync();
      duckdb?.instance.closeSync();
      removePath(replaydbPath);
      removePath(stepsFile);
      removePath(outcomesFile);
    },
  };
}

// ---------------------------------------------------------------------------------------
// Reading results

/** Rows like rows(), but JSONB columns as their JSON text (decoded from columnData), the way DuckDB returns JSON. */
function replaydbRowsWithJsonText(result: Result): Row[] {
  const names = result.columns.map((column) => column.name);
  const values = result.columns.map((column) => (column.type === 'jsonb' ? jsonTexts(result.columnData(column.name)) : result.column(column.name)));
  const rows = new Array<Row>(result.rowCount);
  for (let r = 0; r < result.rowCount; r++) {
    const row: Row = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = (values[c] as ArrayLike<unknown>)[r];
    rows[r] = row;
  }
  return rows;
}

function jsonTexts(column: ColumnData): (string | null)[] {
  const bytes = Buffer.from(column.data.buffer, column.data.byteOffset, column.data.byteLength);
  const offsets = column.offsets!;
  const out = new Array<string | null>(column.length);
  for (let i = 0; i < column.length; i++) out[i] = column.validity && column.validity[i] === 0 ? null : bytes.toString('utf8', offsets[i], offsets[i + 1]);
  return out;
}

async function duckdbRows(connection: DuckDBConnection, sql: string, parseJson: boolean): Promise<Row[]> {
  const rows = (await connection.runAndReadAll(sql)).getRowObjectsJS() as Row[];
  if (parseJson) parseJsonColumns(rows, JSON_COLUMNS);
  return rows;
}

async function duckdbLookup(statement: DuckDBPreparedStatement, id: string): Promise<Row[]> {
  statement.bindVarchar(1, id);
  const rows = (await statement.runAndReadAll()).getRowObjectsJS() as Row[];
  parseJsonColumns(rows, JSON_COLUMNS);
  return rows;
}

// ---------------------------------------------------------------------------------------
// Agreement: results are compared before anything is timed

/** JSON with object keys sorted (replaydb's JSONB does not keep key order); bigint as a number. */
function canonical(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isInteger(value) ? value.toString() : value.toPrecision(15);
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

interface Fingerprint {
  rows: number;
  /** sha256 of (trajectory_id, step) in result order, 12 hex digits. */
  idSteps: string;
  /** sha256 of every selected value in result order, JSON parsed and canonicalised. */
  values: string;
}

function fingerprint(rows: Row[], columns: readonly string[]): Fingerprint {
  const idSteps = createHash('sha256');
  const values = createHash('sha256');
  for (const row of rows) {
    idSteps.update(`${String(row.trajectory_id)}\t${String(row.step)}\n`);
    values.update(canonical(columns.map((column) => row[column])) + '\n');
  }
  return { rows: rows.length, idSteps: idSteps.digest('hex').slice(0, 12), values: values.digest('hex').slice(0, 12) };
}

/** Throws unless every system's fingerprint equals the first one's. */
function assertAgree(what: string, fingerprints: Record<string, Fingerprint>): void {
  const entries = Object.entries(fingerprints);
  const [firstName, first] = entries[0]!;
  const describe = (): string => entries.map(([name, print]) => `${name}: ${print.rows} rows, ids/steps ${print.idSteps}, values ${print.values}`).join('; ');
  for (const [, print] of entries) {
    if (print.rows !== first.rows || print.idSteps !== first.idSteps || print.values !== first.values) {
      throw new Error(`curation: results disagree on ${what} (against ${firstName}) — ${describe()}`);
    }
  }
}

function withParsedJson(rows: Row[]): Row[] {
  return rows.map((row) => {
    const copy = { ...row };
    for (const column of JSON_COLUMNS) if (typeof copy[column] === 'string') copy[column] = JSON.parse(copy[column] as string);
    return copy;
  });
}

/** Group rows compared by value: counts and token sums exactly, means to 1e-9 relative. */
function assertGroupsAgree(groups: Record<string, Row[]>): void {
  const entries = Object.entries(groups);
  const [firstName, first] = entries[0]!;
  for (const [name, rows] of entries) {
    const same =
      rows.length === first.length &&
      rows.every((row, index) => {
        const other = first[index]!;
        return (
          row.task_type === other.task_type &&
          Number(row.runs) === Number(other.runs) &&
          Number(row.tokens) === Number(other.tokens) &&
          Math.abs(Number(row.mean_reward) - Number(other.mean_reward)) <= 1e-9 * Math.abs(Number(other.mean_reward))
        );
      });
    if (!same) throw new Error(`curation: group_by_task disagrees: ${firstName} ${canonical(first)} vs ${name} ${canonical(rows)}`);
  }
}

// ---------------------------------------------------------------------------------------
// The cases

function seedSystems(data: CurationData, keep: (name: string) => boolean, jsonAsText: boolean): System[] {
  const systems: System[] = [];
  const { replaydb, duckdb } = data;
  if (replaydb && keep('replaydb')) {
    systems.push({
      name: 'replaydb',
      settings: jsonAsText
        ? 'await execute(); rows from column() with JSONB columns as text decoded from columnData() (no ::text cast yet)'
        : 'await execute() (worker thread) + result.rows() (JSONB parsed)',
      async run(): Promise<Phases> {
        let start = performance.now();
        const result = await replaydb.db.execute(SEED_SQL);
        const query = (performance.now() - start) / 1000;
        start = performance.now();
        consumed.rows += (jsonAsText ? replaydbRowsWithJsonText(result) : result.rows()).length;
        return { query, rows: (performance.now() - start) / 1000 };
      },
    });
  }
  if (replaydb && !jsonAsText && keep('replaydb/in-subquery')) {
    systems.push({
      name: 'replaydb/in-subquery',
      settings: 'diagnostic, not the seed query: the same rows through WHERE trajectory_id IN (SELECT … FROM trajectory_outcomes WHERE …), a filter pushed into the scan; await execute() + rows()',
      async run(): Promise<Phases> {
        let start = performance.now();
        const result = await replaydb.db.execute(SEED_IN_SUBQUERY_SQL);
        const query = (performance.now() - start) / 1000;
        start = performance.now();
        consumed.rows += result.rows().length;
        return { query, rows: (performance.now() - start) / 1000 };
      },
    });
  }
  if (duckdb && keep('duckdb')) {
    systems.push({
      name: 'duckdb',
      settings: `DuckDB ${duckdb.version} in memory, ${duckdb.threads} threads; runAndReadAll() + getRowObjectsJS()${jsonAsText ? ' (JSON as text)' : ' + JSON.parse of tool_call/tool_result'}`,
      async run(): Promise<Phases> {
        let start = performance.now();
        const reader = await duckdb.connection.runAndReadAll(SEED_SQL);
        const query = (performance.now() - start) / 1000;
        start = performance.now();
        const rows = reader.getRowObjectsJS() as Row[];
        if (!jsonAsText) parseJsonColumns(rows, JSON_COLUMNS);
        consumed.rows += rows.length;
        return { query, rows: (performance.now() - start) / 1000 };
      },
    });
  }
  if (!jsonAsText && keep('jsonl')) {
    systems.push({
      name: 'jsonl',
      settings: 'readline over both files, JSON.parse every line, Set of chosen ids, filter, Array.sort; nothing cached between runs',
      async run(): Promise<Phases> {
        const { rows, phases } = await seedCurationJsonl(data.stepsFile, data.outcomesFile);
        consumed.rows += rows.length;
        return phases;
      },
    });
  }
  return systems;
}

async function checkSeed(data: CurationData, keep: (name: string) => boolean): Promise<Record<string, unknown>> {
  const prints: Record<string, Fingerprint> = {};
  const textPrints: Record<string, Fingerprint> = {};
  let replaydbTexts: Row[] | undefined;
  let duckdbTexts: Row[] | undefined;
  if (data.replaydb && (keep('replaydb') || keep('replaydb/in-subquery'))) {
    const result = await data.replaydb.db.execute(SEED_SQL);
    prints.replaydb = fingerprint(result.rows(), STEP_COLUMNS);
    if (keep('replaydb/in-subquery')) prints['replaydb/in-subquery'] = fingerprint((await data.replaydb.db.execute(SEED_IN_SUBQUERY_SQL)).rows(), STEP_COLUMNS);
    replaydbTexts = replaydbRowsWithJsonText(result);
    textPrints.replaydb = fingerprint(withParsedJson(replaydbTexts), STEP_COLUMNS);
  }
  if (data.duckdb && keep('duckdb')) {
    prints.duckdb = fingerprint(await duckdbRows(data.duckdb.connection, SEED_SQL, true), STEP_COLUMNS);
    duckdbTexts = await duckdbRows(data.duckdb.connection, SEED_SQL, false);
    textPrints.duckdb = fingerprint(withParsedJson(duckdbTexts), STEP_COLUMNS);
  }
  if (keep('jsonl')) prints.jsonl = fingerprint((await seedCurationJsonl(data.stepsFile, data.outcomesFile)).rows as unknown as Row[], STEP_COLUMNS);
  if (Object.keys(prints).length === 0) return {};
  assertAgree('seed_curation', prints);
  if (Object.keys(textPrints).length > 0) assertAgree('seed_curation (JSON as text, parsed to compare)', textPrints);
  const first = Object.values(prints)[0]!;
  if (first.rows === 0) throw new Error('curation: seed_curation selects no rows; the data generator no longer matches the query');
  const notes: Record<string, unknown> = { seedRows: first.rows, seedChecksum: `${first.idSteps}/${first.values}`, agreeing: Object.keys(prints) };
  if (replaydbTexts && duckdbTexts) {
    let identical = 0;
    for (let index = 0; index < replaydbTexts.length; index++) {
      if (JSON_COLUMNS.every((column) => replaydbTexts![index]![column] === duckdbTexts![index]![column])) identical++;
    }
    notes.jsonTextByteIdenticalRows = `${identical} of ${replaydbTexts.length}`;
  }
  return notes;
}

function columnsSystems(data: CurationData, keep: (name: string) => boolean): System[] {
  const systems: System[] = [];
  const { replaydb, duckdb } = data;
  if (replaydb && keep('replaydb')) {
    systems.push({
      name: 'replaydb',
      settings: 'await execute() + column(name) for each column (JS arrays; JSONB parsed)',
      async run(): Promise<Phases> {
        let start = performance.now();
        const result = await replaydb.db.execute(SEED_SQL);
        const query = (performance.now() - start) / 1000;
        start = performance.now();
        for (const name of STEP_COLUMNS) consumed.rows += result.column(name).length;
        return { query, columns: (performance.now() - start) / 1000 };
      },
    });
  }
  if (replaydb && keep('replaydb/raw')) {
    systems.push({
      name: 'replaydb/raw',
      settings: 'await execute() + columnData(name) for each column (native buffers, nothing decoded): the engine',
      async run() {
        const result = await replaydb.db.execute(SEED_SQL);
        for (const name of STEP_COLUMNS) consumed.rows += result.columnData(name).length;
      },
    });
  }
  if (duckdb && keep('duckdb')) {
    systems.push({
      name: 'duckdb',
      settings: 'runAndReadAll() + getColumnsJS() + JSON.parse of the two JSON columns',
      async run(): Promise<Phases> {
        let start = performance.now();
        const reader = await duckdb.connection.runAndReadAll(SEED_SQL);
        const query = (performance.now() - start) / 1000;
        start = performance.now();
        const columns = reader.getColumnsJS();
        for (const index of [4, 5]) columns[index] = columns[index]!.map((text) => (typeof text === 'string' ? JSON.parse(text) : text));
        consumed.rows += columns[0]!.length;
        return { query, columns: (performance.now() - start) / 1000 };
      },
    });
  }
  if (duckdb && keep('duckdb/raw')) {
    systems.push({
      name: 'duckdb/raw',
      settings: 'runAndReadAll() only (query run, every chunk fetched, nothing converted to JS): the engine',
      async run() {
        consumed.rows += (await duckdb.connection.runAndReadAll(SEED_SQL)).currentRowCount;
      },
    });
  }
  return systems;
}

async function checkColumns(data: CurationData, keep: (name: string) => boolean): Promise<void> {
  const prints: Record<string, Fingerprint> = {};
  const asRows = (columns: unknown[][]): Row[] =>
    Array.from({ length: columns[0]!.length }, (_, r) => Object.fromEntries(STEP_COLUMNS.map((name, c) => [name, (columns[c] as ArrayLike<unknown>)[r]])));
  if (data.replaydb && keep('replaydb')) {
    const result = await data.replaydb.db.execute(SEED_SQL);
    prints.replaydb = fingerprint(asRows(STEP_COLUMNS.map((name) => Array.from(result.column(name) as ArrayLike<unknown>))), STEP_COLUMNS);
  }
  if (data.duckdb && keep('duckdb')) {
    const columns = (await data.duckdb.connection.runAndReadAll(SEED_SQL)).getColumnsJS();
    prints.duckdb = fingerprint(withParsedJson(asRows(columns)), STEP_COLUMNS);
  }
  if (Object.keys(prints).length > 1) assertAgree('columns_only', prints);
}

function groupSystems(data: CurationData, keep: (name: string) => boolean): System[] {
  const systems: System[] = [];
  const { replaydb, duckdb } = data;
  if (replaydb && keep('replaydb')) {
    systems.push({
      name: 'replaydb',
      settings: 'await execute() + rows()',
      async run() {
        for (let index = 0; index < GROUP_QUERIES_PER_RUN; index++) consumed.rows += (await replaydb.db.execute(GROUP_SQL)).rows().length;
      },
    });
  }
  if (duckdb && keep('duckdb')) {
    systems.push({
      name: 'duckdb',
      settings: 'runAndReadAll() + getRowObjectsJS() (count and sum as bigint, as DuckDB returns them)',
      async run() {
        for (let index = 0; index < GROUP_QUERIES_PER_RUN; index++) consumed.rows += (await duckdbRows(duckdb.connection, GROUP_SQL, false)).length;
      },
    });
  }
  if (keep('jsonl')) {
    systems.push({
      name: 'jsonl',
      settings: 'readline over the outcomes file, JSON.parse every line, a Map of sums, sorted; the file read again for every query',
      async run() {
        for (let index = 0; index < GROUP_QUERIES_PER_RUN; index++) consumed.rows += (await groupByTaskJsonl(data.outcomesFile)).length;
      },
    });
  }
  return systems;
}

async function checkGroups(data: CurationData, keep: (name: string) => boolean): Promise<void> {
  const groups: Record<string, Row[]> = {};
  if (data.replaydb && keep('replaydb')) groups.replaydb = (await data.replaydb.db.execute(GROUP_SQL)).rows();
  if (data.duckdb && keep('duckdb')) groups.duckdb = await duckdbRows(data.duckdb.connection, GROUP_SQL, false);
  if (keep('jsonl')) groups.jsonl = (await groupByTaskJsonl(data.outcomesFile)) as unknown as Row[];
  for (const [name, rows] of Object.entries(groups)) {
    if (rows.length !== TASK_TYPES.length || rows.some((row) => GROUP_COLUMNS.some((column) => !(column in row)))) {
      throw new Error(`curation: group_by_task on ${name} returned ${canonical(rows)}`);
    }
  }
  if (Object.keys(groups).length > 1) assertGroupsAgree(groups);
}

/** LOOKUPS_PER_RUN ids per round, `rounds` rounds; every system walks the same sequence. */
function lookupIds(outcomes: OutcomeRecord[], rounds: number): string[][] {
  const random = mulberry32(SEED + 1);
  return Array.from({ length: rounds }, () => Array.from({ length: LOOKUPS_PER_RUN }, () => outcomes[Math.floor(random() * outcomes.length)]!.trajectory_id));
}

function lookupSystems(data: CurationData, keep: (name: string) => boolean, rounds: string[][]): System[] {
  const systems: System[] = [];
  const { replaydb, duckdb } = data;
  const walker = () => {
    let round = 0;
    return () => rounds[round++ % rounds.length]!;
  };
  if (replaydb && keep('replaydb')) {
    const next = walker();
    systems.push({
      name: 'replaydb',
      settings: `await execute(sql, [id]) + rows(), ${LOOKUPS_PER_RUN} lookups one after another`,
      async run() {
        for (const id of next()) consumed.rows += (await replaydb.db.execute(LOOKUP_SQL, [id])).rows().length;
      },
    });
  }
  if (replaydb && keep('replaydb/sync')) {
    const next = walker();
    systems.push({
      name: 'replaydb/sync',
      settings: `executeSync(sql, [id]) + rows(), ${LOOKUPS_PER_RUN} lookups`,
      run() {
        for (const id of next()) consumed.rows += replaydb.db.executeSync(LOOKUP_SQL, [id]).rows().length;
      },
    });
  }
  if (duckdb && keep('duckdb')) {
    const next = walker();
    let statement: DuckDBPreparedStatement | undefined;
    systems.push({
      name: 'duckdb',
      settings: `one prepared statement, bindVarchar + runAndReadAll() + getRowObjectsJS() + JSON.parse, ${LOOKUPS_PER_RUN} lookups`,
      async setup() {
        statement ??= await duckdb.connection.prepare(LOOKUP_SQL);
      },
      async run() {
        for (const id of next()) consumed.rows += (await duckdbLookup(statement!, id)).length;
      },
    });
  }
  return systems;
}

async function checkLookups(data: CurationData, keep: (name: string) => boolean, ids: string[]): Promise<void> {
  const statement = data.duckdb && keep('duckdb') ? await data.duckdb.connection.prepare(LOOKUP_SQL) : undefined;
  for (const id of ids) {
    const prints: Record<string, Fingerprint> = {};
    if (data.replaydb && (keep('replaydb') || keep('replaydb/sync'))) {
      prints.replaydb = fingerprint((await data.replaydb.db.execute(LOOKUP_SQL, [id])).rows(), STEP_COLUMNS);
      prints['replaydb/sync'] = fingerprint(data.replaydb.db.executeSync(LOOKUP_SQL, [id]).rows(), STEP_COLUMNS);
    }
    if (statement) prints.duckdb = fingerprint(await duckdbLookup(statement, id), STEP_COLUMNS);
    if (Object.values(prints).some((print) => print.rows === 0)) throw new Error(`curation: point lookup of ${id} found no rows`);
    if (Object.keys(prints).length > 1) assertAgree(`point_lookup(${id})`, prints);
  }
}

// ---------------------------------------------------------------------------------------

const CASE_NAMES = ['seed_curation', 'seed_curation_json_text', 'group_by_task', 'point_lookup', 'columns_only'];
const SYSTEM_NAMES = ['replaydb', 'replaydb/sync', 'replaydb/raw', 'replaydb/in-subquery', 'duckdb', 'duckdb/raw', 'jsonl'];

export const curationWorkload: Workload = {
  name: 'curation',
  caseNames: CASE_NAMES,
  systemNames: SYSTEM_NAMES,
  async cases(options: RunOptions, skipped: Skip[]): Promise<Case[]> {
    const names = CASE_NAMES.filter((name) => keepsCase(options, 'curation', name));
    if (names.length === 0) return [];
    const keep = (name: string): boolean => keepsSystem(options, name);
    const wantReplaydb = SYSTEM_NAMES.filter((name) => name.startsWith('replaydb')).some(keep);
    let duckdbPeer: DuckDBPeer | undefined;
    if (SYSTEM_NAMES.filter((name) => name.startsWith('duckdb')).some(keep)) {
      const loaded = await loadDuckDB();
      if ('reason' in loaded) skipped.push({ system: 'duckdb', reason: loaded.reason });
      else duckdbPeer = loaded;
    }
    const steps = Math.max(BATCH_ROWS, Math.round(((options.quick ? 200_000 : 1_000_000) * options.scale) / BATCH_ROWS) * BATCH_ROWS);
    const data = await buildData(steps, wantReplaydb, duckdbPeer);
    const describeData = `${steps} steps in ${data.outcomes.length} trajectories (3–40 steps, prose content, JSON tool_call/tool_result), ${data.outcomes.length} outcomes`;

    // Agreement before timing: a disagreement throws and stops the run.
    const checkStart = performance.now();
    const seedNotes = names.some((name) => name.startsWith('seed_curation')) ? await checkSeed(data, keep) : {};
    if (names.includes('columns_only')) await checkColumns(data, keep);
    if (names.includes('group_by_task')) await checkGroups(data, keep);
    const rounds = lookupIds(data.outcomes, options.repetitions + 1);
    if (names.includes('point_lookup')) await checkLookups(data, keep, rounds[0]!.slice(0, 20));
    const notes = { ...data.notes, ...seedNotes, agreementCheckSeconds: round((performance.now() - checkStart) / 1000) };

    const cases: Case[] = [];
    const seedTargets = [
      { system: 'duckdb', label: '> 1 (faster than DuckDB)', met: (ratio: number) => ratio > 1 },
      { system: 'jsonl', label: `≥ ${JSONL_TARGET_RATIO}`, met: (ratio: number) => ratio >= JSONL_TARGET_RATIO },
    ];
    for (const name of names) {
      switch (name) {
        case 'seed_curation':
          cases.push({
            name: 'curation/seed_curation',
            unit: 'ms',
            units: 1,
            description: `the seed curation query (join, 4 filters on outcomes, ORDER BY) over ${describeData}; ${seedNotes.seedRows ?? '?'} rows out, as JS objects with JSON parsed`,
            systems: seedSystems(data, keep, false),
            ratioTargets: seedTargets,
            // JSONL takes seconds a run, the slowest case of a --quick run: two repetitions there.
            repetitions: options.quick ? Math.min(2, options.repetitions) : undefined,
            notes,
          });
          break;
        case 'seed_curation_json_text':
          cases.push({
            name: 'curation/seed_curation_json_text',
            unit: 'ms',
            units: 1,
            description: 'the seed curation query, rows as JS objects with tool_call/tool_result as JSON text on both engines',
            systems: seedSystems(data, keep, true),
            ratioTargets: seedTargets.slice(0, 1),
            notes: { jsonTextByteIdenticalRows: seedNotes.jsonTextByteIdenticalRows },
          });
          break;
        case 'group_by_task':
          cases.push({
            name: 'curation/group_by_task',
            unit: 'ms',
            units: GROUP_QUERIES_PER_RUN,
            description: `GROUP BY task_type with count/avg/sum over ${data.outcomes.length} outcomes; time per query, ${GROUP_QUERIES_PER_RUN} per repetition`,
            systems: groupSystems(data, keep),
          });
          break;
        case 'point_lookup':
          cases.push({
            name: 'curation/point_lookup',
            unit: 'ms',
            units: LOOKUPS_PER_RUN,
            description:
              `SELECT * … WHERE trajectory_id = $1 ORDER BY step over ${steps} steps, no index on either engine; time per lookup, ${LOOKUPS_PER_RUN} random ids per repetition. ` +
              'JSONL: not applicable (each lookup would read and parse the whole steps file, i.e. about the jsonl seed_curation time per lookup)',
            systems: lookupSystems(data, keep, rounds),
          });
          break;
        case 'columns_only':
          cases.push({
            name: 'curation/columns_only',
            unit: 'ms',
            units: 1,
            description: 'the seed curation query read as columns; the raw variants show engine time without conversion to JS',
            systems: columnsSystems(data, keep),
          });
          break;
      }
    }

    // Every case that runs releases the shared data once it is done; the last one frees it.
    await releaseWhenDone(cases, () => data.release());
    return cases;
  },
};
