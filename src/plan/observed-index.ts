// Lookups over Observed built once per plan, so planning 5,000 VMs stays linear: guests by
// site+vmid, managed guests by `<tenant>/<vm>`, nodes by Proxmox name.

import type { Desired, Vm } from '../model/desired.js';
import type { Observed, ObservedGuest, ObservedNode, ObservedSite } from '../model/observed.js';

export interface ObservedIndex {
  /** Only sites that answered; an unreachable site's lists are stale or empty. */
  reachable: Map<string, ObservedSite>;
  guestAt(site: string, vmid: number): ObservedGuest | undefined;
  /** Managed guests of a desired VM id (`<tenant>/<vm>`) in reachable sites, by site then vmid. */
  managedById(id: string): ObservedGuest[];
  node(site: string, pveNode: string): ObservedNode | undefined;
  /** Every guest of reachable sites, sorted by site then vmid. */
  guests: ObservedGuest[];
}

export function compareGuests(a: ObservedGuest, b: ObservedGuest): number {
  return a.site < b.site ? -1 : a.site > b.site ? 1 : a.vmid - b.vmid;
}

export function indexObserved(observed: Observed): ObservedIndex {
  const reachable = new Map<string, ObservedSite>();
  for (const name of Object.keys(observed.sites).sort()) {
    const site = observed.sites[name]!;
    if (site.reachable) reachable.set(name, site);
  }
  const bySiteVmid = new Map<string, ObservedGuest>();
  const byId = new Map<string, ObservedGuest[]>();
  const nodes = new Map<string, ObservedNode>();
  const guests: ObservedGuest[] = [];
  for (const [name, site] of reachable) {
    for (const node of site.nodes) nodes.set(`${name}|${node.name}`, node);
    // The site key, not guest.site, is authoritative: the provider filled the map per site.
    for (const guest of site.guests) guests.push(guest.site === name ? guest : { ...guest, site: name });
  }
  guests.sort(compareGuests);
  for (const guest of guests) {
    const key = `${guest.site}|${guest.vmid}`;
    // Proxmox vmids are unique per cluster; on a corrupt snapshot keep the first in sorted order.
    if (!bySiteVmid.has(key)) bySiteVmid.set(key, guest);
    if (guest.managed && !guest.template) {
      const id = `${guest.managed.tenant}/${guest.managed.vm}`;
      const list = byId.get(id);
      if (list) list.push(guest);
      else byId.set(id, [guest]);
    }
  }
  return {
    reachable,
    guestAt: (site, vmid) => bySiteVmid.get(`${site}|${vmid}`),
    managedById: (id) => byId.get(id) ?? [],
    node: (site, pveNode) => nodes.get(`${site}|${pveNode}`),
    guests,
  };
}

export function isManagedAs(guest: ObservedGuest, vm: Pick<Vm, 'tenant' | 'name'>): boolean {
  return !!guest.managed && guest.managed.tenant === vm.tenant && guest.managed.vm === vm.name;
}

/** Desired VMs sorted by id: the one iteration order every stage uses. */
export function sortedVms(desired: Desired): Vm[] {
  return Object.keys(desired.vms)
    .sort()
    .map((id) => desired.vms[id]!);
}

/** /cluster/resources figures that differ from the desired VM: drift visible without a config read. */
export function figuresDiffer(guest: ObservedGuest, vm: Vm): boolean {
  return guest.maxcpu !== vm.cores || guest.maxmemMiB !== vm.memoryMiB || bootDiskShort(guest, vm);
}

/** maxdisk is the boot disk; only a disk smaller than desired matters (rounding may add a little). */
export function bootDiskShort(guest: ObservedGuest, vm: Vm): boolean {
  const boot = vm.disks[0];
  return !!boot && guest.maxdiskGiB > 0 && guest.maxdiskGiB + 0.5 < boot.sizeGiB;
}
