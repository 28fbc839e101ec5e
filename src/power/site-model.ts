// The facts the power planner works on, per site: nodes with their power state and when it last
// changed, and every guest that takes room on a node (desired VMs, VMs being created by the plan,
// guests marmite does not manage). Built once from desired, observed and the plan's VM changes;
// the timeline simulation then evolves a copy of it.

import type { Desired, Node, Site, Vm } from '../model/desired.js';
import type { Observed, ObservedCeph, ObservedGuest, ObservedPower, ObservedSite } from '../model/observed.js';
import type { Change } from '../model/plan.js';
import type { NodePowerState } from './rules/power-control.js';

/**
 * ObservedPower as the agent may extend it: `since` is when the node last changed power state
 * (ISO 8601), carried over from the agent's reports. Optional; the planner's context can give it
 * too (`lastTransition`).
 */
export interface ObservedPowerSince extends ObservedPower {
  since?: string;
  /** Proxmox's view as the BMC provider records it (ObservedPowerDetail). */
  proxmox?: 'online' | 'offline' | 'unknown';
}

export interface PowerContext {
  /** The VM changes planned before the power planner runs (creates, starts, shutdowns, deletes...). */
  changes?: readonly Change[];
  /**
   * When each node (nodes/<node> name) last changed power state, ISO 8601. The agent supplies it
   * from its reports; without it a node is taken to have been in its state long enough.
   */
  lastTransition?: Record<string, string>;
  /** Timeline horizon in hours (default 168: a week; 0: no timeline). */
  horizonHours?: number;
  /**
   * Seconds until the next plan (the agent's poll interval). A node is powered on when it is
   * needed before the next plan plus its boot time, so it is up when the need begins.
   */
  cycleSeconds?: number;
}

export interface PowerNode {
  node: Node;
  state: NodePowerState;
  /** Epoch ms of the last power change, when known. */
  since?: number;
  compute: boolean;
  osdHost: boolean;
}

export interface PowerItem {
  /** `vm:<tenant>/<vm>` or `guest:<vmid>`. */
  key: string;
  subject: string;
  vm?: Vm;
  guest?: ObservedGuest;
  memoryMiB: number;
  cores: number;
  /** nodes/<node> name where it is now; undefined when it is not placed yet. */
  node?: string;
  running: boolean;
  /** All its disks are on storage every node of the site sees (live migration possible). */
  shared: boolean;
  pinned?: string;
  allowed?: ReadonlySet<string>;
  /** `<tenant>/<label>`: VMs of one anti-affinity group go to different nodes. */
  group?: string;
  managed: boolean;
  /** Being created by this plan: stays where the VM plan put it. */
  created: boolean;
  /** Ids of the plan's changes that stop or remove it (shutdown, stop, delete). */
  handledBy: string[];
  /** Ids of every change of the plan on this guest, which a move must wait for. */
  chain: string[];
}

export interface SiteModel {
  name: string;
  site: Site;
  nodes: PowerNode[];
  byName: Map<string, PowerNode>;
  items: PowerItem[];
  ceph?: ObservedCeph;
  /** The site has Ceph (an endpoint in Git, or a Ceph observation). */
  hasCeph: boolean;
  quorate?: boolean;
  /** Longest boot time among nodes that sleep, plus the cycle: how far ahead a VM's schedule wakes capacity. */
  leadMs: number;
  /** Until the next plan (PowerContext.cycleSeconds). */
  cycleMs: number;
}

function powerState(node: Node, site: ObservedSite | undefined): NodePowerState {
  // No power observation at all means no BMC provider ran: nothing can be switched, so nothing is.
  if (!site || !site.reachable || site.power === undefined) return 'unknown';
  const pve = site.nodes.find((n) => n.name === node.pveNode)?.status ?? 'unknown';
  const power = site.power?.find((p) => p.node === node.name);
  const bmc = power?.bmc;
  const canRead = node.bmc.driver === 'ipmi' || node.bmc.driver === 'redfish';
  if (pve === 'online') {
    // A BMC that can read power and cannot now (dead BMC) makes the state unknown: never switched.
    return canRead && power !== undefined && bmc === 'unknown' ? 'unknown' : 'on';
  }
  if (pve === 'offline') return bmc === 'on' ? 'unknown' : 'off';
  return bmc === 'off' ? 'off' : 'unknown';
}

function sharedStorages(desired: Desired, site: Site): Set<string> {
  const out = new Set<string>();
  for (const s of Object.values(site.storages)) if (s.shared) out.add(s.name);
  for (const p of Object.values(desired.pools)) if (p.site === site.name && p.proxmoxStorage && p.application === 'rbd') out.add(p.name);
  return out;
}

