import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/execute.js';
import { applyCommand } from '../../src/cli/commands/apply.js';
import { writeAgentConfig } from '../../src/cli/commands/lab.js';
import { planCommand } from '../../src/cli/commands/plan.js';
import { bufferIo } from '../../src/cli/io.js';
import { LabClock } from '../../src/lab/clock.js';
import { seedFromDesired, startLab, type Lab } from '../../src/lab/index.js';
import type { Desired } from '../../src/model/desired.js';
import type { Plan } from '../../src/model/plan.js';
import { observeAll } from '../../src/observe/observe.js';
import { plan } from '../../src/plan/plan.js';
import { createProxmoxProvider } from '../../src/providers/proxmox/index.js';
import { validateRepository } from '../../src/validate/index.js';

// `marmite plan` and `marmite apply` end to end: the real CLI commands, the real provider over
// HTTP, the lab built from the realistic example.
const EXAMPLE = 'examples/realistic';
let lab: Lab;
let desired: Desired;
let dir: string;
let config: string;

const io = () => bufferIo({ cwd: process.cwd(), env: {} });
const run = async (cmd: typeof planCommand | typeof applyCommand, args: string[]) => {
  const out = io();
  const code = await cmd(args, out);
  return { code, out: out.out(), err: out.err() };
};

function guestsOf(l: Lab): { vmid: number; name: string }[] {
  return Object.values(l.sites).flatMap((s) =>
    [...s.cluster.guests.values()].filter((g) => g.config['template'] !== '1').map((g) => ({ vmid: g.vmid, name: String(g.config['name']) })),
  );
}

function expectNoDuplicates(l: Lab) {
  const guests = guestsOf(l);
  expect(new Set(guests.map((g) => g.vmid)).size).toBe(guests.length);
  expect(new Set(guests.map((g) => g.name)).size).toBe(guests.length);
}

function provider(l: Lab) {
  const sites = Object.fromEntries(Object.entries(l.sites).map(([n, s]) => [n, { url: s.url, tokenId: l.tokenId, tokenSecret: l.tokenSecret }]));
  return createProxmoxProvider({ sites, taskPollMs: 20 });
}

async function planNow(l: Lab): Promise<Plan> {
  const now = l.clock.nowDate();
  return plan(desired, await observeAll(desired, [provider(l)], { deep: false, now }), now);
}

beforeAll(async () => {
  const v = await validateRepository(EXAMPLE);
  desired = v.desired!;
  lab = await startLab({ seed: seedFromDesired(desired), clock: LabClock.scaled(1200) });
  dir = await mkdtemp(join(tmpdir(), 'marmite-cli-'));
  config = join(dir, 'agent.yaml');
  await writeAgentConfig(lab, config);
});

afterAll(async () => {
  await lab?.close();
});

