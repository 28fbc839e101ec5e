import { describe, expect, it } from 'vitest';
import { checkCephPgs } from '../../../src/power/rules/ceph-pgs.js';
import { ceph } from './ceph.js';

describe('rule ceph-pgs', () => {
  it.each([
    { name: 'allows: one host of three down with size 3 / min_size 2', c: ceph(), hosts: ['c3'], ok: true },
    { name: 'blocks: a second host while one is already down', c: ceph({}, ['c1']), hosts: ['c3'], ok: false },
    { name: 'blocks: two hosts in the same plan', c: ceph(), hosts: ['c2', 'c3'], ok: false },
    { name: 'blocks: size 2 / min_size 2 tolerates no host down', c: ceph({}, [], 2, 2), hosts: ['c3'], ok: false },
  ])('$name', ({ c, hosts, ok }) => {
    const r = checkCephPgs('c3', c, hosts);
    expect(r.ok).toBe(ok);
    if (!r.ok) {
      expect(r.rule).toBe('ceph-pgs');
      expect(r.reason).toContain('pool vms');
    }
  });
});
