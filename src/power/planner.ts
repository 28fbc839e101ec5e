// planPower(desired, observed, now, context): the power part of a plan. Pure: no I/O, no clock but
// `now`, deterministic. From the site models it decides which nodes must be on now, moves VMs off
// nodes going down, emits power-on / set-noout / power-off / clear-noout changes (each power-off
// depends on everything that must happen first), turns every refused transition into a
// PowerBlock and a Refusal, simulates the coming days, and states each change's energy effect.

import type { Desired, Node } from '../model/desired.js';
import { guestFingerprint } from '../model/marker.js';
import type { Observed } from '../model/observed.js';
import type { Change, Refusal } from '../model/plan.js';
import type { EnergyEffect, PowerBlock, PowerPlan } from '../model/power.js';
import { nooutChange } from '../providers/ceph/maintenance.js';
import { decideSite, moveId, type SiteDecision } from './decide.js';
import { HOURS_PER_MONTH, memoryLoad, monthlyEnergy, nodeWatts, sitePrice, vmWatts } from './energy-model.js';
import { buildSiteModel, type PowerContext, type PowerItem, type SiteModel } from './site-model.js';
import { simulateSite, timelineCalendar, type TimelineResult } from './timeline.js';
import type { WindowCalendar } from './windows.js';

export type { PowerContext } from './site-model.js';

export const DEFAULT_HORIZON_HOURS = 168;
/** How long the BMC's hard off may take before the provider gives up. */
const HARD_OFF_SECONDS = 60;

export interface PowerResult {
  power: PowerPlan;
  /** Power, noout and migration changes to add to the plan. */
  changes: Change[];
  refused: Refusal[];
  /** Extra dependencies of changes already planned (a start waits for its node's power-on). */
  dependsOn: Record<string, string[]>;
  /** Energy effect of changes already planned (creates, deletes, schedule shutdowns). */
  energy: Record<string, EnergyEffect>;
}

export function powerChangeId(site: string, node: string, action: 'power-on' | 'power-off'): string {
  return `bmc:${site}/node/${node}:${action}`;
}

export function planPower(desired: Desired, observed: Observed, now: Date, context: PowerContext = {}): PowerResult {
  const t = now.getTime();
  const hours = context.horizonHours ?? DEFAULT_HORIZON_HOURS;
  // Energy effects read a whole week of windows whatever the timeline horizon, so they do not
  // change when the timeline is skipped.
  const cal = timelineCalendar(desired, t, Math.max(hours, DEFAULT_HORIZON_HOURS));
  const out: PowerResult = {
    power: { nodesOn: {}, transitions: [], blocked: [], timeline: [], horizonHours: hours },
    changes: [],
    refused: [],
    dependsOn: {},
    energy: {},
  };
  for (const site of Object.keys(desired.sites).sort()) {
    const model = buildSiteModel(desired, observed, site, context);
    if (!model) continue;
    const decision = decideSite(model, t, cal, { simulate: false });
    const sim = hours > 0 ? simulateSite(desired, model, t, hours, cal) : undefined;
    out.power.nodesOn[site] = [...decision.on].sort();
    emitSite(out, model, decision, now, sim);
    energyOfVmChanges(out, model, decision, cal, t, context);
    if (sim) {
      out.power.timeline.push(...sim.timeline);
      out.power.transitions.push(...sim.transitions.filter((x) => Date.parse(x.at) > t));
    }
  }
  out.power.transitions.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.site < b.site ? -1 : a.site > b.site ? 1 : a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  return out;
}

/** Whether a plan should carry a power section: some node sleeps, or something was decided. */
export function hasPowerPlan(desired: Desired, result: PowerResult): boolean {
  return Object.values(desired.nodes).some((n) => n.power.policy !== 'always-on') || result.changes.length > 0 || result.power.blocked.length > 0;
}

