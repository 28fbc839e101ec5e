// Observe one site in at most five calls whatever the number of guests; configs only when asked.
// An unreachable site is a value ({ reachable: false }), never a throw for the whole observe.

import type { ObservedGuest, ObservedSite } from '../../model/observed.js';
import type { Log, SiteClient } from './client.js';
import { configFromPending, mapAccess, mapConfig, mapQuorate, mapResources, pendingKeys, withDescriptionMarker, type PveRecord } from './map.js';

const API = '/api2/json';

export async function readResources(client: SiteClient, type?: 'vm'): Promise<PveRecord[]> {
  const label = { subject: `site ${client.site}`, action: 'read cluster resources' };
  const path = `${API}/cluster/resources${type ? `?type=${type}` : ''}`;
  return (await client.call(label, 'GET', path, (api) => api.cluster.resources.$get(type ? { type } : {}))) as unknown as PveRecord[];
}

/**
 * One call per guest: GET .../pending lists every key with its current and pending value, so it
 * gives both the config as it will be (pending applied, as GET .../config shows it) and what waits
 * for a reboot. A deep check therefore costs one call per guest.
 */
export async function readGuestConfig(client: SiteClient, guest: Pick<ObservedGuest, 'vmid' | 'node' | 'name' | 'status'>): Promise<{ raw: PveRecord; pending: string[] }> {
  const label = { subject: `vm ${guest.name || guest.vmid}`, action: 'read config' };
  const base = `${API}/nodes/${guest.node}/qemu/${guest.vmid}`;
  const entries = (await client.call(label, 'GET', `${base}/pending`, (api) =>
    api.nodes.$(guest.node).qemu.$(guest.vmid).pending.$get(),
  )) as unknown as PveRecord[];
  return { raw: configFromPending(entries), pending: pendingKeys(entries) };
}

/** A guest whose config cannot be read (its node just went offline: 595) stays without config. */
async function withConfig(client: SiteClient, guest: ObservedGuest, log?: Log): Promise<{ guest: ObservedGuest; read: boolean }> {
  if (guest.type !== 'qemu') return { guest, read: true };
  try {
    const { raw, pending } = await readGuestConfig(client, guest);
    return { guest: withDescriptionMarker({ ...guest, config: mapConfig(raw, pending) }), read: true };
  } catch (err) {
    log?.('proxmox config not read', { site: client.site, vmid: guest.vmid, error: err instanceof Error ? err.message : String(err) });
    return { guest, read: false };
  }
}

function unreachable(site: string, err: unknown): Partial<ObservedSite> {
  const error = err instanceof Error ? err.message : String(err);
  return { name: site, reachable: false, error, nodes: [], guests: [], deep: false };
}

export async function observeSummary(client: SiteClient, deep: boolean, wantedVmids: ReadonlySet<number>, log?: Log): Promise<Partial<ObservedSite>> {
  const site = client.site;
  try {
    const label = { subject: `site ${site}`, action: 'observe' };
    const [resources, status, pools, groups, acls] = await Promise.all([
      readResources(client),
      client.call({ ...label, action: 'read cluster status' }, 'GET', `${API}/cluster/status`, (api) => api.cluster.status.$get()),
      client.call({ ...label, action: 'read pools' }, 'GET', `${API}/pools`, (api) => api.pools.$get()),
      client.call({ ...label, action: 'read groups' }, 'GET', `${API}/access/groups`, (api) => api.access.groups.$get()),
      client.call({ ...label, action: 'read acls' }, 'GET', `${API}/access/acl`, (api) => api.access.acl.$get()),
    ]);
    const { guests, nodes } = mapResources(site, resources);
    const access = mapAccess(pools as unknown as PveRecord[], groups as unknown as PveRecord[], acls as unknown as PveRecord[], guests);
    const read = deep
      ? await Promise.all(guests.map((g) => (shouldReadDeep(g, wantedVmids) ? withConfig(client, g, log) : { guest: g, read: true })))
      : guests.map((g) => ({ guest: g, read: true }));
    // Deep only when every config was read: a guest on an offline node leaves the check incomplete.
    const complete = deep && read.every((r) => r.read);
    return { name: site, reachable: true, quorate: mapQuorate(status as unknown as PveRecord[]), nodes, guests: read.map((r) => r.guest), access, deep: complete };
  } catch (err) {
    return unreachable(site, err);
  }
}

/** Deep reads every managed guest, and any unmarked guest at a vmid the repository wants (half-created). */
function shouldReadDeep(g: ObservedGuest, wantedVmids: ReadonlySet<number>): boolean {
  return !g.template && g.type === 'qemu' && (g.managed !== undefined || wantedVmids.has(g.vmid));
}

export async function observeConfigs(client: SiteClient, vmids: readonly number[], log?: Log): Promise<Partial<ObservedSite>> {
  const site = client.site;
  try {
    const { guests } = mapResources(site, await readResources(client, 'vm'));
    const wanted = new Set(vmids);
    const chosen = guests.filter((g) => wanted.has(g.vmid));
    return { guests: (await Promise.all(chosen.map((g) => withConfig(client, g, log)))).map((r) => r.guest) };
  } catch (err) {
    return unreachable(site, err);
  }
}
