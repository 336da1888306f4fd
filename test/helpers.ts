/** Shared test helpers: fresh temporary database directories, removed after the test. */
import { spawn } from 'node:child_process';
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

export interface ChildRun {
  /** Everything the child wrote to stdout. */
  output: string;
  /** Whether it was killed (by killAfterMs) rather than exiting. */
  killed: boolean;
  /** The last "ack <n>" line's n, or undefined. */
  lastAck: number | undefined;
}

/**
 * Runs a test fixture script (a writer that prints "ready" once it has opened the database
 * and "ack <n>" after each acknowledged statement); with `killAfterMs`, SIGKILLs it that
 * long after "ready". Rejects if it exits on its own with a failure status.
 */
export function runFixture(script: string, args: string[], killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (killAfterMs !== undefined && !timer && output.includes('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (chunk) => (errors += chunk));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const killed = signal === 'SIGKILL';
      if (!killed && code !== 0) return reject(new Error(`${script} failed (${code ?? signal}): ${errors}`));
      const acks = [...output.matchAll(/ack (\d+)\n/g)];
      resolve({ output, killed, lastAck: acks.length ? Number(acks[acks.length - 1]![1]) : undefined });
    });
  });
}
