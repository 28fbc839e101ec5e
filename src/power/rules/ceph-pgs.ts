// ceph-pgs: every placement group stays available: with a host failure domain, the OSD hosts
// down (those already down counted) stay at most size - min_size in each pool
// (checkHostsDown of the Ceph provider, whose semantics are `ceph osd ok-to-stop`).

import type { ObservedCeph } from '../../model/observed.js';
import { checkHostsDown } from '../../providers/ceph/maintenance.js';
import { ALLOW, block, type RuleResult } from './types.js';

/** `hosts`: the Ceph hosts that would be down by this plan's power-offs, this one included. */
export function checkCephPgs(node: string, ceph: ObservedCeph, hosts: readonly string[]): RuleResult {
  const check = checkHostsDown(ceph, hosts);
  const pgs = check.blockers.filter((b) => b.rule === 'pg-availability');
  if (pgs.length === 0) return ALLOW;
  return block('ceph-pgs', `${node} going down would leave placement groups unavailable: ${pgs.map((b) => b.reason).join('; ')}`);
}
