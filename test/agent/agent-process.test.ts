// The agent as a real process (`node bin/marmite.js agent`), killed with SIGKILL in the middle of
// an apply and restarted: the lab must converge with every desired VM exactly once, by vmid and by
// name. Then a SIGTERM in the middle of an apply stops it cleanly. The lab runs in this process
// with a slower clock, so applies last long enough to be interrupted.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../src/config/load.js';
import { observeAll } from '../../src/observe/observe.js';
import { plan } from '../../src/plan/plan.js';
import { createProviders } from '../../src/providers/index.js';
import { validateRepository } from '../../src/validate/index.js';
import { desiredGuests, labGuests, NEW_VM, ROOT, startWorld, waitFor, type World } from './world.js';

const run = promisify(execFile);
const BIN = join(ROOT, 'bin/marmite.js');

let world: World;
let config: string;

interface Child {
  process: ChildProcess;
  lines: () => string[];
  exited: Promise<number | null>;
}

function startAgent(args: string[] = []): Child {
  const child = spawn(process.execPath, [BIN, 'agent', '--config', config, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, lines: () => out.split('\n').filter(Boolean), exited };
}

function logged(child: Child, msg: string): boolean {
  return child.lines().some((l) => l.includes(`"msg":"${msg}"`));
}

/** Plans against the lab from the tree as it is now; empty when the lab has converged. */
async function pendingChanges(): Promise<string[]> {
  const { desired } = await validateRepository(world.tree);
  const providers = createProviders(await loadAgentConfig(config));
  const now = new Date();
  return plan(desired!, await observeAll(desired!, providers, { deep: true, now }), now).changes.map((c) => c.id);
}

/** Every desired VM exists exactly once, by vmid and by name, and nothing else does. */
async function expectExactlyOnce(): Promise<void> {
  const { desired } = await validateRepository(world.tree);
  const wanted = desiredGuests(desired!);
  const have = labGuests(world);
  for (const vm of wanted) {
    expect(have.filter((g) => g.vmid === vm.vmid), `vmid ${vm.vmid}`).toHaveLength(1);
    expect(have.filter((g) => g.name === vm.name), `name ${vm.name}`).toHaveLength(1);
  }
  expect(have).toHaveLength(wanted.length);
}

async function runOnceUntilConverged(): Promise<Child[]> {
  const runs: Child[] = [];
  for (let i = 0; i < 3; i++) {
    const child = startAgent(['--once']);
    runs.push(child);
    await child.exited;
    if ((await pendingChanges()).length === 0) break;
  }
  return runs;
}

beforeAll(async () => {
  // The child runs the compiled CLI; errors in files other than the agent's must not stop the build.
  await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT }).catch(() => undefined);
  if (!existsSync(join(ROOT, 'dist/cli/commands/agent.js'))) throw new Error('build failed: dist/cli/commands/agent.js missing');
  world = await startWorld({ speed: 40 });
  config = await world.writeConfig('child', { pollInterval: '1h' });
}, 120_000);

afterAll(async () => {
  await world?.close();
});

describe('marmite agent as a process', () => {
  it('killed with SIGKILL in the middle of an apply, converges after a restart with no duplicate and no lost VM', async () => {
    const wanted = new Set(desiredGuests(world.desired).map((v) => v.vmid));
    const child = startAgent();
    await waitFor('the first VM of the apply', () => labGuests(world).some((g) => wanted.has(g.vmid)), 60_000);
    const presentAtKill = labGuests(world).filter((g) => wanted.has(g.vmid)).length;
    child.process.kill('SIGKILL');
    await child.exited;
    expect(presentAtKill).toBeLessThan(wanted.size);
    expect(logged(child, 'cycle finished')).toBe(false);

    const runs = await runOnceUntilConverged();

    expect(await pendingChanges()).toEqual([]);
    await expectExactlyOnce();
    expect(runs.map((r) => logged(r, 'site lease taken over'))).toContain(true);
    expect(await world.statusFile('drift.json')).toBeDefined();
  });

  it('stops cleanly on SIGTERM in the middle of an apply, and the next run converges', async () => {
    await writeFile(join(world.tree, 'tenants/alpha-lecture/vms/wiki.yaml'), NEW_VM(1103, 'Wiki'));
    await writeFile(join(world.tree, 'tenants/alpha-lecture/vms/forum.yaml'), NEW_VM(1104, 'Forum'));
    await world.push('alpha-lecture: wiki and forum');
    const child = startAgent();
    await waitFor('an apply in progress', () => logged(child, 'change started'), 60_000);
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(logged(child, 'agent stopped')).toBe(true);
    expect(child.lines().filter((l) => l.includes('"outcome":"failed"'))).toEqual([]);
    expect(child.lines().filter((l) => l.includes('"msg":"cycle finished"')).at(-1)).toContain('"outcome":"stopped"');

    await runOnceUntilConverged();

    expect(await pendingChanges()).toEqual([]);
    await expectExactlyOnce();
  });
});
