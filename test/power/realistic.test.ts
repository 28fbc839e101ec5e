// The power planner on examples/realistic: at a few instants of a week, deterministic, and over
// a simulated day where each plan is applied to the observed state before the next one.

import { describe, expect, it } from 'vitest';
import type { Desired } from '../../src/model/desired.js';
import type { Observed } from '../../src/model/observed.js';
import type { Plan } from '../../src/model/plan.js';
import { plan } from '../../src/plan/plan.js';
import { powerTimeline } from '../../src/power/timeline.js';
import { vmMustRun } from '../../src/power/windows.js';
import { placedObserved, realistic } from './fixture.js';

const WEEKDAY_10 = new Date('2026-03-04T09:00:00Z'); // Wednesday 10:00 in Paris
const WEEKDAY_23 = new Date('2026-03-04T22:00:00Z'); // Wednesday 23:00
const SUNDAY_14 = new Date('2026-03-08T13:00:00Z'); // Sunday 14:00
const ALWAYS_ON = ['lyo-core-1', 'lyo-core-2', 'mtr-nuc-1', 'par-ceph-1', 'par-ceph-2', 'par-ceph-3'];

function offs(p: Plan): string[] {
  return p.changes.filter((c) => c.action === 'power-off').map((c) => String(c.payload.node)).sort();
}

function onNodes(p: Plan): string[] {
  return Object.values(p.power!.nodesOn).flat().sort();
}

/** Every running guest on a node going down is moved or stopped by a change the power-off waits for. */
function expectSafeOffs(p: Plan, d: Desired, o: Observed): void {
  for (const off of p.changes.filter((c) => c.action === 'power-off')) {
    const n = d.nodes[String(off.payload.node)]!;
    expect(n.power.policy).not.toBe('always-on');
    for (const g of o.sites[n.site]!.guests.filter((x) => x.node === n.pveNode && x.status === 'running')) {
      const subject = `vm ${g.managed!.tenant}/${g.managed!.vm}`;
      const handled = p.changes.filter((c) => c.subject === subject && (c.action === 'migrate' || c.action === 'shutdown')).map((c) => c.id);
      expect(handled.some((id) => off.dependsOn.includes(id)), `${subject} on ${n.name}`).toBe(true);
    }
  }
}

