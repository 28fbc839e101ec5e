// The Ceph provider: observes each site's cluster through the Ceph Dashboard REST API into
// ObservedSite.ceph, fingerprints pools, and applies one pool or noout change at a time.
// Clients are made per site on first use; secrets stay inside them.

import type { Desired } from '../../model/desired.js';
import type { ObservedSite } from '../../model/observed.js';
import type { Change } from '../../model/plan.js';
import { poolFingerprint } from '../../plan/pools.js';
import type { ApplyContext, ApplyOutcome, ObserveOptions, Provider } from '../provider.js';
import { applyCephChange } from './apply.js';
import { createCephClient, type CephClient, type CephClientOptions, type CephConnection } from './client.js';
import { CephApiError } from './errors.js';
import { mapPool, observeCeph } from './observe.js';

export { CephApiError, type CephErrorReason } from './errors.js';
export { createCephClient, CEPH_ACCEPT, type CephClient, type CephConnection, type CephClientOptions } from './client.js';
export { observeCeph, mapPool, mapOsd, mapHealth } from './observe.js';
export { applyCephChange, validatePoolTarget } from './apply.js';
export * from './maintenance.js';

export interface CephProviderOptions extends Omit<CephClientOptions, 'http'> {
  /** Site name -> Dashboard connection (sites/<site>.yaml's ceph, secrets from the agent config). */
  sites: Record<string, CephConnection>;
  /** Builds a site's client; tests inject one over a given HTTP layer. */
  clientFor?: (site: string, conn: CephConnection) => CephClient;
}

export interface CephProvider extends Provider {
  close(): Promise<void>;
}

export function createCephProvider(options: CephProviderOptions): CephProvider {
  const clients = new Map<string, CephClient>();
  const { sites, clientFor, ...clientOptions } = options;

  function client(site: string): CephClient {
    let c = clients.get(site);
    if (!c) {
      const conn = sites[site];
      if (!conn)
        throw new CephApiError(`ceph ${site}: no ceph connection in the agent config`, { method: '-', path: '-', reason: 'refused' });
      c = clientFor ? clientFor(site, conn) : createCephClient(site, conn, clientOptions);
      clients.set(site, c);
    }
    return c;
  }

  return {
    name: 'ceph',

    async observe(desired: Desired, opts: ObserveOptions) {
      // The second (guest config) pass is Proxmox's alone.
      if (opts.configsFor) return {};
      const names = Object.keys(desired.sites).filter((s) => sites[s]);
      const results = await Promise.all(
        names.map(async (s) => [s, { ceph: await observeCeph(client(s)) } satisfies Partial<ObservedSite>] as const),
      );
      return Object.fromEntries(results);
    },

    async fingerprint(change: Change) {
      const p = change.payload as { pool?: { name?: unknown }; name?: unknown };
      const name = typeof p.pool?.name === 'string' ? p.pool.name : typeof p.name === 'string' ? p.name : undefined;
      if (name === undefined) return undefined;
      const pool = await client(change.site).getPool(name);
      return pool ? poolFingerprint(mapPool(pool)) : undefined;
    },

    async apply(change: Change, context: ApplyContext): Promise<ApplyOutcome> {
      return applyCephChange(client(change.site), change, context);
    },

    async close() {
      await Promise.all([...clients.values()].map((c) => c.close()));
      clients.clear();
    },
  };
}
