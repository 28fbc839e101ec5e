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
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TARGET = { wallMs: 1500, rssMB: 250 };
const SHAPE = { tenants: 100, nodes: 50, vms: 5000 };

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

const SCHEMA = (kind, depth) => `# yaml-language-server: $schema=${'../'.repeat(depth)}schemas/${kind}.schema.json\n`;
const pad = (n, w) => String(n).padStart(w, '0');

function siteYaml(name, withCeph) {
  return `${SCHEMA('site', 1)}displayName: ${name}
timezone: Europe/Paris
proxmox:
  endpoint: https://pve.${name}.example.org:8006
  credential: pve-${name}
${withCeph ? `ceph:\n  endpoint: https://ceph.${name}.example.org:8443\n  credential: ceph-${name}\n` : ''}electricity:
  pricePerKWh: 0.22
  currency: EUR
  pue: 1.7
quorum:
  expectedVotes: 26
  qdevice: true
networks:
  lan:
    bridge: vmbr0
  public:
    bridge: vmbr1
    vlan: 20
storages:
  local-lvm:
    type: lvmthin
`;
}

function nodeYaml(i, site) {
  // One node in five follows office hours, one in five wakes on demand, the rest stay on.
  const policy = i % 5 === 3 ? 'windows' : i % 5 === 4 ? 'on-demand' : 'always-on';
  const ceph = site === 'paris' && i < 6;
  return `${SCHEMA('node', 1)}site: ${site}
description: Dell PowerEdge R630 number ${i}
capacity:
  cores: 32
  memory: 256GiB
  reserved:
    cores: 2
    memory: 16GiB
roles: [${ceph ? 'compute, ceph-osd, ceph-mon' : 'compute'}]
bmc:
  driver: ipmi
  address: 10.0.${Math.floor(i / 200)}.${(i % 200) + 10}
  credential: idrac
  cipherSuite: 17
power:
  policy: ${ceph ? 'always-on' : policy}
${policy === 'windows' && !ceph ? '  windows: [office-hours]\n' : ''}  idleWatts: 95
  maxWatts: 400
  bootTime: 4m
`;
}

const FLAVORS = `${SCHEMA('flavors', 1)}flavors:
  small:
    cores: 1
    memory: 2GiB
    disk: 20GiB
  medium:
    cores: 2
    memory: 4GiB
    disk: 40GiB
  large:
    cores: 4
    memory: 8GiB
    disk: 80GiB
`;

const TEMPLATES = `${SCHEMA('templates', 1)}templates:
  debian-12:
    vmid: 100
    disk: 4GiB
    storage: local-lvm
  ubuntu-2404:
    vmid: 101
    disk: 8GiB
    storage: local-lvm
`;

const OFFICE = `${SCHEMA('window', 1)}description: Opening hours
periods:
  - days: [mon, tue, wed, thu, fri]
    hours: "08:00-19:00"
`;

const BACKUP = `${SCHEMA('window', 1)}description: Weekly backups
periods:
  - schedule: "0 1 * * 6"
    duration: 4h
`;

function tenantYaml(t, site, vmsPerTenant) {
  const first = 1000 + t * 100;
  return `${SCHEMA('tenant', 2)}displayName: Association ${t}
contacts:
  - name: Contact ${t}
    email: contact@asso-${pad(t, 3)}.example.org
members:
  - user: admin-${pad(t, 3)}@pve
    role: admin
quotas:
  vcpus: ${vmsPerTenant * 2}
  memory: ${vmsPerTenant * 4}GiB
  disk: ${vmsPerTenant * 60}GiB
  vms: ${vmsPerTenant + 10}
${site === 'paris' ? '  cephBytes: 4TiB\n' : ''}allowed:
  sites: [${site}]
  networks: [lan, public]
vmidRange:
  from: ${first}
  to: ${first + 99}
`;
}

function poolYaml(t) {
  return `${SCHEMA('pool', 2)}site: paris
tenant: asso-${pad(t, 3)}
pgNum: 32
quota:
  maxBytes: 2TiB
`;
}

function vmYaml(t, v, site) {
  const flavor = v % 10 === 0 ? 'medium' : 'small';
  const storage = site === 'paris' ? `rbd-${pad(t, 3)}` : 'local-lvm';
  const schedule = v % 7 === 0 ? 'schedule:\n  windows: [office-hours]\n' : v % 11 === 0 ? 'schedule:\n  windows: [backup]\n' : '';
  return `${SCHEMA('vm', 4)}vmid: ${1000 + t * 100 + v}
description: Service ${v} of association ${t}
flavor: ${flavor}
template: ${v % 3 === 0 ? 'ubuntu-2404' : 'debian-12'}
disks:
  - size: ${flavor === 'medium' ? 40 : 20}GiB
    storage: ${storage}
nics:
  - network: ${v % 4 === 0 ? 'public' : 'lan'}
    firewall: true
cloudInit:
  user: debian
  ip: dhcp
${schedule}${v % 13 === 0 ? 'protected: true\n' : ''}${v <= 2 ? `placement:\n  antiAffinity: pair\n` : ''}`;
}

async function generate(dir) {
  const files = new Map();
  const put = (rel, text) => files.set(rel, text);
  put('marmite.yaml', `${SCHEMA('marmite', 0)}formatVersion: 1\ntimezone: Europe/Paris\nvmidRange:\n  from: 100\n  to: 99999\n`);
  put('sites/paris.yaml', siteYaml('paris', true));
  put('sites/lyon.yaml', siteYaml('lyon', false));
  for (let i = 0; i < SHAPE.nodes; i++) {
    const site = i % 2 === 0 ? 'paris' : 'lyon';
    put(`nodes/${site}-${pad(i, 2)}.yaml`, nodeYaml(i, site));
  }
  put('catalog/flavors.yaml', FLAVORS);
  put('catalog/templates.yaml', TEMPLATES);
  put('power/office-hours.yaml', OFFICE);
  put('power/backup.yaml', BACKUP);
  const perTenant = SHAPE.vms / SHAPE.tenants;
  for (let t = 0; t < SHAPE.tenants; t++) {
    const site = t % 2 === 0 ? 'paris' : 'lyon';
    const name = `asso-${pad(t, 3)}`;
    put(`tenants/${name}/tenant.yaml`, tenantYaml(t, site, perTenant));
    if (site === 'paris') put(`ceph/pools/rbd-${pad(t, 3)}.yaml`, poolYaml(t));
    for (let v = 1; v <= perTenant; v++) put(`tenants/${name}/vms/vm-${pad(v, 2)}.yaml`, vmYaml(t, v, site));
  }
  for (const [rel, text] of files) {
    const abs = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
  }
  return files.size;
}

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
