/** Running the built `replaydb` command (dist/cli/main.js) in a child process, as a user would. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The package root: dist-test/test/cli → three folders up. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = `${ROOT}dist/cli/main.js`;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { input?: string; env?: Record<string, string>; cwd?: string } = {}): CliRun {
  const run = spawnSync(process.execPath, [CLI, ...args], {
    input: options.input ?? '',
    env: { ...process.env, ...options.env },
    cwd: options.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (run.error) throw run.error;
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A chat-format line (one run). */
export function chatLine(id: string, steps: number, extra: Record<string, unknown> = {}): string {
  const messages: Record<string, unknown>[] = [];
  for (let step = 0; step < steps; step++) {
    if (step % 3 === 1) messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call-${step}`, type: 'function', function: { name: 'run_tests', arguments: '{}' } }] });
    else if (step % 3 === 2) messages.push({ role: 'tool', tool_call_id: `call-${step - 1}`, content: step % 2 === 0 ? '{"passed": 3}' : 'plain text output' });
    else messages.push({ role: step === 0 ? 'user' : 'assistant', content: `step ${step} of ${id}` });
  }
  return JSON.stringify({ id, messages, success: true, reward: 0.5, task_type: 'coding', model: 'model-a', ...extra });
}

/** The command line run inside this process (for the many small usage checks; no process start-up). */
export async function runInProcess(args: string[], input = ''): Promise<CliRun> {
  const { runCommandLine } = await import('../../src/cli/command_line.js');
  const { PassThrough, Readable } = await import('node:stream');
  const collect = (stream: InstanceType<typeof PassThrough>) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    return () => text;
  };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const code = await runCommandLine(args, { stdin: Readable.from([input]), stdout, stderr });
  return { code, stdout: out(), stderr: err() };
}
