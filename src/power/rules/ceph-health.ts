// ceph-health: no OSD host goes down while the cluster is degraded or cannot be seen: a second
// failure on top of a degraded cluster is how data becomes unavailable.

import type { ObservedCeph } from '../../model/observed.js';
import { checkHostsDown } from '../../providers/ceph/maintenance.js';
import { ALLOW, block, type RuleResult } from './types.js';

export function checkCephHealth(node: string, ceph: ObservedCeph | undefined): RuleResult {
  if (!ceph) return block('ceph-health', `${node} holds Ceph OSDs but the Ceph cluster was not observed; it stays on until Ceph can be seen`);
  const health = checkHostsDown(ceph, []).blockers.filter((b) => b.rule !== 'pg-availability');
  if (health.length === 0) return ALLOW;
  return block('ceph-health', `${node} holds Ceph OSDs and ${health.map((b) => b.reason).join('; ')}`);
}
