// One decision for one site at one instant: which nodes must be on, where the VMs that must run
// go, and which power transitions the safety rules allow. The planner calls it once for `now`
// with the observed state; the timeline calls it at every step of its simulation.
//
// A transition a rule refuses is held (a power-off refused keeps the node on, a power-on refused
// keeps it off) and the packing runs again with that fact, so VMs are not moved off a node that
// stays on anyway. The loop ends because each round only adds held nodes.

import type { Node } from '../model/desired.js';
import type { ObservedCeph } from '../model/observed.js';
import { wattsPerGiB } from './energy-model.js';
import { pack, type PackItem, type PackNode } from './packing.js';
import { checkBootLead } from './rules/boot-lead.js';
import { checkCephHealth } from './rules/ceph-health.js';
import { checkCephPgs } from './rules/ceph-pgs.js';
import { checkMinOffTime, checkMinOnTime } from './rules/min-time.js';
import { checkMustRunVm, mustRunDependencies, type GuestOnNode } from './rules/must-run-vm.js';
import { checkNooutBeforeOff, nooutToClear } from './rules/noout.js';
import { checkPowerOff, checkPowerOn } from './rules/power-control.js';
import { checkQuorum } from './rules/quorum.js';
import type { RuleResult } from './rules/types.js';
import type { PowerItem, PowerNode, SiteModel } from './site-model.js';
import { localTime, type WindowCalendar } from './windows.js';

export interface Move {
  item: PowerItem;
  from: string;
  to: string;
  /** Live migration (running, disks on shared storage); offline otherwise. */
  live: boolean;
  /** A stopped VM moved off a node going down, so that it starts without waking that node. */
  park: boolean;
}

export interface Block {
  node: string;
  to: 'on' | 'off';
  rule: string;
  reason: string;
}

export interface SiteDecision {
  /** Nodes on after this step (transitions included, refused ones not). */
  on: Set<string>;
  powerOn: string[];
  powerOff: string[];
  /** Why each node is on or goes off, in plain words. */
  reasons: Map<string, string>;
  blocks: Block[];
  /** Where each VM that must run goes (item key -> node). */
  placement: Map<string, string>;
  moves: Move[];
  setNoout: Map<string, number[]>;
  clearNoout: Map<string, number[]>;
  /** Per node going down: change ids its power-off waits for (moves, shutdowns, deletes). */
  offDependsOn: Map<string, string[]>;
}

export interface DecideOptions {
  /** Simulation: unplaced VMs are placed freely and running VMs out of schedule stop by themselves. */
  simulate: boolean;
}

const RANK: Record<Node['power']['policy'], number> = { 'always-on': 0, windows: 1, 'on-demand': 2 };

export function moveId(site: string, item: PowerItem): string {
  return `proxmox:${site}/vm/${item.vm?.id ?? item.key}:migrate`;
}

function hhmm(at: number, tz: string): string {
  const l = localTime(at, tz);
  return `${l.weekday} ${String(l.hour).padStart(2, '0')}:${String(l.minute).padStart(2, '0')}`;
}

function windowReason(model: SiteModel, n: PowerNode, t: number, cal: WindowCalendar): string | undefined {
  const bootMs = n.node.power.bootSeconds * 1000;
  for (const w of n.node.power.windows) {
    if (cal.openWithin([w], t)) return `window ${w} is open`;
  }
  // Seen from the next plan: a window opening before then plus the boot time is due now.
  const ahead = t + model.cycleMs;
  for (const w of n.node.power.windows) {
    const next = cal.intervals(w).find((i) => i.start > t && i.start <= ahead + bootMs + 1);
    if (next && checkBootLead(n.node.name, next.start, ahead, n.node.power.bootSeconds).ok) return `window ${w} opens at ${hhmm(next.start, model.site.timezone)} and ${n.node.name} takes ${Math.round(n.node.power.bootSeconds / 60)} min to boot`;
  }
  return undefined;
}

interface Needs {
  now: Set<string>;
  soon: Set<string>;
}

function needs(model: SiteModel, t: number, cal: WindowCalendar): Needs {
  const now = new Set<string>();
  const soon = new Set<string>();
  // VMs share a handful of schedules: each is asked once.
  const memo = new Map<string, [boolean, boolean]>();
  for (const i of model.items) {
    if (!i.vm) {
      if (i.running && i.handledBy.length === 0) (now.add(i.key), soon.add(i.key));
      continue;
    }
    if (i.vm.state !== 'running') continue;
    const w = i.vm.schedule.windows;
    const key = w.join('\n');
    let open = memo.get(key);
    if (!open) memo.set(key, (open = [w.length === 0 || cal.openWithin(w, t), w.length === 0 || cal.openWithin(w, t, model.leadMs)]));
    if (open[0]) now.add(i.key);
    if (open[1]) soon.add(i.key);
  }
  return { now, soon };
}

