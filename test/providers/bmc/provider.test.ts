// The BMC provider over real ipmi_sim BMCs: observe never throws, apply is idempotent and powers
// off cleanly first (Proxmox), then soft, then hard.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node } from '../../../src/model/desired.js';
import { BmcError, createBmcProvider, type ObservedPowerDetail } from '../../../src/providers/bmc/index.js';
import type { Provider } from '../../../src/providers/provider.js';
import { startSimFleet, type SimBmc } from '../../support/ipmi-sim.js';
import { FakeProxmox } from './fake-proxmox.js';
import { applyContext, credentialsOf, desiredWith, FAST_IPMI, ipmiNode, makeNode, powerChange, SITE } from './helpers.js';

let fleet: SimBmc[] = [];
let nodes: Record<string, Node> = {};
const sim = (name: string): SimBmc => fleet.find((s) => s.name === name)!;

function provider(proxmox?: FakeProxmox): Provider {
  return createBmcProvider({
    credentials: credentialsOf(fleet),
    nodes,
    ipmi: FAST_IPMI,
    pollMs: 100,
    ...(proxmox ? { proxmox: () => proxmox } : {}),
  });
}

const OFF_PAYLOAD = { shutdownTimeoutSeconds: 1, softTimeoutSeconds: 1, hardTimeoutSeconds: 30 };

beforeAll(async () => {
  fleet = await startSimFleet([
    { name: 'obs-on', on: true, wattsOn: 180 },
    { name: 'obs-off', wattsOff: 8 },
    { name: 'obs-dead' },
    { name: 'turn-on' },
    { name: 'clean', on: true },
    { name: 'soft', on: true },
    { name: 'hard', on: true },
  ]);
  await sim('obs-dead').kill();
  nodes = Object.fromEntries(fleet.map((s) => [s.name, ipmiNode(s)]));
  nodes['mini'] = makeNode('mini', { driver: 'none' });
});

afterAll(async () => {
  await Promise.all(fleet.map((s) => s.stop()));
});

describe('bmc provider: observe', () => {
  it('fills power for every node of the site; a dead BMC is unknown with an error, not a throw', async () => {
    const proxmox = new FakeProxmox();
    proxmox.status.set('pve-obs-on', 'online');
    proxmox.status.set('pve-obs-off', 'online');
    const observeNodes = ['obs-on', 'obs-off', 'obs-dead', 'mini'].map((n) => nodes[n]!);

    const result = await provider(proxmox).observe(desiredWith(observeNodes), { deep: false });

    const power = result[SITE]!.power as ObservedPowerDetail[];
    expect(power.map((p) => p.node)).toEqual(['mini', 'obs-dead', 'obs-off', 'obs-on']);
    const byNode = Object.fromEntries(power.map((p) => [p.node, p]));
    expect(byNode['obs-on']).toEqual({ node: 'obs-on', bmc: 'on', watts: 180, proxmox: 'online' });
    expect(byNode['obs-off']).toEqual({
      node: 'obs-off',
      bmc: 'off',
      watts: 8,
      proxmox: 'online',
      disagreement: 'bmc says off, proxmox says online',
    });
    expect(byNode['obs-dead']).toMatchObject({ node: 'obs-dead', bmc: 'unknown', proxmox: 'unknown' });
    expect(byNode['obs-dead']!.error).toMatch(/^node obs-dead: .*unreachable/);
    expect(byNode['mini']).toEqual({ node: 'mini', bmc: 'unknown', proxmox: 'unknown' });
  });

  it.each([
    { node: 'obs-on', expected: 'on' },
    { node: 'obs-off', expected: 'off' },
    { node: 'obs-dead', expected: 'unknown' },
    { node: 'nowhere', expected: undefined },
  ])('fingerprint of $node is $expected', async ({ node, expected }) => {
    const change = powerChange('power-on', nodes[node] ?? makeNode(node, { driver: 'none' }));

    expect(await provider().fingerprint(change)).toBe(expected);
  });
});

describe('bmc provider: apply', () => {
  it('power-on switches an off node on, then is unchanged', async () => {
    const p = provider();
    const change = powerChange('power-on', nodes['turn-on']!);

    const first = await p.apply(change, applyContext());
    const second = await p.apply(change, applyContext());

    expect([first, second]).toEqual(['configured', 'unchanged']);
    expect(await sim('turn-on').power()).toBe('on');
    expect(await sim('turn-on').actions()).toEqual(['set power 1']);
  });

  it('power-off goes through Proxmox first and needs no BMC command when the node goes down', async () => {
    const proxmox = new FakeProxmox();
    proxmox.onShutdown = async () => {
      // The OS shuts down: the BMC sees the power go off a little later.
      setTimeout(() => void sim('clean').setPower(false), 300);
    };
    const p = provider(proxmox);
    const change = powerChange('power-off', nodes['clean']!, { ...OFF_PAYLOAD, shutdownTimeoutSeconds: 30 });

    const first = await p.apply(change, applyContext());
    const second = await p.apply(change, applyContext());

    expect([first, second]).toEqual(['configured', 'unchanged']);
    expect(proxmox.calls).toEqual(['shutdown pve-clean']);
    expect(await sim('clean').actions()).toEqual([]);
  });

  it.each([
    // The soft deadline is long where the node goes down by itself (the wait ends when it does).
    { node: 'soft', ignoreSoft: false, softTimeoutSeconds: 30, expected: ['set shutdown 1'] },
    { node: 'hard', ignoreSoft: true, softTimeoutSeconds: 2, expected: ['set shutdown 1', 'set power 0'] },
  ])('power-off escalates when Proxmox does not bring $node down: $expected', async ({ node, ignoreSoft, softTimeoutSeconds, expected }) => {
    const bmc = sim(node);
    await bmc.setSoftDelay(1);
    await bmc.ignoreSoft(ignoreSoft);
    const proxmox = new FakeProxmox();
    const context = applyContext();

    const outcome = await provider(proxmox).apply(powerChange('power-off', nodes[node]!, { ...OFF_PAYLOAD, softTimeoutSeconds }), context);

    expect(outcome).toBe('configured');
    expect(proxmox.calls).toEqual([`shutdown pve-${node}`]);
    expect(await bmc.actions()).toEqual(expected);
    expect(await bmc.power()).toBe('off');
    expect(context.notes.some((n) => n.startsWith('soft power off'))).toBe(true);
  });

  it('a dead BMC makes apply fail with a transient unreachable error', async () => {
    const err = await provider()
      .apply(powerChange('power-on', nodes['obs-dead']!), applyContext())
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    expect(err).toBeInstanceOf(BmcError);
    expect((err as BmcError).kind).toBe('unreachable');
    expect((err as BmcError).transient).toBe(true);
  });

  it.each([
    { label: 'unknown node', change: powerChange('power-on', makeNode('ghost', { driver: 'none' })) },
    { label: 'unsupported action', change: { ...powerChange('power-on', makeNode('mini', { driver: 'none' })), action: 'migrate' as const } },
  ])('refuses a change it cannot do: $label', async ({ change }) => {
    await expect(provider().apply(change, applyContext())).rejects.toMatchObject({ name: 'BmcError', kind: 'command' });
  });
});
