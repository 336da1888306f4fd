#!/usr/bin/env node
/**
 * The `replaydb` executable (package.json "bin"): runs the command line (command_line.ts)
 * with the process's arguments and streams, and exits with its code once output is flushed.
 */
import { reportError } from './cli_errors.js';
import { runCommandLine } from './command_line.js';

// A reader that goes away (`replaydb sql … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCommandLine(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = reportError(error, process.stderr);
  },
);
