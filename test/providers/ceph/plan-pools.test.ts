// planPools is pure: table-driven cases over a desired pool and what Ceph shows of it.

import { describe, expect, it } from 'vitest';
import type { Desired, Pool } from '../../../src/model/desired.js';
import type { Observed, ObservedCeph } from '../../../src/model/observed.js';
import { plan } from '../../../src/plan/plan.js';
import { planPools, poolTarget, type ObservedPool } from '../../../src/plan/pools.js';
import { validateRepository } from '../../../src/validate/index.js';
import { desired as baseDesired, NOW } from '../../plan/helpers.js';

function pool(name: string, overrides: Partial<Pool> = {}): Pool {
  return {
    file: `ceph/pools/${name}.yaml`,
    name,
    site: 'paris',
    tenant: 'ad28',
    size: 3,
    minSize: 2,
    pgNum: 64,
    application: 'rbd',
    quota: { maxBytes: 1 << 30, maxObjects: 0 },
    proxmoxStorage: false,
    ...overrides,
  };
}

/** The pool as Ceph shows it once marmite created it from `p`. */
function seen(p: Pool, overrides: Partial<ObservedPool> = {}): ObservedPool {
  const t = poolTarget(p);
  return {
    name: p.name,
    size: p.size,
    minSize: p.minSize,
    pgNum: p.pgNum,
    application: p.application,
    quotaMaxBytes: p.quota.maxBytes,
    quotaMaxObjects: p.quota.maxObjects,
    usedBytes: 0,
    objects: 0,
    managed: { specHash: t.specHash },
    ...overrides,
  };
}

function desiredWith(pools: Pool[], prune = true): Desired {
  return baseDesired([], { pools: Object.fromEntries(pools.map((p) => [p.name, p])) }, { prune });
}

function observedWith(pools: ObservedPool[], ceph: Partial<ObservedCeph> = {}): Observed {
  return {
    formatVersion: 1,
    observedAt: '2026-03-02T09:59:00.000Z',
    sites: {
      paris: {
        name: 'paris',
        reachable: true,
        nodes: [],
        guests: [],
        deep: false,
        ceph: { reachable: true, health: 'HEALTH_OK', checks: [], flags: [], osds: [], pools, ...ceph },
      },
    },
  };
}

const ad28 = pool('ad28');

interface Case {
  name: string;
  pools: Pool[];
  observed: ObservedPool[];
  prune?: boolean;
  ceph?: Partial<ObservedCeph>;
  changes: string[];
  refused: string[];
  drift: string[];
}

const cases: Case[] = [
  { name: 'a new pool is created', pools: [ad28], observed: [], changes: ['ceph:paris/pool/ad28:create'], refused: [], drift: [] },
  { name: 'a pool as in Git plans nothing', pools: [ad28], observed: [seen(ad28)], changes: [], refused: [], drift: [] },
  {
    name: 'a quota changed in Git is an update, not drift',
    pools: [pool('ad28', { quota: { maxBytes: 2 << 30, maxObjects: 0 } })],
    observed: [seen(ad28)],
    changes: ['ceph:paris/pool/ad28:update'],
    refused: [],
    drift: [],
  },
  {
    name: 'pg_num raised in Git is an update',
    pools: [pool('ad28', { pgNum: 128 })],
    observed: [seen(ad28)],
    changes: ['ceph:paris/pool/ad28:update'],
    refused: [],
    drift: [],
  },
  {
    name: 'pg_num lowered in Git is refused (the hash is still rewritten)',
    pools: [pool('ad28', { pgNum: 32 })],
    observed: [seen(ad28)],
    changes: ['ceph:paris/pool/ad28:update'],
    refused: ['pool ad28 update pg-num-decrease'],
    drift: [],
  },
  {
    name: 'a quota changed behind our back is drift, corrected',
    pools: [ad28],
    observed: [seen(ad28, { quotaMaxBytes: 5 })],
    changes: ['ceph:paris/pool/ad28:update'],
    refused: [],
    drift: ['pool ad28 quotaMaxBytes corrected'],
  },
  {
    name: 'pg_num raised behind our back is drift, not corrected',
    pools: [ad28],
    observed: [seen(ad28, { pgNum: 128 })],
    changes: [],
    refused: ['pool ad28 update pg-num-decrease'],
    drift: ['pool ad28 pgNum kept'],
  },
  {
    name: 'a pool marmite did not create is never changed',
    pools: [ad28],
    observed: [seen(ad28, { quotaMaxBytes: 5, managed: undefined })],
    changes: [],
    refused: ['pool ad28 update unmanaged'],
    drift: [],
  },
  {
    name: 'a pool removed from Git, empty and ours, is deleted',
    pools: [],
    observed: [seen(ad28)],
    changes: ['ceph:paris/pool/ad28:delete'],
    refused: [],
    drift: [],
  },
  {
    name: 'no delete with prune off',
    pools: [],
    prune: false,
    observed: [seen(ad28)],
    changes: [],
    refused: ['pool ad28 delete prune-disabled'],
    drift: ['pool ad28 pool kept'],
  },
  {
    name: 'no delete of a pool holding objects',
    pools: [],
    observed: [seen(ad28, { objects: 3 })],
    changes: [],
    refused: ['pool ad28 delete not-empty'],
    drift: ['pool ad28 pool kept'],
  },
  { name: 'no delete of a pool not ours', pools: [], observed: [seen(ad28, { managed: undefined })], changes: [], refused: [], drift: [] },
  {
    name: 'no delete where the cluster disables pool deletion',
    pools: [],
    observed: [seen(ad28)],
    ceph: { poolDeletionAllowed: false },
    changes: [],
    refused: ['pool ad28 delete pool-deletion-disabled'],
    drift: ['pool ad28 pool kept'],
  },
  {
    name: 'an unreachable cluster plans nothing and says so',
    pools: [ad28],
    observed: [],
    ceph: { reachable: false, error: 'connect ECONNREFUSED' },
    changes: [],
    refused: ['ceph paris ensure ceph-unreachable'],
    drift: [],
  },
  {
    name: 'a new pool with proxmoxStorage gets its RBD storage after the create',
    pools: [pool('ad28', { proxmoxStorage: true })],
    observed: [],
    changes: ['ceph:paris/pool/ad28:create', 'proxmox:paris/storage/ad28:ensure'],
    refused: [],
    drift: [],
  },
];

