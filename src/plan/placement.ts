// Where a new VM goes when Git does not pin it: an online compute node of its site, among the
// allowed ones, with room for its memory (the sum of guests already there against the node's
// usable memory: memory is never overcommitted on these small hosts, while vCPUs are, as Proxmox
// does, so a VM only needs no more cores than the node's usable cores), and not holding a VM of
// the same tenant's anti-affinity group. Always-on nodes first, then windows nodes, then
// on-demand ones; within a tier, best fit (the least memory left over, then the node name) packs
// guests so that sleepers can stay off. The power planner refines this later.

import type { Desired, Node, Vm } from '../model/desired.js';
import type { ObservedGuest } from '../model/observed.js';
import type { ObservedIndex } from './observed-index.js';

interface NodeLoad {
  node: Node;
  online: boolean;
  usedCores: number;
  usedMemoryMiB: number;
}

// Nodes that are on anyway come first: a VM placed on an on-demand node keeps it awake (and a VM
// on local storage cannot be moved off it to save energy).
const POLICY_TIER: Record<Node['power']['policy'], number> = { 'always-on': 0, windows: 1, 'on-demand': 2 };

export type PlacementResult = { ok: true; node: string } | { ok: false; reason: string };

export class SitePlacement {
  private readonly loads: NodeLoad[];
  /** `<tenant>/<label>` -> Proxmox nodes already holding a VM of that group. */
  private readonly groups = new Map<string, Set<string>>();

  constructor(desired: Desired, site: string, index: ObservedIndex) {
    const nodes = Object.values(desired.nodes)
      .filter((n) => n.site === site && n.roles.includes('compute'))
      .sort((a, b) => (a.pveNode < b.pveNode ? -1 : a.pveNode > b.pveNode ? 1 : 0));
    const byPve = new Map<string, NodeLoad>();
    this.loads = nodes.map((node) => {
      const load = { node, online: index.node(site, node.pveNode)?.status === 'online', usedCores: 0, usedMemoryMiB: 0 };
      byPve.set(node.pveNode, load);
      return load;
    });
    for (const guest of index.guests) {
      if (guest.site !== site || guest.template) continue;
      const load = byPve.get(guest.node);
      if (!load) continue;
      load.usedCores += guest.maxcpu;
      load.usedMemoryMiB += guest.maxmemMiB;
    }
  }

  /** An existing guest of a desired VM counts for its anti-affinity group where it stands. */
  noteExisting(vm: Vm, guest: ObservedGuest): void {
    this.markGroup(vm, guest.node);
  }

  choose(vm: Vm): PlacementResult {
    const allowed = vm.placement.nodes.length > 0 ? new Set(vm.placement.nodes) : undefined;
    const taken = vm.placement.antiAffinity ? this.groups.get(`${vm.tenant}/${vm.placement.antiAffinity}`) : undefined;
    const why: string[] = [];
    let best: { load: NodeLoad; left: number; tier: number } | undefined;
    for (const load of this.loads) {
      const name = load.node.pveNode;
      if (allowed && !allowed.has(load.node.name)) continue;
      if (!load.online) {
        why.push(`${name} offline`);
        continue;
      }
      if (taken?.has(name)) {
        why.push(`${name} holds anti-affinity group '${vm.placement.antiAffinity}'`);
        continue;
      }
      const freeMem = load.node.usable.memoryMiB - load.usedMemoryMiB;
      if (load.node.usable.cores < vm.cores || freeMem < vm.memoryMiB) {
        why.push(`${name} has ${load.node.usable.cores} usable cores and ${Math.max(freeMem, 0)} MiB free`);
        continue;
      }
      const left = freeMem - vm.memoryMiB;
      const tier = POLICY_TIER[load.node.power.policy];
      if (!best || tier < best.tier || (tier === best.tier && left < best.left)) best = { load, left, tier };
    }
    if (!best) {
      const detail = why.length > 0 ? why.join('; ') : 'no allowed compute node';
      return { ok: false, reason: `no node of site ${vm.site} can take ${vm.cores} cores and ${vm.memoryMiB} MiB (${detail})` };
    }
    this.reserve(vm, best.load.node.pveNode);
    return { ok: true, node: best.load.node.pveNode };
  }

  /** A pinned VM is placed where Git says; its resources still count for the VMs after it. */
  reserve(vm: Vm, pveNode: string): void {
    const load = this.loads.find((l) => l.node.pveNode === pveNode);
    if (load) {
      load.usedCores += vm.cores;
      load.usedMemoryMiB += vm.memoryMiB;
    }
    this.markGroup(vm, pveNode);
  }

  private markGroup(vm: Vm, pveNode: string): void {
    if (!vm.placement.antiAffinity) return;
    const key = `${vm.tenant}/${vm.placement.antiAffinity}`;
    const set = this.groups.get(key);
    if (set) set.add(pveNode);
    else this.groups.set(key, new Set([pveNode]));
  }
}
