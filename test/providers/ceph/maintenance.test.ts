// checkHostsDown is pure: ok-to-stop semantics over observed state, table-driven.

import { describe, expect, it } from 'vitest';
import type { ObservedCeph } from '../../../src/model/observed.js';
import { checkHostsDown, nooutChange, osdsOfHost } from '../../../src/providers/ceph/maintenance.js';

function cluster(hosts: string[], overrides: Partial<ObservedCeph> = {}, pool = { size: 3, minSize: 2 }): ObservedCeph {
  return {
    reachable: true,
    health: 'HEALTH_OK',
    checks: [],
    flags: [],
    osds: hosts.flatMap((h, i) => [0, 1].map((k) => ({ id: i * 2 + k, host: h, up: true, in: true, flags: [] }))),
    pools: [{ name: 'ad28', size: pool.size, minSize: pool.minSize, pgNum: 64, quotaMaxBytes: 0, quotaMaxObjects: 0, usedBytes: 0, objects: 0 }],
    ...overrides,
  };
}

const three = ['n1', 'n2', 'n3'];

describe('checkHostsDown', () => {
  it.each([
    { name: 'one of three hosts, size 3 / min 2', ceph: cluster(three), hosts: ['n1'], rules: [] as string[] },
    { name: 'two of three hosts, size 3 / min 2', ceph: cluster(three), hosts: ['n1', 'n2'], rules: ['pg-availability'] },
    { name: 'a host when another is already down', ceph: cluster(three, { osds: cluster(three).osds.map((o) => (o.host === 'n3' ? { ...o, up: false } : o)) }), hosts: ['n1'], rules: ['pg-availability'] },
    { name: 'a host of a size 2 / min 2 pool', ceph: cluster(three, {}, { size: 2, minSize: 2 }), hosts: ['n1'], rules: ['pg-availability'] },
    { name: 'the only host', ceph: cluster(['solo']), hosts: ['solo'], rules: ['pg-availability'] },
    { name: 'a degraded cluster', ceph: cluster(three, { health: 'HEALTH_WARN', checks: ['PG_DEGRADED'] }), hosts: ['n1'], rules: ['ceph-degraded'] },
    { name: 'only our own noout flags raised', ceph: cluster(three, { health: 'HEALTH_WARN', checks: ['OSD_FLAGS'] }), hosts: ['n1'], rules: [] },
    { name: 'an unreachable cluster', ceph: cluster(three, { reachable: false, error: 'timeout' }), hosts: ['n1'], rules: ['ceph-unreachable'] },
    { name: 'a host without OSDs', ceph: cluster(three), hosts: ['compute9'], rules: [] },
  ])('$name', ({ ceph, hosts, rules }) => {
    const check = checkHostsDown(ceph, hosts);
    expect(check.blockers.map((b) => b.rule)).toEqual(rules);
    expect(check.ok).toBe(rules.length === 0);
  });

  it('builds set-noout and clear-noout changes for a host\'s OSDs', () => {
    const ceph = cluster(three);
    const change = nooutChange('paris', 'n2', osdsOfHost(ceph, 'n2'), 'set-noout');
    expect(change).toMatchObject({ id: 'ceph:paris/host/n2:set-noout', provider: 'ceph', action: 'set-noout', payload: { host: 'n2', osds: [2, 3] } });
  });
});
