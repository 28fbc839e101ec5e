// planPower inside plan(): small synthetic sites, one rule or behaviour per case.

import { describe, expect, it } from 'vitest';
import type { Desired, Node } from '../../src/model/desired.js';
import type { ObservedCeph, ObservedSite } from '../../src/model/observed.js';
import type { Plan } from '../../src/model/plan.js';
import { plan } from '../../src/plan/plan.js';
import { planPower } from '../../src/power/planner.js';
import { desired, guestFor, node, observed, site, vm } from '../plan/helpers.js';

const MON_0957 = new Date('2026-03-02T08:57:00Z'); // 09:57 in Paris
const office = {
  file: 'power/office.yaml',
  name: 'office',
  timezone: 'Europe/Paris',
  periods: [{ kind: 'days' as const, days: ['mon' as const, 'tue' as const, 'wed' as const, 'thu' as const, 'fri' as const], startMinute: 10 * 60, endMinute: 19 * 60 }],
};

function onDemand(name: string, extra: Partial<Node> = {}): Node {
  const n = node(name);
  return node(name, { bmc: { driver: 'ipmi', address: '10.0.0.3', credential: 'bmc' }, power: { ...n.power, policy: 'on-demand' }, ...extra });
}

function world(nodes: Node[], vms = [vm('t/web', 101)], extra: Partial<Desired> = {}): Desired {
  const d = desired(vms, { windows: { office }, ...extra });
  d.nodes = Object.fromEntries(nodes.map((n) => [n.name, n]));
  d.sites.paris!.storages.local = { name: 'local', type: 'lvmthin', shared: false };
  return d;
}

function siteWith(d: Desired, guests: ObservedSite['guests'], o: Partial<ObservedSite> = {}): ObservedSite {
  return site(d, guests, {
    nodes: Object.values(d.nodes).map((n) => ({ site: 'paris', name: n.pveNode, status: 'online' as const, maxcpu: 24, maxmemMiB: 131072, cpu: 0.1, memUsedMiB: 0 })),
    power: [],
    ...o,
  });
}

function actions(p: Plan): string[] {
  return p.changes.filter((c) => c.provider !== 'proxmox' || c.action === 'migrate' || c.action === 'start' || c.action === 'shutdown').map((c) => `${c.action} ${c.subject}`);
}

function ceph(hosts: string[], o: Partial<ObservedCeph> = {}, downHosts: string[] = []): ObservedCeph {
  return {
    reachable: true,
    health: 'HEALTH_OK',
    checks: [],
    flags: [],
    osds: hosts.map((h, i) => ({ id: i, host: h, up: !downHosts.includes(h), in: true, flags: [] })),
    pools: [{ name: 'vms', size: 3, minSize: 2, pgNum: 32, quotaMaxBytes: 0, quotaMaxObjects: 0, usedBytes: 0, objects: 0 }],
    ...o,
  };
}

