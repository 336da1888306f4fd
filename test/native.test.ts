/** Runs the C++ unit-test programs CMake builds beside the addon (build/replaydb_*_test). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../src/native.js';

for (const name of ['replaydb_jsonb_test', 'replaydb_vector_index_test', 'replaydb_key_index_test']) {
  test(`C++ tests: ${name}`, () => {
    const binary = join(packageRoot(), 'build', name);
    assert.ok(existsSync(binary), `${binary} is built by "npm run build:native"`);
    const run = spawnSync(binary, { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /\d+ passed, 0 failed/);
  });
}