function packItem(i: PowerItem, node: string | undefined): PackItem {
  return {
    key: i.key,
    memoryMiB: i.memoryMiB,
    cores: i.cores,
    ...(node === undefined ? {} : { current: node }),
    ...(i.allowed ? { allowed: i.allowed } : {}),
    ...(i.group ? { group: i.group } : {}),
  };
}

export function decideSite(model: SiteModel, t: number, cal: WindowCalendar, options: DecideOptions): SiteDecision {
  const need = needs(model, t, cal);
  const held = new Map<string, Block>();
  const forbidden = new Map<string, Block>();
  const blocks: Block[] = [];
  const maxRounds = model.nodes.length + 2;
  let result: Omit<SiteDecision, 'blocks'> | undefined;
  for (let round = 0; round < maxRounds; round++) {
    const r = decideOnce(model, t, cal, options, need, held, forbidden);
    result = r.decision;
    if (r.newBlocks.length === 0) break;
    for (const b of r.newBlocks) {
      blocks.push(b);
      (b.to === 'off' ? held : forbidden).set(b.node, b);
    }
  }
  return { ...result!, blocks };
}

function decideOnce(
  model: SiteModel,
  t: number,
  cal: WindowCalendar,
  options: DecideOptions,
  need: Needs,
  held: Map<string, Block>,
  forbidden: Map<string, Block>,
): { decision: Omit<SiteDecision, 'blocks'>; newBlocks: Block[] } {
  const reasons = new Map<string, string>();
  const sticky: PackItem[] = [];
  const fixed: PackItem[] = [];
  const movable: PackItem[] = [];
  const movableItems = new Set<string>();
  const stickyNodes = new Set<string>();
  for (const i of model.items) {
    const current = i.pinned ?? i.node;
    const cur = current === undefined ? undefined : model.byName.get(current);
    if (!need.soon.has(i.key)) {
      // Running guests that are not stopped by this plan keep their room.
      if (i.running && i.node !== undefined && !(options.simulate && i.vm)) fixed.push(packItem(i, i.node));
      continue;
    }
    if (!i.vm) {
      if (i.node !== undefined) fixed.push(packItem(i, i.node));
      continue;
    }
    const free = current === undefined && options.simulate;
    const canMove = i.managed && !i.created && i.pinned === undefined && i.running && i.shared && cur?.state === 'on';
    if (free || canMove) {
      movable.push(packItem(i, current));
      movableItems.add(i.key);
    } else if (current !== undefined) {
      // A VM that starts where it is wakes its node that node's boot time ahead, not earlier.
      if (!need.now.has(i.key) && cur && cur.state !== 'on' && !cal.openWithin(i.vm.schedule.windows, t, cur.node.power.bootSeconds * 1000 + model.cycleMs)) continue;
      sticky.push(packItem(i, current));
      stickyNodes.add(current);
    }
  }

  const packNodes: PackNode[] = model.nodes.map((n) => {
    const name = n.node.name;
    const policy = n.node.power.policy;
    const win = policy === 'windows' ? windowReason(model, n, t, cal) : undefined;
    let open = n.state === 'unknown' || policy === 'always-on' || win !== undefined || held.has(name);
    if (forbidden.has(name)) open = n.state === 'on';
    if (n.state === 'unknown') reasons.set(name, 'its power state is unknown: left as it is');
    else if (held.has(name)) reasons.set(name, `kept on: ${held.get(name)!.reason}`);
    else if (policy === 'always-on') reasons.set(name, 'always-on');
    else if (win !== undefined) reasons.set(name, win);
    return {
      name,
      open,
      canOpen: !forbidden.has(name) && n.state !== 'unknown' && (policy === 'on-demand' || stickyNodes.has(name)),
      target: n.compute && n.state !== 'unknown',
      rank: RANK[policy],
      efficiency: wattsPerGiB(n.node),
      usableMiB: n.node.usable.memoryMiB,
      usableCores: n.node.usable.cores,
    };
  });
  const packed = pack(packNodes, sticky, fixed, movable);
  const subjectOf = new Map(model.items.map((i) => [i.key, i.subject]));
  for (const [node, keys] of packed.openedFor) {
    const subjects = keys.map((k) => subjectOf.get(k) ?? k);
    reasons.set(node, `needed by ${subjects.length > 3 ? `${subjects.slice(0, 3).join(', ')} and ${subjects.length - 3} more` : subjects.join(', ')}`);
  }

  const moves: Move[] = [];
  for (const i of model.items) {
    if (!movableItems.has(i.key)) continue;
    const to = packed.placement.get(i.key);
    const from = i.pinned ?? i.node;
    if (to !== undefined && from !== undefined && to !== from) moves.push({ item: i, from, to, live: i.running && i.shared, park: false });
  }
  const movedOff = new Map(moves.map((m) => [m.item.key, m]));

  const newBlocks: Block[] = [];
  const offDependsOn = new Map<string, string[]>();
  const setNoout = new Map<string, number[]>();
  const powerOff: string[] = [];
  const powerOn: string[] = [];
  let onlineAfter = model.nodes.filter((n) => n.state === 'on').length;
  const cephDown: string[] = [];

  for (const n of model.nodes) {
    const name = n.node.name;
    if (n.state === 'on' && !packed.open.has(name)) {
      const guests = guestsOn(model, name, movedOff, options);
      const noout = n.osdHost ? checkNooutBeforeOff(name, n.node.pveNode, model.ceph) : undefined;
      const checks: (() => RuleResult)[] = [
        () => checkPowerOff(n.node, n.state),
        () => checkMinOnTime(name, n.since, t, n.node.power.minOnSeconds),
        () => checkMustRunVm(name, guests),
        () => checkQuorum(name, { nodes: model.nodes.length, onlineAfter: onlineAfter - 1, quorum: model.site.quorum, ...(model.quorate === undefined ? {} : { quorateNow: model.quorate }) }),
      ];
      if (n.osdHost) {
        checks.push(
          () => checkCephHealth(name, model.ceph),
          () => checkCephPgs(name, model.ceph!, [...cephDown, n.node.pveNode]),
          () => noout!.result,
        );
      }
      const failed = firstFailure(checks);
      if (failed) {
        newBlocks.push({ node: name, to: 'off', rule: failed.rule, reason: failed.reason });
        continue;
      }
      powerOff.push(name);
      onlineAfter -= 1;
      if (n.osdHost) {
        cephDown.push(n.node.pveNode);
        if (noout && noout.toSet.length > 0) setNoout.set(name, noout.toSet);
      }
      offDependsOn.set(name, mustRunDependencies(guests));
      reasons.set(name, offReason(n));
    } else if (n.state === 'off' && packed.open.has(name)) {
      const failed = firstFailure([() => checkPowerOn(n.node), () => checkMinOffTime(name, n.since, t, n.node.power.minOffSeconds)]);
      if (failed) {
        newBlocks.push({ node: name, to: 'on', rule: failed.rule, reason: failed.reason });
        continue;
      }
      powerOn.push(name);
    } else if (n.state === 'off') {
      reasons.set(name, offReason(n));
    }
  }

  const on = new Set(model.nodes.filter((n) => (n.state !== 'off' && !powerOff.includes(n.node.name)) || powerOn.includes(n.node.name)).map((n) => n.node.name));
  moves.push(...parkings(model, packed.placement, powerOff, on, need, offDependsOn));

  const clearNoout = new Map<string, number[]>();
  for (const n of model.nodes) {
    if (!n.osdHost || n.state !== 'on' || !on.has(n.node.name)) continue;
    const osds = nooutToClear(n.node.pveNode, model.ceph, true);
    if (osds.length > 0) clearNoout.set(n.node.name, osds);
  }
  return {
    decision: { on, powerOn, powerOff, reasons, placement: packed.placement, moves, setNoout, clearNoout, offDependsOn },
    newBlocks,
  };
}

