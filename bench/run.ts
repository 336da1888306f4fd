/**
 * Benchmark entry point: `npm run bench -- [--quick] [--size N] [--only a,b] [--repetitions N]`
 * (or `node --expose-gc dist-test/bench/run.js …` after `npx tsc -p tsconfig.test.json`).
 *
 *   --quick          smaller data and 3 repetitions, fewer for the slowest cases (2 for those
 *                    bound by JSONL, 1 for the HNSW builds): a whole run in about 2–2.5 minutes
 *                    on the 2-core build machine
 *   --size N         multiply every workload's row counts by N (e.g. 0.1, 2)
 *   --only a,b       keep only these workloads / cases (ingest, ingest/multi-row, open,
 *                    curation, curation/seed_curation, …) and these systems (replaydb,
 *                    better-sqlite3, better-sqlite3/txn, duckdb, jsonl, …)
 *   --repetitions N  timed repetitions per system (default 5, 3 with --quick)
 *   --publish        also write docs/bench/latest.svg and README's Benchmarks section (bench/publish.ts)
 *   --micro          run the micro-benchmarks of native kernels instead (bench/micro/run.ts)
 *
 * Prints an aligned table and writes bench/results/latest.json and latest.svg (the ratio chart).
 */
import { ratioChartSvg, writeChart } from './chart.js';
import { proseCorpus } from './data.js';
import {
  formatTable,
  machineFacts,
  median,
  memcpyBandwidth,
  removeTemporaryRoot,
  runCase,
  writeReport,
  type Report,
  type RunOptions,
  type Skip,
  type SystemResult,
  type Workload,
} from './harness.js';
import { branchesWorkload } from './workloads/branches.js';
import { curationWorkload } from './workloads/curation.js';
import { ingestWorkload } from './workloads/ingest.js';
import { loaderWorkload } from './workloads/loader.js';
import { openWorkload } from './workloads/open.js';
import { vectorWorkload } from './workloads/vector.js';
import { describeMachine, describeRun, publishResults } from './publish.js';

const WORKLOADS: Workload[] = [ingestWorkload, openWorkload, curationWorkload, branchesWorkload, loaderWorkload, vectorWorkload];

function usage(message?: string): never {
  if (message) console.error(`bench: ${message}`);
  console.error('usage: node --expose-gc dist-test/bench/run.js [--quick] [--size N] [--only name,…] [--repetitions N] [--publish] | --micro [--quick]');
  const cases = WORKLOADS.flatMap((workload) => [workload.name, ...workload.caseNames.map((name) => `${workload.name}/${name}`)]);
  const systems = [...new Set(WORKLOADS.flatMap((workload) => workload.systemNames))];
  console.error(`  workloads/cases: ${cases.join(', ')}`);
  console.error(`  systems: ${systems.join(', ')}`);
  process.exit(message ? 2 : 0);
}

function parseArguments(argv: string[]): RunOptions {
  let quick = false;
  let publish = false;
  let scale = 1;
  let repetitions: number | undefined;
  const only: RunOptions['only'] = { cases: [], systems: [] };
  const caseNames = new Set(WORKLOADS.flatMap((workload) => [workload.name, ...workload.caseNames, ...workload.caseNames.map((name) => `${workload.name}/${name}`)]));
  const systemNames = new Set(WORKLOADS.flatMap((workload) => workload.systemNames));
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const [flag, inline] = argument.includes('=') ? argument.split(/=(.*)/s, 2) : [argument, undefined];
    const value = (): string => {
      const next = inline ?? argv[++index];
      if (next === undefined) usage(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--size': {
        scale = Number(value());
        if (!Number.isFinite(scale) || scale <= 0) usage('--size takes a positive number (a multiplier of the row counts)');
        break;
      }
      case '--repetitions': {
        repetitions = Number(value());
        if (!Number.isInteger(repetitions) || repetitions < 1) usage('--repetitions takes a positive integer');
        break;
      }
      case '--only':
        for (const name of value().split(',').map((token) => token.trim()).filter(Boolean)) {
          if (caseNames.has(name)) only.cases.push(name);
          else if (systemNames.has(name)) only.systems.push(name);
          else usage(`--only: unknown workload, case or system "${name}"`);
        }
        break;
      case '--publish':
        publish = true;
        break;
      case '--help':
      case '-h':
        usage();
      default:
        usage(`unknown argument ${argument}`);
    }
  }
  return { quick, scale, repetitions: repetitions ?? (quick ? 3 : 5), only, publish };
}

