#!/usr/bin/env node
// Benchmark of `marmite agent` on the realistic example (3 sites, 6 tenants, dozens of VMs): the
// agent runs as a child process (`node bin/marmite.js agent --config F`), the lab and a real
// `git http-backend` forge run in this process. It reports
//   - the agent's RSS and CPU while idle between cycles (targets: < 120 MB, < 1 % of one core),
//   - the time from a push to the applied change when the forge calls the webhook (target: 5 s
//     plus the lab's task time).
//
//   npm run bench:agent                 build dist/ first
//   node bench/agent.mjs --no-build     use the dist/ already there
//   node bench/agent.mjs --idle 30 --pushes 3
//
// RSS and CPU are read from /proc/<pid> (Linux), so they are the agent's alone.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { chmod, cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = { rssMB: 120, cpuPercent: 1, pushSeconds: 5 };
const CLK_TCK = 100; // USER_HZ on Linux

const { values: opts } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    // One poll interval (1m) and a little more, so the window holds one no-op poll cycle.
    idle: { type: 'string', default: '65' },
    pushes: { type: 'string', default: '3' },
    speed: { type: 'string', default: '600' },
    // e.g. --node-options=--max-semi-space-size=2, as the systemd unit may set for the agent
    'node-options': { type: 'string' },
  },
});

function tsc(args) {
  return spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), args, { cwd: ROOT, stdio: 'inherit' });
}

/** dist/ for the agent and the lab, and the test forge compiled on its own into a scratch dir. */
function build(scratch) {
  if (!opts['no-build']) tsc(['-p', 'tsconfig.build.json']);
  if (!existsSync(path.join(ROOT, 'dist', 'cli', 'commands', 'agent.js'))) throw new Error('dist/ has no agent: run npm run build');
  tsc(['--ignoreConfig', '--outDir', scratch, '--rootDir', path.join(ROOT, 'test', 'support'), '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2023', '--types', 'node', '--skipLibCheck', path.join(ROOT, 'test', 'support', 'git-server.ts')]);
  // The scratch dir is outside the package: tell Node the emitted file is an ES module.
  writeFileSync(path.join(scratch, 'package.json'), '{"type":"module"}\n');
  return import(pathToFileURL(path.join(scratch, 'git-server.js')).href);
}

function procSample(pid) {
  const status = require_('/proc/' + pid + '/status');
  const stat = require_('/proc/' + pid + '/stat');
  const rssKB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  // Fields after the command name (which may hold spaces): utime is 14th, stime 15th overall.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return { rssMB: rssKB / 1024, cpuSeconds: ticks / CLK_TCK, at: performance.now() };
}

function require_(file) {
  return spawnSync('cat', [file], { encoding: 'utf8' }).stdout;
}

