// Runs every compiled test file (dist-test/test/**/*.test.js) with Node's test runner, one
// file at a time (tests spawn processes and measure crashes; parallel files would slow and
// disturb each other on a 2-core machine). Extra arguments are passed to `node --test`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function find(directory) {
  const files = [];
  for (const name of readdirSync(directory).sort()) {
    const path = join(directory, name);
    if (statSync(path).isDirectory()) files.push(...find(path));
    else if (name.endsWith('.test.js')) files.push(relative(root, path));
  }
  return files;
}

const files = find(join(root, 'dist-test', 'test'));
const run = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
