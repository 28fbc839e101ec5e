// The energy and euro effect of a merge request's changes per month. A change that carries its
// own figure (`change.energy`, from the power planner) is taken as it is; otherwise a VM change
// gets a labelled estimate: the VM's share of its site's usable memory, times the site's compute
// nodes' mid-load power ((idle + max) / 2), times PUE, price and 730 hours a month, scaled by the
// share of the week its schedule lets it run. Memory is what these hosts run out of first and
// what marmite never overcommits, so it is the fairest key for sharing out a host's power.

import type { Desired, Node, Vm } from '../model/desired.js';
import type { Change } from '../model/plan.js';

export const HOURS_PER_MONTH = 730;

export interface EnergyLine {
  changeId: string;
  subject: string;
  action: string;
  kWhPerMonth: number;
  costPerMonth: number;
  currency: string;
  /** `planner` when the change carried its figure, `estimate` when computed here. */
  source: 'planner' | 'estimate';
  note?: string;
}

export interface EnergyTotal {
  kWhPerMonth: number;
  costPerMonth: number;
  currency: string;
  /** Whether any line is an estimate. */
  estimated: boolean;
}

/** Share of a week (0..1) during which the VM must run. */
export function runShare(vm: Vm, desired: Desired): number {
  if (vm.state === 'stopped') return 0;
  return vm.schedule.windows.length === 0 ? 1 : windowShare(vm.schedule.windows, desired);
}

/** Share of a week (0..1) a node with this policy is on; undefined for on-demand (the planner decides). */
export function nodeOnShare(node: Node, desired: Desired): number | undefined {
  if (node.power.policy === 'always-on') return 1;
  if (node.power.policy === 'windows') return windowShare(node.power.windows, desired);
  return undefined;
}

/** Share of a week covered by the union of named windows; cron windows count as always (unknown length). */
export function windowShare(windows: readonly string[], desired: Desired): number {
  const week = new Uint8Array(7 * 1440);
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  for (const name of windows) {
    for (const p of desired.windows[name]?.periods ?? []) {
      if (p.kind === 'cron') return 1;
      for (const day of p.days) {
        const start = days.indexOf(day) * 1440 + p.startMinute;
        const length = (p.endMinute - p.startMinute + 1440) % 1440 || 1440;
        for (let m = 0; m < length; m++) week[(start + m) % week.length] = 1;
      }
    }
  }
  return week.reduce((s, x) => s + x, 0) / week.length;
}

/** Estimated kWh per month of `memoryMiB` on the VM's site, running `share` of the time. */
function vmKWh(desired: Desired, site: string, memoryMiB: number, share: number): { kWh: number; price: number; currency: string } | undefined {
  const s = desired.sites[site];
  const nodes = Object.values(desired.nodes).filter((n) => n.site === site && n.roles.includes('compute'));
  const usable = nodes.reduce((sum, n) => sum + n.usable.memoryMiB, 0);
  if (!s || usable <= 0) return undefined;
  const watts = nodes.reduce((sum, n) => sum + (n.power.idleWatts + n.power.maxWatts) / 2, 0);
  const kWh = ((memoryMiB / usable) * watts * s.electricity.pue * HOURS_PER_MONTH * share) / 1000;
  return { kWh, price: s.electricity.pricePerKWh, currency: s.electricity.currency };
}

