// Pure planning of Ceph pools (and the Proxmox RBD storages that let tenants' VMs use them).
// No I/O, no clock: the same desired and observed give the same changes, in a stable order.
//
// Ownership: a pool marmite creates carries two extra Ceph "applications" next to its real one
// (rbd, cephfs or rgw): `marmite` (the ownership marker) and `marmite.h.<hash>` (the hash of the
// spec it was last written from). Application names are free text in Ceph, survive every edit
// and cost nothing. A pool without `marmite` is never changed or deleted; a field that differs
// while the hash still equals Git's is drift (changed behind marmite's back), otherwise it is a
// change in Git.

import type { Desired, Pool } from '../model/desired.js';
import { shortHash } from '../model/marker.js';
import type { Observed, ObservedCeph } from '../model/observed.js';
import type { Change, DriftItem, Refusal } from '../model/plan.js';

export const POOL_PROVIDER = 'ceph';
export const POOL_MARKER_APP = 'marmite';
export const POOL_HASH_PREFIX = 'marmite.h.';

/**
 * An observed pool as the Ceph provider reports it. `managed` is an optional extension of
 * ObservedCeph's pool entry (set when the pool carries the `marmite` application).
 */
export type ObservedPool = ObservedCeph['pools'][number] & { managed?: { specHash: string } };

/** The Proxmox storages of a site, when the Proxmox provider observes them (optional extension). */
export interface ObservedStorage {
  storage: string;
  type: string;
  pool?: string;
  content?: string;
  krbd?: boolean;
}

/** Everything the Ceph provider needs to create or update a pool: provider-neutral names. */
export interface PoolTarget {
  name: string;
  tenant?: string;
  size: number;
  minSize: number;
  pgNum: number;
  application: 'rbd' | 'cephfs' | 'rgw';
  quotaMaxBytes: number;
  quotaMaxObjects: number;
  specHash: string;
}

export type PoolField = 'size' | 'minSize' | 'pgNum' | 'quotaMaxBytes' | 'quotaMaxObjects' | 'application';

export interface PoolPlan {
  changes: Change[];
  refused: Refusal[];
  drift: DriftItem[];
}

export interface StoragePayload {
  kind: 'storage';
  storage: string;
  type: 'rbd';
  pool: string;
  content: 'images';
  krbd: false;
}

const FIELDS: PoolField[] = ['size', 'minSize', 'pgNum', 'quotaMaxBytes', 'quotaMaxObjects', 'application'];

export function poolChangeId(site: string, name: string, action: string): string {
  return `ceph:${site}/pool/${name}:${action}`;
}

export function storageChangeId(site: string, storage: string): string {
  return `proxmox:${site}/storage/${storage}:ensure`;
}

export function poolTarget(pool: Pool): PoolTarget {
  const spec = {
    name: pool.name,
    ...(pool.tenant === undefined ? {} : { tenant: pool.tenant }),
    size: pool.size,
    minSize: pool.minSize,
    pgNum: pool.pgNum,
    application: pool.application,
    quotaMaxBytes: pool.quota.maxBytes,
    quotaMaxObjects: pool.quota.maxObjects,
  };
  return { ...spec, specHash: shortHash(spec, 10) };
}

/** What apply re-reads before an update or delete: the pool's managed figures and emptiness. */
export function poolFingerprint(p: ObservedPool): string {
  return shortHash({
    name: p.name,
    size: p.size,
    minSize: p.minSize,
    pgNum: p.pgNum,
    application: p.application ?? null,
    quotaMaxBytes: p.quotaMaxBytes,
    quotaMaxObjects: p.quotaMaxObjects,
    empty: p.objects === 0,
    specHash: p.managed?.specHash ?? null,
  });
}

function observedValue(p: ObservedPool, field: PoolField): unknown {
  return field === 'application' ? p.application : p[field];
}

