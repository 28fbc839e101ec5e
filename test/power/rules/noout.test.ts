import { describe, expect, it } from 'vitest';
import { checkNooutBeforeOff, nooutToClear } from '../../../src/power/rules/noout.js';
import { ceph } from './ceph.js';

describe('rule noout', () => {
  it.each([
    { name: 'allows, and sets noout on both OSDs of the host', c: ceph(), ok: true, toSet: [4, 5] },
    { name: 'allows, and sets only the OSD that lacks it', c: ceph({ osds: ceph().osds.map((o) => (o.id === 4 ? { ...o, flags: ['noout'] } : o)) }), ok: true, toSet: [5] },
    { name: 'blocks: the host has no known OSDs', c: ceph({ osds: [] }), ok: false, toSet: [] },
    { name: 'blocks: Ceph not observed', c: undefined, ok: false, toSet: [] },
  ])('$name', ({ c, ok, toSet }) => {
    const r = checkNooutBeforeOff('c3', 'c3', c);
    expect(r.result.ok).toBe(ok);
    expect(r.toSet).toEqual(toSet);
    if (!r.result.ok) expect(r.result.rule).toBe('noout');
  });

  it.each([
    { name: 'clears once the host is online and its OSDs are up', c: ceph({ osds: ceph().osds.map((o) => ({ ...o, flags: ['noout'] })) }), online: true, clear: [4, 5] },
    { name: 'keeps it while an OSD of the host is down', c: ceph({ osds: ceph({}, ['c3']).osds.map((o) => ({ ...o, flags: ['noout'] })) }), online: true, clear: [] },
    { name: 'keeps it while the node is not online', c: ceph({ osds: ceph().osds.map((o) => ({ ...o, flags: ['noout'] })) }), online: false, clear: [] },
    { name: 'nothing to clear without the flag', c: ceph(), online: true, clear: [] },
  ])('$name', ({ c, online, clear }) => {
    expect(nooutToClear('c3', c, online)).toEqual(clear);
  });
});