function vmIdOf(change: Change): string | undefined {
  return change.subject.startsWith('vm ') ? change.subject.slice(3) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** The estimate for one change, or undefined when it does not move the energy use. */
export function estimateChange(change: Change, head: Desired | undefined, base: Desired | undefined): Omit<EnergyLine, 'changeId' | 'subject' | 'action' | 'source'> | undefined {
  const id = vmIdOf(change);
  if (id === undefined) return undefined;
  let delta: { desired: Desired; vm: Vm; memoryMiB: number } | undefined;
  if (change.action === 'create') {
    const vm = head?.vms[id];
    if (vm && head) delta = { desired: head, vm, memoryMiB: vm.memoryMiB };
  } else if (change.action === 'delete') {
    const vm = base?.vms[id];
    if (vm && base) delta = { desired: base, vm, memoryMiB: -vm.memoryMiB };
  } else if (change.action === 'update') {
    const vm = head?.vms[id];
    const before = num(change.before?.['memoryMiB']);
    const after = num(change.after?.['memoryMiB']);
    if (vm && head && before !== undefined && after !== undefined && before !== after) delta = { desired: head, vm, memoryMiB: after - before };
  }
  if (!delta) return undefined;
  const share = runShare(delta.vm, delta.desired);
  const e = vmKWh(delta.desired, delta.vm.site, delta.memoryMiB, share);
  if (!e) return undefined;
  const note = share < 1 ? `runs ${Math.round(share * 100)}% of the week, by its schedule` : undefined;
  return { kWhPerMonth: e.kWh, costPerMonth: e.kWh * e.price, currency: e.currency, ...(note ? { note } : {}) };
}

/** Energy lines for what the merge request adds, and the opposite of what it cancels. */
export function energyLines(added: readonly Change[], cancelled: readonly Change[], head: Desired | undefined, base: Desired | undefined): EnergyLine[] {
  const out: EnergyLine[] = [];
  const push = (c: Change, sign: 1 | -1): void => {
    const common = { changeId: c.id, subject: c.subject, action: sign === 1 ? c.action : `${c.action} (cancelled)` };
    if (c.energy) {
      out.push({ ...common, kWhPerMonth: sign * c.energy.kWhPerMonth, costPerMonth: sign * c.energy.costPerMonth, currency: c.energy.currency, source: 'planner', ...(c.energy.note ? { note: c.energy.note } : {}) });
      return;
    }
    const e = sign === 1 ? estimateChange(c, head, base) : estimateChange(c, base, head);
    if (e) out.push({ ...common, ...e, kWhPerMonth: sign * e.kWhPerMonth, costPerMonth: sign * e.costPerMonth, source: 'estimate' });
  };
  for (const c of added) push(c, 1);
  for (const c of cancelled) push(c, -1);
  return out;
}

export function energyTotals(lines: readonly EnergyLine[]): EnergyTotal[] {
  const by = new Map<string, EnergyTotal>();
  for (const l of lines) {
    const t = by.get(l.currency) ?? { kWhPerMonth: 0, costPerMonth: 0, currency: l.currency, estimated: false };
    t.kWhPerMonth += l.kWhPerMonth;
    t.costPerMonth += l.costPerMonth;
    t.estimated ||= l.source === 'estimate';
    by.set(l.currency, t);
  }
  return [...by.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

export function formatMoney(amount: number, currency: string, signed = true): string {
  const symbol = currency === 'EUR' ? '€' : currency;
  const rounded = Math.round(amount * 100) / 100;
  const sign = signed ? (rounded > 0 ? '+' : rounded < 0 ? '−' : '±') : rounded < 0 ? '−' : '';
  return `${sign}${Math.abs(rounded).toFixed(2)} ${symbol}`;
}

export function formatKWh(kWh: number): string {
  const rounded = Math.round(kWh * 10) / 10;
  const sign = rounded > 0 ? '+' : rounded < 0 ? '−' : '±';
  return `${sign}${Math.abs(rounded).toFixed(1)} kWh`;
}

export interface NodePowerChange {
  node: string;
  site: string;
  file: string;
  before?: { policy: string; windows: string[]; onShare?: number };
  after?: { policy: string; windows: string[]; onShare?: number };
}

/** Nodes whose power policy or windows the merge request changes (a node added or removed counts). */
export function nodePowerChanges(base: Desired | undefined, head: Desired | undefined): NodePowerChange[] {
  const names = [...new Set([...Object.keys(base?.nodes ?? {}), ...Object.keys(head?.nodes ?? {})])].sort();
  const out: NodePowerChange[] = [];
  const side = (d: Desired | undefined, name: string) => {
    const n = d?.nodes[name];
    if (!d || !n) return undefined;
    const share = nodeOnShare(n, d);
    return { policy: n.power.policy, windows: [...n.power.windows], ...(share === undefined ? {} : { onShare: share }) };
  };
  for (const name of names) {
    const before = side(base, name);
    const after = side(head, name);
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    const n = (head?.nodes[name] ?? base?.nodes[name])!;
    out.push({ node: name, site: n.site, file: n.file, ...(before ? { before } : {}), ...(after ? { after } : {}) });
  }
  return out;
}

/**
 * A node on less of the week saves about its idle draw while off (its VMs' load moves to other
 * nodes, so only the idle power really disappears).
 */
export function nodeEnergyLines(changes: readonly NodePowerChange[], head: Desired | undefined, base: Desired | undefined): EnergyLine[] {
  const out: EnergyLine[] = [];
  for (const c of changes) {
    const d = head?.nodes[c.node] ? head : base;
    const n = d?.nodes[c.node];
    const s = d?.sites[c.site];
    const from = c.before ? c.before.onShare : 0;
    const to = c.after ? c.after.onShare : 0;
    if (!n || !s || from === undefined || to === undefined || from === to) continue;
    const kWh = ((to - from) * n.power.idleWatts * s.electricity.pue * HOURS_PER_MONTH) / 1000;
    out.push({
      changeId: `node:${c.node}`,
      subject: `node ${c.node}`,
      action: 'power policy',
      kWhPerMonth: kWh,
      costPerMonth: kWh * s.electricity.pricePerKWh,
      currency: s.electricity.currency,
      source: 'estimate',
      note: `on ${Math.round(to * 100)}% of the week instead of ${Math.round(from * 100)}%, at its idle draw of ${n.power.idleWatts} W`,
    });
  }
  return out;
}
