#!/usr/bin/env node
// A week of examples/realistic in the lab on a manual virtual clock (issue 5, "Done when"): every
// 15 simulated minutes observe -> plan (VM plan + power planner) -> apply, through the real
// providers over HTTP; energy integrated per node from the lab's power model; compared with the
// same fleet always on and with a lower bound; safety rules checked throughout.
//
// The lab has no BMCs: every node (ipmi, wol or none in Git) is powered through Proxmox for the
// simulation, off by the node shutdown endpoint and on by the wakeonlan endpoint, i.e. IPMI is
// replaced by the lab's node power. Real IPMI is covered by the ipmi_sim integration tests.
//
//   npm run bench:energy          build dist/ first
//   node bench/energy.mjs --no-build [--days 7] [--step 15] [--no-write]
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opts } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    days: { type: 'string', default: '7' },
    step: { type: 'string', default: '15' },
    verbose: { type: 'boolean', default: false },
    // Another repository (a what-if); the figures are then not written to docs/ unless asked.
    repo: { type: 'string', default: 'examples/realistic' },
  },
});
if (!opts['no-build']) {
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const dist = (p) => import(path.join(ROOT, 'dist', p));
const { validateRepository } = await dist('validate/index.js');
const { startLab, seedFromDesired, LabClock } = await dist('lab/index.js');
const { createProxmoxProvider } = await dist('providers/proxmox/index.js');
const { createCephProvider } = await dist('providers/ceph/index.js');
const { createBmcProvider } = await dist('providers/bmc/index.js');
const { createProxmoxPowerApi } = await dist('providers/proxmox/power-api.js');
const { observeAll } = await dist('observe/observe.js');
const { plan, mustRun } = await dist('plan/plan.js');
const { applyPlan } = await dist('apply/execute.js');
const { isOpen } = await dist('power/windows.js');

const DAYS = Number(opts.days);
const STEP_S = Number(opts.step) * 60;
const TICK_S = 60; // energy is integrated at least every simulated minute
const PUMP_S = 1; // simulated seconds per real millisecond while apply runs (tasks, boots, shutdowns)
const HOUR = 3600;
// Monday 00:00 in Paris; the simulation warms up from Sunday noon (VMs created, nodes settled).
const WEEK_START = Date.parse('2026-01-04T23:00:00Z') / 1000;
const WARMUP_START = WEEK_START - 11 * HOUR;
const WEEK_END = WEEK_START + DAYS * 24 * HOUR;

const { desired, diagnostics } = await validateRepository(path.resolve(ROOT, opts.repo));
if (!desired) throw new Error(`${opts.repo} invalid: ${diagnostics.slice(0, 3).map((d) => d.message).join('; ')}`);
const nodes = Object.values(desired.nodes).sort((a, b) => a.name.localeCompare(b.name));
const sitesOf = Object.keys(desired.sites).sort();

const clock = LabClock.manual(new Date(WARMUP_START * 1000));
const lab = await startLab({ seed: seedFromDesired(desired), clock, checkResponses: false, recordLimit: 1000 });

// ---- providers: Proxmox, Ceph, and the BMC provider powering every node through Proxmox --------
const proxmoxSites = {};
const cephSites = {};
const powerApis = {};
for (const [name, site] of Object.entries(lab.sites)) {
  proxmoxSites[name] = { url: site.url, tokenId: lab.tokenId, tokenSecret: lab.tokenSecret };
  powerApis[name] = createProxmoxPowerApi(proxmoxSites[name], { site: name });
  const user = site.ceph ? Object.keys(site.ceph.users).sort()[0] : undefined;
  if (site.ceph && user) cephSites[name] = { url: site.ceph.url, username: user, password: site.ceph.users[user] };
}
// The simulation's stand-in for IPMI: the same nodes with a wol driver (no broadcast), so power on
// goes through Proxmox's wakeonlan endpoint and power state is read from Proxmox.
const simDesired = { ...desired, nodes: Object.fromEntries(nodes.map((n) => [n.name, { ...n, bmc: { driver: 'wol' } }])) };
const bmc = createBmcProvider({ credentials: {}, proxmox: (site) => powerApis[site], pollMs: 5 });
// What an IPMI or Redfish BMC would report: chassis power (on while booting) and the watts drawn.
// Nodes without a BMC that reads power (wol, none) keep 'unknown', as in production.
async function observeBmc(_desired, o) {
  const out = await bmc.observe(simDesired, o);
  for (const site of Object.values(out)) {
    for (const p of site.power ?? []) {
      const n = desired.nodes[p.node];
      if (!n || (n.bmc.driver !== 'ipmi' && n.bmc.driver !== 'redfish')) continue;
      const sim = simNode(n);
      p.bmc = sim.status === 'online' || sim.transition === 'booting' ? 'on' : 'off';
      p.watts = Math.round(wattsOf(n));
      if (p.disagreement) delete p.disagreement;
    }
  }
  return out;
}
/** The chassis power the simulated BMC reads, which apply compares with the plan's fingerprint. */
async function fingerprintBmc(change) {
  const n = desired.nodes[change.payload?.node];
  if (!n || (n.bmc.driver !== 'ipmi' && n.bmc.driver !== 'redfish')) return bmc.fingerprint(change);
  const sim = simNode(n);
  return sim.status === 'online' || sim.transition === 'booting' ? 'on' : 'off';
}
const bmcSim = { ...bmc, observe: observeBmc, fingerprint: fingerprintBmc };
const providers = [createProxmoxProvider({ sites: proxmoxSites, taskPollMs: 2 }), bmcSim];
if (Object.keys(cephSites).length > 0) providers.push(createCephProvider({ sites: cephSites, taskPollMs: 20 }));

// ---- the meter: energy per node, power state changes, rules checked at every tick -------------
const clusterOf = (n) => lab.sites[n.site].cluster;
const simNode = (n) => clusterOf(n).nodes.get(n.pveNode);
const wattsOf = (n) => clusterOf(n).powerWatts(n.pveNode);
// Draw of the node if it had stayed on with what it runs now (always-on baseline while it is off).
const idleOnWatts = (n) => n.power.idleWatts + (n.power.maxWatts - n.power.idleWatts) * Math.min(1, 0.01 / n.capacity.cores);

const meter = {
  /** Whether the tick being integrated falls in the week. */
  measuring: false,
  whSim: Object.fromEntries(nodes.map((n) => [n.name, 0])),
  whAlways: Object.fromEntries(nodes.map((n) => [n.name, 0])),
  /** Per hour of the week: sim Wh, always-on Wh, and the dynamic (load) part of sim Wh. */
  hourly: [],
  /** Per tick for the chart: [t, sim W, always-on W]. */
  series: [],
  since: {},
  lastStatus: Object.fromEntries(nodes.map((n) => [n.name, simNode(n).status])),
  violations: { quorum: new Set(), pg: new Set(), mustRun: new Set() },
  transitions: { on: 0, off: 0 },
};

function hourSlot(t) {
  const h = Math.floor((t - WEEK_START) / HOUR);
  return (meter.hourly[h] ??= { sim: 0, always: 0, load: 0, policy: 0 });
}

const inWeek = (t) => t >= WEEK_START && t < WEEK_END;

function checkRules(t) {
  if (!inWeek(t)) return;
  const step = Math.floor((t - WEEK_START) / STEP_S);
  for (const site of sitesOf) {
    const cluster = lab.sites[site].cluster;
    if (!cluster.quorate()) meter.violations.quorum.add(`${site}@${step}`);
    const osdHosts = nodes.filter((n) => n.site === site && n.roles.includes('ceph-osd'));
    const down = osdHosts.filter((n) => simNode(n).status !== 'online').length;
    for (const pool of Object.values(desired.pools).filter((p) => p.site === site)) {
      if (down > pool.size - pool.minSize) meter.violations.pg.add(`${site}/${pool.name}@${step}`);
    }
  }
}

/** Integrates every node's draw over `dt` simulated seconds, then moves the clock. */
function tick(dt) {
  const t = clock.now();
  // Exactly the week: a pump tick may cross its start or end while apply runs.
  meter.measuring = inWeek(t);
  if (meter.measuring) {
    const slot = hourSlot(t);
    let sim = 0;
    let always = 0;
    for (const n of nodes) {
      const w = wattsOf(n);
      const a = w > 0 ? w : idleOnWatts(n);
      meter.whSim[n.name] += (w * dt) / HOUR;
      meter.whAlways[n.name] += (a * dt) / HOUR;
      sim += w;
      always += a;
      if (w > 0) slot.load += ((w - n.power.idleWatts) * dt) / HOUR;
    }
    slot.sim += (sim * dt) / HOUR;
    slot.always += (always * dt) / HOUR;
    meter.series.push([t, sim, always]);
  }
  clock.advance(dt);
  const now = clock.now();
  for (const n of nodes) {
    const status = simNode(n).status;
    if (status !== meter.lastStatus[n.name]) {
      meter.since[n.name] = new Date(now * 1000).toISOString();
      if (meter.measuring) meter.transitions[status === 'online' ? 'on' : 'off']++;
      meter.lastStatus[n.name] = status;
    }
  }
  checkRules(now);
}

/** Runs `fn` while simulated time flows (PUMP_S per real ms), so tasks, boots and shutdowns end. */
async function withPump(fn) {
  const timer = setInterval(() => tick(PUMP_S), 1);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

function advanceTo(target) {
  while (clock.now() < target - 1e-6) tick(Math.min(TICK_S, target - clock.now()));
}

// ---- one cycle ------------------------------------------------------------------------------
const stats = { cycles: 0, powerPlans: 0, changes: {}, failed: 0, failures: new Map(), blocked: new Map(), planMs: 0, applyMs: 0 };

async function cycle() {
  const now = clock.nowDate();
  const observed = await observeAll(desired, providers, { deep: false, now });
  // The agent carries when each node last changed power state (minimum on/off times).
  for (const s of Object.values(observed.sites)) for (const p of s.power ?? []) if (meter.since[p.node]) p.since = meter.since[p.node];
  let t0 = performance.now();
  // The agent plans every poll interval; power-ons look that far ahead.
  const p = plan(desired, observed, now, { cycleSeconds: STEP_S });
  stats.planMs += performance.now() - t0;
  stats.cycles++;
  if (p.power) stats.powerPlans++;
  for (const b of p.power?.blocked ?? []) stats.blocked.set(b.rule, (stats.blocked.get(b.rule) ?? 0) + 1);
  const todo = p.changes.filter((c) => c.action !== 'ensure');
  for (const c of todo) stats.changes[c.action] = (stats.changes[c.action] ?? 0) + 1;
  if (todo.length === 0) return;
  t0 = performance.now();
  const cs = await withPump(() => applyPlan(p, providers, { concurrency: 4 }));
  stats.applyMs += performance.now() - t0;
  for (const r of cs.results) {
    if (r.outcome !== 'failed') continue;
    stats.failed++;
    const key = `${r.change?.action ?? '?'}: ${String(r.error ?? '').slice(0, 140)}`;
    stats.failures.set(key, (stats.failures.get(key) ?? 0) + 1);
    if (opts.verbose) console.log(`  ${new Date(clock.now() * 1000).toISOString()} failed ${key}`);
  }
}

function checkMustRun() {
  if (!inWeek(clock.now())) return;
  const now = clock.nowDate();
  const step = Math.floor((clock.now() - WEEK_START) / STEP_S);
  for (const vm of Object.values(desired.vms)) {
    if (!mustRun(vm, now, desired)) continue;
    const cluster = lab.sites[vm.site].cluster;
    const g = cluster.guests.get(vm.vmid);
    if (!g || cluster.guestStatus(g) !== 'running') meter.violations.mustRun.add(`${vm.id}@${step}`);
  }
}

// ---- run ------------------------------------------------------------------------------------
const wall = performance.now();
try {
  let next = WARMUP_START;
  while (next < WEEK_END) {
    await cycle();
    // A must-run VM is checked once its step's apply is done: the plan had its chance.
    checkMustRun();
    next = WARMUP_START + (Math.floor((clock.now() - WARMUP_START) / STEP_S) + 1) * STEP_S;
    // The week starts exactly on a step boundary so the measurement covers it whole.
    if (clock.now() < WEEK_START && next > WEEK_START) next = WEEK_START;
    advanceTo(Math.min(next, WEEK_END));
    if (opts.verbose && stats.cycles % 96 === 0) console.log(`${new Date(clock.now() * 1000).toISOString()} cycles ${stats.cycles}`);
  }
} finally {
  for (const api of Object.values(powerApis)) await api.close();
  await lab.close();
}
const wallS = (performance.now() - wall) / 1000;

// ---- the lower bound ------------------------------------------------------------------------
// Per hour and site: the nodes policy keeps on (always-on, Ceph OSD hosts, windows nodes while a
// window is open), then the most efficient other nodes (idle watts per usable GiB) until usable
// memory holds that hour's must-run VMs; their idle draw plus the VMs' load as measured.
function policyOn(n, at) {
  if (n.power.policy === 'always-on' || n.roles.includes('ceph-osd')) return true;
  if (n.power.policy !== 'windows') return false;
  return n.power.windows.some((w) => desired.windows[w] && isOpen(desired.windows[w], at));
}

function boundNodes(site, at, withWindows) {
  const siteNodes = nodes.filter((n) => n.site === site);
  const need = Object.values(desired.vms)
    .filter((v) => v.site === site && mustRun(v, at, desired))
    .reduce((s, v) => s + v.memoryMiB, 0);
  const on = siteNodes.filter((n) => (withWindows ? policyOn(n, at) : n.power.policy === 'always-on' || n.roles.includes('ceph-osd')));
  let have = on.reduce((s, n) => s + n.usable.memoryMiB, 0);
  const rest = siteNodes
    .filter((n) => !on.includes(n))
    .sort((a, b) => a.power.idleWatts / a.usable.memoryMiB - b.power.idleWatts / b.usable.memoryMiB);
  for (const n of rest) {
    if (have >= need) break;
    on.push(n);
    have += n.usable.memoryMiB;
  }
  return on;
}

const hours = DAYS * 24;
const bound = { wh: 0, whNoWindows: 0, bySite: Object.fromEntries(sitesOf.map((s) => [s, 0])), hourly: [] };
for (let h = 0; h < hours; h++) {
  const at = new Date((WEEK_START + h * HOUR + HOUR / 2) * 1000);
  const load = meter.hourly[h]?.load ?? 0;
  let idle = 0;
  let idleNoWindows = 0;
  for (const site of sitesOf) {
    const siteIdle = boundNodes(site, at, true).reduce((s, n) => s + n.power.idleWatts, 0);
    bound.bySite[site] += siteIdle;
    idle += siteIdle;
    idleNoWindows += boundNodes(site, at, false).reduce((s, n) => s + n.power.idleWatts, 0);
  }
  bound.hourly.push(idle + load);
  bound.wh += idle + load;
  bound.whNoWindows += idleNoWindows + load;
}

// ---- figures --------------------------------------------------------------------------------
const kwh = (wh) => wh / 1000;
const siteCost = (whByNode) => {
  let eur = 0;
  for (const n of nodes) {
    const e = desired.sites[n.site].electricity;
    eur += kwh(whByNode[n.name]) * e.pricePerKWh * e.pue;
  }
  return eur;
};
const sum = (o) => Object.values(o).reduce((s, x) => s + x, 0);
const simWh = sum(meter.whSim);
const alwaysWh = sum(meter.whAlways);
const simEur = siteCost(meter.whSim);
const alwaysEur = siteCost(meter.whAlways);
// The bound's cost: its idle part at each site's price; its load part (the same load either way)
// at the simulation's average price per kWh.
const loadWh = meter.hourly.reduce((s, h) => s + (h?.load ?? 0), 0);
let boundEur = kwh(loadWh) * (simEur / kwh(simWh));
for (const site of sitesOf) {
  const e = desired.sites[site].electricity;
  boundEur += kwh(bound.bySite[site]) * e.pricePerKWh * e.pue;
}

const saved = 1 - simWh / alwaysWh;
const overBound = simWh / bound.wh - 1;
const v = meter.violations;
const violations = v.quorum.size + v.pg.size + v.mustRun.size;
const pct = (x) => `${(x * 100).toFixed(1)} %`;
const rows = [
  ['energy, marmite (kWh)', kwh(simWh).toFixed(1), '', ''],
  ['energy, same fleet always on (kWh)', kwh(alwaysWh).toFixed(1), '', ''],
  ['energy, lower bound (kWh)', kwh(bound.wh).toFixed(1), '', ''],
  ['cost, marmite (EUR, price x PUE)', simEur.toFixed(2), '', ''],
  ['cost, always on (EUR)', alwaysEur.toFixed(2), '', ''],
  ['cost, lower bound (EUR)', boundEur.toFixed(2), '', ''],
  ['saved vs always on', pct(saved), '>= 40 %', saved >= 0.4 ? 'ok' : 'MISSED'],
  ['above the lower bound', pct(overBound), '<= 10 %', overBound <= 0.1 ? 'ok' : 'MISSED'],
  ['violations: quorum lost (site-steps)', String(v.quorum.size), '0', v.quorum.size === 0 ? 'ok' : 'MISSED'],
  ['violations: Ceph PG unavailable (pool-steps)', String(v.pg.size), '0', v.pg.size === 0 ? 'ok' : 'MISSED'],
  ['violations: must-run VM not running (VM-steps)', String(v.mustRun.size), '0', v.mustRun.size === 0 ? 'ok' : 'MISSED'],
  ['power transitions (on / off)', `${meter.transitions.on} / ${meter.transitions.off}`, '', ''],
  ['cycles (with a power plan)', `${stats.cycles} (${stats.powerPlans})`, '', ''],
  ['failed changes', String(stats.failed), '', ''],
];
const perNode = nodes.map((n) => [
  n.name,
  n.power.policy,
  kwh(meter.whSim[n.name]).toFixed(1),
  kwh(meter.whAlways[n.name]).toFixed(1),
  pct(1 - meter.whSim[n.name] / meter.whAlways[n.name]),
]);

// Findings for the reader, derived from this run: sleepers that never slept, must-run misses.
const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit' });
const stepTime = (step) => local.format(new Date((WEEK_START + step * STEP_S) * 1000));
const neverOff = nodes.filter((n) => n.power.policy !== 'always-on' && meter.whSim[n.name] >= meter.whAlways[n.name] * 0.999);
const misses = new Map();
for (const key of meter.violations.mustRun) {
  const [vm, step] = key.split('@');
  misses.set(vm, [...(misses.get(vm) ?? []), stepTime(Number(step))]);
}
const findings = [
  ...neverOff.map((n) => `${n.name} (${n.power.policy}) was never switched off: ${kwh(meter.whSim[n.name]).toFixed(1)} kWh.`),
  ...[...misses].map(([vm, at]) => `vm ${vm} was not running after the cycle at ${at.join(', ')} (Europe/Paris).`),
];

function table(header, body) {
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

const mainTable = table(['measure', 'value', 'target', ''], rows);
const nodeTable = table(['node', 'policy', 'kWh marmite', 'kWh always on', 'saved'], perNode);
console.log(`\n${mainTable}\n\n${nodeTable}`);
console.log(`\nchanges applied: ${Object.entries(stats.changes).map(([k, x]) => `${k} ${x}`).join(', ') || 'none'}`);
if (stats.blocked.size > 0) console.log(`power transitions blocked (rule: plans): ${[...stats.blocked].map(([k, x]) => `${k} ${x}`).join(', ')}`);
for (const [k, x] of [...stats.failures].slice(0, 8)) console.log(`failed x${x}: ${k}`);
for (const [kind, set] of Object.entries(meter.violations)) if (set.size > 0) console.log(`violations ${kind}: ${[...set].slice(0, 10).join(', ')}`);
for (const f of findings) console.log(`finding: ${f}`);
if (stats.powerPlans === 0) console.log('NOTE: plan.power was absent in every cycle: the power planner is not in dist/; the figures are the VM plan only.');
const machine = `${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), load average ${os.loadavg()[0].toFixed(1)}, ${new Date().toISOString().slice(0, 10)}`;
console.log(`\n${DAYS} simulated days in ${wallS.toFixed(0)} s (plan ${(stats.planMs / 1000).toFixed(1)} s, apply ${(stats.applyMs / 1000).toFixed(1)} s); ${machine}`);

// ---- chart and docs -------------------------------------------------------------------------
function svgChart() {
  const W = 960;
  const H = 344;
  const L = 56;
  const R = 16;
  const T = 28;
  const B = 60;
  // Hourly averages keep the file small: 168 points per line.
  const simH = meter.hourly.map((h) => h?.sim ?? 0);
  const alwaysH = meter.hourly.map((h) => h?.always ?? 0);
  const max = Math.ceil(Math.max(...alwaysH, ...simH, ...bound.hourly) / 500) * 500 || 500;
  const x = (i) => L + ((W - L - R) * i) / hours;
  const y = (w) => T + (H - T - B) * (1 - w / max);
  const step = (vals) => vals.map((w, i) => `${x(i).toFixed(1)},${y(w).toFixed(1)} ${x(i + 1).toFixed(1)},${y(w).toFixed(1)}`).join(' ');
  const days = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const grid = [];
  for (let d = 0; d <= DAYS; d++) {
    grid.push(`<line x1="${x(d * 24).toFixed(1)}" y1="${T}" x2="${x(d * 24).toFixed(1)}" y2="${H - B}" stroke="#ddd"/>`);
    if (d < DAYS) grid.push(`<text x="${x(d * 24 + 12).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${days[d % 7]}</text>`);
  }
  for (let w = 0; w <= max; w += max / 4) {
    grid.push(`<line x1="${L}" y1="${y(w).toFixed(1)}" x2="${W - R}" y2="${y(w).toFixed(1)}" stroke="#eee"/><text x="${L - 6}" y="${(y(w) + 4).toFixed(1)}" text-anchor="end">${Math.round(w)} W</text>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${L}" y="16" font-size="13">Fleet power over the simulated week (examples/realistic, hourly average, Europe/Paris days)</text>`,
    ...grid,
    `<polyline fill="none" stroke="#c0392b" stroke-width="1.5" points="${step(alwaysH)}"/>`,
    `<polyline fill="none" stroke="#7f8c8d" stroke-width="1" stroke-dasharray="4 3" points="${step(bound.hourly)}"/>`,
    `<polyline fill="none" stroke="#27ae60" stroke-width="2" points="${step(simH)}"/>`,
    // The legend sits under the axis so no line runs through it.
    `<g transform="translate(${L},${H - 14})">`,
    `<line x1="0" y1="-4" x2="20" y2="-4" stroke="#c0392b" stroke-width="1.5"/><text x="26" y="0">same fleet always on: ${kwh(alwaysWh).toFixed(0)} kWh</text>`,
    `<line x1="260" y1="-4" x2="280" y2="-4" stroke="#27ae60" stroke-width="2"/><text x="286" y="0">marmite: ${kwh(simWh).toFixed(0)} kWh (${pct(saved)} less)</text>`,
    `<line x1="520" y1="-4" x2="540" y2="-4" stroke="#7f8c8d" stroke-dasharray="4 3"/><text x="546" y="0">lower bound: ${kwh(bound.wh).toFixed(0)} kWh</text></g>`,
    `</svg>`,
    '',
  ].join('\n');
}

const BEGIN = '<!-- energy:begin (written by bench/energy.mjs) -->';
const END = '<!-- energy:end -->';
function section() {
  return `${BEGIN}
## energy

\`npm run bench:energy\` (\`bench/energy.mjs\`) builds \`dist/\`, loads \`examples/realistic\` (3 sites,
12 nodes, ${Object.keys(desired.vms).length} VMs) into the lab on a manual virtual clock, and simulates a week (Monday 00:00
Europe/Paris, after a warm-up from Sunday noon in which the VMs are created). Every ${STEP_S / 60} simulated
minutes it runs observe -> plan (the VM plan and the power planner) -> apply through the real
providers over HTTP: Proxmox, Ceph and the BMC provider. While apply runs, simulated time flows
(${PUMP_S} s per real ms) so tasks, migrations, boots and shutdowns end; between cycles the clock moves
in steps of at most ${TICK_S} s. Energy is integrated per node at every step from the lab's power model
(idle/max watts and CPU load, 0 when off, idle while booting).

- **The lab has no BMCs**: every node (ipmi, wol or none in Git) is powered through Proxmox for
  the simulation, off by \`POST /nodes/{node}/status command=shutdown\` and on by
  \`POST /nodes/{node}/wakeonlan\`, with the BMC provider's wol driver over
  \`createProxmoxPowerApi\`. IPMI itself is covered by the \`ipmi_sim\` integration tests.
- **Always on**: each node's simulated draw while it is on, and its idle draw while marmite had it
  off (the same VMs, nothing switched off).
- **Lower bound**: for each hour and site, the nodes policy keeps on (always-on, Ceph OSD hosts,
  windows nodes while a window is open), plus the most efficient other nodes (idle watts per
  usable GiB) until their usable memory holds that hour's must-run VMs; their idle draw plus the
  VMs' load as simulated. Without the windows nodes the bound would be ${kwh(bound.whNoWindows).toFixed(1)} kWh.
- **Cost**: kWh x the site's price x its PUE.
- **Violations**, checked at every step: a site without quorum; more Ceph OSD hosts down than
  size - min_size of a pool; a VM that must run (Git says running and its schedule is open) not
  running once the step's apply is done.

### Results

${mainTable}

${nodeTable}

${findings.length > 0 ? `Findings of this run:\n\n${findings.map((f) => `- ${f}`).join('\n')}\n\n` : ''}Changes applied over the week and the warm-up: ${Object.entries(stats.changes).map(([k, x]) => `${k} ${x}`).join(', ') || 'none'}.
${stats.blocked.size > 0 ? `Power transitions the safety rules blocked (rule: plans): ${[...stats.blocked].map(([k, x]) => `${k} ${x}`).join(', ')}.\n` : ''}${stats.powerPlans === 0 ? '**plan.power was absent in every cycle: the power planner was not built; the figures are the VM plan only.**\n' : ''}
${DAYS} simulated days in ${wallS.toFixed(0)} s of wall time; ${machine}.

![Fleet power over the week](energy-week.svg)
${END}
`;
}

if (!opts['no-write'] && opts.repo === 'examples/realistic') {
  await writeFile(path.join(ROOT, 'docs/energy-week.svg'), svgChart());
  const file = path.join(ROOT, 'docs/benchmarks.md');
  const doc = await readFile(file, 'utf8');
  const a = doc.indexOf(BEGIN);
  const b = doc.indexOf(END);
  const next = a >= 0 && b > a ? `${doc.slice(0, a)}${section().trimEnd()}${doc.slice(b + END.length)}` : `${doc.trimEnd()}\n\n${section()}`;
  await writeFile(file, next);
  console.log('wrote docs/benchmarks.md (energy) and docs/energy-week.svg');
}
if (violations > 0 || saved < 0.4 || overBound > 0.1) process.exitCode = 1;
