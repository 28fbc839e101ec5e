// The coming days, simulated: starting from the observed state, the planner's decision is taken
// at every instant where something can change (each hour, each window boundary, each boundary
// moved earlier by a boot time, each end of a minimum on/off time), transitions are applied at
// once (boot lead is already in the decision), and the result is each node's on/off periods.
// The simulation assumes a healthy Ceph cluster and that every change succeeds.

import type { Desired } from '../model/desired.js';
import type { Observed, ObservedCeph } from '../model/observed.js';
import type { PowerTimelineEntry, PowerTransition } from '../model/power.js';
import { decideSite, simulatedCeph } from './decide.js';
import { buildSiteModel, type PowerContext, type SiteModel } from './site-model.js';
import { WindowCalendar } from './windows.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface TimelineResult {
  timeline: PowerTimelineEntry[];
  /** Transitions the simulation makes, the first instant included. */
  transitions: PowerTransition[];
  /** Share of the horizon each node (nodes/<node>) is on, 0..1. */
  onShare: Record<string, number>;
}

/** A Ceph view for a site whose Ceph was not observed: one OSD per OSD host, the pools of Git. */
function cephFromDesired(desired: Desired, model: SiteModel): ObservedCeph | undefined {
  const hosts = model.nodes.filter((n) => n.osdHost);
  const pools = Object.values(desired.pools).filter((p) => p.site === model.name);
  if (hosts.length === 0) return undefined;
  return {
    reachable: true,
    health: 'HEALTH_OK',
    checks: [],
    flags: [],
    osds: hosts.map((n, i) => ({ id: i, host: n.node.pveNode, up: true, in: true, flags: [] })),
    pools: pools.map((p) => ({ name: p.name, size: p.size, minSize: p.minSize, pgNum: p.pgNum, application: p.application, quotaMaxBytes: 0, quotaMaxObjects: 0, usedBytes: 0, objects: 0 })),
  };
}

function simulationModel(desired: Desired, model: SiteModel): SiteModel {
  const nodes = model.nodes.map((n) => ({ ...n, state: n.state === 'unknown' ? ('on' as const) : n.state }));
  const ceph = model.ceph ?? (model.hasCeph ? cephFromDesired(desired, model) : undefined);
  return {
    ...model,
    nodes,
    byName: new Map(nodes.map((n) => [n.node.name, n])),
    items: model.items.map((i) => ({ ...i, handledBy: [], chain: [] })),
    ...(ceph ? { ceph } : {}),
    quorate: true,
  };
}

class Instants {
  private readonly list: number[] = [];
  private readonly must = new Set<number>();
  constructor(private readonly from: number, private readonly to: number) {}

  add(t: number, required = true): void {
    if (t < this.from || t >= this.to) return;
    if (required) this.must.add(t);
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    if (this.list[lo] !== t) this.list.splice(lo, 0, t);
  }

  /** Whether `t` is a window boundary (or the start), not only the end of a minimum time. */
  required(t: number): boolean {
    return this.must.has(t);
  }

  /** The first instant after `t`, or undefined. */
  after(t: number): number | undefined {
    for (const x of this.list) if (x > t) return x;
    return undefined;
  }
}

