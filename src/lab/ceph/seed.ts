// A lab Ceph seed from the desired state: one host per node of the site with the `ceph-osd`
// role (named as Proxmox names it, as Ceph's CRUSH host would be), no pools, so that the first
// plan creates the repository's pools as it would on a new cluster.

import type { Desired } from '../../model/desired.js';
import type { CephLabSeed } from './state.js';

export function cephSeedFromDesired(desired: Desired, site: string, osdsPerHost = 2): CephLabSeed {
  const hosts = Object.values(desired.nodes)
    .filter((n) => n.site === site && n.roles.includes('ceph-osd'))
    .sort((a, b) => (a.pveNode < b.pveNode ? -1 : a.pveNode > b.pveNode ? 1 : 0))
    .map((n) => ({ name: n.pveNode, osds: osdsPerHost }));
  return { hosts, pools: [{ name: 'device_health_metrics', pgNum: 1, applications: ['mgr_devicehealth'] }] };
}
