/** The two native builds (cmake-js and node-gyp) must compile the same sources, portably. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../src/native.js';

const root = packageRoot();

function cmakeSources(): string[] {
  const text = readFileSync(join(root, 'CMakeLists.txt'), 'utf8');
  const block = /set\(REPLAYDB_SOURCES([\s\S]*?)\)/.exec(text);
  assert.ok(block, 'CMakeLists.txt defines REPLAYDB_SOURCES');
  return block[1]!.split(/\s+/).filter(Boolean).sort();
}

function gypSources(): string[] {
  const gyp = JSON.parse(readFileSync(join(root, 'binding.gyp'), 'utf8')) as { targets: { target_name: string; sources: string[] }[] };
  const target = gyp.targets.find((t) => t.target_name === 'replaydb');
  assert.ok(target, 'binding.gyp has a replaydb target');
  return [...target.sources].sort();
}

test('CMakeLists.txt and binding.gyp name the same sources', () => {
  assert.deepEqual(cmakeSources(), gypSources());
});

test('every listed source exists and every native .cpp is listed', async () => {
  const { readdirSync, statSync } = await import('node:fs');
  const listed = new Set(cmakeSources());
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const name of readdirSync(join(root, directory))) {
      const path = `${directory}/${name}`;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (path.endsWith('.cpp')) found.push(path);
    }
  };
  walk('native');
  assert.deepEqual(found.sort(), [...listed].sort());
});

test('shipped builds do not use -march=native', () => {
  for (const file of ['CMakeLists.txt', 'binding.gyp']) {
    assert.doesNotMatch(readFileSync(join(root, file), 'utf8'), /march=native/, file);
  }
});