export function simulateSite(desired: Desired, base: SiteModel, from: number, hours: number, cal: WindowCalendar): TimelineResult {
  const to = from + hours * HOUR;
  const model = simulationModel(desired, base);
  const instants = new Instants(from, to);
  instants.add(from);
  // Decisions change only at window boundaries (and a boot time before them) and when a minimum
  // on/off time ends: those are the only instants simulated.
  // The end of a minimum on/off time matters only when a rule held a transition back: those
  // instants are skipped while the last decision had no block.
  const expiry = (t: number): void => instants.add(t, false);
  for (const n of model.nodes) if (n.since !== undefined) expiry(n.since + (n.state === 'on' ? n.node.power.minOnSeconds : n.node.power.minOffSeconds) * 1000);
  const vmWindows = [...new Set(model.items.flatMap((i) => i.vm?.schedule.windows ?? []))];
  for (const b of cal.boundaries(vmWindows)) (instants.add(b), instants.add(b - model.leadMs));
  for (const n of model.nodes) {
    for (const b of cal.boundaries(n.node.power.windows)) (instants.add(b), instants.add(b - n.node.power.bootSeconds * 1000));
  }

  const periods = new Map(model.nodes.map((n) => [n.node.name, [{ from, state: n.state as 'on' | 'off' }]]));
  const transitions: PowerTransition[] = [];
  const onMs = new Map<string, number>();
  const ceph0 = model.ceph;
  let blocked = true;
  for (let t: number | undefined = from; t !== undefined; t = instants.after(t)) {
    if (!instants.required(t) && !blocked) continue;
    for (const i of model.items) {
      if (i.vm && i.running && !(i.vm.state === 'running' && (i.vm.schedule.windows.length === 0 || cal.openWithin(i.vm.schedule.windows, t)))) i.running = false;
    }
    if (ceph0) {
      const ceph = simulatedCeph({ ...model, ceph: ceph0 }, (name) => model.byName.get(name)?.state === 'on');
      if (ceph) model.ceph = ceph;
    }
    const d = decideSite(model, t, cal, { simulate: true });
    blocked = d.blocks.length > 0;
    for (const [name, to2] of [...d.powerOn.map((n) => [n, 'on'] as const), ...d.powerOff.map((n) => [n, 'off'] as const)]) {
      const n = model.byName.get(name)!;
      n.state = to2;
      n.since = t;
      periods.get(name)!.push({ from: t, state: to2 });
      transitions.push({ site: model.name, node: name, to: to2, at: new Date(t).toISOString(), reason: d.reasons.get(name) ?? '' });
      expiry(t + (to2 === 'on' ? n.node.power.minOnSeconds : n.node.power.minOffSeconds) * 1000);
    }
    for (const m of d.moves) m.item.node = m.to;
    for (const i of model.items) {
      const placed = d.placement.get(i.key);
      if (placed !== undefined) i.node = placed;
      if (i.vm && i.node !== undefined && model.byName.get(i.node)?.state === 'on' && i.vm.state === 'running') {
        if (i.vm.schedule.windows.length === 0 || cal.openWithin(i.vm.schedule.windows, t)) i.running = true;
      }
    }
  }

  const timeline: PowerTimelineEntry[] = [];
  const onShare: Record<string, number> = {};
  for (const n of model.nodes) {
    const list = periods.get(n.node.name)!;
    const out: PowerTimelineEntry['periods'] = [];
    let on = 0;
    list.forEach((p, k) => {
      const end = k + 1 < list.length ? list[k + 1]!.from : to;
      if (end <= p.from) return;
      const last = out[out.length - 1];
      if (last && last.state === p.state) last.to = new Date(end).toISOString();
      else out.push({ from: new Date(p.from).toISOString(), to: new Date(end).toISOString(), state: p.state });
      if (p.state === 'on') on += end - p.from;
    });
    onMs.set(n.node.name, on);
    onShare[n.node.name] = hours > 0 ? on / (hours * HOUR) : n.state === 'on' ? 1 : 0;
    timeline.push({ site: model.name, node: n.node.name, periods: out });
  }
  return { timeline, transitions, onShare };
}

/** A calendar wide enough for a simulation from `from` over `hours`, boot leads included. */
export function timelineCalendar(desired: Desired, from: number, hours: number): WindowCalendar {
  return new WindowCalendar(desired, from - 2 * DAY, from + hours * HOUR + 2 * DAY);
}

/** Which nodes are on over the next `hours`, per site, from the observed state. */
export function powerTimeline(desired: Desired, observed: Observed, from: Date, hours: number, context: PowerContext = {}): TimelineResult {
  const start = from.getTime();
  const cal = timelineCalendar(desired, start, hours);
  const out: TimelineResult = { timeline: [], transitions: [], onShare: {} };
  for (const site of Object.keys(desired.sites).sort()) {
    const model = buildSiteModel(desired, observed, site, context);
    if (!model) continue;
    const r = simulateSite(desired, model, start, hours, cal);
    out.timeline.push(...r.timeline);
    out.transitions.push(...r.transitions);
    Object.assign(out.onShare, r.onShare);
  }
  out.transitions.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.site < b.site ? -1 : a.site > b.site ? 1 : a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return out;
}
