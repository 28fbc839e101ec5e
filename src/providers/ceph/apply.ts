// Executes one Ceph change. Every write is validated before it is sent (the Dashboard accepts
// some bad input with a 2xx) and read back after its task finished; a read-back that does not
// show what was asked is a terminal error, never a silent success.

import type { Change } from '../../model/plan.js';
import { POOL_HASH_PREFIX, POOL_MARKER_APP, type ObservedPool, type PoolField, type PoolTarget } from '../../plan/pools.js';
import type { ApplyContext, ApplyOutcome } from '../provider.js';
import type { CephClient, PoolWrite } from './client.js';
import { CephApiError } from './errors.js';
import { setOsdNoout } from './maintenance.js';
import { mapPool } from './observe.js';

/** Pool names Ceph and Proxmox both handle without quoting: no '/', no spaces. */
const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function refused(change: Change, message: string): CephApiError {
  return new CephApiError(`${change.subject}: ${message}`, { method: '-', path: '-', reason: 'refused' });
}

/** Checks a target before anything is sent; returns the problems found. */
export function validatePoolTarget(t: PoolTarget): string[] {
  const problems: string[] = [];
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!POOL_NAME.test(t.name)) problems.push(`name '${t.name}' must be letters, digits, '.', '_' or '-'`);
  if (!posInt(t.size) || t.size > 10) problems.push(`size ${t.size} must be an integer from 1 to 10`);
  if (!posInt(t.minSize) || t.minSize > t.size) problems.push(`min_size ${t.minSize} must be an integer from 1 to size`);
  if (!posInt(t.pgNum) || t.pgNum > 32768) problems.push(`pg_num ${t.pgNum} must be an integer from 1 to 32768`);
  for (const [k, v] of [['quota max bytes', t.quotaMaxBytes], ['quota max objects', t.quotaMaxObjects]] as const)
    if (!Number.isSafeInteger(v) || v < 0) problems.push(`${k} ${v} must be a whole number >= 0`);
  if (!['rbd', 'cephfs', 'rgw'].includes(t.application)) problems.push(`application '${t.application}' must be rbd, cephfs or rgw`);
  return problems;
}

export function poolApplications(t: PoolTarget): string[] {
  return [t.application, POOL_MARKER_APP, POOL_HASH_PREFIX + t.specHash];
}

const WRITE_FIELD: Record<Exclude<PoolField, 'application'>, keyof PoolWrite> = {
  size: 'size',
  minSize: 'min_size',
  pgNum: 'pg_num',
  quotaMaxBytes: 'quota_max_bytes',
  quotaMaxObjects: 'quota_max_objects',
};

function writeFor(t: PoolTarget, fields: readonly PoolField[]): PoolWrite {
  const w: PoolWrite = { application_metadata: poolApplications(t) };
  for (const f of fields) if (f !== 'application') (w as Record<string, unknown>)[WRITE_FIELD[f]] = t[f];
  return w;
}

/** Which of `fields` the pool read back does not show as asked. */
export function readBackMismatches(seen: ObservedPool, t: PoolTarget, fields: readonly PoolField[]): string[] {
  const bad: string[] = [];
  for (const f of fields) {
    const got = f === 'application' ? seen.application : seen[f];
    // pg_num grows step by step; its target is what must match.
    if (got !== t[f]) bad.push(`${f} is ${String(got)}, asked ${String(t[f])}`);
  }
  if (seen.managed?.specHash !== t.specHash) bad.push(`marker is ${seen.managed ? `hash ${seen.managed.specHash}` : 'missing'}, asked hash ${t.specHash}`);
  return bad;
}

const ALL_FIELDS: PoolField[] = ['size', 'minSize', 'pgNum', 'quotaMaxBytes', 'quotaMaxObjects', 'application'];

async function readPool(client: CephClient, name: string): Promise<ObservedPool | undefined> {
  const p = await client.getPool(name);
  return p ? mapPool(p) : undefined;
}

async function verify(client: CephClient, change: Change, t: PoolTarget, fields: readonly PoolField[]): Promise<void> {
  const seen = await readPool(client, t.name);
  const bad = seen ? readBackMismatches(seen, t, fields) : ['the pool is missing'];
  if (bad.length > 0)
    throw new CephApiError(`${change.subject}: read back after the write: ${bad.join('; ')}`, {
      method: 'GET',
      path: `/api/pool/${t.name}`,
      reason: 'read-back-mismatch',
    });
}

