// The loop's scheduling, in-process: a first commit that does not validate is terminal (the agent
// waits for a new commit and is not ready), a forge that fails is retried with backoff on its own,
// and webhooks during a cycle queue exactly one more cycle.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { loadAgentConfig } from '../../src/config/load.js';
import { gitCli } from '../support/git-server.js';
import { labGuests, memoryLogger, startWorld, waitFor, type World } from './world.js';

const BROKEN = 'vmid: 1001\nflavor: [small\n';
let world: World;
let agent: Agent;
let logs: () => string[];
let webCopy: string;

const readyz = async () => (await fetch(`${agent.url}/readyz`)).status;
const hook = () =>
  fetch(`${agent.url}/webhook`, { method: 'POST', headers: { 'X-Gitlab-Token': world.webhookSecret, 'X-Gitlab-Event': 'Push Hook' }, body: '{}' }).then((r) => r.status);
const statusSubjects = () => gitCli(['log', '--format=%s', 'refs/heads/marmite/status'], { cwd: world.bare });
const started = () => logs().filter((l) => l.includes('"msg":"cycle started"')).length;

beforeAll(async () => {
  world = await startWorld({
    prepare: async (tree) => {
      const { readFile } = await import('node:fs/promises');
      webCopy = await readFile(join(tree, 'tenants/banque-alimentaire/vms/web.yaml'), 'utf8');
      await writeFile(join(tree, 'tenants/banque-alimentaire/vms/web.yaml'), BROKEN);
    },
  });
  const memory = memoryLogger();
  logs = memory.lines;
  agent = new Agent(await loadAgentConfig(await world.writeConfig('loop')), { log: memory.log, backoffBaseMs: 20, random: () => 0.5 });
  const first = agent.nextCycle();
  await agent.start();
  await first;
});

afterAll(async () => {
  await agent?.stop();
  await world?.close();
});

describe('the agent loop', () => {
  it('refuses a first commit that does not validate, reports it, and is not ready', async () => {
    expect(agent.state.lastGood).toBeUndefined();
    expect(await readyz()).toBe(503);
    expect(await world.statusFile('summary.md')).toMatch(/tenants\/banque-alimentaire\/vms\/web\.yaml:\d+:\d+: error/);
    expect(await statusSubjects()).toMatch(/^marmite: commit [0-9a-f]{7} refused: 1 error$/m);
    expect(labGuests(world)).toEqual([]);
  });

  it('waits for a new commit after a terminal failure', async () => {
    const cycle = await agent.runOnce('test');
    expect(cycle.outcome).toBe('waiting');
    expect(cycle.record.validated).toBeUndefined();
  });

  it('retries a failing forge with backoff, by itself, and recovers', async () => {
    world.forge.down = true;
    await writeFile(join(world.tree, 'tenants/banque-alimentaire/vms/web.yaml'), webCopy);
    await world.push('banque-alimentaire: fix web');
    const before = started();
    agent.trigger('test');
    await waitFor('three retries', () => started() - before >= 3);
    await waitFor('the third retry failed', () => (agent.metrics.get('marmite_consecutive_failures') ?? 0) >= 4);
    expect(logs().some((l) => l.includes('"reason":"FetchFailed"') && l.includes('"transient":true'))).toBe(true);

    world.forge.down = false;
    await waitFor('a cycle applying the fixed commit', () => agent.state.lastGood !== undefined, 60_000);
    await waitFor('the agent idle', () => agent.idle, 60_000);
    expect(await readyz()).toBe(200);
  });

  it('runs exactly one more cycle for webhooks received during a cycle', async () => {
    const slow = world.lab.faults.latency('GET', /cluster\/resources/, 400);
    const before = agent.state.cycle;
    try {
      expect(await hook()).toBe(202);
      await waitFor('a cycle running', () => !agent.idle && agent.state.cycle === before + 1);
      for (let i = 0; i < 3; i++) expect(await hook()).toBe(202);
    } finally {
      slow.remove();
    }
    await waitFor('the agent idle', () => agent.idle, 60_000);
    expect(agent.state.cycle).toBe(before + 2);
  });
});
