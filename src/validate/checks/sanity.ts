// Numbers that parse but cannot be right: tiny VMs, inverted watt ranges, pools that cannot
// stay writable, disks that would shrink the template's, hosts reserved beyond their capacity.

import { at, type CheckContext } from '../context.js';
import { sortedEntries } from '../resolve.js';
import { formatGiB, formatMiB } from '../units.js';

export const MIN_VM_MEMORY_MIB = 64;

export function checkSanity(ctx: CheckContext): void {
  const { desired: d, repo, diags } = ctx;

  for (const [name, f] of sortedEntries(d.flavors)) {
    if (f.memoryMiB < MIN_VM_MEMORY_MIB) {
      diags.error(f.file, at(repo, f.file, ['flavors', name, 'memory']), 'units', `flavor ${name}: memory ${formatMiB(f.memoryMiB)} is below the ${MIN_VM_MEMORY_MIB}MiB minimum`);
    }
  }

  for (const [id, vm] of sortedEntries(d.vms)) {
    const spec = repo.vms.get(id)?.value;
    if (spec?.memory !== undefined && vm.memoryMiB < MIN_VM_MEMORY_MIB) {
      diags.error(vm.file, at(repo, vm.file, ['memory']), 'units', `vm ${id}: memory ${formatMiB(vm.memoryMiB)} is below the ${MIN_VM_MEMORY_MIB}MiB minimum`);
    }
    const template = d.templates[vm.template];
    const boot = vm.disks[0];
    if (!template || !boot || template.diskGiB === 0) continue;
    if (boot.sizeGiB < template.diskGiB) {
      const path = spec?.disks?.length ? ['disks', 0, 'size'] : ['flavor'];
      diags.error(vm.file, at(repo, vm.file, path), 'disk-shrink', `vm ${id}: boot disk ${formatGiB(boot.sizeGiB)} is smaller than template ${template.name}'s ${formatGiB(template.diskGiB)}; disks can grow, never shrink`);
    }
  }

  for (const [name, n] of sortedEntries(d.nodes)) {
    if (n.power.idleWatts > n.power.maxWatts) {
      diags.error(n.file, at(repo, n.file, ['power', 'idleWatts']), 'units', `node ${name}: idleWatts ${n.power.idleWatts} is more than maxWatts ${n.power.maxWatts}`);
    }
    if (n.usable.cores <= 0 || n.usable.memoryMiB <= 0) {
      diags.error(n.file, at(repo, n.file, ['capacity', 'reserved']), 'units', `node ${name}: reserved resources leave nothing for VMs (${n.usable.cores} cores, ${formatMiB(Math.max(0, n.usable.memoryMiB))} usable)`);
    }
  }

  for (const [name, p] of sortedEntries(d.pools)) {
    if (p.minSize > p.size) {
      diags.error(p.file, at(repo, p.file, ['minSize']), 'units', `pool ${name}: minSize ${p.minSize} is more than size ${p.size}, so the pool could never accept writes`);
    }
  }

  for (const [name, t] of sortedEntries(d.tenants)) {
    if (t.vmidRange && t.vmidRange.from > t.vmidRange.to) {
      diags.error(t.file, at(repo, t.file, ['vmidRange']), 'units', `tenant ${name}: vmidRange from ${t.vmidRange.from} is after to ${t.vmidRange.to}`);
    }
  }
  const r = d.settings.vmidRange;
  if (r.from > r.to) {
    diags.error(d.settings.file, at(repo, d.settings.file, ['vmidRange']), 'units', `settings: vmidRange from ${r.from} is after to ${r.to}`);
  }
}