async function createPool(client: CephClient, change: Change, t: PoolTarget, context: ApplyContext): Promise<ApplyOutcome> {
  const existing = await readPool(client, t.name);
  if (existing && !existing.managed) throw refused(change, 'a pool with this name exists and was not created by marmite; it is never taken over implicitly');
  if (existing) {
    // A re-run after a create whose answer was lost: finish the job as an update.
    context.progress('exists already: updating');
    await client.updatePool(t.name, writeFor(t, ALL_FIELDS.filter((f) => f !== 'application' && !(f === 'pgNum' && existing.pgNum >= t.pgNum))));
    await verify(client, change, t, ALL_FIELDS);
    return 'configured';
  }
  context.progress('creating (waiting for the task)');
  await client.createPool({
    pool: t.name,
    pool_type: 'replicated',
    pg_num: t.pgNum,
    size: t.size,
    min_size: t.minSize,
    application_metadata: poolApplications(t),
    quota_max_bytes: t.quotaMaxBytes,
    quota_max_objects: t.quotaMaxObjects,
  });
  await verify(client, change, t, ALL_FIELDS);
  return 'created';
}

async function updatePool(client: CephClient, change: Change, t: PoolTarget, fields: PoolField[], context: ApplyContext): Promise<ApplyOutcome> {
  const existing = await readPool(client, t.name);
  if (!existing) throw refused(change, 'the pool is gone; plan again');
  if (!existing.managed) throw refused(change, 'the pool was not created by marmite');
  if (fields.includes('pgNum') && t.pgNum < existing.pgNum) throw refused(change, `pg_num ${existing.pgNum} -> ${t.pgNum}: marmite only raises pg_num`);
  context.progress(`updating ${fields.join(', ') || 'marker'}`);
  await client.updatePool(t.name, writeFor(t, fields));
  await verify(client, change, t, fields);
  return 'configured';
}

async function deletePool(client: CephClient, change: Change, name: string, context: ApplyContext): Promise<ApplyOutcome> {
  const existing = await readPool(client, name);
  if (!existing) return 'unchanged';
  if (!existing.managed) throw refused(change, 'the pool was not created by marmite; it is never deleted');
  if (existing.objects !== 0) throw refused(change, `the pool holds ${existing.objects} objects; marmite deletes only empty pools`);
  context.progress('deleting');
  await client.deletePool(name);
  if (await readPool(client, name))
    throw new CephApiError(`${change.subject}: still there after the delete`, { method: 'GET', path: `/api/pool/${name}`, reason: 'read-back-mismatch' });
  return 'deleted';
}

async function noout(client: CephClient, change: Change, on: boolean): Promise<ApplyOutcome> {
  const p = change.payload as { host?: unknown; osds?: unknown };
  const osds = Array.isArray(p.osds) ? p.osds.filter((x): x is number => Number.isInteger(x)) : [];
  if (osds.length === 0) return 'unchanged';
  const before = await client.osdFlags();
  const has = (id: number) => before.find((o) => o.osd === id)?.flags.includes('noout') ?? false;
  const missing = osds.filter((id) => !before.some((o) => o.osd === id));
  // The API silently accepts unknown OSD ids; refuse them instead of reporting a success.
  if (missing.length > 0) throw refused(change, `no OSD ${missing.join(', ')} in the cluster`);
  if (osds.every((id) => has(id) === on)) return 'unchanged';
  await setOsdNoout(client, osds, on);
  const after = await client.osdFlags();
  const wrong = osds.filter((id) => (after.find((o) => o.osd === id)?.flags.includes('noout') ?? false) !== on);
  if (wrong.length > 0)
    throw new CephApiError(`${change.subject}: noout is ${on ? 'not set' : 'still set'} on OSD ${wrong.join(', ')} after the write`, {
      method: 'GET',
      path: '/api/osd/flags/individual',
      reason: 'read-back-mismatch',
    });
  return 'configured';
}

export async function applyCephChange(client: CephClient, change: Change, context: ApplyContext): Promise<ApplyOutcome> {
  switch (change.action) {
    case 'create':
    case 'update': {
      const p = change.payload as { pool?: PoolTarget; changedFields?: PoolField[] };
      if (!p.pool) throw refused(change, 'payload has no pool');
      const problems = validatePoolTarget(p.pool);
      if (problems.length > 0) throw refused(change, `invalid pool: ${problems.join('; ')}`);
      return change.action === 'create'
        ? createPool(client, change, p.pool, context)
        : updatePool(client, change, p.pool, (p.changedFields ?? []).filter((f) => f !== 'application'), context);
    }
    case 'delete': {
      const name = (change.payload as { name?: unknown }).name;
      if (typeof name !== 'string' || !POOL_NAME.test(name)) throw refused(change, 'payload has no valid pool name');
      return deletePool(client, change, name, context);
    }
    case 'set-noout':
      return noout(client, change, true);
    case 'clear-noout':
      return noout(client, change, false);
    default:
      throw refused(change, `the ceph provider does not ${change.action}`);
  }
}