describe('power plan of examples/realistic', () => {
  it.each([
    // lyo-cpu-2 (on-demand) holds nothing: new VMs go to nodes that are on anyway.
    { name: 'weekday 10:00', at: WEEKDAY_10, on: ['lyo-cpu-1', 'par-cpu-1', 'par-cpu-2'], off: ['lyo-cpu-2', 'mtr-pc-1', 'par-cpu-3'] },
    { name: 'weekday 23:00', at: WEEKDAY_23, on: [], off: ['lyo-cpu-1', 'lyo-cpu-2', 'mtr-pc-1', 'par-cpu-1', 'par-cpu-2', 'par-cpu-3'] },
    { name: 'Sunday 14:00', at: SUNDAY_14, on: ['lyo-cpu-1'], off: ['lyo-cpu-2', 'mtr-pc-1', 'par-cpu-1', 'par-cpu-2', 'par-cpu-3'] },
  ])('$name: the always-on nodes and the open windows stay on, idle sleepers go off', async ({ at, on, off }) => {
    const d = await realistic();
    // Observed as the previous office day left it: everything on, VMs placed and running.
    const o = placedObserved(d, WEEKDAY_10);
    const p = plan(d, o, at);
    for (const n of [...ALWAYS_ON, ...on]) expect(onNodes(p)).toContain(n);
    expect(offs(p)).toEqual(off);
    expect(p.refused.filter((r) => r.action === 'power-off')).toEqual([]);
    expectSafeOffs(p, d, o);
    expect(p.power!.timeline.map((e) => e.node).sort()).toEqual(Object.keys(d.nodes).sort());
  });

  it('weekday 23:00: office VMs are shut down cleanly and the Ceph hosts keep quorum', async () => {
    const d = await realistic();
    const p = plan(d, placedObserved(d, WEEKDAY_10), WEEKDAY_23);
    const shutdowns = p.changes.filter((c) => c.action === 'shutdown').map((c) => c.subject);
    expect(shutdowns).toContain('vm alpha-lecture/bbb');
    expect(shutdowns).not.toContain('vm alpha-lecture/nextcloud');
    expect(p.power!.nodesOn.paris).toEqual(['par-ceph-1', 'par-ceph-2', 'par-ceph-3']);
  });

  it('is deterministic, whatever order the providers listed guests in', async () => {
    const d = await realistic();
    const o = placedObserved(d, WEEKDAY_10);
    const shuffled: Observed = JSON.parse(JSON.stringify(o));
    for (const s of Object.values(shuffled.sites)) s.guests.reverse();
    const a = JSON.stringify(plan(d, o, WEEKDAY_23));
    expect(JSON.stringify(plan(d, o, WEEKDAY_23))).toBe(a);
    expect(JSON.stringify(plan(d, shuffled, WEEKDAY_23))).toBe(a);
  });

  it('the 7-day timeline honours minimum on and off times and boot lead', async () => {
    const d = await realistic();
    const r = powerTimeline(d, placedObserved(d, WEEKDAY_10), new Date('2026-03-02T00:00:00Z'), 168);
    for (const e of r.timeline) {
      const n = d.nodes[e.node]!;
      e.periods.slice(1, -1).forEach((p) => {
        const hours = (Date.parse(p.to) - Date.parse(p.from)) / 1000;
        expect(hours, `${e.node} ${p.state} ${p.from}`).toBeGreaterThanOrEqual(p.state === 'on' ? n.power.minOnSeconds : n.power.minOffSeconds);
      });
    }
    // par-cpu-1 boots in 4 min for office hours at 08:00 Paris (07:00Z in March).
    expect(r.transitions).toContainEqual(expect.objectContaining({ node: 'par-cpu-1', to: 'on', at: '2026-03-02T06:56:00.000Z' }));
    expect(r.timeline.find((e) => e.node === 'par-ceph-1')!.periods).toEqual([{ from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z', state: 'on' }]);
  });
});

/** Applies a plan to the observed state as the providers would, and records power changes. */
function applyTo(o: Observed, p: Plan, d: Desired, at: Date): void {
  for (const c of p.changes) {
    const s = o.sites[c.site]!;
    const guest = (vmid: unknown) => s.guests.find((g) => g.vmid === vmid)!;
    if (c.action === 'power-on' || c.action === 'power-off') {
      const n = d.nodes[String(c.payload.node)]!;
      const on = c.action === 'power-on';
      s.nodes.find((x) => x.name === n.pveNode)!.status = on ? 'online' : 'offline';
      s.power = [...(s.power ?? []).filter((x) => x.node !== n.name), { node: n.name, bmc: on ? 'on' : 'off', since: at.toISOString() } as never];
    } else if (c.action === 'migrate') guest(c.payload.vmid).node = String(c.payload.to);
    else if (c.action === 'start') guest(c.payload.vmid).status = 'running';
    else if (c.action === 'shutdown') guest(c.payload.vmid).status = 'stopped';
  }
}

describe('a simulated day of plans on examples/realistic', () => {
  it('never flaps, and every VM that must run runs on an online node', async () => {
    const d = await realistic();
    const o = placedObserved(d, new Date('2026-03-02T23:00:00Z'));
    const changes = new Map<string, { at: number; to: string }[]>();
    const violations: string[] = [];
    for (let t = Date.parse('2026-03-03T00:00:00Z'); t < Date.parse('2026-03-04T00:00:00Z'); t += 30 * 60_000) {
      const at = new Date(t);
      const p = plan(d, o, at);
      applyTo(o, p, d, at);
      for (const c of p.changes.filter((x) => x.action === 'power-on' || x.action === 'power-off')) {
        const list = changes.get(String(c.payload.node)) ?? [];
        list.push({ at: t, to: c.action });
        changes.set(String(c.payload.node), list);
      }
      for (const vm of Object.values(d.vms)) {
        if (!vmMustRun(d, vm, at)) continue;
        const g = o.sites[vm.site]!.guests.find((x) => x.vmid === vm.vmid)!;
        const online = o.sites[vm.site]!.nodes.find((n) => n.name === g.node)!.status === 'online';
        if (g.status !== 'running' || !online) violations.push(`${at.toISOString()} ${vm.id}`);
      }
    }
    expect(violations).toEqual([]);
    for (const [name, list] of changes) {
      const n = d.nodes[name]!;
      expect(list.length, name).toBeLessThanOrEqual(4);
      for (let k = 1; k < list.length; k++) {
        const gap = (list[k]!.at - list[k - 1]!.at) / 1000;
        expect(gap, `${name} ${list[k]!.to}`).toBeGreaterThanOrEqual(list[k]!.to === 'power-off' ? n.power.minOnSeconds : n.power.minOffSeconds);
      }
    }
    expect(changes.get('par-cpu-1')?.map((c) => c.to)).toEqual(['power-off', 'power-on', 'power-off']);
  });
});
