/**
 * Writing command output: text in chunks with back-pressure (a large export never sits in
 * memory as one string, and a slow pipe slows the producer instead of filling memory), and
 * files written whole. A closed pipe (`replaydb sql … | head`) ends the output quietly.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';

/** Writes every chunk to `stream`, waiting for 'drain' when its buffer is full. */
export async function writeChunks(stream: NodeJS.WritableStream, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await once(stream, 'drain');
  }
}

/** Writes chunks to a file (`-` is `stdout`), creating or replacing it. */
export async function writeChunksToFile(path: string, chunks: Iterable<string>, stdout: NodeJS.WritableStream): Promise<void> {
  if (path === '-') return writeChunks(stdout, chunks);
  const file = createWriteStream(path);
  const failed = new Promise<never>((_, reject) => file.once('error', reject));
  failed.catch(() => undefined); // observed through the races below
  await Promise.race([writeChunks(file, chunks), failed]);
  file.end();
  await Promise.race([once(file, 'finish'), failed]);
}

/** Binary data to a file (`-` is `stdout`). */
export async function writeBytesToFile(path: string, bytes: Uint8Array, stdout: NodeJS.WritableStream): Promise<void> {
  if (path === '-') {
    if (!stdout.write(bytes)) await once(stdout, 'drain');
    return;
  }
  await writeFile(path, bytes);
}