function firstFailure(checks: (() => RuleResult)[]): { rule: string; reason: string } | undefined {
  for (const c of checks) {
    const r = c();
    if (!r.ok) return r;
  }
  return undefined;
}

function offReason(n: PowerNode): string {
  switch (n.node.power.policy) {
    case 'windows':
      return `none of its windows (${n.node.power.windows.join(', ')}) is open and no VM needs it`;
    case 'on-demand':
      return 'no VM that must run needs it';
    default:
      return 'always-on';
  }
}

function guestsOn(model: SiteModel, node: string, moved: Map<string, Move>, options: DecideOptions): GuestOnNode[] {
  const out: GuestOnNode[] = [];
  for (const i of model.items) {
    if (i.node !== node || !i.running) continue;
    const move = moved.get(i.key);
    if (move) {
      out.push({ subject: i.subject, mustRun: true, handledBy: [moveId(model.name, i)] });
    } else if (i.handledBy.length > 0) {
      out.push({ subject: i.subject, mustRun: true, handledBy: [...i.handledBy] });
    } else if (options.simulate && i.vm) {
      out.push({ subject: i.subject, mustRun: false, handledBy: [] });
    } else {
      const why = !i.managed ? 'not managed by marmite' : i.pinned !== undefined ? `pinned to ${i.pinned}` : !i.shared ? 'its disks are on local storage' : 'no room on the nodes that stay on';
      out.push({ subject: i.subject, mustRun: true, handledBy: [], why });
    }
  }
  return out;
}

