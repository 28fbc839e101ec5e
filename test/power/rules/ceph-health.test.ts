import { describe, expect, it } from 'vitest';
import { checkCephHealth } from '../../../src/power/rules/ceph-health.js';
import { ceph } from './ceph.js';

describe('rule ceph-health', () => {
  it.each([
    { name: 'allows: HEALTH_OK', c: ceph(), ok: true },
    { name: 'allows: only the noout flag marmite set (OSD_FLAGS)', c: ceph({ health: 'HEALTH_WARN', checks: ['OSD_FLAGS'] }), ok: true },
    { name: 'blocks: PG_DEGRADED', c: ceph({ health: 'HEALTH_WARN', checks: ['PG_DEGRADED'] }), ok: false },
    { name: 'blocks: OSD_DOWN', c: ceph({ health: 'HEALTH_WARN', checks: ['OSD_DOWN'] }), ok: false },
    { name: 'blocks: HEALTH_ERR', c: ceph({ health: 'HEALTH_ERR' }), ok: false },
    { name: 'blocks: Ceph unreachable', c: ceph({ reachable: false, error: 'timeout' }), ok: false },
    { name: 'blocks: Ceph not observed', c: undefined, ok: false },
  ])('$name', ({ c, ok }) => {
    const r = checkCephHealth('c3', c);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.rule).toBe('ceph-health');
  });
});
