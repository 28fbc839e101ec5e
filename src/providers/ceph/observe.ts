// Reads a site's cluster through the Dashboard API into ObservedCeph: health, flags, OSDs with
// their hosts and per-OSD flags, and pools with usage and marmite's ownership marker.

import type { ObservedCeph } from '../../model/observed.js';
import { POOL_HASH_PREFIX, POOL_MARKER_APP, type ObservedPool } from '../../plan/pools.js';
import type { ApiHealth, ApiOsd, ApiPool, CephClient } from './client.js';

const HEALTH = new Set(['HEALTH_OK', 'HEALTH_WARN', 'HEALTH_ERR']);

/** The real application of a pool: the first one that is not marmite's marker. */
export function mapPool(p: ApiPool): ObservedPool {
  const apps = [...p.application_metadata].sort();
  const application = apps.find((a) => a !== POOL_MARKER_APP && !a.startsWith(POOL_HASH_PREFIX));
  const hash = apps.find((a) => a.startsWith(POOL_HASH_PREFIX));
  return {
    name: p.pool_name,
    size: p.size,
    minSize: p.min_size,
    // pg_num moves step by step towards its target after a change; the target is what was asked.
    pgNum: p.pg_num_target ?? p.pg_num,
    ...(application === undefined ? {} : { application }),
    quotaMaxBytes: p.quota_max_bytes,
    quotaMaxObjects: p.quota_max_objects,
    usedBytes: p.stats?.stored?.latest ?? 0,
    objects: p.stats?.objects?.latest ?? 0,
    ...(apps.includes(POOL_MARKER_APP) ? { managed: { specHash: hash === undefined ? '' : hash.slice(POOL_HASH_PREFIX.length) } } : {}),
  };
}

export function mapOsd(o: ApiOsd): ObservedCeph['osds'][number] {
  const states = new Set(['exists', 'up', 'down', 'in', 'out', 'new', 'destroyed', 'autoout']);
  return {
    id: o.id,
    host: o.host?.name ?? '',
    up: o.up === 1,
    in: o.in === 1,
    flags: o.state.filter((s) => !states.has(s)).sort(),
  };
}

export function mapHealth(h: ApiHealth): Pick<ObservedCeph, 'health' | 'checks'> {
  const status = h.health.status;
  return {
    health: HEALTH.has(status) ? (status as ObservedCeph['health']) : 'unknown',
    checks: h.health.checks.map((c) => c.type).sort(),
  };
}

export async function observeCeph(client: CephClient): Promise<ObservedCeph> {
  try {
    const [health, flags, osds, pools] = await Promise.all([client.health(), client.clusterFlags(), client.osds(), client.listPools()]);
    return {
      reachable: true,
      ...mapHealth(health),
      flags: [...flags].sort(),
      osds: osds.map(mapOsd).sort((a, b) => a.id - b.id),
      pools: pools.map(mapPool).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    };
  } catch (err) {
    return {
      reachable: false,
      error: err instanceof Error ? err.message : String(err),
      health: 'unknown',
      checks: [],
      flags: [],
      osds: [],
      pools: [],
    };
  }
}