describe('planPower within plan()', () => {
  it('empties an on-demand node by live migration, then powers it off after the move', () => {
    const d = world([node('pve1'), node('pve2'), onDemand('pve3')]);
    const p = plan(d, observed([siteWith(d, [guestFor(d, d.vms['t/web']!, { node: 'pve3' })])]), MON_0957);
    const migrate = p.changes.find((c) => c.action === 'migrate')!;
    expect(migrate.payload).toMatchObject({ from: 'pve3', online: true });
    expect(migrate.reason).toContain('live migration');
    const off = p.changes.find((c) => c.action === 'power-off')!;
    expect(off.subject).toBe('node pve3');
    expect(off.dependsOn).toContain(migrate.id);
    expect(off.payload).toMatchObject({ node: 'pve3', pveNode: 'pve3', shutdownTimeoutSeconds: 180 });
    expect(off.energy!.kWhPerMonth).toBeLessThan(0);
    expect(p.power!.nodesOn.paris).toEqual(['pve1', 'pve2']);
    expect(p.changes.indexOf(migrate)).toBeLessThan(p.changes.indexOf(off));
  });

  it('blocks a power-off under must-run-vm when a guest marmite does not manage runs there', () => {
    const d = world([node('pve1'), node('pve2'), onDemand('pve3')], []);
    const foreign = { ...guestFor(d, vm('x/y', 300)), managed: undefined, tags: [], name: 'legacy', node: 'pve3' };
    const p = plan(d, observed([siteWith(d, [foreign])]), MON_0957);
    expect(p.changes.some((c) => c.action === 'power-off')).toBe(false);
    expect(p.refused).toContainEqual(expect.objectContaining({ subject: 'node pve3', action: 'power-off', rule: 'must-run-vm' }));
    expect(p.power!.blocked[0]!.reason).toContain('not managed by marmite');
  });

  it('keeps quorum: of two idle on-demand nodes in a 3-node cluster, only one goes down', () => {
    const d = world([node('pve1'), onDemand('pve2'), onDemand('pve3')], []);
    const p = plan(d, observed([siteWith(d, [])]), MON_0957);
    expect(actions(p)).toEqual(['power-off node pve2']);
    expect(p.refused).toContainEqual(expect.objectContaining({ subject: 'node pve3', rule: 'quorum' }));
    expect(p.summary.refused).toBe(1);
  });

  it('sets noout on an OSD host before its power-off', () => {
    const d = world([node('pve1', { roles: ['compute', 'ceph-osd'] }), node('pve2', { roles: ['compute', 'ceph-osd'] }), onDemand('pve3', { roles: ['compute', 'ceph-osd'] })], []);
    const p = plan(d, observed([siteWith(d, [], { ceph: ceph(['pve1', 'pve2', 'pve3']) })]), MON_0957);
    const noout = p.changes.find((c) => c.action === 'set-noout')!;
    expect(noout.payload).toEqual({ host: 'pve3', osds: [2] });
    expect(p.changes.find((c) => c.action === 'power-off')!.dependsOn).toContain(noout.id);
  });

  it.each([
    { name: 'ceph-health: the cluster is degraded', c: ceph(['pve1', 'pve2', 'pve3'], { health: 'HEALTH_WARN', checks: ['PG_DEGRADED'] }), rule: 'ceph-health' },
    { name: 'ceph-pgs: another OSD host is already down', c: ceph(['pve1', 'pve2', 'pve3', 'pve4'], {}, ['pve4']), rule: 'ceph-pgs' },
  ])('blocks an OSD host power-off under $name', ({ c, rule }) => {
    const d = world([node('pve1', { roles: ['compute', 'ceph-osd'] }), node('pve2', { roles: ['compute', 'ceph-osd'] }), onDemand('pve3', { roles: ['compute', 'ceph-osd'] })], []);
    const p = plan(d, observed([siteWith(d, [], { ceph: c })]), MON_0957);
    expect(p.changes.filter((x) => x.action === 'power-off' || x.action === 'set-noout')).toEqual([]);
    expect(p.refused).toContainEqual(expect.objectContaining({ subject: 'node pve3', rule }));
  });

  it('clears noout once a host is back with its OSDs up', () => {
    const d = world([node('pve1', { roles: ['compute', 'ceph-osd'] }), node('pve2', { roles: ['compute', 'ceph-osd'] })], []);
    const c = ceph(['pve1', 'pve2']);
    c.osds[1]!.flags = ['noout'];
    const p = plan(d, observed([siteWith(d, [], { ceph: c })]), MON_0957);
    expect(p.changes.filter((x) => x.action === 'clear-noout').map((x) => x.payload)).toEqual([{ host: 'pve2', osds: [1] }]);
  });

  it.each([
    { name: 'from the context', ctx: { lastTransition: { pve3: '2026-03-02T08:50:00Z' } }, since: undefined, blocked: true },
    { name: 'from the observed power entry', ctx: {}, since: '2026-03-02T08:50:00Z', blocked: true },
    { name: 'unknown: long enough', ctx: {}, since: undefined, blocked: false },
  ])('min-on-time with the last change $name', ({ ctx, since, blocked }) => {
    const d = world([node('pve1'), node('pve2'), onDemand('pve3')], []);
    const s = siteWith(d, [], { power: [{ node: 'pve3', bmc: 'on', ...(since ? { since } : {}) } as never] });
    const r = planPower(d, observed([s]), MON_0957, { ...ctx, horizonHours: 0 });
    expect(r.refused.some((x) => x.rule === 'min-on-time')).toBe(blocked);
    expect(r.changes.some((x) => x.action === 'power-off')).toBe(!blocked);
  });

  it('never powers off a node whose power state is unknown', () => {
    const d = world([node('pve1'), node('pve2'), onDemand('pve3')], []);
    const s = siteWith(d, [], { power: [{ node: 'pve3', bmc: 'unknown', error: 'bmc timeout' }] });
    const p = plan(d, observed([s]), MON_0957);
    expect(p.changes.some((c) => c.action === 'power-off')).toBe(false);
    expect(p.power!.nodesOn.paris).toContain('pve3');
  });

  it('powers an always-on node back on, and refuses it for a node it cannot switch', () => {
    const d = world([node('pve1'), node('pve2', { bmc: { driver: 'ipmi' } }), node('pve3')], []);
    const s = siteWith(d, []);
    s.nodes = s.nodes.map((n) => (n.name === 'pve1' ? n : { ...n, status: 'offline' }));
    const p = plan(d, observed([s]), MON_0957);
    expect(actions(p)).toEqual(['power-on node pve2']);
    expect(p.refused).toContainEqual(expect.objectContaining({ subject: 'node pve3', action: 'power-on', rule: 'power-control' }));
  });

  describe('VM schedules', () => {
    const scheduled = vm('t/office-app', 102, { schedule: { windows: ['office'], shutdownTimeoutSeconds: 120 }, disks: [{ slot: 'scsi0', sizeGiB: 20, storage: 'local' }] });

    function sleeping(d: Desired, status: 'running' | 'stopped', online: boolean): ObservedSite {
      const s = siteWith(d, [guestFor(d, scheduled, { node: 'pve3', status })]);
      if (!online) s.nodes = s.nodes.map((n) => (n.name === 'pve3' ? { ...n, status: 'offline' } : n));
      return s;
    }

    it('powers on the node its boot time before the window opens (boot lead)', () => {
      const d = world([node('pve1'), node('pve2'), onDemand('pve3')], [scheduled]);
      const p = plan(d, observed([sleeping(d, 'stopped', false)]), new Date('2026-03-02T08:56:00Z')); // 09:56, boot 5 min
      expect(actions(p)).toEqual(['power-on node pve3']);
      expect(p.changes[0]!.reason).toContain('needed by vm t/office-app');
    });

    it('does not power on earlier than the boot lead', () => {
      const d = world([node('pve1'), node('pve2'), onDemand('pve3')], [scheduled]);
      const p = plan(d, observed([sleeping(d, 'stopped', false)]), new Date('2026-03-02T08:30:00Z'));
      expect(actions(p)).toEqual([]);
      expect(p.power!.transitions[0]).toMatchObject({ node: 'pve3', to: 'on', at: '2026-03-02T08:55:00.000Z' });
    });

    it.each([
      ['the next plan is 15 min away: power on now, so the node is up at 10:00', 900, ['power-on node pve3']],
      ['the next plan is 1 min away: wait for it', 60, []],
    ])('looks ahead one agent cycle: %s', (_name, cycleSeconds, expected) => {
      const d = world([node('pve1'), node('pve2'), onDemand('pve3')], [scheduled]);
      // 09:45 in Paris; the window opens at 10:00 and pve3 takes 5 minutes to boot.
      const p = plan(d, observed([sleeping(d, 'stopped', false)]), new Date('2026-03-02T08:45:00Z'), { cycleSeconds });
      expect(actions(p)).toEqual(expected);
    });

    it('starts the VM after the power-on of its node', () => {
      const d = world([node('pve1'), node('pve2'), onDemand('pve3')], [scheduled]);
      const p = plan(d, observed([sleeping(d, 'stopped', false)]), new Date('2026-03-02T09:01:00Z'));
      const on = p.changes.find((c) => c.action === 'power-on')!;
      const start = p.changes.find((c) => c.action === 'start')!;
      expect(start.dependsOn).toContain(on.id);
      expect(p.changes.indexOf(on)).toBeLessThan(p.changes.indexOf(start));
    });

    it('shuts the VM down cleanly after its window, then powers the node off', () => {
      const d = world([node('pve1'), node('pve2'), onDemand('pve3')], [scheduled]);
      const p = plan(d, observed([sleeping(d, 'running', true)]), new Date('2026-03-02T18:30:00Z')); // 19:30
      const shutdown = p.changes.find((c) => c.action === 'shutdown')!;
      expect(shutdown.payload).toMatchObject({ timeoutSeconds: 120 });
      expect(shutdown.energy!.kWhPerMonth).toBeLessThan(0);
      expect(p.changes.find((c) => c.action === 'power-off')!.dependsOn).toContain(shutdown.id);
    });
  });

  it('states the energy a new VM costs when it keeps an on-demand node on', () => {
    const d = world([onDemand('pve3')], [vm('t/new', 150, { schedule: { windows: ['office'], shutdownTimeoutSeconds: 60 } })]);
    d.sites.paris!.quorum = { qdevice: true };
    const p = plan(d, observed([siteWith(d, [])]), new Date('2026-03-02T10:00:00Z'));
    const create = p.changes.find((c) => c.action === 'create')!;
    expect(create.energy).toMatchObject({ currency: 'EUR', note: 'keeps pve3 on during office' });
    expect(create.energy!.kWhPerMonth).toBeGreaterThan(0);
  });

  it('switches nothing when no power was observed (no BMC provider)', () => {
    const d = world([node('pve1'), node('pve2'), onDemand('pve3')]);
    const s = siteWith(d, [guestFor(d, d.vms['t/web']!, { node: 'pve3' })]);
    delete s.power;
    const p = plan(d, observed([s]), MON_0957);
    expect(p.changes.filter((c) => c.provider !== 'proxmox' || c.action === 'migrate')).toEqual([]);
    expect(p.power!.nodesOn.paris).toEqual(['pve1', 'pve2', 'pve3']);
  });

  it('adds no power section for an all always-on fleet with nothing to switch', () => {
    const d = world([node('pve1'), node('pve2')]);
    const p = plan(d, observed([siteWith(d, [guestFor(d, d.vms['t/web']!)])]), MON_0957);
    expect(p.power).toBeUndefined();
  });
});
