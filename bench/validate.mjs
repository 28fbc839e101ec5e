#!/usr/bin/env node
// Benchmark of `marmite validate` on a large repository: 100 tenants, 50 nodes, 5,000 VMs that
// validate clean. Runs the built CLI (`node bin/marmite.js validate DIR`) as a child process,
// as a CI job or a volunteer would, and reports wall time and peak RSS against the targets.
//
//   npm run bench:validate               build dist/ first, then 5 runs
//   node bench/validate.mjs --no-build   use the dist/ already there
//   node bench/validate.mjs --runs 10 --keep
//
// Peak RSS comes from the child itself: a tiny module loaded with `node --import` records
// process.resourceUsage().maxRSS when the process exits, so no platform tool is needed.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_SHAPE as SHAPE, generate } from './generate-repo.mjs';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = { wallMs: 1500, rssMB: 250 };

const { values: opts } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});

function build() {
  const tsc = path.join(ROOT, 'node_modules', '.bin', 'tsc');
  const started = performance.now();
  const r = spawnSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    // tsc still emits on type errors; what matters here is the validate path, checked below.
    if (!existsSync(path.join(ROOT, 'dist', 'cli', 'commands', 'validate.js'))) {
      throw new Error(`bench: build failed (tsc exit ${r.status ?? r.signal})`);
    }
    console.warn(`bench: tsc reported type errors (exit ${r.status}); measuring the JavaScript it emitted`);
  }
  return performance.now() - started;
}

// ---------------------------------------------------------------- repository generator

// ---------------------------------------------------------------- measurement

const REPORTER = `import { writeFileSync } from 'node:fs';
process.on('exit', (code) => {
  const u = process.resourceUsage();
  writeFileSync(process.env.MARMITE_BENCH_REPORT, JSON.stringify({ code, maxRssKiB: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime }));
});
`;

async function runOnce(repo, reporter, reportFile) {
  const args = ['--import', pathToFileURL(reporter).href, path.join(ROOT, 'bin', 'marmite.js'), 'validate', repo];
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, MARMITE_BENCH_REPORT: reportFile }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const wallMs = performance.now() - started;
  const report = JSON.parse(await readFile(reportFile, 'utf8'));
  return { code, wallMs, cpuMs: report.cpuUs / 1000, rssMB: (report.maxRssKiB * 1024) / 1e6, stdout, stderr };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

async function main() {
  const runs = Number(opts.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`bench: --runs must be a positive integer, got ${opts.runs}`);
  if (!opts['no-build']) {
    const ms = build();
    console.log(`built dist/ in ${(ms / 1000).toFixed(1)} s`);
  }
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('bench: dist/cli/main.js missing; run npm run build');

  const work = await mkdtemp(path.join(os.tmpdir(), 'marmite-bench-'));
  try {
    const repo = path.join(work, 'repo');
    const reporter = path.join(work, 'reporter.mjs');
    const reportFile = path.join(work, 'report.json');
    await writeFile(reporter, REPORTER);
    const count = await generate(repo);
    console.log(`generated ${count} files: ${SHAPE.tenants} tenants, ${SHAPE.nodes} nodes, ${SHAPE.vms} VMs in ${repo}`);

    // One warm-up run fills the page cache, so each measured run reads the files the same way.
    const warm = await runOnce(repo, reporter, reportFile);
    if (warm.code !== 0) {
      process.stderr.write(warm.stdout.split('\n').slice(0, 30).join('\n') + '\n' + warm.stderr);
      throw new Error(`bench: the generated repository does not validate (exit ${warm.code})`);
    }
    console.log(warm.stdout.trim().split('\n').at(-1));

    const load = os.loadavg()[0];
    if (load > os.cpus().length) console.warn(`bench: load average ${load.toFixed(1)} on ${os.cpus().length} CPUs; other work will inflate wall time`);
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await runOnce(repo, reporter, reportFile));
    const wall = results.map((r) => r.wallMs);
    const rss = results.map((r) => r.rssMB);
    const cpu = results.map((r) => r.cpuMs);
    const row = (label, value, target, ok) => `| ${label.padEnd(22)} | ${value.padStart(10)} | ${target.padStart(10)} | ${ok ? 'ok  ' : 'OVER'} |`;
    console.log('');
    console.log(`| ${'validate'.padEnd(22)} | ${'measured'.padStart(10)} | ${'target'.padStart(10)} |      |`);
    console.log(`|${'-'.repeat(24)}|${'-'.repeat(12)}|${'-'.repeat(12)}|------|`);
    console.log(row('wall time, median', `${Math.round(median(wall))} ms`, `< ${TARGET.wallMs} ms`, median(wall) < TARGET.wallMs));
    console.log(row('wall time, max', `${Math.round(Math.max(...wall))} ms`, `< ${TARGET.wallMs} ms`, Math.max(...wall) < TARGET.wallMs));
    console.log(`| ${'CPU time, median'.padEnd(22)} | ${`${Math.round(median(cpu))} ms`.padStart(10)} | ${''.padStart(10)} |      |`);
    console.log(row('peak RSS, max', `${Math.round(Math.max(...rss))} MB`, `< ${TARGET.rssMB} MB`, Math.max(...rss) < TARGET.rssMB));
    console.log('');
    console.log(`${runs} runs after one warm-up; load average ${os.loadavg()[0].toFixed(1)}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`);
    const over = median(wall) >= TARGET.wallMs || Math.max(...rss) >= TARGET.rssMB;
    process.exitCode = over ? 1 : 0;
    if (opts.keep) console.log(`kept ${repo}`);
  } finally {
    if (!opts.keep) await rm(work, { recursive: true, force: true });
  }
}

await main();