function emitSite(out: PowerResult, model: SiteModel, d: SiteDecision, now: Date, sim: TimelineResult | undefined): void {
  const site = model.name;
  const at = now.toISOString();
  const price = sitePrice(model.site);
  const node = (name: string): Node => model.byName.get(name)!.node;
  const share = (name: string): number => sim?.onShare[name] ?? 1;
  const onIds = new Map<string, string>();

  for (const name of d.powerOn) {
    const n = node(name);
    const id = powerChangeId(site, name, 'power-on');
    onIds.set(name, id);
    const reason = d.reasons.get(name) ?? 'needed';
    out.power.transitions.push({ site, node: name, to: 'on', at, reason });
    const load = memoryLoad(n, loadOn(model, d, name));
    const hoursOn = share(name) * HOURS_PER_MONTH;
    out.changes.push({
      id,
      provider: 'bmc',
      site,
      subject: `node ${name}`,
      action: 'power-on',
      reason: `power on: ${reason}`,
      downtime: false,
      before: { power: 'off' },
      after: { power: 'on' },
      ...fingerprintOf(n, 'off'),
      dependsOn: [],
      payload: { node: name, pveNode: n.pveNode, bootSeconds: n.power.bootSeconds },
      energy: monthlyEnergy(nodeWatts(n, load), hoursOn, price, `on about ${Math.round(hoursOn)} h a month on this schedule`),
    });
  }

  for (const [name, osds] of d.clearNoout) out.changes.push(nooutChange(site, node(name).pveNode, osds, 'clear-noout'));

  const moveIds = new Map<string, string>();
  for (const m of d.moves) {
    const item = m.item;
    const guest = item.guest;
    if (!item.vm || !guest) continue;
    const id = moveId(site, item);
    moveIds.set(item.key, id);
    const from = node(m.from).pveNode;
    const to = node(m.to).pveNode;
    const how = m.live ? 'live migration: its disks are on shared storage' : 'offline migration: it is stopped';
    const why = m.park ? `${m.from} is going down and the VM is stopped: it moves so that its next start does not wake ${m.from}` : `packing onto fewer nodes: ${m.from} ${d.powerOff.includes(m.from) ? 'is going down' : 'is not needed for it'}`;
    out.changes.push({
      id,
      provider: 'proxmox',
      site,
      subject: item.subject,
      action: 'migrate',
      reason: `${why} (${how})`,
      downtime: false,
      before: { node: from },
      after: { node: to },
      fingerprint: guestFingerprint(guest),
      dependsOn: [...new Set([...(onIds.has(m.to) ? [onIds.get(m.to)!] : []), ...(m.park ? item.chain : item.chain.filter((c) => !c.endsWith(':shutdown')))])].sort(),
      payload: { vmid: item.vm.vmid, from, to, online: m.live },
    });
  }

  for (const name of d.powerOff) {
    const n = node(name);
    const deps = [...(d.offDependsOn.get(name) ?? [])];
    const osds = d.setNoout.get(name);
    if (osds) {
      const noout = nooutChange(site, n.pveNode, osds, 'set-noout', deps.filter((x) => x.startsWith('proxmox:')));
      out.changes.push(noout);
      deps.push(noout.id);
    }
    const reason = d.reasons.get(name) ?? 'not needed';
    out.power.transitions.push({ site, node: name, to: 'off', at, reason });
    const hoursOff = (1 - share(name)) * HOURS_PER_MONTH;
    out.changes.push({
      id: powerChangeId(site, name, 'power-off'),
      provider: 'bmc',
      site,
      subject: `node ${name}`,
      action: 'power-off',
      reason: `power off: ${reason}`,
      downtime: false,
      before: { power: 'on' },
      after: { power: 'off' },
      ...fingerprintOf(n, 'on'),
      dependsOn: [...new Set(deps)].sort(),
      payload: {
        node: name,
        pveNode: n.pveNode,
        softTimeoutSeconds: n.power.shutdownSeconds,
        hardTimeoutSeconds: HARD_OFF_SECONDS,
        shutdownTimeoutSeconds: n.power.shutdownSeconds,
      },
      energy: monthlyEnergy(-nodeWatts(n, 0), hoursOff, price, `off about ${Math.round(hoursOff)} h a month on this schedule, against always-on`),
    });
  }

  for (const b of d.blocks) {
    const block: PowerBlock = { site, node: b.node, to: b.to, rule: b.rule, reason: b.reason };
    out.power.blocked.push(block);
    out.refused.push({ subject: `node ${b.node}`, site, action: b.to === 'on' ? 'power-on' : 'power-off', rule: b.rule, reason: b.reason });
  }

  // Starts and creates on a node that is being powered on wait for it.
  for (const item of model.items) {
    if (!item.vm) continue;
    for (const id of item.chain) {
      const action = id.slice(id.lastIndexOf(':') + 1);
      if (action !== 'start' && action !== 'create' && action !== 'migrate') continue;
      const target = item.pinned ?? item.node;
      const onId = target === undefined ? undefined : onIds.get(target);
      if (onId) out.dependsOn[id] = [...new Set([...(out.dependsOn[id] ?? []), onId])];
    }
  }
}

