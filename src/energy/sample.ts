// One energy reading of the fleet: each node's watts (its BMC's when it reports them, else the
// model) and how those watts are shared out to tenants. Pure: desired + observed + time in, a
// plain JSON sample out.
//
// Sharing rule. A running VM reserves part of its node: half of its weight is its share of the
// node's usable cores, half its share of usable memory (cores drive the busy watts, memory is what
// keeps a VM on a node and so what keeps the node on). When a node is overcommitted in one
// dimension, that dimension is shared by what is reserved instead of by what is usable, so the
// shares never add up to more than the node. Each tenant gets the node's watts times the sum of
// its VMs' weights; the rest, the unreserved capacity and the host's own overhead, goes to
// 'platform', as do guests marmite does not manage and everything a node draws while off.

import type { Desired, Node, Vm } from '../model/desired.js';
import type { Observed, ObservedGuest, ObservedNode, ObservedPower, ObservedSite } from '../model/observed.js';
import { nodeWatts } from './model.js';

export const PLATFORM = 'platform';

export type PowerSource = 'bmc' | 'model';

export interface SitePrice {
  pricePerKWh: number;
  currency: string;
  pue: number;
}

export interface NodeReading {
  site: string;
  state: 'on' | 'off';
  watts: number;
  source: PowerSource;
  /** What the node would draw if it were on now: its watts when on, its idle watts when off. */
  alwaysOnWatts: number;
  /** Watts per tenant, PLATFORM included; they add up to `watts`. */
  tenants: Record<string, number>;
}

export interface EnergySample {
  at: string; // ISO 8601
  /** Keyed by node name (nodes/<node>). */
  nodes: Record<string, NodeReading>;
  /** Nodes of the desired state with no reading this time (site unreachable, state unknown). */
  unknown: string[];
  sites: Record<string, SitePrice>;
}

export function sampleEnergy(desired: Desired, observed: Observed, at: Date | string): EnergySample {
  const nodes: Record<string, NodeReading> = {};
  const unknown: string[] = [];
  for (const node of Object.values(desired.nodes).sort((a, b) => cmp(a.name, b.name))) {
    const reading = readNode(desired, node, observed.sites[node.site]);
    if (reading) nodes[node.name] = reading;
    else unknown.push(node.name);
  }
  const sites: Record<string, SitePrice> = {};
  for (const site of Object.values(desired.sites).sort((a, b) => cmp(a.name, b.name))) {
    const { pricePerKWh, currency, pue } = site.electricity;
    sites[site.name] = { pricePerKWh, currency, pue };
  }
  return { at: new Date(at).toISOString(), nodes, unknown, sites };
}

function readNode(desired: Desired, node: Node, site: ObservedSite | undefined): NodeReading | undefined {
  const power = site?.power?.find((p) => p.node === node.name);
  const seen = site?.reachable ? site.nodes.find((n) => n.name === node.pveNode) : undefined;
  const bmcWatts = power?.watts !== undefined && Number.isFinite(power.watts) && power.watts >= 0 ? power.watts : undefined;
  const state = stateOf(power, seen) ?? (bmcWatts !== undefined ? 'on' : undefined);
  if (state === undefined) return undefined;
  const watts = bmcWatts ?? (state === 'on' ? nodeWatts(node.power, seen?.cpu ?? 0) : 0);
  const reading: NodeReading = {
    site: node.site,
    state,
    watts,
    source: bmcWatts !== undefined ? 'bmc' : 'model',
    alwaysOnWatts: state === 'on' ? watts : node.power.idleWatts,
    tenants: {},
  };
  const guests = state === 'on' && site ? site.guests.filter((g) => g.node === node.pveNode && g.status === 'running' && !g.template) : [];
  reading.tenants = shareWatts(watts, node, guests.map((g) => reservation(desired.vms, g)));
  return reading;
}

/** The BMC says on or off; without it, Proxmox's view (a node it sees offline is taken as off). */
function stateOf(power: ObservedPower | undefined, seen: ObservedNode | undefined): 'on' | 'off' | undefined {
  if (power?.bmc === 'on' || power?.bmc === 'off') return power.bmc;
  if (seen?.status === 'online') return 'on';
  if (seen?.status === 'offline') return 'off';
  return undefined;
}

export interface Reservation {
  tenant: string;
  cores: number;
  memoryMiB: number;
}

/** What a guest reserves: its desired size when marmite manages it, else what Proxmox shows. */
function reservation(vms: Record<string, Vm>, g: ObservedGuest): Reservation {
  if (!g.managed) return { tenant: PLATFORM, cores: g.maxcpu, memoryMiB: g.maxmemMiB };
  const vm = vms[`${g.managed.tenant}/${g.managed.vm}`];
  return { tenant: g.managed.tenant, cores: vm?.cores ?? g.maxcpu, memoryMiB: vm?.memoryMiB ?? g.maxmemMiB };
}

/** Splits `watts` by the sharing rule above; the result adds up to `watts`, in sorted key order. */
export function shareWatts(watts: number, node: Pick<Node, 'usable'>, reservations: readonly Reservation[]): Record<string, number> {
  const cores = Math.max(node.usable.cores, sum(reservations.map((r) => r.cores)));
  const memory = Math.max(node.usable.memoryMiB, sum(reservations.map((r) => r.memoryMiB)));
  const byTenant = new Map<string, number>();
  for (const r of reservations) {
    if (r.tenant === PLATFORM) continue;
    const weight = (ratio(r.cores, cores) + ratio(r.memoryMiB, memory)) / 2;
    byTenant.set(r.tenant, (byTenant.get(r.tenant) ?? 0) + watts * weight);
  }
  const out: Record<string, number> = {};
  let shared = 0;
  for (const [tenant, w] of [...byTenant].sort(([a], [b]) => cmp(a, b))) {
    out[tenant] = w;
    shared += w;
  }
  out[PLATFORM] = Math.max(0, watts - shared);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => cmp(a, b)));
}

function ratio(part: number, whole: number): number {
  return whole > 0 ? part / whole : 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
