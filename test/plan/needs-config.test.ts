import { describe, expect, it } from 'vitest';
import { configsNeeded } from '../../src/plan/needs-config.js';
import { configFor, desired, guestFor, observed, orphan, site, vm } from './helpers.js';

describe('configsNeeded', () => {
  const web = vm('ad28/web', 2801);
  const db = vm('ad28/db', 2802);
  const d = desired([web, db]);

  it.each([
    ['nothing when every guest matches', () => [guestFor(d, web), guestFor(d, db)], {}],
    ['a guest whose spec hash differs', () => [guestFor(d, web, { managed: { tenant: 'ad28', vm: 'web', specHash: 'old' } }), guestFor(d, db)], { paris: [2801] }],
    ['a guest whose memory drifted', () => [guestFor(d, web), guestFor(d, db, { maxmemMiB: 1 })], { paris: [2802] }],
    ['a guest whose boot disk is smaller', () => [guestFor(d, web, { maxdiskGiB: 10 }), guestFor(d, db)], { paris: [2801] }],
    ['an untagged guest at a desired vmid', () => [guestFor(d, web, { managed: undefined, tags: [] })], { paris: [2801] }],
    ['an orphan, to learn whether it is protected', () => [guestFor(d, web), guestFor(d, db), orphan('ad28/gone', 3000)], { paris: [3000] }],
    ['not a guest whose config is already read', () => [guestFor(d, web, { maxcpu: 9, config: configFor(d, web) })], {}],
    ['not an unmanaged guest elsewhere', () => [orphan('x/y', 100, { managed: undefined, tags: [] })], {}],
    ['not a template', () => [guestFor(d, web, { managed: undefined, tags: [], template: true })], {}],
  ])('asks for %s', (_label, guests, expected) => {
    expect(configsNeeded(d, observed([site(d, guests())]))).toEqual(expected);
  });

  it('lists vmids sorted whatever the observed order, and skips unreachable sites', () => {
    const stale = (v: typeof web) => guestFor(d, v, { maxcpu: 99 });
    const other = { ...site(d, [stale(web)]), name: 'lyon', reachable: false };
    expect(configsNeeded(d, observed([site(d, [stale(db), stale(web)]), other]))).toEqual({ paris: [2801, 2802] });
  });

  it('does not ask for orphans when prune is off', () => {
    const off = desired([web], {}, { prune: false });
    expect(configsNeeded(off, observed([site(off, [guestFor(off, web), orphan('ad28/gone', 3000)])]))).toEqual({});
  });
});
