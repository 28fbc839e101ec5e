// Fixtures for the power tests: the realistic example through validateRepository, and an
// observed state with every node online and every VM placed (where the VM plan's own placement
// put it on an empty cluster), running or stopped as its schedule says at a given instant.

import { guestFromTarget } from '../support/guest-from-target.js';
import type { Desired } from '../../src/model/desired.js';
import type { Observed, ObservedGuest, ObservedSite } from '../../src/model/observed.js';
import type { VmTarget } from '../../src/model/plan.js';
import { SitePlacement } from '../../src/plan/placement.js';
import { indexObserved, sortedVms } from '../../src/plan/observed-index.js';
import { buildVmTarget } from '../../src/plan/vm-target.js';
import { vmMustRun } from '../../src/power/windows.js';
import { validateRepository } from '../../src/validate/index.js';

let cache: Desired | undefined;

export async function realistic(): Promise<Desired> {
  if (cache) return cache;
  const { desired, diagnostics } = await validateRepository('examples/realistic');
  if (!desired) throw new Error(`examples/realistic is invalid: ${diagnostics.map((d) => d.message).join('; ')}`);
  cache = desired;
  return desired;
}

export function emptyObserved(d: Desired, offline: string[] = []): Observed {
  const sites: Record<string, ObservedSite> = {};
  for (const s of Object.keys(d.sites).sort()) {
    sites[s] = {
      name: s,
      reachable: true,
      quorate: true,
      nodes: Object.values(d.nodes)
        .filter((n) => n.site === s)
        .map((n) => ({ site: s, name: n.pveNode, status: offline.includes(n.name) ? 'offline' : 'online', maxcpu: n.capacity.cores, maxmemMiB: n.capacity.memoryMiB, cpu: 0.1, memUsedMiB: 0 })),
      guests: [],
      deep: false,
      // The BMC provider ran; readings are left out, so Proxmox's view decides.
      power: [],
    };
  }
  return { formatVersion: 1, observedAt: '2026-03-02T09:59:00.000Z', sites };
}

export function guestOf(t: VmTarget, running: boolean): ObservedGuest {
  return guestFromTarget(t, { running });
}

/** Every node online, every VM placed by the VM plan's placement, running when it must at `at`. */
export function placedObserved(d: Desired, at: Date): Observed {
  const observed = emptyObserved(d);
  const index = indexObserved(observed);
  const placements = new Map<string, SitePlacement>();
  for (const vm of sortedVms(d)) {
    let p = placements.get(vm.site);
    if (!p) placements.set(vm.site, (p = new SitePlacement(d, vm.site, index)));
    const pinned = vm.placement.node === undefined ? undefined : d.nodes[vm.placement.node]!.pveNode;
    let node = pinned;
    if (node === undefined) {
      const chosen = p.choose(vm);
      if (!chosen.ok) throw new Error(chosen.reason);
      node = chosen.node;
    } else p.reserve(vm, node);
    observed.sites[vm.site]!.guests.push(guestOf(buildVmTarget(d, vm, node), vmMustRun(d, vm, at)));
  }
  return observed;
}