/**
 * Stopped VMs with shared disks leave a node going down (an offline migration moves only their
 * config), so that their next start does not wake that node; they go to a node that stays on,
 * always-on first, the one with the most free memory. Local-disk VMs stay (moving them copies disks).
 */
function parkings(
  model: SiteModel,
  placement: Map<string, string>,
  powerOff: string[],
  on: Set<string>,
  need: Needs,
  offDependsOn: Map<string, string[]>,
): Move[] {
  if (powerOff.length === 0) return [];
  const used = new Map<string, number>();
  const groups = new Map<string, Set<string>>();
  for (const i of model.items) {
    const node = placement.get(i.key) ?? (need.soon.has(i.key) || (i.running && i.handledBy.length === 0) ? (i.pinned ?? i.node) : undefined);
    if (node === undefined) continue;
    used.set(node, (used.get(node) ?? 0) + i.memoryMiB);
    if (i.group) groups.set(i.group, (groups.get(i.group) ?? new Set()).add(node));
  }
  const moves: Move[] = [];
  const off = new Set(powerOff);
  const targets = model.nodes.filter((n) => n.compute && n.state === 'on' && on.has(n.node.name));
  const parked = new Set<string>();
  for (const i of model.items) {
    if (!i.vm || !i.managed || i.created || i.pinned !== undefined || !i.shared || i.node === undefined || !off.has(i.node)) continue;
    if (need.soon.has(i.key)) continue;
    const stoppedHere = !i.running || i.handledBy.some((id) => id.endsWith(':shutdown') || id.endsWith(':stop'));
    if (!stoppedHere || i.handledBy.some((id) => id.endsWith(':delete'))) continue;
    const fit = targets
      .filter((n) => (!i.allowed || i.allowed.has(n.node.name)) && !(i.group && groups.get(i.group)?.has(n.node.name)) && n.node.usable.cores >= i.cores)
      .map((n) => ({ n, free: n.node.usable.memoryMiB - (used.get(n.node.name) ?? 0) - i.memoryMiB }))
      .filter((x) => x.free >= 0)
      .sort((a, b) => RANK[a.n.node.power.policy] - RANK[b.n.node.power.policy] || b.free - a.free || (a.n.node.name < b.n.node.name ? -1 : 1))[0];
    if (!fit) continue;
    const to = fit.n.node.name;
    used.set(to, (used.get(to) ?? 0) + i.memoryMiB);
    if (i.group) groups.set(i.group, (groups.get(i.group) ?? new Set()).add(to));
    moves.push({ item: i, from: i.node, to, live: false, park: true });
    parked.add(i.node);
    const deps = offDependsOn.get(i.node);
    if (deps) deps.push(moveId(model.name, i));
    else offDependsOn.set(i.node, [moveId(model.name, i)]);
  }
  for (const node of parked) offDependsOn.set(node, [...new Set(offDependsOn.get(node))].sort());
  return moves;
}

/** A site's Ceph as the simulation sees it: OSDs up exactly when their host is on, cluster healthy. */
export function simulatedCeph(model: SiteModel, on: (node: string) => boolean): ObservedCeph | undefined {
  const pveOn = new Map(model.nodes.map((n) => [n.node.pveNode, on(n.node.name)]));
  const base = model.ceph;
  if (!base) return undefined;
  return {
    ...base,
    reachable: true,
    health: 'HEALTH_OK',
    checks: [],
    osds: base.osds.map((o) => ({ ...o, up: pveOn.get(o.host) ?? o.up, flags: pveOn.get(o.host) === false ? [...new Set([...o.flags, 'noout'])] : o.flags.filter((f) => f !== 'noout') })),
  };
}
