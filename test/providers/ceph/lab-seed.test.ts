// The lab's Ceph seeded from the realistic example: its OSD hosts are the example's ceph-osd
// nodes, the provider creates the pools there, and the maintenance rules read that cluster.

import { afterAll, describe, expect, it } from 'vitest';
import { LabClock } from '../../../src/lab/clock.js';
import { cephSeedFromDesired, startCephLab, type CephLab } from '../../../src/lab/ceph/index.js';
import { planPools } from '../../../src/plan/pools.js';
import { checkHostsDown, createCephProvider } from '../../../src/providers/ceph/index.js';
import { validateRepository } from '../../../src/validate/index.js';

let lab: CephLab | undefined;
afterAll(async () => {
  await lab?.close();
  lab?.clock.stop();
});

describe('lab ceph seeded from the realistic example', () => {
  it('lets one OSD host of several go down, not two, once the pools exist', async () => {
    const { desired } = await validateRepository('examples/realistic');
    const d = desired!;
    const seed = cephSeedFromDesired(d, 'paris');
    lab = await startCephLab({ seed, clock: LabClock.scaled(100), taskWaitMs: 10 });
    const provider = createCephProvider({ sites: { paris: { url: lab.url, username: 'admin', password: 'lab-password' } }, taskPollMs: 10 });
    const observe = async () => (await provider.observe(d, { deep: false })).paris!.ceph!;
    const observed = (ceph: Awaited<ReturnType<typeof observe>>) => ({
      formatVersion: 1 as const,
      observedAt: 'x',
      sites: { paris: { name: 'paris', reachable: true, nodes: [], guests: [], deep: false, ceph } },
    });

    for (const c of planPools(d, observed(await observe())).changes.filter((x) => x.provider === 'ceph')) await provider.apply(c, { signal: new AbortController().signal, progress: () => {} });
    const ceph = await observe();
    await provider.close();

    const hosts = [...new Set(ceph.osds.map((o) => o.host))];
    expect(hosts).toEqual(seed.hosts.map((h) => h.name));
    expect(hosts.length).toBeGreaterThanOrEqual(3);
    expect(ceph.pools.filter((p) => p.application === 'rbd' || p.application === 'cephfs').map((p) => p.name)).toEqual(['al-rbd', 'ba-rbd', 'cephfs-backup', 'ss-rbd']);
    expect(checkHostsDown(ceph, [hosts[0]!]).ok).toBe(true);
    expect(checkHostsDown(ceph, [hosts[0]!, hosts[1]!]).blockers.map((b) => b.pool)).toEqual(['al-rbd', 'ba-rbd', 'cephfs-backup', 'device_health_metrics', 'ss-rbd']);
  });
});
