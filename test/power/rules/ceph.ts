// A three-host Ceph cluster (size 3 / min_size 2 by default) for the Ceph rule tests.
import type { ObservedCeph } from '../../../src/model/observed.js';

export function ceph(overrides: Partial<ObservedCeph> = {}, down: string[] = [], size = 3, minSize = 2): ObservedCeph {
  return {
    reachable: true,
    health: 'HEALTH_OK',
    checks: [],
    flags: [],
    osds: ['c1', 'c2', 'c3'].flatMap((host, h) => [0, 1].map((k) => ({ id: h * 2 + k, host, up: !down.includes(host), in: true, flags: [] as string[] }))),
    pools: [{ name: 'vms', size, minSize, pgNum: 32, quotaMaxBytes: 0, quotaMaxObjects: 0, usedBytes: 0, objects: 0 }],
    ...overrides,
  };
}
