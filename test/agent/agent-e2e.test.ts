// The agent end to end, in-process: a real git smart-HTTP forge, the lab, the loop with its HTTP
// server. The steps build on each other (one repository's history), so they run in order.

import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import type { CycleResult } from '../../src/agent/cycle.js';
import { loadAgentConfig } from '../../src/config/load.js';
import { gitCli } from '../support/git-server.js';
import { desiredGuests, labGuests, memoryLogger, NEW_VM, SITE, startWorld, waitFor, type World } from './world.js';

let world: World;
let agent: Agent;
let logs: () => string[];
let first: CycleResult;

async function webhook(headers: Record<string, string>, body: unknown = { ref: 'refs/heads/main' }, method = 'POST'): Promise<number> {
  const res = await fetch(`${agent.url}/webhook`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  await res.text();
  return res.status;
}

/** Pushes the tree, calls the webhook, and returns the cycle it triggered. */
async function pushAndNotify(message: string): Promise<{ commit: string; cycle: CycleResult }> {
  const commit = await world.push(message);
  const next = agent.nextCycle();
  expect(await webhook({ 'X-Gitlab-Token': world.webhookSecret, 'X-Gitlab-Event': 'Push Hook' })).toBe(202);
  return { commit, cycle: await next };
}

function guestsByVmid(): Map<number, number> {
  const counts = new Map<number, number>();
  for (const g of labGuests(world)) counts.set(g.vmid, (counts.get(g.vmid) ?? 0) + 1);
  return counts;
}

async function statusLog(): Promise<string> {
  return gitCli(['log', '--format=%s', 'refs/heads/marmite/status'], { cwd: world.bare });
}

beforeAll(async () => {
  world = await startWorld();
  const memory = memoryLogger();
  logs = memory.lines;
  agent = new Agent(await loadAgentConfig(await world.writeConfig('main')), { log: memory.log });
  const cycle = agent.nextCycle();
  await agent.start();
  first = await cycle;
});

afterAll(async () => {
  await agent?.stop();
  await world?.close();
});

describe('marmite agent, end to end', () => {
  it('applies the first commit and the lab converges (the next plan is empty)', async () => {
    expect(first.outcome).toBe('success');
    expect(first.record.applied?.changeSet?.counts.created).toBeGreaterThan(0);
    const second = await agent.runOnce('test');
    expect(second.record.plan?.changes).toEqual([]);
    const names = new Set(labGuests(world).map((g) => g.name));
    for (const vm of desiredGuests(world.desired)) {
      expect(guestsByVmid().get(vm.vmid)).toBe(1);
      expect(names.has(vm.name)).toBe(true);
    }
  });

  it.each(['observed.json', 'summary.md', 'drift.md', 'last-apply.md'])('commits %s to the status branch', async (file) => {
    expect(await world.statusFile(file)).toBeTruthy();
  });

  it('says in the status commit message what was applied', async () => {
    expect(await statusLog()).toMatch(/^marmite: applied [0-9a-f]{7} \(\d+ created/m);
  });

  it('applies a second commit (a tenant adds a VM) on the next cycle', async () => {
    await writeFile(join(world.tree, 'tenants/alpha-lecture/vms/wiki.yaml'), NEW_VM(1103, 'Wiki for the teachers'));
    const commit = await world.push('alpha-lecture: add a wiki');
    const cycle = await agent.runOnce('test');
    expect(cycle.record.validated?.commit).toBe(commit);
    expect(labGuests(world).filter((g) => g.name === 'wiki.alpha-lecture').map((g) => g.vmid)).toEqual([1103]);
  });

  it('runs a cycle at once on a GitLab push webhook', async () => {
    await writeFile(join(world.tree, 'tenants/alpha-lecture/vms/forum.yaml'), NEW_VM(1104, 'Forum for the learners'));
    const { commit, cycle } = await pushAndNotify('alpha-lecture: add a forum');
    expect(cycle.record.trigger).toBe('webhook');
    expect(cycle.record.validated?.commit).toBe(commit);
    expect(guestsByVmid().get(1104)).toBe(1);
  });

  it.each([
    ['no token', {}, 'POST', 401],
    ['a wrong token', { 'X-Gitlab-Token': 'not-the-secret' }, 'POST', 403],
    ['a GET', { 'X-Gitlab-Token': 'x' }, 'GET', 405],
  ])('refuses a webhook call with %s', async (_name, headers, method, status) => {
    const before = agent.state.cycle;
    expect(await webhook({ 'X-Gitlab-Event': 'Push Hook', ...headers }, {}, method)).toBe(status);
    expect(agent.idle).toBe(true);
    expect(agent.state.cycle).toBe(before);
  });

  it('ignores a push to another branch (its own status branch)', async () => {
    const before = agent.state.cycle;
    const status = await webhook({ 'X-Gitlab-Token': world.webhookSecret, 'X-Gitlab-Event': 'Push Hook' }, { ref: 'refs/heads/marmite/status' });
    expect(status).toBe(202);
    expect(agent.idle).toBe(true);
    expect(agent.state.cycle).toBe(before);
  });

  it('refuses a commit with broken YAML, reports file:line, and keeps the previous state applied', async () => {
    const applied = agent.state.lastGood?.commit;
    await writeFile(join(world.tree, 'tenants/alpha-lecture/vms/wiki.yaml'), 'vmid: 1103\ndisks: [\n  - size: 20GiB\n');
    const { commit, cycle } = await pushAndNotify('alpha-lecture: a broken edit');
    expect(cycle.outcome).toBe('refused');
    expect(agent.state.lastGood?.commit).toBe(applied);
    const summary = await world.statusFile('summary.md');
    expect(summary).toContain(commit.slice(0, 12));
    expect(summary).toMatch(/tenants\/alpha-lecture\/vms\/wiki\.yaml:\d+:\d+: error/);
    expect(await statusLog()).toMatch(new RegExp(`^marmite: commit ${commit.slice(0, 7)} refused: \\d+ errors?`, 'm'));
    expect(guestsByVmid().get(1103)).toBe(1);
  });

  it('corrects drift with the last good state while the head stays refused', async () => {
    const web = world.desired.vms['banque-alimentaire/web']!;
    world.lab.sites[SITE]!.cluster.editGuestConfig(web.vmid, { memory: '4096' });
    const cycle = await agent.runOnce('test');
    expect(cycle.outcome).toBe('refused');
    expect(cycle.record.drift.map((d) => [d.subject, d.field])).toContainEqual(['vm banque-alimentaire/web', 'memoryMiB']);
    const drift = await world.statusFile('drift.md');
    expect(drift).toMatch(/vm banque-alimentaire\/web \| memoryMiB \| 2048 \| 4096 \| yes/);
    expect((await statusLog()).split('\n')[0]).toMatch(/refused: .*; applied [0-9a-f]{7} \(1 configured\); drift on 1 VM$/);
    expect(world.lab.sites[SITE]!.cluster.guestConfig(web.vmid)?.['memory']).toBe(String(web.memoryMiB));
  });

  it('applies the next valid commit and clears the errors', async () => {
    await rm(join(world.tree, 'tenants/alpha-lecture/vms/wiki.yaml'));
    await writeFile(join(world.tree, 'tenants/alpha-lecture/vms/wiki.yaml'), NEW_VM(1103, 'Wiki for the teachers, fixed'));
    const { commit, cycle } = await pushAndNotify('alpha-lecture: fix the wiki');
    expect(cycle.outcome).toBe('success');
    expect(agent.state.lastGood?.commit).toBe(commit);
    expect(await world.statusFile('summary.md')).not.toContain('## Last errors');
  });

  it('with auto-apply off, only reports drift', async () => {
    const memory = memoryLogger();
    const observer = new Agent(await loadAgentConfig(await world.writeConfig('observer', { autoApply: false })), { log: memory.log });
    const web = world.desired.vms['banque-alimentaire/web']!;
    try {
      world.lab.sites[SITE]!.cluster.editGuestConfig(web.vmid, { memory: '4096' });
      const cycle = await observer.runOnce('test');
      expect(cycle.record.applied?.skipped).toBe('auto-apply-off');
      expect(await world.statusFile('drift.md')).toMatch(/vm banque-alimentaire\/web \| memoryMiB \| 2048 \| 4096 \| planned \(auto-apply is off\)/);
      expect(world.lab.sites[SITE]!.cluster.guestConfig(web.vmid)?.['memory']).toBe('4096');
    } finally {
      await observer.stop();
    }
    const fixed = await agent.runOnce('test');
    expect(fixed.record.applied?.changeSet?.counts.configured).toBeGreaterThan(0);
  });

  it.each([
    ['/healthz', 200, /ok/],
    ['/readyz', 200, /ready/],
    ['/metrics', 200, /marmite_cycles_total\{outcome="success"\} \d+/],
    ['/nope', 404, /not found/],
  ])('answers GET %s', async (path, status, body) => {
    const res = await fetch(`${agent.url}${path}`);
    expect(res.status).toBe(status);
    expect(await res.text()).toMatch(body);
  });

  it('never writes a secret to its logs or to any branch it commits', async () => {
    const files = (await gitCli(['ls-tree', '-r', '--name-only', 'refs/heads/marmite/status'], { cwd: world.bare })).split('\n').filter(Boolean);
    const contents = await Promise.all(files.map((f) => world.statusFile(f)));
    const locks = await gitCli(['log', '-p', '--all'], { cwd: world.bare });
    const haystack = [...logs(), ...contents, locks, await readFile(join(world.dir, 'main.yaml'), 'utf8')].join('\n');
    expect(logs().length).toBeGreaterThan(10);
    for (const secret of world.secrets()) expect(haystack).not.toContain(secret);
  });
});
