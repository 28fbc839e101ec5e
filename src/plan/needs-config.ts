// Which guests' full configs the provider must read before planning (the second observe pass).
// /cluster/resources is enough for a no-op cycle; a config is read only where the plan needs
// before/after values: the spec changed in Git, figures drifted behind marmite's back, an orphan
// may be protected, or an untagged guest at a desired vmid may be a half-created clone.

import type { Desired, Vm } from '../model/desired.js';
import type { Observed, ObservedGuest } from '../model/observed.js';
import { figuresDiffer, indexObserved, isManagedAs } from './observed-index.js';
import { buildVmTarget } from './vm-target.js';

export function configsNeeded(desired: Desired, observed: Observed): Record<string, number[]> {
  const index = indexObserved(observed);
  const desiredAt = new Map<string, Vm>();
  for (const vm of Object.values(desired.vms)) desiredAt.set(`${vm.site}|${vm.vmid}`, vm);
  const out: Record<string, number[]> = {};
  // index.guests is sorted by site then vmid, so each list comes out sorted.
  for (const guest of index.guests) {
    if (guest.config || guest.template) continue;
    if (!needsConfig(desired, guest, desiredAt.get(`${guest.site}|${guest.vmid}`))) continue;
    (out[guest.site] ??= []).push(guest.vmid);
  }
  return out;
}

function needsConfig(desired: Desired, guest: ObservedGuest, vm: Vm | undefined): boolean {
  if (!guest.managed) return vm !== undefined;
  if (vm && isManagedAs(guest, vm)) {
    return guest.managed.specHash !== buildVmTarget(desired, vm, guest.node).specHash || figuresDiffer(guest, vm);
  }
  // An orphan: whether it is protected decides between delete and a refusal.
  const id = `${guest.managed.tenant}/${guest.managed.vm}`;
  return desired.settings.prune && desired.vms[id] === undefined;
}
