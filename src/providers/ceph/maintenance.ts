// Maintenance primitives for the power planner: whether a set of hosts may go down without any
// placement group losing availability (`ceph osd ok-to-stop` semantics, computed from observed
// state so it stays pure), and per-OSD `noout` set and cleared around a power-off.

import type { ObservedCeph } from '../../model/observed.js';
import type { Change } from '../../model/plan.js';
import type { CephClient } from './client.js';

/** Health checks that do not make a cluster degraded: the flags marmite itself sets. */
export const HARMLESS_CHECKS: ReadonlySet<string> = new Set(['OSD_FLAGS', 'OSDMAP_FLAGS']);

export interface StopBlocker {
  rule: 'ceph-unreachable' | 'ceph-degraded' | 'pg-availability';
  /** Pool concerned, for pg-availability. */
  pool?: string;
  reason: string;
}

export interface StopCheck {
  ok: boolean;
  /** Hosts that would be down after the change (already down plus the ones asked). */
  hostsDown: string[];
  blockers: StopBlocker[];
}

export function osdsOfHost(ceph: ObservedCeph, host: string): number[] {
  return ceph.osds
    .filter((o) => o.host === host)
    .map((o) => o.id)
    .sort((a, b) => a - b);
}

/**
 * Whether `hosts` may all go down. With a host failure domain each PG has its replicas on
 * distinct hosts, so a pool keeps min_size replicas of every PG exactly when the hosts down
 * (those already down counted) are at most size - min_size. Pools report no OSD placement here,
 * so every pool is taken to have PGs on every OSD host, which is the safe reading.
 */
export function checkHostsDown(ceph: ObservedCeph, hosts: readonly string[]): StopCheck {
  const blockers: StopBlocker[] = [];
  if (!ceph.reachable) {
    return { ok: false, hostsDown: [...hosts].sort(), blockers: [{ rule: 'ceph-unreachable', reason: `ceph is unreachable (${ceph.error ?? 'no error given'})` }] };
  }
  const osdHosts = new Set(ceph.osds.map((o) => o.host));
  const down = new Set(ceph.osds.filter((o) => !o.up).map((o) => o.host));
  for (const h of hosts) if (osdHosts.has(h)) down.add(h);
  const hostsDown = [...down].sort();

  const bad = ceph.checks.filter((c) => !HARMLESS_CHECKS.has(c));
  if (ceph.health === 'HEALTH_ERR' || ceph.health === 'unknown' || bad.length > 0) {
    blockers.push({ rule: 'ceph-degraded', reason: `cluster is ${ceph.health}${bad.length ? ` (${bad.join(', ')})` : ''}; no host goes down until it is healthy` });
  }
  const stopping = hosts.filter((h) => osdHosts.has(h));
  const hostsUp = osdHosts.size - hostsDown.length;
  if (stopping.length > 0) {
    for (const pool of ceph.pools) {
      const spare = pool.size - pool.minSize;
      if (hostsDown.length > spare)
        blockers.push({
          rule: 'pg-availability',
          pool: pool.name,
          reason: `pool ${pool.name} (size ${pool.size}, min_size ${pool.minSize}) tolerates ${spare} host(s) down; ${hostsDown.length} would be (${hostsDown.join(', ')})`,
        });
      // Fewer OSD hosts than size (a small or single-host cluster) put several replicas on one
      // host: min_size replicas then need at least min_size hosts still up.
      else if (hostsUp < pool.minSize)
        blockers.push({
          rule: 'pg-availability',
          pool: pool.name,
          reason: `pool ${pool.name} needs ${pool.minSize} replicas; only ${hostsUp} OSD host(s) would stay up`,
        });
    }
  }
  return { ok: blockers.length === 0, hostsDown, blockers };
}

export function nooutChangeId(site: string, host: string, action: 'set-noout' | 'clear-noout'): string {
  return `ceph:${site}/host/${host}:${action}`;
}

/** A plan change that sets or clears `noout` on one host's OSDs (payload `{ host, osds }`). */
export function nooutChange(site: string, host: string, osds: number[], action: 'set-noout' | 'clear-noout', dependsOn: string[] = []): Change {
  return {
    id: nooutChangeId(site, host, action),
    provider: 'ceph',
    site,
    subject: `host ${host}`,
    action,
    reason:
      action === 'set-noout'
        ? `OSDs ${osds.join(', ')} are not marked out while ${host} is powered off`
        : `${host} is back: OSDs ${osds.join(', ')} may be marked out again`,
    downtime: false,
    dependsOn,
    payload: { host, osds: [...osds].sort((a, b) => a - b) },
  };
}

/** Sets or clears `noout` on exactly these OSDs; other OSDs and cluster flags are untouched. */
export async function setOsdNoout(client: CephClient, osds: number[], on: boolean): Promise<void> {
  if (osds.length === 0) return;
  await client.setOsdFlags(osds, { noout: on });
}

/**
 * Adds or removes one cluster-wide flag. `PUT /api/osd/flags` replaces the whole set (a partial
 * list clears the rest, or fails half-applied), so read the set, change one flag, write it all.
 */
export async function setClusterFlag(client: CephClient, flag: string, on: boolean): Promise<string[]> {
  const current = await client.clusterFlags();
  const next = on ? [...new Set([...current, flag])] : current.filter((f) => f !== flag);
  if (next.length === current.length && next.every((f) => current.includes(f))) return current;
  return client.putClusterFlags(next.sort());
}
