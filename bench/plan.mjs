#!/usr/bin/env node
// Benchmark of the observe and plan stages (issue: plan and apply):
// - a lab site with 2,000 managed VMs and 20 ms of injected latency on every API call: API calls
//   and wall time of a cycle with nothing to do, and of a deep check;
// - the pure plan() for 5,000 VMs, from an empty cluster and with everything in place.
//
//   npm run bench:plan            build dist/ first
//   node bench/plan.mjs --no-build
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from './generate-repo.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({ options: { 'no-build': { type: 'boolean', default: false } } });
if (!opts['no-build']) {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const dist = (p) => import(path.join(ROOT, 'dist', p));
const { validateRepository } = await dist('validate/index.js');
const { startLab, seedFromDesired, LabClock } = await dist('lab/index.js');
const { createProxmoxProvider } = await dist('providers/proxmox/index.js');
const { observeAll } = await dist('observe/observe.js');
const { plan } = await dist('plan/plan.js');
const { applyPlan } = await dist('apply/execute.js');
const { buildVmTarget } = await dist('plan/vm-target.js');

const work = await mkdtemp(path.join(os.tmpdir(), 'marmite-bench-plan-'));
const rows = [];
const row = (what, value, target = '', verdict = '') => rows.push([what, value, target, verdict]);

try {
  // --- 2,000 VMs on one site, through the real provider over HTTP ---------------------------
  const repo2k = path.join(work, 'repo-2k');
  await generate(repo2k, { tenants: 40, nodes: 24, vms: 2000, sites: ['paris'] });
  const { desired: d2k, diagnostics } = await validateRepository(repo2k);
  if (!d2k) throw new Error(`generated repository invalid: ${diagnostics.slice(0, 3).map((x) => x.message).join('; ')}`);
  // The lab's own conformance check of every response is a test feature; off here, so the figures
  // measure marmite and not the simulator.
  const lab = await startLab({ seed: seedFromDesired(d2k), clock: LabClock.scaled(100000), checkResponses: false });
  try {
    const site = lab.sites.paris;
    const provider = createProxmoxProvider({ sites: { paris: { url: site.url, tokenId: lab.tokenId, tokenSecret: lab.tokenSecret } }, taskPollMs: 10 });
    // One planning instant for every cycle: the lab's clock runs fast while 2,000 VMs are made,
    // and VM schedules would otherwise turn a no-op cycle into starts and shutdowns.
    const planAt = lab.clock.nowDate();
    const cycle = async (deep) => {
      const now = planAt;
      const observed = await observeAll(d2k, [provider], { deep, now });
      return plan(d2k, observed, now);
    };
    process.stdout.write('creating 2,000 VMs in the lab (no latency)... ');
    let t = performance.now();
    const cs = await applyPlan(await cycle(false), [provider], { concurrency: 16 });
    console.log(`${((performance.now() - t) / 1000).toFixed(1)} s, ${cs.counts.failed} failed`);
    if (cs.counts.failed > 0) throw new Error(cs.results.find((r) => r.outcome === 'failed')?.error);

    lab.faults.latency('*', /.*/, 20);
    const counted = async (deep) => {
      const before = lab.requests.length;
      t = performance.now();
      const p = await cycle(deep);
      const ms = performance.now() - t;
      return { p, ms, calls: lab.requests.length - before };
    };
    const noop = await counted(false);
    row('no-op cycle: API calls', String(noop.calls), '<= 5', noop.calls <= 5 ? 'ok' : 'OVER');
    row('no-op cycle: wall time (20 ms latency)', `${noop.ms.toFixed(0)} ms`);
    row('no-op cycle: changes planned', String(noop.p.changes.length), '0', noop.p.changes.length === 0 ? 'ok' : 'OVER');
    const deep = await counted(true);
    const n = Object.keys(d2k.vms).length;
    row(`deep check: API calls (N = ${n} VMs)`, `${deep.calls} (5 + ${deep.calls - 5})`, `<= 1 + N = ${1 + n}`, deep.calls <= 1 + n ? 'ok' : `OVER by ${deep.calls - 1 - n}`);
    row('deep check: wall time (20 ms latency)', `${(deep.ms / 1000).toFixed(1)} s`);
  } finally {
    await lab.close();
  }

  // --- the pure plan for 5,000 VMs -------------------------------------------------------------
  const repo5k = path.join(work, 'repo-5k');
  await generate(repo5k);
  const { desired: d5k } = await validateRepository(repo5k);
  const now = new Date('2026-12-03T10:00:00Z');
  const emptyObserved = { formatVersion: 1, observedAt: now.toISOString(), sites: {} };
  for (const s of Object.keys(d5k.sites)) {
    emptyObserved.sites[s] = {
      name: s,
      reachable: true,
      deep: false,
      quorate: true,
      nodes: Object.values(d5k.nodes).filter((x) => x.site === s).map((x) => ({ site: s, name: x.pveNode, status: 'online', maxcpu: x.capacity.cores, maxmemMiB: x.capacity.memoryMiB, cpu: 0.1, memUsedMiB: 0 })),
      guests: [],
    };
  }
  const time = (fn) => {
    fn(); // warm-up
    const runs = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      fn();
      runs.push(performance.now() - t0);
    }
    return runs.sort((a, b) => a - b)[2];
  };
  const fromEmpty = plan(d5k, emptyObserved, now);
  const creates = fromEmpty.changes.filter((c) => c.action === 'create');
  // Everything in place: each create's target becomes an observed managed guest.
  const full = structuredClone(emptyObserved);
  for (const c of creates) {
    const t = c.payload.target;
    full.sites[t.site].guests.push({
      site: t.site, vmid: t.vmid, name: t.name, node: t.node, type: 'qemu', status: t.running ? 'running' : 'stopped', template: false,
      tags: t.tags, pool: t.pool, maxcpu: t.cores, maxmemMiB: t.memoryMiB, maxdiskGiB: t.disks[0]?.sizeGiB ?? 0,
      ...(t.ha ? { hastate: 'started' } : {}), managed: { tenant: t.tenant, vm: t.vm, specHash: t.specHash },
    });
  }
  void buildVmTarget;
  const emptyMs = time(() => plan(d5k, emptyObserved, now));
  const noopMs = time(() => plan(d5k, full, now));
  const noopPlan = plan(d5k, full, now);
  row(`plan of ${Object.keys(d5k.vms).length} VMs, empty cluster (${creates.length} creates)`, `${emptyMs.toFixed(0)} ms`, '< 1000 ms', emptyMs < 1000 ? 'ok' : 'OVER');
  row(`plan of ${Object.keys(d5k.vms).length} VMs, all in place (${noopPlan.changes.filter((c) => c.action !== 'ensure').length} VM changes)`, `${noopMs.toFixed(0)} ms`, '< 1000 ms', noopMs < 1000 ? 'ok' : 'OVER');
} finally {
  await rm(work, { recursive: true, force: true });
}

const widths = [0, 1, 2, 3].map((i) => Math.max(...[['measure', 'value', 'target', ''], ...rows].map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(`\n${line(['measure', 'value', 'target', ''])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(`\n${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), load average ${os.loadavg()[0].toFixed(1)}, ${new Date().toISOString().slice(0, 10)}`);
if (rows.some((r) => r[3] === 'OVER')) process.exitCode = 1;
