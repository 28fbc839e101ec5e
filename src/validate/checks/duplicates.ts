// Names that must be unique within a site: Proxmox node names, VMIDs (VMs and templates share one
// VMID space per Proxmox cluster) and a VM's disk slots.

import type { FieldPath } from '../../load/types.js';
import { at, type CheckContext } from '../context.js';
import { sortedEntries } from '../resolve.js';

export function checkDuplicates(ctx: CheckContext): void {
  checkPveNodes(ctx);
  checkVmids(ctx);
  checkDiskSlots(ctx);
}

function checkPveNodes(ctx: CheckContext): void {
  const seen = new Map<string, string>(); // site/pveNode -> node name
  for (const [name, n] of sortedEntries(ctx.desired.nodes)) {
    const key = `${n.site}/${n.pveNode}`;
    const other = seen.get(key);
    if (other === undefined) {
      seen.set(key, name);
      continue;
    }
    const path = ctx.repo.nodes.get(name)?.value.pveNode !== undefined ? ['pveNode'] : [];
    ctx.diags.error(n.file, at(ctx.repo, n.file, path), 'duplicate-name', `node ${name}: Proxmox node name '${n.pveNode}' is already used by node ${other} in site ${n.site}`);
  }
}

interface VmidOwner {
  subject: string;
  file: string;
  path: FieldPath;
}

function checkVmids(ctx: CheckContext): void {
  const bySite = new Map<string, Map<number, VmidOwner[]>>();
  const add = (site: string, vmid: number, owner: VmidOwner): void => {
    const ids = bySite.get(site) ?? new Map<number, VmidOwner[]>();
    bySite.set(site, ids);
    ids.set(vmid, [...(ids.get(vmid) ?? []), owner]);
  };
  for (const [name, t] of sortedEntries(ctx.desired.templates)) {
    for (const site of t.sites) add(site, t.vmid, { subject: `template ${name}`, file: t.file, path: ['templates', name, 'vmid'] });
  }
  for (const [id, vm] of sortedEntries(ctx.desired.vms)) {
    if (vm.site !== '') add(vm.site, vm.vmid, { subject: `vm ${id}`, file: vm.file, path: ['vmid'] });
  }
  for (const [site, ids] of sortedEntries(bySite)) {
    for (const [vmid, owners] of ids) {
      if (owners.length < 2) continue;
      for (const o of owners) {
        const others = owners.filter((x) => x !== o).map((x) => `${x.subject} (${x.file})`);
        ctx.diags.error(o.file, at(ctx.repo, o.file, o.path), 'duplicate-vmid', `${o.subject}: vmid ${vmid} is also used in site ${site} by ${others.join(', ')}`);
      }
    }
  }
}

function checkDiskSlots(ctx: CheckContext): void {
  for (const [id, vm] of sortedEntries(ctx.desired.vms)) {
    const seen = new Set<string>();
    vm.disks.forEach((disk, i) => {
      if (seen.has(disk.slot)) {
        ctx.diags.error(vm.file, at(ctx.repo, vm.file, ['disks', i]), 'duplicate-name', `vm ${id}: disk slot ${disk.slot} is used twice`);
      }
      seen.add(disk.slot);
    });
  }
}