describe('planPools', () => {
  it.each(cases)('$name', (c) => {
    // Arrange
    const d = desiredWith(c.pools, c.prune ?? true);
    const o = observedWith(c.observed, c.ceph);

    // Act
    const result = planPools(d, o);

    // Assert
    expect(result.changes.map((x) => x.id)).toEqual(c.changes);
    expect(result.refused.map((r) => `${r.subject} ${r.action} ${r.rule}`)).toEqual(c.refused);
    expect(result.drift.map((x) => `${x.subject} ${x.field} ${x.corrected ? 'corrected' : 'kept'}`)).toEqual(c.drift);
  });

  it('puts exactly the changed fields in an update and keeps the payload provider-neutral', () => {
    const changed = pool('ad28', { pgNum: 128, quota: { maxBytes: 2 << 30, maxObjects: 10 } });
    const [update] = planPools(desiredWith([changed]), observedWith([seen(ad28)])).changes;
    expect(update).toMatchObject({
      provider: 'ceph',
      subject: 'pool ad28',
      action: 'update',
      downtime: false,
      before: { pgNum: 64, quotaMaxBytes: 1 << 30, quotaMaxObjects: 0 },
      after: { pgNum: 128, quotaMaxBytes: 2 << 30, quotaMaxObjects: 10 },
      payload: { pool: poolTarget(changed), changedFields: ['pgNum', 'quotaMaxBytes', 'quotaMaxObjects'] },
    });
    expect(update?.fingerprint).toMatch(/^[0-9a-f]+$/);
  });

  it('marks a pool delete destructive and an RBD storage ensure as the Proxmox payload', () => {
    const del = planPools(desiredWith([]), observedWith([seen(ad28)])).changes[0];
    const storage = planPools(desiredWith([pool('ad28', { proxmoxStorage: true })]), observedWith([])).changes[1];
    expect(del).toMatchObject({ action: 'delete', downtime: true, payload: { name: 'ad28' } });
    expect(storage).toMatchObject({
      provider: 'proxmox',
      action: 'ensure',
      dependsOn: ['ceph:paris/pool/ad28:create'],
      payload: { kind: 'storage', storage: 'ad28', type: 'rbd', pool: 'ad28', content: 'images', krbd: false },
    });
  });

  it('leaves a site alone when its Ceph was not observed', () => {
    const o = observedWith([]);
    delete o.sites.paris!.ceph;
    expect(planPools(desiredWith([ad28]), o)).toEqual({ changes: [], refused: [], drift: [] });
  });
});

describe('the plan of the realistic example', () => {
  it('shows its pools with their quotas, and the RBD storages of the tenants\' pools', async () => {
    const { desired } = await validateRepository('examples/realistic');
    const observed = observedWith([]);

    const result = plan(desired!, observed, NOW);

    const pools = result.changes.filter((c) => c.provider === 'ceph' || c.payload.kind === 'storage');
    expect(pools.map((c) => `${c.action} ${c.subject}: ${c.reason}`)).toEqual([
      'ensure storage al-rbd: RBD storage for pool al-rbd (tenant alpha-lecture) so VMs can use it',
      'ensure storage ba-rbd: RBD storage for pool ba-rbd (tenant banque-alimentaire) so VMs can use it',
      'ensure storage ss-rbd: RBD storage for pool ss-rbd (tenant secours-solidaire) so VMs can use it',
      'create pool al-rbd: new in Git: rbd pool, size 3/2, 64 PGs, quota 1 TiB',
      'create pool ba-rbd: new in Git: rbd pool, size 3/2, 64 PGs, quota 1 TiB',
      'create pool cephfs-backup: new in Git: cephfs pool, size 3/2, 32 PGs, quota 2 TiB',
      'create pool ss-rbd: new in Git: rbd pool, size 3/2, 64 PGs, quota 1.5 TiB',
    ]);
  });
});
