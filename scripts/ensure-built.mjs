// Builds what is missing before `npm test`, `npm start` and `npm run bench`: the native
// addon (cmake-js) when its binary is absent or older than a native source, and the
// TypeScript (tsc) every time (incremental and quick).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const addon = join(root, 'build', 'Release', 'replaydb.node');

function newestSource(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });
const sourcesChanged = () =>
  Math.max(newestSource(join(root, 'native')), statSync(join(root, 'CMakeLists.txt')).mtimeMs) > statSync(addon).mtimeMs;

if (!existsSync(addon) || sourcesChanged()) run('npx cmake-js compile --log-level error');
run('npx tsc -p tsconfig.json');
run('npx tsc -p tsconfig.test.json');
