// The observe stage: asks every provider what it sees, in two passes. The first pass is the cheap
// summary (a handful of API calls whatever the number of VMs); the core then picks the few guests
// whose config must be read (spec hash differs, figures drifted, half-created) and asks again for
// those only. Providers stay dumb: they never decide what is worth reading.

import type { Desired } from '../model/desired.js';
import type { Observed, ObservedGuest, ObservedSite } from '../model/observed.js';
import { configsNeeded } from '../plan/needs-config.js';
import type { Provider } from '../providers/provider.js';

export interface ObserveStageOptions {
  deep: boolean;
  now: Date;
}

export async function observeAll(desired: Desired, providers: readonly Provider[], options: ObserveStageOptions): Promise<Observed> {
  const observed: Observed = {
    formatVersion: 1,
    observedAt: options.now.toISOString(),
    ...(desired.commit === undefined ? {} : { commit: desired.commit }),
    sites: {},
  };
  for (const name of Object.keys(desired.sites).sort()) {
    observed.sites[name] = { name, reachable: true, nodes: [], guests: [], deep: options.deep };
  }
  for (const provider of providers) {
    mergeSummary(observed, await provider.observe(desired, { deep: options.deep }));
  }
  const needed = configsNeeded(desired, observed);
  if (Object.values(needed).some((vmids) => vmids.length > 0)) {
    for (const provider of providers) {
      mergeGuestDetails(observed, await provider.observe(desired, { deep: false, configsFor: needed }));
    }
  }
  return observed;
}

export function mergeSummary(observed: Observed, patch: Record<string, Partial<ObservedSite>>): void {
  for (const [name, part] of Object.entries(patch)) {
    const site = (observed.sites[name] ??= { name, reachable: true, nodes: [], guests: [], deep: false });
    // An unreachable answer from any provider marks the site unreachable for planning.
    const reachable = site.reachable && (part.reachable ?? true);
    Object.assign(site, part, { name, reachable });
  }
}

export function mergeGuestDetails(observed: Observed, patch: Record<string, Partial<ObservedSite>>): void {
  for (const [name, part] of Object.entries(patch)) {
    const site = observed.sites[name];
    if (!site || !part.guests) continue;
    const byVmid = new Map<number, ObservedGuest>(part.guests.map((g) => [g.vmid, g]));
    site.guests = site.guests.map((g) => {
      const detail = byVmid.get(g.vmid);
      if (!detail) return g;
      return { ...g, ...(detail.config ? { config: detail.config } : {}), ...(detail.managed && !g.managed ? { managed: detail.managed } : {}) };
    });
  }
}