async function waitFor(what, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'marmite-bench-agent-'));
  let lab;
  let forgeServer;
  let child;
  try {
    const forge = await build(path.join(dir, 'forge-js'));
    const { startLab, LabClock, seedFromDesired } = await import(pathToFileURL(path.join(ROOT, 'dist', 'lab', 'index.js')).href);
    const { validateRepository } = await import(pathToFileURL(path.join(ROOT, 'dist', 'validate', 'index.js')).href);

    const tree = path.join(dir, 'tree');
    await cp(path.join(ROOT, 'examples', 'realistic'), tree, { recursive: true });
    const { desired } = await validateRepository(tree);
    if (!desired) throw new Error('examples/realistic does not validate');
    const token = 'bench-git-token-5e1d';
    const hookSecret = 'bench-hook-secret-77a0';
    forgeServer = await forge.startGitServer({ root: path.join(dir, 'repos'), users: { marmite: token } });
    const bare = await forge.createBareRepo(path.join(dir, 'repos'), 'infra.git');
    await forge.pushDirectory(bare, 'main', tree, 'infra: import');
    lab = await startLab({ seed: seedFromDesired(desired), basePort: 0, clock: LabClock.scaled(Number(opts.speed)) });

    for (const [name, value] of [['pve-token', lab.tokenSecret], ['git-token', token], ['hook', hookSecret]]) {
      await writeFile(path.join(dir, name), value, { mode: 0o600 });
      await chmod(path.join(dir, name), 0o600);
    }
    const config = {
      sites: Object.fromEntries(Object.entries(lab.sites).map(([s, v]) => [s, { proxmox: { url: v.url, tokenId: lab.tokenId, tokenSecret: { file: 'pve-token' } } }])),
      agent: {
        repository: { url: `${forgeServer.url}/infra.git`, branch: 'main', username: 'marmite', token: { file: 'git-token' } },
        pollInterval: '1m',
        autoApply: true,
        listen: '127.0.0.1:0',
        webhookSecret: { file: 'hook' },
        stateDir: 'state',
      },
    };
    await writeFile(path.join(dir, 'agent.yaml'), JSON.stringify(config, null, 2));

    let out = '';
    child = spawn(process.execPath, [path.join(ROOT, 'bin', 'marmite.js'), 'agent', '--config', path.join(dir, 'agent.yaml')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...(opts['node-options'] ? { NODE_OPTIONS: opts['node-options'] } : {}) },
    });
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const lines = () => out.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return { raw: l }; } });
    const finished = () => lines().filter((l) => l.msg === 'cycle finished' || l.msg === 'cycle failed');

    const t0 = performance.now();
    const url = (await waitFor('the agent listening', () => lines().find((l) => l.msg === 'agent listening'))).url;
    const first = await waitFor('the first cycle', () => finished()[0], 300_000);
    const firstSeconds = (performance.now() - t0) / 1000;
    console.log(`first cycle: ${first.outcome}, ${first.changes} changes applied in ${firstSeconds.toFixed(1)} s (agent start included); after it: RSS ${first.rssMiB} MiB, heap used ${first.heapUsedMiB} MiB, external ${first.externalMiB} MiB`);
    if (first.outcome !== 'success') throw new Error(`first cycle: ${JSON.stringify(first)}`);

    // Idle: let the first cycle's garbage settle, then sample the window between two polls.
    await sleep(2000);
    const idleSeconds = Number(opts.idle);
    const a = procSample(child.pid);
    let peakRss = a.rssMB;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, procSample(child.pid).rssMB)), 500);
    await sleep(idleSeconds * 1000);
    clearInterval(sampler);
    const b = procSample(child.pid);
    const cpuPercent = ((b.cpuSeconds - a.cpuSeconds) / ((b.at - a.at) / 1000)) * 100;
    const cyclesDuringIdle = finished().length - 1;

    // Push -> applied, through the webhook.
    const pushes = [];
    for (let i = 0; i < Number(opts.pushes); i++) {
      const vmid = 1090 + i;
      await writeFile(
        path.join(tree, 'tenants', 'banque-alimentaire', 'vms', `bench-${i}.yaml`),
        `vmid: ${vmid}\ndescription: benchmark VM ${i}\nflavor: small\ntemplate: debian-12\ndisks:\n  - size: 10GiB\n    storage: ba-rbd\nnics:\n  - network: lan\n`,
      );
      const { desired: next, diagnostics } = await validateRepository(tree);
      if (!next) throw new Error(`bench VM ${i} does not validate: ${diagnostics.map((d) => `${d.file}:${d.line}: ${d.message}`).join('; ')}`);
      const before = finished().length;
      const started = performance.now();
      const commit = await forge.pushDirectory(bare, 'main', tree, `bench: VM ${i}`);
      const res = await fetch(`${url}/webhook`, { method: 'POST', headers: { 'X-Gitlab-Token': hookSecret, 'X-Gitlab-Event': 'Push Hook' }, body: JSON.stringify({ ref: 'refs/heads/main', after: commit }) });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      const done = await waitFor('the pushed change applied', () => finished().slice(before).find((l) => l.applied === commit));
      const seconds = (performance.now() - started) / 1000;
      const site = Object.values(lab.sites).find((s) => s.cluster.guests.has(vmid));
      pushes.push({ seconds, outcome: done.outcome, cycleSeconds: done.seconds, inLab: Boolean(site) });
      await sleep(500);
    }

    console.log('');
    console.log('| figure | value | target |');
    console.log('|---|---|---|');
    console.log(`| idle RSS (start / end / peak over ${idleSeconds} s) | ${a.rssMB.toFixed(0)} / ${b.rssMB.toFixed(0)} / ${peakRss.toFixed(0)} MB | < ${TARGET.rssMB} MB |`);
    console.log(`| idle CPU (${cyclesDuringIdle} poll cycle(s) in the window) | ${cpuPercent.toFixed(2)} % of one core | < ${TARGET.cpuPercent} % |`);
    for (const [i, p] of pushes.entries()) {
      console.log(`| push -> applied, webhook, run ${i + 1} | ${p.seconds.toFixed(2)} s (cycle ${p.cycleSeconds} s, ${p.outcome}${p.inLab ? '' : ', VM NOT in the lab'}) | < ${TARGET.pushSeconds} s + lab task time |`);
    }
    console.log(`\nNode ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, lab speed ${opts.speed}x`);
  } finally {
    child?.kill('SIGTERM');
    if (child) await new Promise((r) => child.once('exit', r));
    await lab?.close();
    lab?.clock.stop();
    await forgeServer?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