describe('plan and apply against the lab', () => {
  it('plans the realistic example on an empty lab: exit 2 with --detailed-exitcode, the plan saved as JSON', async () => {
    const r = await run(planCommand, [EXAMPLE, '--config', config, '--detailed-exitcode', '--out', join(dir, 'plan.json')]);

    expect(r.code).toBe(2);
    expect(r.out).toContain('+ create vm banque-alimentaire/web');
    const saved = JSON.parse(await readFile(join(dir, 'plan.json'), 'utf8')) as Plan;
    expect(saved.changes.filter((c) => c.action === 'create' && c.subject.startsWith('vm '))).toHaveLength(Object.keys(desired.vms).length);
    expect(saved.changes.filter((c) => c.action === 'create' && c.subject.startsWith('pool ')).length).toBeGreaterThan(0);
  });

  it('refuses to apply without --auto-approve when not on a terminal', async () => {
    const r = await run(applyCommand, ['--plan', join(dir, 'plan.json'), '--config', config]);

    expect(r.code).toBe(1);
    expect(r.err).toContain('pass --auto-approve');
    expect(guestsOf(lab)).toHaveLength(0);
  });

  it.each([
    ['not JSON', 'nope', /not a readable plan file/],
    ['another format', '{"formatVersion": 9, "changes": []}', /formatVersion: expected 1/],
    ['a broken change', '{"formatVersion": 1, "changes": [{"id": "x"}]}', /changes\[0\]: not a change/],
  ])('refuses a plan file that is %s, naming the file', async (_name, text, message) => {
    const file = join(dir, 'bad-plan.json');
    await writeFile(file, text);
    const r = await run(applyCommand, ['--plan', file, '--config', config, '--auto-approve']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(r.err).toContain(file);
  });

  it('applies exactly the saved plan, then plans zero changes', async () => {
    const applied = await run(applyCommand, ['--plan', join(dir, 'plan.json'), '--config', config, '--auto-approve']);
    const again = await run(planCommand, [EXAMPLE, '--config', config, '--detailed-exitcode']);

    expect(applied.out).not.toMatch(/^! /m);
    expect(applied.err).toBe('apply: the config names no agent.repository, so this apply holds no site lease\n');
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/apply: \d+ created, .* 0 failed, 0 skipped/);
    expect(again.code).toBe(0);
    expect(again.out).toContain('No changes');
    expect(guestsOf(lab)).toHaveLength(Object.keys(desired.vms).length);
    expectNoDuplicates(lab);
  });

  it('applies the same plan twice without creating anything twice', async () => {
    const r = await run(applyCommand, ['--plan', join(dir, 'plan.json'), '--config', config, '--auto-approve']);

    expect(r.code).toBe(0);
    expect(guestsOf(lab)).toHaveLength(Object.keys(desired.vms).length);
    expectNoDuplicates(lab);
  });

  it('shows memory edited behind marmite\'s back as drift, and corrects it', async () => {
    const vm = desired.vms['banque-alimentaire/web']!;
    lab.sites[vm.site]!.cluster.editGuestConfig(vm.vmid, { memory: String(vm.memoryMiB * 2) });

    const drift = await run(planCommand, [EXAMPLE, '--config', config, '--detailed-exitcode', '--format', 'json']);
    const p = JSON.parse(drift.out) as Plan;
    const fixed = await run(applyCommand, [EXAMPLE, '--config', config, '--auto-approve']);
    const after = await run(planCommand, [EXAMPLE, '--config', config, '--detailed-exitcode']);

    expect(drift.code).toBe(2);
    expect(p.drift).toContainEqual(expect.objectContaining({ subject: 'vm banque-alimentaire/web', site: vm.site, corrected: true }));
    expect(p.changes.map((c) => [c.subject, c.action])).toEqual([['vm banque-alimentaire/web', 'update']]);
    expect(fixed.code).toBe(0);
    expect(after.code).toBe(0);
  });

  it('refuses a stale plan: the object changed again after the plan was made', async () => {
    const vm = desired.vms['banque-alimentaire/db']!;
    const cluster = lab.sites[vm.site]!.cluster;
    cluster.editGuestConfig(vm.vmid, { memory: String(vm.memoryMiB * 2) });
    await run(planCommand, [EXAMPLE, '--config', config, '--out', join(dir, 'stale.json')]);
    cluster.editGuestConfig(vm.vmid, { cores: String(vm.cores + 1) });

    const r = await run(applyCommand, ['--plan', join(dir, 'stale.json'), '--config', config, '--auto-approve']);

    expect(r.code).toBe(1);
    expect(r.out).toContain('vm banque-alimentaire/db: changed since the plan was made');
    expect(cluster.guestConfig(vm.vmid)?.['memory']).toBe(String(vm.memoryMiB * 2));
    // Planning again picks up both edits and converges.
    expect((await run(applyCommand, [EXAMPLE, '--config', config, '--auto-approve'])).code).toBe(0);
    expect((await run(planCommand, [EXAMPLE, '--config', config, '--detailed-exitcode'])).code).toBe(0);
  });

  it('sent nothing the PVE 8 schema rejects, and got nothing that breaks its returns', () => {
    const rejected = lab.requests.filter((r) => r.status === 400 || r.status === 501);
    const broken = lab.requests.filter((r) => r.responseErrors.length > 0);

    expect(lab.requests.length).toBeGreaterThan(100);
    expect(rejected.map((r) => `${r.method} ${r.path}: ${r.message}`)).toEqual([]);
    expect(broken.map((r) => `${r.method} ${r.template}: ${r.responseErrors.join('; ')}`)).toEqual([]);
  });
});

describe('an apply stopped halfway', () => {
  it('converges when run again, with no duplicate and no lost VM', async () => {
    const fresh = await startLab({ seed: seedFromDesired(desired), clock: LabClock.scaled(1200) });
    try {
      const first = await planNow(fresh);
      const stop = new AbortController();
      let done = 0;
      const partial = await applyPlan(first, [provider(fresh)], {
        concurrency: 4,
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'done' && ++done === 20) stop.abort();
        },
      });
      const halfway = guestsOf(fresh).length;

      const second = await planNow(fresh);
      const cs = await applyPlan(second, [provider(fresh)], { concurrency: 4 });
      const third = await planNow(fresh);

      expect(partial.counts.skipped).toBeGreaterThan(0);
      expect(halfway).toBeLessThan(Object.keys(desired.vms).length);
      expect(cs.counts.failed).toBe(0);
      expect(third.changes).toEqual([]);
      expect(guestsOf(fresh)).toHaveLength(Object.keys(desired.vms).length);
      expectNoDuplicates(fresh);
    } finally {
      await fresh.close();
    }
  });
});
