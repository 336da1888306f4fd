/** Shared test helpers: fresh temporary database directories, removed after the test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const created: string[] = [];

after(() => {
  for (const directory of created) rmSync(directory, { recursive: true, force: true });
});

/** A new empty directory; `databasePath()` names a not-yet-existing database inside it. */
export function temporaryDirectory(prefix = 'replaydb-test-'): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  created.push(directory);
  return directory;
}

export function databasePath(name = 'db'): string {
  return join(temporaryDirectory(), name);
}

export const SEED_TRAJECTORIES =
  'CREATE TABLE IF NOT EXISTS trajectories (trajectory_id TEXT, step INT, role TEXT, content TEXT, tool_call JSONB, tool_result JSONB, embedding VECTOR(1536), created_at TIMESTAMP DEFAULT NOW())';
export const SEED_OUTCOMES =
  'CREATE TABLE IF NOT EXISTS trajectory_outcomes (trajectory_id TEXT PRIMARY KEY, task_type TEXT, success BOOLEAN, reward_score FLOAT, total_steps INT, total_tokens INT, model_version TEXT, metadata JSONB, completed_at TIMESTAMP DEFAULT NOW())';
export const SEED_INSERT =
  'INSERT INTO trajectories (trajectory_id, step, role, content, tool_call, tool_result, embedding) VALUES (%s, %s, %s, %s, %s, %s, %s)';
