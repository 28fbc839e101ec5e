// The Proxmox VE provider: observe sites, fingerprint guests, apply one change at a time.
// Clients are made per site on first use and injected nowhere else; secrets stay inside them.

import { guestFingerprint } from '../../model/marker.js';
import type { Desired } from '../../model/desired.js';
import type { ObservedSite } from '../../model/observed.js';
import type { Change } from '../../model/plan.js';
import type { ApplyContext, ApplyOutcome, ObserveOptions, Provider } from '../provider.js';
import { applyChange } from './apply.js';
import { createSiteClient, type Log, type SiteClient, type SiteConnection } from './client.js';
import { ProxmoxRefusedError } from './errors.js';
import { mapGuest } from './map.js';
import { observeConfigs, observeSummary, readResources } from './observe.js';

export { ProxmoxApiError, TaskFailedError, TaskTimeoutError, ProxmoxRefusedError } from './errors.js';

export interface ProxmoxProviderOptions {
  sites: Record<string, SiteConnection>;
  /** How often a task's status is polled (default 1000 ms). */
  taskPollMs?: number;
  /** How long a task may run before apply gives up waiting (default 15 min). */
  taskTimeoutMs?: number;
  /** Per request, including the client's single retry of each (default 30 s). */
  requestTimeoutMs?: number;
  log?: Log;
}

export interface ProxmoxProvider extends Provider {
  /** Closes the sites' connection pools. */
  close(): Promise<void>;
}

export function createProxmoxProvider(options: ProxmoxProviderOptions): ProxmoxProvider {
  const clients = new Map<string, SiteClient>();
  const pollMs = options.taskPollMs ?? 1000;
  const taskTimeoutMs = options.taskTimeoutMs ?? 15 * 60 * 1000;

  function client(site: string): SiteClient {
    let c = clients.get(site);
    if (!c) {
      const conn = options.sites[site];
      if (!conn) throw new ProxmoxRefusedError(`site ${site}: no proxmox connection in the agent config`, 'unknown-site');
      c = createSiteClient(site, conn, {
        ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      clients.set(site, c);
    }
    return c;
  }

  function wantedVmids(desired: Desired, site: string): Set<number> {
    return new Set(Object.values(desired.vms ?? {}).filter((vm) => vm.site === site).map((vm) => vm.vmid));
  }

  async function observeSite(desired: Desired, site: string, opts: ObserveOptions): Promise<Partial<ObservedSite>> {
    let c: SiteClient;
    try {
      c = client(site);
    } catch (err) {
      return { name: site, reachable: false, error: err instanceof Error ? err.message : String(err), nodes: [], guests: [], deep: false };
    }
    if (opts.configsFor) return observeConfigs(c, opts.configsFor[site] ?? [], options.log);
    return observeSummary(c, opts.deep, wantedVmids(desired, site), options.log);
  }

  return {
    name: 'proxmox',

    async observe(desired: Desired, opts: ObserveOptions) {
      const sites = opts.configsFor
        ? Object.keys(opts.configsFor).filter((s) => options.sites[s])
        : Object.keys(desired.sites).filter((s) => options.sites[s]);
      const results = await Promise.all(sites.map(async (s) => [s, await observeSite(desired, s, opts)] as const));
      return Object.fromEntries(results);
    },

    async fingerprint(change: Change) {
      const p = change.payload as { vmid?: unknown; target?: { vmid?: unknown } };
      const vmid = typeof p.target?.vmid === 'number' ? p.target.vmid : typeof p.vmid === 'number' ? p.vmid : undefined;
      if (vmid === undefined) return undefined;
      const found = (await readResources(client(change.site), 'vm')).find((r) => Number(r.vmid) === vmid);
      return found ? guestFingerprint(mapGuest(change.site, found)) : undefined;
    },

    async apply(change: Change, context: ApplyContext): Promise<ApplyOutcome> {
      return applyChange({ client: client(change.site), pollMs, taskTimeoutMs }, change, context);
    },

    async close() {
      await Promise.all([...clients.values()].map((c) => c.close()));
      clients.clear();
    },
  };
}
