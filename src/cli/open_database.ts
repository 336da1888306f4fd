/**
 * Opening a database for a command. Commands that read (sql, shell, export, branches) open
 * an existing database only (`create: false`): a mistyped path is an error, not a new empty
 * database. BIGINT values come back as bigint so that no value is ever refused for being
 * beyond 2^53; the formatters print them exactly.
 */
import { existsSync, statSync } from 'node:fs';
import { open, type Database } from '../database.js';
import { CliError } from './cli_errors.js';

export interface OpenForCommandOptions {
  /** Create the database when missing (import, or --create). */
  create?: boolean;
  branch?: string;
}

export async function openForCommand(path: string, options: OpenForCommandOptions = {}): Promise<Database> {
  if (!options.create) {
    if (!existsSync(path)) {
      throw new CliError(`database "${path}" does not exist`, 'check the path; "replaydb import" or --create makes a new database');
    }
    if (!statSync(path).isDirectory()) throw new CliError(`"${path}" is not a database (a database is a directory)`);
  }
  return await open(path, { create: options.create ?? false, bigint: true, branch: options.branch });
}
