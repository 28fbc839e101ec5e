// noout: an OSD host going down gets `noout` on its OSDs first (so Ceph does not start moving
// data for a planned stop), and loses it once it is back with every OSD up. Without a known OSD
// list the flag cannot be set, and the power-off waits.

import type { ObservedCeph } from '../../model/observed.js';
import { osdsOfHost } from '../../providers/ceph/maintenance.js';
import { ALLOW, block, type RuleResult } from './types.js';

export interface NooutDecision {
  result: RuleResult;
  /** OSDs that still need `noout` set before the power-off (empty when all have it). */
  toSet: number[];
}

export function checkNooutBeforeOff(node: string, host: string, ceph: ObservedCeph | undefined): NooutDecision {
  const osds = ceph ? osdsOfHost(ceph, host) : [];
  if (!ceph || !ceph.reachable || osds.length === 0) {
    return { result: block('noout', `${node} holds Ceph OSDs but none of them is known on host ${host}, so noout cannot be set before it goes down`), toSet: [] };
  }
  const toSet = ceph.osds.filter((o) => o.host === host && !o.flags.includes('noout')).map((o) => o.id).sort((a, b) => a - b);
  return { result: ALLOW, toSet };
}

/** OSDs whose `noout` may be cleared: the host is online, wanted on, and all its OSDs are up. */
export function nooutToClear(host: string, ceph: ObservedCeph | undefined, online: boolean): number[] {
  if (!ceph || !ceph.reachable || !online) return [];
  const mine = ceph.osds.filter((o) => o.host === host);
  if (mine.length === 0 || mine.some((o) => !o.up)) return [];
  return mine.filter((o) => o.flags.includes('noout')).map((o) => o.id).sort((a, b) => a - b);
}
