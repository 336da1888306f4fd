/** `replaydb commit` (the version commands are tested through commit only for now), and how a missing API call is reported. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotAvailableError, reportError, requireMethod } from '../../src/cli/cli_errors.js';
import { open } from '../../src/index.js';
import { databasePath } from '../helpers.js';
import { chatLine, runCli } from './cli_helpers.js';

test('commit prints the new version id, which heads the log with its message', async () => {
  const path = databasePath();
  assert.equal(runCli(['import', path, '-'], { input: chatLine('r1', 2) + '\n' }).code, 0);
  assert.equal(runCli(['sql', path, "INSERT INTO trajectories (trajectory_id, step, role) VALUES ('r2', 0, 'user')"]).code, 0);
  const run = runCli(['commit', path, '-m', 'curated v1']);
  assert.equal(run.code, 0, run.stderr);
  const version = run.stdout.trim();
  assert.match(version, /^[0-9a-f-]+$/);
  const db = await open(path, { create: false });
  try {
    const [head] = await db.log({ limit: 1 });
    assert.equal(head!.id, version);
    assert.equal(head!.kind, 'commit');
    assert.equal(head!.message, 'curated v1');
    assert.equal(head!.rowCounts.trajectories, 3);
  } finally {
    await db.close();
  }
  assert.equal(runCli(['commit', path, 'extra-argument']).code, 2);
});

test('a call the library does not offer is "not available yet" with exit code 2', () => {
  assert.throws(() => requireMethod({}, 'merge', 'merge'), (error: Error) => error instanceof NotAvailableError && /merge is not available yet/.test(error.message));
  assert.doesNotThrow(() => requireMethod({ merge() {} }, 'merge', 'merge'));
  let written = '';
  const code = reportError(new NotAvailableError('merge'), { write: (text: string) => ((written += text), true) } as unknown as NodeJS.WritableStream);
  assert.equal(code, 2);
  assert.equal(written, 'replaydb: merge is not available yet in this version of replaydb\n');
});