async function main(): Promise<void> {
  if (process.argv.includes('--micro')) {
    const { runMicro } = await import('./micro/run.js');
    await runMicro(process.argv.slice(2).filter((argument) => argument !== '--micro'));
    return;
  }
  const started = new Date();
  const options = parseArguments(process.argv.slice(2));
  process.on('exit', removeTemporaryRoot);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      removeTemporaryRoot();
      process.exit(130);
    });
  }
  const hasGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  if (!hasGc) console.log('note: run with node --expose-gc so that garbage is collected between repetitions');

  const machine = machineFacts();
  const memcpy = memcpyBandwidth();
  const corpus = proseCorpus();
  console.log(
    `machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; memcpy ${memcpy.gibPerSecond} GiB/s (Buffer.copy of ${memcpy.mebibytes} MiB)`,
  );
  console.log(`replaydb ${machine.replaydbCommit ?? '?'}${machine.replaydbTreeDirty ? ' (src/native modified)' : ''}; ${options.quick ? 'quick' : 'full'} run, scale ${options.scale}, ${options.repetitions} repetitions after a warm-up`);
  console.log(`prose corpus: ${corpus.source}, ${corpus.files} files, ${corpus.paragraphs.length} paragraphs, ${(corpus.bytes / 2 ** 20).toFixed(1)} MiB, fingerprint ${corpus.fingerprint}\n`);

  const skipped: Skip[] = [];
  const results: SystemResult[] = [];
  const caseReports: Report['cases'] = [];
  for (const workload of WORKLOADS) {
    const prepareStart = performance.now();
    const cases = await workload.cases(options, skipped);
    if (cases.length > 0) console.log(`${workload.name}: prepared ${cases.length} case(s) in ${((performance.now() - prepareStart) / 1000).toFixed(1)} s`);
    for (const testCase of cases) {
      const caseStart = performance.now();
      console.log(`  ${testCase.name}: ${testCase.systems.map((system) => system.name).join(' vs ') || 'no systems'} …`);
      if (testCase.systems.length === 0) continue;
      const caseResults = await runCase(testCase, options, skipped, (line) => console.log(line));
      results.push(...caseResults);
      const seconds = (performance.now() - caseStart) / 1000;
      caseReports.push({
        name: testCase.name,
        unit: testCase.unit,
        units: testCase.units,
        description: testCase.description,
        systems: testCase.systems.map((system) => ({ name: system.name, settings: system.settings })),
        notes: testCase.notes,
        seconds: Math.round(seconds * 10) / 10,
      });
      console.log(`    done in ${seconds.toFixed(1)} s`);
    }
  }

  console.log(`\n${formatTable(results)}\n`);
  console.log('ratio = peer median time / replaydb median time (> 1: replaydb faster). Settings:');
  for (const report of caseReports) {
    console.log(`  ${report.name}: ${report.description}`);
    for (const system of report.systems) {
      const result = results.find((candidate) => candidate.case === report.name && candidate.system === system.name);
      const phases = result?.phases
        ? ` [median s: ${Object.entries(result.phases)
            .map(([phase, values]) => `${phase} ${median(values).toFixed(3)}`)
            .join(', ')}]`
        : '';
      if (system.settings || phases) console.log(`    ${system.name}: ${system.settings ?? ''}${phases}`);
    }
    if (report.notes && Object.keys(report.notes).length > 0) console.log(`    notes: ${JSON.stringify(report.notes)}`);
  }
  for (const skip of skipped) console.log(`skipped ${skip.system}${skip.case ? ` in ${skip.case}` : ''}: ${skip.reason}`);

  const finished = new Date();
  const report: Report = {
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    wallSeconds: Math.round((finished.getTime() - started.getTime()) / 100) / 10,
    argv: process.argv.slice(2),
    options,
    machine,
    memcpy,
    cases: caseReports,
    results,
    skipped,
    data: { corpus: { source: corpus.source, files: corpus.files, paragraphs: corpus.paragraphs.length, bytes: corpus.bytes, fingerprint: corpus.fingerprint }, garbageCollectedBetweenRuns: hasGc },
  };
  const path = writeReport(report);
  const svg = ratioChartSvg(results, `${describeRun(report)} · ${describeMachine(report)}`);
  const chartPath = writeChart(svg);
  console.log(`\nwrote ${path} and ${chartPath} (${((finished.getTime() - started.getTime()) / 1000).toFixed(1)} s in all)`);
  if (options.publish) console.log(`published ${publishResults(report, svg).join(' and ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  removeTemporaryRoot();
  process.exit(1);
});
