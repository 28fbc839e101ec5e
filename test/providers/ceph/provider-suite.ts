// The Ceph provider end to end, on the real cluster and on the lab: the realistic example's
// pools planned, applied, observed again with nothing left to do; a quota changed behind
// marmite's back shows as drift and is corrected; noout set and cleared on a host's OSDs.

import { afterAll, expect, it } from 'vitest';
import type { Desired } from '../../../src/model/desired.js';
import type { Observed, ObservedCeph } from '../../../src/model/observed.js';
import type { Change } from '../../../src/model/plan.js';
import { planPools } from '../../../src/plan/pools.js';
import { checkHostsDown, createCephClient, createCephProvider, nooutChange, type CephProvider } from '../../../src/providers/ceph/index.js';
import { validateRepository } from '../../../src/validate/index.js';
import type { CephTarget } from './targets.js';

const context = { signal: new AbortController().signal, progress: () => {} };

function observedOf(ceph: ObservedCeph): Observed {
  return {
    formatVersion: 1,
    observedAt: '2026-03-02T09:59:00.000Z',
    sites: { paris: { name: 'paris', reachable: true, nodes: [], guests: [], deep: false, ceph } },
  };
}

/** The provider's behaviour on one target (run after the contract, on the same target). */
export function providerSuite(target: () => CephTarget): void {
  let provider: CephProvider | undefined;
  let desired: Desired | undefined;

  const setup = async (): Promise<{ p: CephProvider; d: Desired; t: CephTarget }> => {
    const t = target();
    provider ??= createCephProvider({ sites: { paris: { url: t.url, username: t.username, password: t.password } }, taskPollMs: 100 });
    if (!desired) {
      const result = await validateRepository('examples/realistic');
      expect(result.diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
      desired = result.desired!;
    }
    return { p: provider, d: desired, t };
  };
  afterAll(async () => {
    await provider?.close();
  });

  const observe = async (p: CephProvider, d: Desired): Promise<ObservedCeph> => {
    const parts = await p.observe(d, { deep: false });
    const ceph = parts.paris?.ceph;
    if (!ceph) throw new Error('no ceph observed for paris');
    expect(ceph).toMatchObject({ reachable: true });
    return ceph;
  };

  // The Ceph changes of these plans are independent (no dependsOn): run them side by side, as a
  // real pool create waits several seconds for its placement groups.
  const applyAll = async (p: CephProvider, changes: Change[]) =>
    Promise.all(
      changes
        .filter((x) => x.provider === 'ceph')
        .map(async (c) => {
          expect(c.dependsOn).toEqual([]);
          if (c.fingerprint !== undefined) expect(await p.fingerprint(c)).toBe(c.fingerprint);
          return `${c.id} ${await p.apply(c, context)}`;
        }),
    );

  it('plans the realistic pools with their quotas and RBD storages, applies them, and then plans nothing', async () => {
    const { p, d } = await setup();

    const first = planPools(d, observedOf(await observe(p, d)));
    const outcomes = await applyAll(p, first.changes);
    const second = planPools(d, observedOf(await observe(p, d)));

    expect(first.changes.map((c) => `${c.id} ${JSON.stringify(c.after ?? {})}`)).toEqual([
      'ceph:paris/pool/al-rbd:create {"size":3,"minSize":2,"pgNum":64,"quotaMaxBytes":1099511627776,"quotaMaxObjects":0}',
      'ceph:paris/pool/ba-rbd:create {"size":3,"minSize":2,"pgNum":64,"quotaMaxBytes":1099511627776,"quotaMaxObjects":0}',
      'ceph:paris/pool/cephfs-backup:create {"size":3,"minSize":2,"pgNum":32,"quotaMaxBytes":2199023255552,"quotaMaxObjects":0}',
      expect.stringMatching(/^ceph:paris\/pool\/ss-rbd:create /),
      'proxmox:paris/storage/al-rbd:ensure {}',
      'proxmox:paris/storage/ba-rbd:ensure {}',
      'proxmox:paris/storage/ss-rbd:ensure {}',
    ]);
    expect(outcomes).toEqual(first.changes.filter((c) => c.provider === 'ceph').map((c) => `${c.id} created`));
    expect(second).toEqual({ changes: [], refused: [], drift: [] });
  });

  it('shows a quota changed behind marmite\'s back as drift, and corrects it', async () => {
    const { p, d, t } = await setup();
    const other = createCephClient('paris', { url: t.url, username: t.username, password: t.password }, { taskPollMs: 100 });
    await other.updatePool('ba-rbd', { quota_max_bytes: 5 * 1024 * 1024 });
    await other.close();

    const drifted = planPools(d, observedOf(await observe(p, d)));
    const outcomes = await applyAll(p, drifted.changes);
    const after = planPools(d, observedOf(await observe(p, d)));

    expect(drifted.drift).toEqual([
      { subject: 'pool ba-rbd', site: 'paris', field: 'quotaMaxBytes', desired: 1099511627776, observed: 5242880, corrected: true },
    ]);
    expect(drifted.changes.map((c) => [c.id, c.payload.changedFields])).toEqual([['ceph:paris/pool/ba-rbd:update', ['quotaMaxBytes']]]);
    expect(outcomes).toEqual(['ceph:paris/pool/ba-rbd:update configured']);
    expect(after).toEqual({ changes: [], refused: [], drift: [] });
  });

  it('sets noout on a host\'s OSDs and clears it, only those OSDs', async () => {
    const { p, d } = await setup();
    const ceph = await observe(p, d);
    const host = ceph.osds[0]!.host;
    const ids = ceph.osds.filter((o) => o.host === host).map((o) => o.id).slice(0, 2);

    const set = await p.apply(nooutChange('paris', host, ids, 'set-noout'), context);
    const again = await p.apply(nooutChange('paris', host, ids, 'set-noout'), context);
    const during = await observe(p, d);
    const cleared = await p.apply(nooutChange('paris', host, ids, 'clear-noout'), context);
    const after = await observe(p, d);

    expect([set, again, cleared]).toEqual(['configured', 'unchanged', 'configured']);
    expect(during.osds.filter((o) => o.flags.includes('noout')).map((o) => o.id)).toEqual(ids);
    expect(during.checks).toContain('OSD_FLAGS');
    expect(after.osds.every((o) => !o.flags.includes('noout'))).toBe(true);
    expect(after.flags).not.toContain('noout');
  });

  it('refuses noout on an OSD the cluster does not have (the API would accept it)', async () => {
    const { p } = await setup();
    await expect(p.apply(nooutChange('paris', 'ghost', [99], 'set-noout'), context)).rejects.toMatchObject({ reason: 'refused', transient: false });
  });

  it('says a single host may not go down (it holds every replica)', async () => {
    const { p, d } = await setup();
    const ceph = await observe(p, d);
    const check = checkHostsDown(ceph, [ceph.osds[0]!.host]);
    expect(check.ok).toBe(false);
    expect(check.blockers.map((b) => b.rule)).toContain('pg-availability');
  });
}
