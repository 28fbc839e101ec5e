// `marmite demo`: the README's main command. With no hardware, it runs the whole loop on the lab
// built from the realistic example: validate, plan, apply, plan again (zero changes), then a change
// made behind marmite's back shows as drift and is corrected.

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyPlan } from '../../apply/execute.js';
import { UsageError } from '../../core/errors.js';
import { LabClock } from '../../lab/clock.js';
import { seedFromDesired, startLab, type Lab } from '../../lab/index.js';
import type { Desired } from '../../model/desired.js';
import type { Plan } from '../../model/plan.js';
import { observeAll } from '../../observe/observe.js';
import { plan } from '../../plan/plan.js';
import type { Provider } from '../../providers/provider.js';
import { createCephProvider } from '../../providers/ceph/index.js';
import { createProxmoxProvider } from '../../providers/proxmox/index.js';
import { changeSetLine, renderChangeSetText } from '../../render/change-set.js';
import { renderText } from '../../render/index.js';
import { parseUsage } from '../args.js';
import { EXIT, type Io } from '../io.js';
import { loadDesired } from '../pipeline.js';

const USAGE = 'usage: marmite demo [DIR] [--speed N]   (DIR defaults to the bundled examples/realistic)';

export const BUNDLED_EXAMPLE = fileURLToPath(new URL('../../../examples/realistic/', import.meta.url));

export async function demoCommand(argv: string[], io: Io): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const color = io.isTTY && !io.env['NO_COLOR'];
  const step = (n: number, title: string) => io.stdout(`\n${color ? '\x1b[1m' : ''}${n}. ${title}${color ? '\x1b[0m' : ''}\n\n`);

  io.stdout('marmite demo: the whole loop on the lab, a simulated Proxmox VE cluster per site.\n');
  step(1, `Validate the infra repository ${args.dir === BUNDLED_EXAMPLE ? 'examples/realistic' : args.dir}`);
  const desired = await loadDesired(args.dir, io);
  if (!desired) return EXIT.invalid;
  io.stdout(`valid: ${count(desired.sites)} sites, ${count(desired.nodes)} nodes, ${count(desired.tenants)} tenants, ${count(desired.vms)} VMs\n`);

  step(2, 'Start the lab');
  const lab = await startLab({ seed: seedFromDesired(desired), basePort: 0, clock: LabClock.scaled(args.speed) });
  try {
    for (const [name, site] of Object.entries(lab.sites)) {
      io.stdout(`${name.padEnd(12)} Proxmox VE ${site.url}/api2/json${site.ceph ? `, Ceph Dashboard ${site.ceph.url}/api` : ''}\n`);
    }
    io.stdout(`(simulated time runs ${args.speed}x faster: a clone takes about 30 simulated seconds)\n`);
    const providers = providersFor(lab);

    step(3, 'Plan: what must change so the clusters match Git');
    const first = await planOnce(desired, providers, lab);
    io.stdout(renderText(first, { color }));

    step(4, 'Apply the plan');
    const started = Date.now();
    const cs = await applyPlan(first, providers, {
      concurrency: 4,
      onEvent: (e) => {
        if (e.type === 'done') io.stdout(`${changeSetLine(e.result)}\n`);
      },
    });
    io.stdout(renderChangeSetText(cs));
    io.stdout(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    if (cs.counts.failed > 0) return EXIT.invalid;

    step(5, 'Plan again: nothing left to do');
    const second = await planOnce(desired, providers, lab);
    io.stdout(second.changes.length === 0 ? 'No changes: the lab matches Git.\n' : renderText(second, { color }));
    if (second.changes.length > 0) return EXIT.invalid;

    step(6, 'Drift: someone edits a VM in the Proxmox UI, behind marmite\'s back');
    const victim = driftVictim(desired, lab);
    if (victim) {
      io.stdout(`memory of vm ${victim.id} raised from ${victim.memoryMiB} MiB to ${victim.memoryMiB * 2} MiB in the lab\n\n`);
      const third = await planOnce(desired, providers, lab);
      io.stdout(renderText(third, { color }));
      const fixed = await applyPlan(third, providers, { concurrency: 4 });
      io.stdout(renderChangeSetText(fixed));
      const fourth = await planOnce(desired, providers, lab);
      io.stdout(fourth.changes.length === 0 ? 'Corrected: the lab matches Git again.\n' : renderText(fourth, { color }));
    }

    step(7, 'What to look at next');
    io.stdout(
      [
        'npx marmite validate examples/realistic             # every problem with file:line:col',
        'npx marmite lab --seed examples/realistic --port 8006 --write-config /tmp/marmite/agent.yaml',
        'npx marmite plan examples/realistic --config /tmp/marmite/agent.yaml --format markdown',
        'docs/repository-format.md                           # how to describe nodes, tenants and VMs',
        'docs/architecture.md                                # how marmite works, and why',
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  } finally {
    await lab.close();
  }
}

async function planOnce(desired: Desired, providers: Provider[], lab: Lab): Promise<Plan> {
  const now = lab.clock.nowDate();
  return plan(desired, await observeAll(desired, providers, { deep: false, now }), now);
}

function providersFor(lab: Lab): Provider[] {
  const sites: Record<string, { url: string; tokenId: string; tokenSecret: string }> = {};
  const cephSites: Record<string, { url: string; username: string; password: string }> = {};
  for (const [name, site] of Object.entries(lab.sites)) {
    sites[name] = { url: site.url, tokenId: lab.tokenId, tokenSecret: lab.tokenSecret };
    const user = site.ceph ? Object.keys(site.ceph.users).sort()[0] : undefined;
    if (site.ceph && user) cephSites[name] = { url: site.ceph.url, username: user, password: site.ceph.users[user]! };
  }
  const providers: Provider[] = [createProxmoxProvider({ sites, taskPollMs: 50 })];
  if (Object.keys(cephSites).length > 0) providers.push(createCephProvider({ sites: cephSites, taskPollMs: 50 }));
  return providers;
}

/** The first running VM by id, edited directly in the simulated cluster. */
function driftVictim(desired: Desired, lab: Lab): { id: string; memoryMiB: number } | undefined {
  const vm = Object.values(desired.vms)
    .filter((v) => v.state === 'running')
    .sort((a, b) => (a.id < b.id ? -1 : 1))[0];
  const site = vm ? lab.sites[vm.site] : undefined;
  if (!vm || !site) return undefined;
  site.cluster.editGuestConfig(vm.vmid, { memory: String(vm.memoryMiB * 2) });
  return { id: vm.id, memoryMiB: vm.memoryMiB };
}

function count(record: Record<string, unknown>): number {
  return Object.keys(record).length;
}

function parse(argv: string[]) {
  const parsed = parseUsage(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { speed: { type: 'string', default: '600' }, help: { type: 'boolean', short: 'h', default: false } },
    }),
  );
  const speed = Number(parsed.values.speed);
  if (!Number.isFinite(speed) || speed < 1) throw new UsageError(`--speed must be a number >= 1\n${USAGE}`);
  return { dir: parsed.positionals[0] ?? BUNDLED_EXAMPLE, speed, help: parsed.values.help ?? false };
}
