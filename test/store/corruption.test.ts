/**
 * Damaged files are detected and reported with the file's name, never a crash: truncated
 * and bit-flipped segments, tail logs and manifests. A torn last log record (a crash
 * mid-write) is cut off instead.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openSync, SqlError } from '../../src/index.js';
import { databasePath } from '../helpers.js';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'fixtures');

function flipBit(file: string, offset: number): void {
  const bytes = readFileSync(file);
  bytes[offset]! ^= 0x10;
  writeFileSync(file, bytes);
}

function onlyFile(directory: string, suffix: string): string {
  const names = readdirSync(directory).filter((name) => name.endsWith(suffix));
  assert.equal(names.length, 1, `one ${suffix} file in ${directory}: ${names}`);
  return join(directory, names[0]!);
}

/** A database whose rows are in one sealed segment. */
function sealedDatabase(): { path: string; segment: string } {
  const path = databasePath();
  const db = openSync(path);
  db.executeSync('CREATE TABLE events (id INT, body TEXT)');
  const values = Array.from({ length: 1000 }, (_, i) => [i, `body number ${i}`]).flat();
  db.executeSync(`INSERT INTO events VALUES ${Array.from({ length: 1000 }, () => '(?, ?)').join(', ')}`, values);
  db.close();
  return { path, segment: onlyFile(join(path, 'segments'), '.seg') };
}

/** A database whose rows are only in the tail log (the writer was killed before sealing). */
async function unsealedDatabase(rows: number): Promise<{ path: string; log: string }> {
  const path = databasePath();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [join(fixtures, 'unsealed_writer.js'), path, String(rows)], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('done') && child.kill('SIGKILL'));
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error('writer did not wait to be killed'))));
  });
  return { path, log: onlyFile(join(path, 'tail'), '.log') };
}

function assertCorrupt(action: () => unknown, file: string): void {
  assert.throws(action, (error: SqlError) => {
    assert.ok(error instanceof SqlError, String(error));
    assert.equal(error.code, 'data_corrupted', error.message);
    assert.ok(error.message.includes(file), `the message names ${file}: ${error.message}`);
    return true;
  });
}

test('a bit flipped in a segment column is reported on first read, naming the file', () => {
  const { path, segment } = sealedDatabase();
  flipBit(segment, 64 + 100); // inside the first column's values block
  const db = openSync(path); // opening reads manifests only
  assertCorrupt(() => db.executeSync('SELECT id FROM events'), segment);
  db.close();
});

test('a bit flipped in a segment footer or a truncated segment is reported, naming the file', () => {
  for (const damage of ['footer', 'truncate'] as const) {
    const { path, segment } = sealedDatabase();
    if (damage === 'footer') flipBit(segment, statSync(segment).size - 40);
    else truncateSync(segment, statSync(segment).size - 100);
    const db = openSync(path);
    assertCorrupt(() => db.executeSync('SELECT count(*) FROM events'), segment);
    db.close();
  }
});

test('a damaged manifest is reported when opening, naming the file', () => {
  const { path } = sealedDatabase();
  const id = readFileSync(join(path, 'refs', 'heads', 'main'), 'utf8').trim();
  const manifest = join(path, 'manifests', id);
  flipBit(manifest, 20);
  assertCorrupt(() => openSync(path), manifest);
});

test('a torn last tail-log record is cut off; every whole record is kept', async () => {
  const { path, log } = await unsealedDatabase(20);
  truncateSync(log, statSync(log).size - 3);
  const db = openSync(path);
  assert.deepEqual(db.executeSync('SELECT count(*) AS n, max(id) AS top FROM events').rows(), [{ n: 19, top: 18 }]);
  db.executeSync('INSERT INTO events VALUES (100, $1)', ['after repair']);
  db.close();
  const again = openSync(path);
  assert.deepEqual(again.executeSync('SELECT count(*) AS n, max(id) AS top FROM events').rows(), [{ n: 20, top: 100 }]);
  again.close();
});

test('a damaged tail-log record followed by good ones is corruption, naming the file', async () => {
  const { path, log } = await unsealedDatabase(20);
  flipBit(log, 200);
  assertCorrupt(() => openSync(path), log);
});

test('a damaged last tail-log record is treated as torn', async () => {
  const { path, log } = await unsealedDatabase(20);
  flipBit(log, statSync(log).size - 2);
  const db = openSync(path);
  assert.deepEqual(db.executeSync('SELECT count(*) AS n FROM events').rows(), [{ n: 19 }]);
  db.close();
});

test('a damaged record length is corruption, not a torn end; a failed open changes nothing', async () => {
  const { path, log } = await unsealedDatabase(20);
  flipBit(log, 16 + 1); // the first record's length field
  const before = readFileSync(log);
  assertCorrupt(() => openSync(path), log);
  assertCorrupt(() => openSync(path), log); // still reported: the failed open did not "repair" anything
  assert.deepEqual(readFileSync(log), before, 'the log is left exactly as found');
});

test('zeros left at the end of the log by a power loss are cut like a torn write', async () => {
  const { path, log } = await unsealedDatabase(5);
  writeFileSync(log, Buffer.concat([readFileSync(log), Buffer.alloc(4096)]));
  const db = openSync(path);
  assert.deepEqual(db.executeSync('SELECT count(*) AS n FROM events').rows(), [{ n: 5 }]);
  db.close();
});
