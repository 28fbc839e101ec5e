import { describe, expect, it } from 'vitest';
import type { Observed } from '../../src/model/observed.js';
import { plan } from '../../src/plan/plan.js';
import { validateRepository } from '../../src/validate/index.js';

// A VM whose disk goes on a Ceph pool's storage must wait for that storage (and so for the pool):
// apply runs changes concurrently, so plan order alone would not hold them back.
describe('VMs on a storage the plan creates', () => {
  it.each([
    ['a new cluster: pool and storage created first', [] as string[], true],
    ['the pool already there: nothing to wait for', ['vms'], false],
  ])('%s', async (_name, existingPools, waits) => {
    const { desired } = await validateRepository('examples/small');
    const d = desired!;
    const now = new Date('2026-12-03T10:00:00Z');
    const observed: Observed = {
      formatVersion: 1,
      observedAt: now.toISOString(),
      sites: {
        paris: {
          name: 'paris',
          reachable: true,
          deep: false,
          quorate: true,
          nodes: Object.values(d.nodes).map((n) => ({ site: 'paris', name: n.pveNode, status: 'online' as const, maxcpu: n.capacity.cores, maxmemMiB: n.capacity.memoryMiB, cpu: 0, memUsedMiB: 0 })),
          guests: [],
          ceph: {
            reachable: true,
            health: 'HEALTH_OK',
            checks: [],
            flags: [],
            osds: [],
            pools: existingPools.map((name) => ({ name, size: 3, minSize: 2, pgNum: 64, application: 'rbd', quotaMaxBytes: 0, quotaMaxObjects: 0, usedBytes: 0, objects: 0 })),
          },
        },
      },
    };

    const p = plan(d, observed, now);
    const storage = p.changes.find((c) => c.action === 'ensure' && (c.payload as { kind?: string }).kind === 'storage');
    const db = p.changes.find((c) => c.subject === 'vm banque-alimentaire/db' && c.action === 'create');

    expect(db).toBeDefined();
    expect(storage !== undefined).toBe(waits);
    if (storage) expect(db!.dependsOn).toContain(storage.id);
    else expect(db!.dependsOn.some((id) => id.includes('/storage/'))).toBe(false);
  });
});