function parseTime(iso: string | undefined): number | undefined {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

/** Changes of the VM plan per subject, and the node a create or start targets. */
function indexChanges(changes: readonly Change[]): Map<string, Change[]> {
  const out = new Map<string, Change[]>();
  for (const c of changes) {
    if (c.provider !== 'proxmox') continue;
    const list = out.get(`${c.site}|${c.subject}`);
    if (list) list.push(c);
    else out.set(`${c.site}|${c.subject}`, [c]);
  }
  return out;
}

const STOPPING = new Set(['shutdown', 'stop', 'delete']);

export function buildSiteModel(desired: Desired, observed: Observed, siteName: string, context: PowerContext): SiteModel | undefined {
  const site = desired.sites[siteName];
  const seen = observed.sites[siteName];
  if (!site || !seen || !seen.reachable) return undefined;
  const nodes = Object.values(desired.nodes)
    .filter((n) => n.site === siteName)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const pveToName = new Map(nodes.map((n) => [n.pveNode, n.name]));
  const osdHosts = new Set((seen.ceph?.osds ?? []).map((o) => o.host));
  const powerNodes: PowerNode[] = nodes.map((node) => {
    const power = seen.power?.find((p) => p.node === node.name) as ObservedPowerSince | undefined;
    const since = parseTime(context.lastTransition?.[node.name]) ?? parseTime(power?.since);
    return {
      node,
      state: powerState(node, seen),
      ...(since === undefined ? {} : { since }),
      compute: node.roles.includes('compute'),
      osdHost: node.roles.includes('ceph-osd') || osdHosts.has(node.pveNode),
    };
  });
  const byName = new Map(powerNodes.map((n) => [n.node.name, n]));
  const shared = sharedStorages(desired, site);
  const bySubject = indexChanges(context.changes ?? []);

  const guestsByVmid = new Map<number, ObservedGuest>();
  for (const g of seen.guests) if (!guestsByVmid.has(g.vmid)) guestsByVmid.set(g.vmid, g);
  const items: PowerItem[] = [];
  const claimed = new Set<number>();
  for (const id of Object.keys(desired.vms).sort()) {
    const vm = desired.vms[id]!;
    if (vm.site !== siteName) continue;
    const subject = `vm ${vm.id}`;
    const changes = bySubject.get(`${siteName}|${subject}`) ?? [];
    const g0 = guestsByVmid.get(vm.vmid);
    const guest = g0 && !g0.template && g0.managed?.tenant === vm.tenant && g0.managed.vm === vm.name ? g0 : undefined;
    const create = changes.find((c) => c.action === 'create');
    let node: string | undefined;
    if (guest) {
      claimed.add(guest.vmid);
      node = pveToName.get(guest.node);
    } else if (create) {
      const target = (create.payload as { target?: { node?: string } }).target?.node;
      node = target === undefined ? undefined : pveToName.get(target);
    }
    items.push({
      key: `vm:${vm.id}`,
      subject,
      vm,
      ...(guest ? { guest } : {}),
      memoryMiB: vm.memoryMiB,
      cores: vm.cores,
      ...(node === undefined ? {} : { node }),
      running: guest?.status === 'running',
      shared: vm.disks.length > 0 && vm.disks.every((d) => shared.has(d.storage)),
      ...(vm.placement.node === undefined ? {} : { pinned: vm.placement.node }),
      ...(vm.placement.nodes.length > 0 ? { allowed: new Set(vm.placement.nodes) } : {}),
      ...(vm.placement.antiAffinity === undefined ? {} : { group: `${vm.tenant}/${vm.placement.antiAffinity}` }),
      managed: true,
      created: !guest && create !== undefined,
      handledBy: changes.filter((c) => STOPPING.has(c.action)).map((c) => c.id),
      chain: changes.map((c) => c.id),
    });
  }
  // Guests that are not (or no longer) desired VMs still take room, and block a power-off while
  // they run, unless the plan deletes them.
  for (const g of [...seen.guests].sort((a, b) => a.vmid - b.vmid)) {
    if (g.template || claimed.has(g.vmid)) continue;
    const subject = g.managed ? `vm ${g.managed.tenant}/${g.managed.vm}` : `guest ${g.name} (vmid ${g.vmid})`;
    const changes = bySubject.get(`${siteName}|${subject}`) ?? [];
    const node = pveToName.get(g.node);
    items.push({
      key: `guest:${g.vmid}`,
      subject,
      guest: g,
      memoryMiB: g.maxmemMiB,
      cores: g.maxcpu,
      ...(node === undefined ? {} : { node }),
      running: g.status === 'running',
      shared: false,
      managed: false,
      created: false,
      handledBy: changes.filter((c) => STOPPING.has(c.action) && (c.payload as { vmid?: number }).vmid === g.vmid).map((c) => c.id),
      chain: [],
    });
  }
  const sleepers = powerNodes.filter((n) => n.node.power.policy !== 'always-on');
  return {
    name: siteName,
    site,
    nodes: powerNodes,
    byName,
    items,
    ...(seen.ceph ? { ceph: seen.ceph } : {}),
    hasCeph: site.ceph !== undefined || seen.ceph !== undefined,
    ...(seen.quorate === undefined ? {} : { quorate: seen.quorate }),
    leadMs: Math.max(0, ...sleepers.map((n) => n.node.power.bootSeconds * 1000)) + (context.cycleSeconds ?? 0) * 1000,
    cycleMs: (context.cycleSeconds ?? 0) * 1000,
  };
}