/** Plans every site's pools; sites whose Ceph was not observed (no Ceph provider) are left alone. */
export function planPools(desired: Desired, observed: Observed): PoolPlan {
  const out: PoolPlan = { changes: [], refused: [], drift: [] };
  const sites = new Set<string>();
  for (const p of Object.values(desired.pools)) sites.add(p.site);
  for (const [name, s] of Object.entries(observed.sites)) if (s.ceph) sites.add(name);
  for (const site of [...sites].sort()) planSite(out, desired, observed, site);
  out.changes.sort((a, b) => cmp(a.id, b.id));
  out.refused.sort((a, b) => cmp(a.subject, b.subject) || cmp(a.rule, b.rule));
  out.drift.sort((a, b) => cmp(a.site, b.site) || cmp(a.subject, b.subject) || cmp(a.field, b.field));
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function planSite(out: PoolPlan, desired: Desired, observed: Observed, site: string): void {
  const ceph = observed.sites[site]?.ceph;
  const wanted = Object.values(desired.pools)
    .filter((p) => p.site === site)
    .sort((a, b) => cmp(a.name, b.name));
  if (!ceph) return;
  if (!ceph.reachable) {
    if (wanted.length > 0)
      out.refused.push({
        subject: `ceph ${site}`,
        site,
        action: 'ensure',
        rule: 'ceph-unreachable',
        reason: `ceph ${site} is unreachable (${ceph.error ?? 'no error given'}); no pool is planned there until it answers`,
      });
    return;
  }
  const byName = new Map<string, ObservedPool>(ceph.pools.map((p) => [p.name, p as ObservedPool]));
  const storages = (observed.sites[site] as { storages?: ObservedStorage[] } | undefined)?.storages;
  for (const pool of wanted) {
    const seen = byName.get(pool.name);
    const createId = seen ? undefined : planCreate(out, site, pool);
    if (seen) planUpdate(out, site, pool, seen);
    if (pool.proxmoxStorage && pool.application === 'rbd') planStorage(out, site, pool, storages, createId);
  }
  const names = new Set(wanted.map((p) => p.name));
  for (const p of [...byName.values()].sort((a, b) => cmp(a.name, b.name)))
    if (p.managed && !names.has(p.name)) planDelete(out, desired, site, p, ceph);
}

function planCreate(out: PoolPlan, site: string, pool: Pool): string {
  const target = poolTarget(pool);
  const id = poolChangeId(site, pool.name, 'create');
  out.changes.push({
    id,
    provider: POOL_PROVIDER,
    site,
    subject: `pool ${pool.name}`,
    action: 'create',
    reason: `new in Git: ${pool.application} pool, size ${pool.size}/${pool.minSize}, ${pool.pgNum} PGs${quotaText(target)}`,
    downtime: false,
    after: { size: target.size, minSize: target.minSize, pgNum: target.pgNum, quotaMaxBytes: target.quotaMaxBytes, quotaMaxObjects: target.quotaMaxObjects },
    dependsOn: [],
    payload: { pool: target },
  });
  return id;
}

/** Bytes as a volunteer reads them: 1 TiB, 500 GiB, 1.5 GiB. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

function quotaText(t: PoolTarget): string {
  const parts: string[] = [];
  if (t.quotaMaxBytes > 0) parts.push(formatBytes(t.quotaMaxBytes));
  if (t.quotaMaxObjects > 0) parts.push(`${t.quotaMaxObjects} objects`);
  return parts.length === 0 ? ', no quota' : `, quota ${parts.join(' and ')}`;
}

function planUpdate(out: PoolPlan, site: string, pool: Pool, seen: ObservedPool): void {
  const target = poolTarget(pool);
  const subject = `pool ${pool.name}`;
  const differing = FIELDS.filter((f) => observedValue(seen, f) !== target[f]);
  if (!seen.managed) {
    if (differing.length > 0)
      out.refused.push({
        subject,
        site,
        action: 'update',
        rule: 'unmanaged',
        reason: `${subject} exists but was not created by marmite (no '${POOL_MARKER_APP}' application); it differs from Git in ${differing.join(', ')} and is left alone until adopted`,
      });
    return;
  }
  const inGit = seen.managed.specHash === target.specHash;
  const changed: PoolField[] = [];
  for (const field of differing) {
    const correctable = field !== 'application' && !(field === 'pgNum' && target.pgNum < seen.pgNum);
    if (inGit) out.drift.push({ subject, site, field, desired: target[field], observed: observedValue(seen, field), corrected: correctable });
    if (field === 'application') {
      out.refused.push({ subject, site, action: 'update', rule: 'application-change', reason: `${subject}: the application of a pool is not changed (${String(seen.application)} in Ceph, ${target.application} in Git); create a new pool` });
    } else if (!correctable) {
      out.refused.push({ subject, site, action: 'update', rule: 'pg-num-decrease', reason: `${subject}: pg_num ${seen.pgNum} -> ${target.pgNum} would merge placement groups; marmite only raises pg_num` });
    } else {
      changed.push(field);
    }
  }
  const rehash = !inGit;
  if (changed.length === 0 && !rehash) return;
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  for (const f of changed) {
    before[f] = observedValue(seen, f);
    after[f] = target[f];
  }
  out.changes.push({
    id: poolChangeId(site, pool.name, 'update'),
    provider: POOL_PROVIDER,
    site,
    subject,
    action: 'update',
    reason:
      changed.length === 0
        ? 'spec changed in Git without a visible difference: the spec hash is rewritten'
        : `${inGit ? 'drift corrected' : 'changed in Git'}: ${changed.map((f) => `${f} ${show(f, before[f])} -> ${show(f, after[f])}`).join(', ')}`,
    downtime: false,
    before,
    after,
    fingerprint: poolFingerprint(seen),
    dependsOn: [],
    payload: { pool: target, changedFields: changed },
  });
}

function show(field: PoolField, value: unknown): string {
  if (field === 'quotaMaxBytes' && typeof value === 'number') return value === 0 ? 'none' : formatBytes(value);
  return String(value);
}

function planDelete(out: PoolPlan, desired: Desired, site: string, p: ObservedPool, ceph: ObservedCeph): void {
  const subject = `pool ${p.name}`;
  const refuse = (rule: string, reason: string) => {
    out.drift.push({ subject, site, field: 'pool', desired: 'absent', observed: `${p.objects} objects`, corrected: false });
    out.refused.push({ subject, site, action: 'delete', rule, reason });
  };
  if (!desired.settings.prune) return refuse('prune-disabled', `${subject} is no longer in Git; prune is off, so it is kept`);
  if (p.objects !== 0) return refuse('not-empty', `${subject} is no longer in Git but holds ${p.objects} objects; empty it first, marmite never deletes data`);
  if (ceph.poolDeletionAllowed === false)
    return refuse('pool-deletion-disabled', `${subject} is no longer in Git but pool deletion is disabled on the cluster (mon_allow_pool_delete); marmite does not change that`);
  out.changes.push({
    id: poolChangeId(site, p.name, 'delete'),
    provider: POOL_PROVIDER,
    site,
    subject,
    action: 'delete',
    reason: 'no longer in Git, empty, created by marmite, and prune is on',
    // Destructive: the lead's deletion guard counts these with the VM deletes.
    downtime: true,
    before: { size: p.size, minSize: p.minSize, pgNum: p.pgNum, objects: p.objects },
    fingerprint: poolFingerprint(p),
    dependsOn: [],
    payload: { name: p.name },
  });
}

function planStorage(out: PoolPlan, site: string, pool: Pool, storages: ObservedStorage[] | undefined, createId: string | undefined): void {
  const payload: StoragePayload = { kind: 'storage', storage: pool.name, type: 'rbd', pool: pool.name, content: 'images', krbd: false };
  if (storages === undefined) {
    // The Proxmox side does not report its storages yet: ensure the entry with the pool's create.
    if (createId === undefined) return;
  } else {
    const s = storages.find((x) => x.storage === pool.name);
    if (s && s.type === 'rbd' && s.pool === pool.name) return;
  }
  out.changes.push({
    id: storageChangeId(site, pool.name),
    provider: 'proxmox',
    site,
    subject: `storage ${pool.name}`,
    action: 'ensure',
    reason: `RBD storage for pool ${pool.name}${pool.tenant ? ` (tenant ${pool.tenant})` : ''} so VMs can use it`,
    downtime: false,
    dependsOn: createId === undefined ? [] : [createId],
    payload: { ...payload },
  });
}