/** The BMC provider fingerprints a node by its power state, which only IPMI and Redfish can read. */
function fingerprintOf(n: Node, state: 'on' | 'off'): { fingerprint?: string } {
  return n.bmc.driver === 'ipmi' || n.bmc.driver === 'redfish' ? { fingerprint: state } : {};
}

function loadOn(model: SiteModel, d: SiteDecision, node: string): number {
  let mib = 0;
  for (const i of model.items) if (d.placement.get(i.key) === node || (!d.placement.has(i.key) && i.running && i.node === node)) mib += i.memoryMiB;
  return mib;
}

/** Share of the coming week a VM runs: 1 without a schedule. */
function runShare(cal: WindowCalendar, windows: readonly string[], t: number): number {
  if (windows.length === 0) return 1;
  const week = 7 * 24 * 3_600_000;
  let open = 0;
  const merged = windows.flatMap((w) => cal.intervals(w)).sort((a, b) => a.start - b.start);
  let cursor = t;
  for (const i of merged) {
    const s = Math.max(i.start, cursor);
    const e = Math.min(i.end, t + week);
    if (e > s) {
      open += e - s;
      cursor = e;
    }
  }
  return open / week;
}

function energyOfVmChanges(out: PowerResult, model: SiteModel, d: SiteDecision, cal: WindowCalendar, t: number, context: PowerContext): void {
  const price = sitePrice(model.site);
  const bySubject = new Map<string, PowerItem>();
  for (const i of model.items) if (!bySubject.has(i.subject)) bySubject.set(i.subject, i);
  const perNode = new Map<string, number>();
  // VMs that run (or are being created) on each node: a VM alone on an on-demand node keeps it on.
  for (const i of model.items) {
    const node = d.placement.get(i.key) ?? i.pinned ?? i.node;
    if (node !== undefined && (i.running || i.created)) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const shares = new Map<string, number>();
  for (const c of context.changes ?? []) {
    if (c.site !== model.name || c.provider !== 'proxmox') continue;
    if (c.action !== 'create' && c.action !== 'delete' && c.action !== 'shutdown') continue;
    const item = bySubject.get(c.subject);
    if (!item) continue;
    const nodeName = d.placement.get(item.key) ?? item.pinned ?? item.node;
    const n = nodeName === undefined ? undefined : model.byName.get(nodeName)?.node;
    if (!n) continue;
    const windows = item.vm?.schedule.windows ?? [];
    const key = windows.join(',');
    let share = shares.get(key);
    if (share === undefined) shares.set(key, (share = runShare(cal, windows, t)));
    if (!item.vm || item.vm.state !== 'running') share = 0;
    const watts = vmWatts(n, item.memoryMiB);
    if (c.action === 'create') {
      if (share === 0) continue;
      const alone = n.power.policy === 'on-demand' && (perNode.get(n.name) ?? 0) === 1;
      const w = alone ? watts + n.power.idleWatts : watts;
      const when = windows.length > 0 ? `during ${windows.join(', ')}` : 'all the time';
      const note = alone ? `keeps ${n.name} on ${when}` : `adds load on ${n.name} ${when}`;
      out.energy[c.id] = monthlyEnergy(w, share * HOURS_PER_MONTH, price, note);
    } else if (c.action === 'delete') {
      if (!item.running) continue;
      out.energy[c.id] = monthlyEnergy(-watts, HOURS_PER_MONTH, price, `frees its load on ${n.name}`);
    } else {
      const note = item.vm?.state === 'stopped' ? 'stopped in Git' : `stopped outside its schedule (${windows.join(', ')})`;
      out.energy[c.id] = monthlyEnergy(-watts, (1 - share) * HOURS_PER_MONTH, price, note);
    }
  }
}
