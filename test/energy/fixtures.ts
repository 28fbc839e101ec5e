// A small fleet for the energy tests: one site, two nodes (one with a BMC that reads watts, one
// Wake-on-LAN desktop modelled from its CPU load), two tenants and their VMs.

import type { Desired, Node, Site, Vm } from '../../src/model/desired.js';
import type { Observed, ObservedGuest, ObservedNode, ObservedPower, ObservedSite } from '../../src/model/observed.js';
import { nodeHour, type EnergyLedger, type EnergySample, type NodeHour, type NodeReading } from '../../src/energy/index.js';

export function node(name: string, pveNode: string, over: Partial<Node['power']> = {}, usable = { cores: 16, memoryMiB: 65536 }): Node {
  return {
    file: `nodes/${name}.yaml`,
    name,
    site: 'paris',
    pveNode,
    capacity: { cores: usable.cores + 2, memoryMiB: usable.memoryMiB + 8192 },
    usable,
    roles: ['compute'],
    bmc: { driver: 'ipmi', address: '127.0.0.1' },
    power: { policy: 'on-demand', windows: [], idleWatts: 100, maxWatts: 300, bootSeconds: 240, shutdownSeconds: 120, minOnSeconds: 1800, minOffSeconds: 1800, ...over },
  };
}

function site(): Site {
  return {
    file: 'sites/paris.yaml',
    name: 'paris',
    displayName: 'Paris',
    timezone: 'Europe/Paris',
    proxmox: { endpoint: 'https://127.0.0.1:8006', credential: 'pve' },
    electricity: { pricePerKWh: 0.22, currency: 'EUR', pue: 1.5 },
    quorum: { qdevice: false },
    networks: {},
    storages: {},
  };
}

function vm(tenant: string, name: string, cores: number, memoryMiB: number, vmid: number): Vm {
  return {
    file: `tenants/${tenant}/vms/${name}.yaml`,
    id: `${tenant}/${name}`,
    name,
    tenant,
    vmid,
    site: 'paris',
    cores,
    memoryMiB,
    template: 'debian-12',
    state: 'running',
    disks: [],
    nics: [],
    cloudInit: { sshKeys: [], ip: 'dhcp' },
    schedule: { windows: [], shutdownTimeoutSeconds: 120 },
    ha: false,
    protected: false,
    placement: { nodes: [] },
  };
}

export function desired(): Desired {
  return {
    settings: {
      file: 'marmite.yaml',
      formatVersion: 1,
      timezone: 'Europe/Paris',
      prune: false,
      deletionGuard: { maxCount: 5, maxPercent: 20 },
      statusBranch: 'marmite/status',
      vmidRange: { from: 1000, to: 1999 },
    },
    sites: { paris: site() },
    nodes: {
      'par-cpu-1': node('par-cpu-1', 'pve1'),
      'par-cpu-2': node('par-cpu-2', 'pve2', { idleWatts: 60, maxWatts: 200 }),
    },
    flavors: {},
    templates: {},
    pools: {},
    windows: {},
    tenants: {},
    vms: {
      'ad28/web': vm('ad28', 'web', 4, 8192, 1001),
      'repair/db': vm('repair', 'db', 8, 16384, 1002),
    },
  };
}

export function guest(vmid: number, nodeName: string, over: Partial<ObservedGuest> = {}): ObservedGuest {
  return {
    site: 'paris',
    vmid,
    name: `vm${vmid}`,
    node: nodeName,
    type: 'qemu',
    status: 'running',
    template: false,
    tags: [],
    maxcpu: 2,
    maxmemMiB: 4096,
    maxdiskGiB: 10,
    ...over,
  };
}

export function observedNode(name: string, status: ObservedNode['status'], cpu: number): ObservedNode {
  return { site: 'paris', name, status, maxcpu: 18, maxmemMiB: 73728, cpu, memUsedMiB: 1024 };
}

export interface WorldState {
  at: string;
  nodes?: ObservedNode[];
  guests?: ObservedGuest[];
  power?: ObservedPower[];
  reachable?: boolean;
}

/** The usual picture: pve1 on at 50 % load with both tenants' VMs and an unmanaged guest, pve2 off. */
export function observed(state: WorldState): Observed {
  const site: ObservedSite = {
    name: 'paris',
    reachable: state.reachable ?? true,
    deep: false,
    nodes: state.nodes ?? [observedNode('pve1', 'online', 0.5), observedNode('pve2', 'offline', 0)],
    guests: state.guests ?? [
      guest(1001, 'pve1', { managed: { tenant: 'ad28', vm: 'web', specHash: 'x' } }),
      guest(1002, 'pve1', { managed: { tenant: 'repair', vm: 'db', specHash: 'y' } }),
      guest(900, 'pve1'),
    ],
    power: state.power ?? [
      { node: 'par-cpu-1', bmc: 'on', watts: 180 },
      { node: 'par-cpu-2', bmc: 'unknown' },
    ],
  };
  return { formatVersion: 1, observedAt: state.at, sites: { paris: site } };
}

const PRICE = { paris: { pricePerKWh: 0.22, currency: 'EUR', pue: 1.5 } };

/** A hand-made sample: each node at constant watts, all of it to `tenants` or the platform. */
export function sample(at: string, nodes: Record<string, Partial<NodeReading> & { watts: number }>, unknown: string[] = []): EnergySample {
  const out: EnergySample = { at: new Date(at).toISOString(), nodes: {}, unknown, sites: PRICE };
  for (const [name, r] of Object.entries(nodes)) {
    const state = r.state ?? 'on';
    out.nodes[name] = {
      site: 'paris',
      state,
      source: 'bmc',
      alwaysOnWatts: state === 'on' ? r.watts : 100,
      tenants: { platform: r.watts },
      ...r,
    };
  }
  return out;
}

/** A node's hour of a ledger, columns named; fails the test when absent. */
export function hour(ledger: EnergyLedger, node: string, at: string): NodeHour {
  const row = ledger.state.nodes[node]?.hours[at];
  if (!row) throw new Error(`ledger ${ledger.month}: no hour ${at} for ${node}`);
  return nodeHour(row);
}

/**
 * Compares two ledger files: the same structure, numbers within 2e-6 (files round kWh and money
 * to 1e-6, so a ledger reloaded midway may differ from an uninterrupted one in the last digit).
 */
export function sameLedger(actual: string, expected: string): string[] {
  const diffs: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (typeof a === 'number' && typeof b === 'number') {
      if (Math.abs(a - b) > 2e-6) diffs.push(`${path}: ${a} != ${b}`);
    } else if (a && b && typeof a === 'object' && typeof b === 'object') {
      const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
      for (const k of keys) walk((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    } else if (a !== b) diffs.push(`${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
  };
  walk(JSON.parse(actual), JSON.parse(expected), '$');
  return diffs;
}
