// A VM must fit on at least one node that may host it, or the planner could never place it.

import type { Node, Vm } from '../../model/desired.js';
import { at, type CheckContext } from '../context.js';
import { sortedEntries } from '../resolve.js';
import { formatMiB } from '../units.js';

export function checkCapacity(ctx: CheckContext): void {
  const { desired: d } = ctx;
  // Compute nodes per site, sorted once: the VMs are thousands, the nodes a few dozen.
  const computeBySite = new Map<string, Node[]>();
  for (const n of Object.values(d.nodes).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!n.roles.includes('compute')) continue;
    const list = computeBySite.get(n.site);
    if (list) list.push(n);
    else computeBySite.set(n.site, [n]);
  }
  for (const [id, vm] of sortedEntries(d.vms)) {
    if (vm.site === '' || !d.sites[vm.site]) continue;
    const hosts = candidateHosts(vm, computeBySite.get(vm.site) ?? []);
    if (hosts.length === 0) {
      if (vm.placement.node === undefined && vm.placement.nodes.length === 0) {
        ctx.diags.error(vm.file, at(ctx.repo, vm.file, []), 'vm-too-big', `vm ${id}: site ${vm.site} has no compute node to run it`);
      }
      continue; // a pin to an unknown or foreign node is reported by the reference check
    }
    if (hosts.some((n) => fits(vm, n))) continue;
    const largest = hosts.reduce((a, b) => (b.usable.memoryMiB > a.usable.memoryMiB ? b : a));
    const path = vm.placement.node !== undefined ? ['placement', 'node'] : ctx.repo.vms.get(id)?.value.flavor !== undefined ? ['flavor'] : [];
    const where = vm.placement.node !== undefined ? `node ${vm.placement.node}` : `any node of site ${vm.site}`;
    ctx.diags.error(
      vm.file,
      at(ctx.repo, vm.file, path),
      'vm-too-big',
      `vm ${id}: ${vm.cores} cores and ${formatMiB(vm.memoryMiB)} memory do not fit on ${where} (largest usable: ${largest.name} with ${largest.usable.cores} cores and ${formatMiB(largest.usable.memoryMiB)})`,
    );
  }
}

/** The site's compute nodes (sorted by name) that the VM's placement allows. */
function candidateHosts(vm: Vm, siteComputeNodes: Node[]): Node[] {
  const allowed = vm.placement.node !== undefined ? [vm.placement.node] : vm.placement.nodes;
  return allowed.length === 0 ? siteComputeNodes : siteComputeNodes.filter((n) => allowed.includes(n.name));
}

function fits(vm: Vm, n: Node): boolean {
  return vm.cores <= n.usable.cores && vm.memoryMiB <= n.usable.memoryMiB;
}
