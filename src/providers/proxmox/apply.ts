// Executing one planned change. Every action is idempotent: it first reads what is there, does
// only the missing steps, and can be re-run after a kill or a client retry of a POST.

import { MarmiteError } from '../../core/errors.js';
import { readDescriptionMarker, readMarker } from '../../model/marker.js';
import type { ObservedGuest } from '../../model/observed.js';
import type { Change, VmTarget } from '../../model/plan.js';
import type { ApplyContext, ApplyOutcome } from '../provider.js';
import type { SiteClient } from './client.js';
import { ProxmoxApiError, ProxmoxRefusedError, type CallLabel } from './errors.js';
import { mapGuest, pendingKeys, type PveRecord } from './map.js';
import { readResources } from './observe.js';
import { desiredConfig, diffConfig, diskWork, tagsValue, type PveParams } from './params.js';
import { awaitTask } from './tasks.js';

const API = '/api2/json';

export interface ApplyDeps {
  client: SiteClient;
  pollMs: number;
  taskTimeoutMs: number;
}

interface Step {
  deps: ApplyDeps;
  change: Change;
  ctx: ApplyContext;
}

// ---------- small API steps ----------

function label(step: Step, action: string): CallLabel {
  return { subject: step.change.subject, action };
}

function vmPath(node: string, vmid: number, rest = ''): string {
  return `${API}/nodes/${node}/qemu/${vmid}${rest}`;
}

async function findGuest(step: Step, vmid: number): Promise<ObservedGuest | undefined> {
  const resources = await readResources(step.deps.client, 'vm');
  const found = resources.find((r) => Number(r.vmid) === vmid);
  return found ? mapGuest(step.change.site, found) : undefined;
}

async function readConfig(step: Step, node: string, vmid: number): Promise<PveRecord> {
  return (await step.deps.client.call(label(step, 'read config'), 'GET', vmPath(node, vmid, '/config'), (api) =>
    api.nodes.$(node).qemu.$(vmid).config.$get(),
  )) as unknown as PveRecord;
}

async function readPending(step: Step, node: string, vmid: number): Promise<string[]> {
  const entries = await step.deps.client.call(label(step, 'read pending changes'), 'GET', vmPath(node, vmid, '/pending'), (api) =>
    api.nodes.$(node).qemu.$(vmid).pending.$get(),
  );
  return pendingKeys(entries as unknown as PveRecord[]);
}

async function putConfig(step: Step, node: string, vmid: number, params: PveParams, action = 'configure'): Promise<void> {
  await step.deps.client.call(label(step, action), 'PUT', vmPath(node, vmid, '/config'), (api) =>
    api.nodes.$(node).qemu.$(vmid).config.$put(params as never),
  );
}

async function runTask(step: Step, action: string, method: 'POST' | 'PUT' | 'DELETE', path: string, fn: Parameters<SiteClient['call']>[3]): Promise<string> {
  const upid = await step.deps.client.call(label(step, action), method, path, fn);
  step.ctx.progress(`${step.change.subject}: waiting for ${action}`);
  return awaitTask(step.deps.client, label(step, action), upid, {
    pollMs: step.deps.pollMs,
    timeoutMs: step.deps.taskTimeoutMs,
    signal: step.ctx.signal,
  });
}

async function vmStatus(step: Step, node: string, vmid: number): Promise<string> {
  const current = (await step.deps.client.call(label(step, 'read status'), 'GET', vmPath(node, vmid, '/status/current'), (api) =>
    api.nodes.$(node).qemu.$(vmid).status.current.$get(),
  )) as unknown as PveRecord;
  return String(current.status ?? 'unknown');
}

async function startVm(step: Step, node: string, vmid: number): Promise<void> {
  await runTask(step, 'start', 'POST', vmPath(node, vmid, '/status/start'), (api) => api.nodes.$(node).qemu.$(vmid).status.start.$post());
}

async function stopVm(step: Step, node: string, vmid: number): Promise<void> {
  await runTask(step, 'stop', 'POST', vmPath(node, vmid, '/status/stop'), (api) => api.nodes.$(node).qemu.$(vmid).status.stop.$post());
}

async function resizeDisk(step: Step, node: string, vmid: number, slot: string, sizeGiB: number): Promise<void> {
  step.ctx.progress(`${step.change.subject}: growing ${slot} to ${sizeGiB}G`);
  await runTask(step, `resize ${slot}`, 'PUT', vmPath(node, vmid, '/resize'), (api) =>
    api.nodes.$(node).qemu.$(vmid).resize.$put({ disk: slot, size: `${sizeGiB}G` } as never),
  );
}

// ---------- payload checks ----------

function payloadError(change: Change, what: string): ProxmoxRefusedError {
  return new ProxmoxRefusedError(`${change.subject}: ${change.action} failed: payload ${what}`, 'bad-payload');
}

function targetOf(change: Change): VmTarget {
  const target = change.payload.target as VmTarget | undefined;
  if (!target || typeof target.vmid !== 'number' || typeof target.node !== 'string') throw payloadError(change, 'has no VM target');
  return target;
}

function vmRef(change: Change): { vmid: number; node: string; timeoutSeconds?: number } {
  const p = change.payload as { vmid?: unknown; node?: unknown; timeoutSeconds?: unknown };
  if (typeof p.vmid !== 'number' || typeof p.node !== 'string') throw payloadError(change, 'needs vmid and node');
  return { vmid: p.vmid, node: p.node, ...(typeof p.timeoutSeconds === 'number' ? { timeoutSeconds: p.timeoutSeconds } : {}) };
}

// ---------- ownership ----------

/** Ours by tags, or by the description line a clone carries before its tags are written. */
async function isOurs(step: Step, guest: ObservedGuest): Promise<{ ours: boolean; config?: PveRecord }> {
  if (readMarker(guest.tags, guest.name)) return { ours: true };
  if (guest.type !== 'qemu') return { ours: false };
  const config = await readConfig(step, guest.node, guest.vmid);
  return { ours: readDescriptionMarker(typeof config.description === 'string' ? config.description : undefined) !== undefined, config };
}

function foreign(change: Change, guest: ObservedGuest): ProxmoxRefusedError {
  return new ProxmoxRefusedError(
    `${change.subject}: ${change.action} failed: vmid ${guest.vmid} is taken by ${guest.name || 'a guest'} on ${guest.node}, which marmite does not manage`,
    'foreign-guest',
  );
}

/** A clone or migration still running (after a kill): wait for a later attempt. */
function assertUnlocked(change: Change, guest: ObservedGuest): void {
  if (guest.lock) {
    throw new MarmiteError(`${change.subject}: ${change.action} failed: vmid ${guest.vmid} is locked (${guest.lock})`, { transient: true });
  }
}

// ---------- create / update ----------

// Storage types PVE treats as shared whether or not storage.cfg says `shared`.
const SHARED_TYPES = new Set(['rbd', 'cephfs', 'nfs', 'cifs', 'glusterfs', 'iscsi', 'iscsidirect', 'pbs']);

async function storageIsShared(step: Step, storage: string): Promise<boolean> {
  const list = (await step.deps.client.call(label(step, 'read storages'), 'GET', `${API}/storage`, (api) => api.storage.$get())) as unknown as PveRecord[];
  const s = list.find((x) => x.storage === storage);
  return s !== undefined && (s.shared === 1 || s.shared === '1' || s.shared === true || SHARED_TYPES.has(String(s.type)));
}

/**
 * A full clone onto the VM's boot storage. PVE clones straight to another node only when the
 * target storage is shared; otherwise the clone is made beside the template and moved afterwards
 * (`placeGuest`), which is also what a re-run after a kill between the two steps resumes.
 */
async function cloneGuest(step: Step, target: VmTarget): Promise<string> {
  const { templateNode, templateVmid } = target;
  const storage = target.disks[0]?.storage;
  const direct = templateNode !== target.node && storage !== undefined && (await storageIsShared(step, storage));
  step.ctx.progress(`${step.change.subject}: cloning from ${templateVmid}`);
  const params = {
    newid: target.vmid,
    name: target.name,
    full: true,
    pool: target.pool,
    description: desiredConfig(target).description as string,
    ...(storage ? { storage } : {}),
    ...(direct ? { target: target.node } : {}),
  };
  await runTask(step, 'clone', 'POST', vmPath(templateNode, templateVmid, '/clone'), (api) =>
    api.nodes.$(templateNode).qemu.$(templateVmid).clone.$post(params),
  );
  return direct ? target.node : templateNode;
}

/** Moves a new, stopped guest to its node (local disks travel with it). Returns where it is. */
async function placeGuest(step: Step, target: VmTarget, node: string): Promise<string> {
  if (node === target.node) return node;
  if ((await vmStatus(step, node, target.vmid)) !== 'stopped') return node;
  step.ctx.progress(`${step.change.subject}: moving ${node} -> ${target.node}`);
  await runTask(step, 'migrate', 'POST', vmPath(node, target.vmid, '/migrate'), (api) =>
    api.nodes.$(node).qemu.$(target.vmid).migrate.$post({ target: target.node, 'with-local-disks': true }),
  );
  return target.node;
}

/** Config, then disks, then the tags with the spec hash last: a guest shows the new hash only when complete. */
async function converge(step: Step, target: VmTarget, node: string, current: PveRecord): Promise<boolean> {
  const { vmid } = target;
  const diff = diffConfig(target, current);
  const disks = diskWork(target, current);
  const params: PveParams = { ...diff.set, ...disks.add };
  if (diff.delete.length > 0) params.delete = diff.delete.join(',');
  const configChanged = Object.keys(params).length > 0;
  if (configChanged) {
    if (typeof current.digest === 'string') params.digest = current.digest;
    await putConfig(step, node, vmid, params);
  }
  for (const grow of disks.grow) await resizeDisk(step, node, vmid, grow.slot, grow.sizeGiB);
  return configChanged || disks.grow.length > 0;
}

async function writeTags(step: Step, target: VmTarget, node: string, current: PveRecord): Promise<boolean> {
  const tags = tagsValue(target.tags);
  const currentTags = typeof current.tags === 'string' ? tagsValue(current.tags.split(/[;,\s]+/).filter((t) => t)) : '';
  if (tags === currentTags) return false;
  await putConfig(step, node, target.vmid, { tags }, 'write tags');
  return true;
}

/**
 * HA follows Git: a resource `vm:<vmid>` whose requested state matches whether the VM must run,
 * or none. Added after the config so the HA manager never starts a half-configured guest.
 */
async function ensureHa(step: Step, target: VmTarget): Promise<boolean> {
  // The HA resource list is short; /cluster/resources would list every guest of the cluster.
  const resources = (await step.deps.client.call(label(step, 'read HA resources'), 'GET', `${API}/cluster/ha/resources`, (api) =>
    api.cluster.ha.resources.$get(),
  )) as unknown as PveRecord[];
  const managed = resources.some((r) => r.sid === `vm:${target.vmid}`);
  const sid = `vm:${target.vmid}`;
  const client = step.deps.client;
  if (target.ha && !managed) {
    await client.call(label(step, 'add to HA'), 'POST', `${API}/cluster/ha/resources`, (api) =>
      api.cluster.ha.resources.$post({ sid, state: target.running ? 'started' : 'stopped', comment: 'managed by marmite' }),
    );
    return true;
  }
  if (!target.ha && managed) {
    await client.call(label(step, 'remove from HA'), 'DELETE', `${API}/cluster/ha/resources/${sid}`, (api) => api.cluster.ha.resources.$(sid).$delete());
    return true;
  }
  return false;
}

async function applyCreate(step: Step): Promise<ApplyOutcome> {
  const target = targetOf(step.change);
  let guest = await findGuest(step, target.vmid);
  let at: string;
  if (guest) {
    if (!(await isOurs(step, guest)).ours) throw foreign(step.change, guest);
    assertUnlocked(step.change, guest);
    step.ctx.progress(`${step.change.subject}: vmid ${target.vmid} exists and is ours, finishing it`);
    at = guest.node;
  } else {
    try {
      at = await cloneGuest(step, target);
    } catch (err) {
      // The client re-sends a POST after a timeout: the first clone may have made the guest.
      if (!(err instanceof ProxmoxApiError)) throw err;
      guest = await findGuest(step, target.vmid);
      if (!guest || !(await isOurs(step, guest)).ours) throw err;
      assertUnlocked(step.change, guest);
      at = guest.node;
    }
  }
  const node = await placeGuest(step, target, at);
  const current = await readConfig(step, node, target.vmid);
  await converge(step, target, node, current);
  await ensureHa(step, target);
  await writeTags(step, target, node, current);
  if (target.running && (await vmStatus(step, node, target.vmid)) !== 'running') {
    step.ctx.progress(`${step.change.subject}: starting`);
    await startVm(step, node, target.vmid);
  }
  return 'created';
}

async function applyUpdate(step: Step): Promise<ApplyOutcome> {
  const target = targetOf(step.change);
  const guest = await findGuest(step, target.vmid);
  if (!guest) throw new ProxmoxRefusedError(`${step.change.subject}: update failed: vmid ${target.vmid} no longer exists`, 'bad-payload');
  const { ours, config } = await isOurs(step, guest);
  if (!ours) throw foreign(step.change, guest);
  assertUnlocked(step.change, guest);
  const current = config ?? (await readConfig(step, guest.node, target.vmid));
  let changed = await converge(step, target, guest.node, current);
  if (step.change.applyMode === 'reboot' && guest.status === 'running') {
    const pending = await readPending(step, guest.node, target.vmid);
    if (pending.length > 0) {
      step.ctx.progress(`${step.change.subject}: rebooting to apply ${pending.join(', ')}`);
      await runTask(step, 'reboot', 'POST', vmPath(guest.node, target.vmid, '/status/reboot'), (api) =>
        api.nodes.$(guest.node).qemu.$(target.vmid).status.reboot.$post(),
      );
      changed = true;
    }
  }
  changed = (await ensureHa(step, target)) || changed;
  changed = (await writeTags(step, target, guest.node, current)) || changed;
  return changed ? 'configured' : 'unchanged';
}

async function applyResize(step: Step): Promise<ApplyOutcome> {
  const target = targetOf(step.change);
  const { slot, sizeGiB } = step.change.payload as { slot?: unknown; sizeGiB?: unknown };
  if (typeof slot !== 'string' || typeof sizeGiB !== 'number') throw payloadError(step.change, 'needs slot and sizeGiB');
  const guest = await findGuest(step, target.vmid);
  const node = guest?.node ?? target.node;
  const current = await readConfig(step, node, target.vmid);
  const disk = target.disks.find((d) => d.slot === slot) ?? { slot, storage: '', sizeGiB };
  const work = diskWork({ ...target, disks: [{ ...disk, sizeGiB }] }, current);
  if (work.add[slot] !== undefined) {
    if (!disk.storage) throw payloadError(step.change, `names no storage for new disk ${slot}`);
    await putConfig(step, node, target.vmid, { [slot]: work.add[slot]!, ...(typeof current.digest === 'string' ? { digest: current.digest } : {}) }, `add ${slot}`);
    return 'configured';
  }
  if (work.grow.length === 0) return 'unchanged';
  await resizeDisk(step, node, target.vmid, slot, sizeGiB);
  return 'configured';
}

// ---------- power, migration, deletion ----------

async function applyStart(step: Step): Promise<ApplyOutcome> {
  const { vmid, node } = vmRef(step.change);
  if ((await vmStatus(step, node, vmid)) === 'running') return 'unchanged';
  await startVm(step, node, vmid);
  return 'configured';
}

async function applyStop(step: Step): Promise<ApplyOutcome> {
  const { vmid, node } = vmRef(step.change);
  if ((await vmStatus(step, node, vmid)) === 'stopped') return 'unchanged';
  await stopVm(step, node, vmid);
  return 'configured';
}

const DEFAULT_SHUTDOWN_SECONDS = 180;

async function applyShutdown(step: Step): Promise<ApplyOutcome> {
  const { vmid, node, timeoutSeconds = DEFAULT_SHUTDOWN_SECONDS } = vmRef(step.change);
  if ((await vmStatus(step, node, vmid)) === 'stopped') return 'unchanged';
  try {
    // forceStop: PVE itself pulls the plug when the guest ignores ACPI past the timeout.
    await runTask(step, 'shutdown', 'POST', vmPath(node, vmid, '/status/shutdown'), (api) =>
      api.nodes.$(node).qemu.$(vmid).status.shutdown.$post({ timeout: timeoutSeconds, forceStop: true }),
    );
  } catch (err) {
    if (err instanceof ProxmoxApiError && err.transient) throw err;
    step.ctx.progress(`${step.change.subject}: clean shutdown failed, stopping`);
  }
  if ((await vmStatus(step, node, vmid)) !== 'stopped') await stopVm(step, node, vmid);
  return 'configured';
}

async function applyMigrate(step: Step): Promise<ApplyOutcome> {
  const p = step.change.payload as { vmid?: unknown; from?: unknown; to?: unknown; online?: unknown };
  if (typeof p.vmid !== 'number' || typeof p.to !== 'string') throw payloadError(step.change, 'needs vmid, from and to');
  const vmid = p.vmid;
  const to = p.to;
  const guest = await findGuest(step, vmid);
  if (!guest) throw new ProxmoxRefusedError(`${step.change.subject}: migrate failed: vmid ${vmid} no longer exists`, 'bad-payload');
  if (guest.node === to) return 'unchanged';
  assertUnlocked(step.change, guest);
  const from = guest.node;
  const online = guest.status === 'running';
  step.ctx.progress(`${step.change.subject}: migrating ${from} -> ${to}${online ? ' (live)' : ''}`);
  await runTask(step, 'migrate', 'POST', vmPath(from, vmid, '/migrate'), (api) =>
    api.nodes.$(from).qemu.$(vmid).migrate.$post({ target: to, ...(online ? { online: true } : {}) }),
  );
  return 'configured';
}

async function applyDelete(step: Step): Promise<ApplyOutcome> {
  const { vmid } = vmRef(step.change);
  const guest = await findGuest(step, vmid);
  if (!guest) return 'unchanged';
  const { ours, config } = await isOurs(step, guest);
  if (!ours) throw foreign(step.change, guest);
  const current = config ?? (await readConfig(step, guest.node, vmid));
  if (current.protection === 1 || current.protection === '1' || current.protection === true) {
    throw new ProxmoxRefusedError(`${step.change.subject}: delete failed: vmid ${vmid} has protection set`, 'protected');
  }
  assertUnlocked(step.change, guest);
  if (guest.status === 'running' || guest.status === 'paused') {
    step.ctx.progress(`${step.change.subject}: stopping before delete`);
    await stopVm(step, guest.node, vmid);
  }
  await runTask(step, 'delete', 'DELETE', vmPath(guest.node, vmid), (api) =>
    api.nodes.$(guest.node).qemu.$(vmid).$delete({ purge: true, 'destroy-unreferenced-disks': true }),
  );
  return 'deleted';
}

// ---------- access: pools, groups, ACLs ----------

async function ensurePool(step: Step, poolid: string, comment: string | undefined): Promise<ApplyOutcome> {
  const client = step.deps.client;
  const read = async () =>
    ((await client.call(label(step, 'read pools'), 'GET', `${API}/pools`, (api) => api.pools.$get())) as unknown as PveRecord[]).find(
      (p) => p.poolid === poolid,
    );
  const existing = await read();
  if (existing) {
    if (comment === undefined || (existing.comment ?? '') === comment) return 'unchanged';
    await client.call(label(step, 'update pool'), 'PUT', `${API}/pools`, (api) => api.pools.$put({ poolid, comment }));
    return 'configured';
  }
  try {
    await client.call(label(step, 'create pool'), 'POST', `${API}/pools`, (api) => api.pools.$post({ poolid, ...(comment ? { comment } : {}) }));
  } catch (err) {
    // A retried POST answers "already exists" for the pool the first attempt made.
    if (!(err instanceof ProxmoxApiError) || !(await read())) throw err;
  }
  return 'created';
}

async function ensureGroup(step: Step, groupid: string, users: string[]): Promise<ApplyOutcome> {
  const client = step.deps.client;
  const read = async () =>
    ((await client.call(label(step, 'read groups'), 'GET', `${API}/access/groups`, (api) => api.access.groups.$get())) as unknown as PveRecord[]).find(
      (g) => g.groupid === groupid,
    );
  let existing = await read();
  let outcome: ApplyOutcome = 'unchanged';
  if (!existing) {
    try {
      await client.call(label(step, 'create group'), 'POST', `${API}/access/groups`, (api) => api.access.groups.$post({ groupid }));
    } catch (err) {
      if (!(err instanceof ProxmoxApiError)) throw err;
      existing = await read();
      if (!existing) throw err;
    }
    outcome = 'created';
  }
  const members = new Set(typeof existing?.users === 'string' ? existing.users.split(',').filter((u) => u) : []);
  const missing = users.filter((u) => !members.has(u)).sort();
  // Members named in tenant.yaml may not have logged in yet (pve realm, or an LDAP/OIDC realm
  // before its first sync): marmite creates the account, without a password, in the group.
  const known = missing.length === 0
    ? new Set<string>()
    : new Set(((await client.call(label(step, 'read users'), 'GET', `${API}/access/users`, (api) => api.access.users.$get())) as unknown as PveRecord[]).map((u) => String(u.userid)));
  for (const user of missing) {
    if (known.has(user)) {
      await client.call(label(step, `add ${user} to group`), 'PUT', `${API}/access/users/${user}`, (api) =>
        api.access.users.$(user).$put({ groups: groupid, append: true }),
      );
    } else {
      await client.call(label(step, `create user ${user}`), 'POST', `${API}/access/users`, (api) =>
        api.access.users.$post({ userid: user, groups: groupid, comment: 'member of a tenant (managed by marmite)' }),
      );
    }
    if (outcome === 'unchanged') outcome = 'configured';
  }
  for (const user of [...members].filter((u) => !users.includes(u)).sort()) {
    const info = (await client.call(label(step, `read user ${user}`), 'GET', `${API}/access/users/${user}`, (api) =>
      api.access.users.$(user).$get(),
    )) as unknown as PveRecord;
    const groups = (Array.isArray(info.groups) ? info.groups.map(String) : String(info.groups ?? '').split(',')).filter((g) => g && g !== groupid);
    await client.call(label(step, `remove ${user} from group`), 'PUT', `${API}/access/users/${user}`, (api) =>
      api.access.users.$(user).$put({ groups: groups.join(',') }),
    );
    if (outcome === 'unchanged') outcome = 'configured';
  }
  return outcome;
}

async function ensureAcl(step: Step, path: string, group: string, role: string): Promise<ApplyOutcome> {
  const client = step.deps.client;
  const acls = (await client.call(label(step, 'read acls'), 'GET', `${API}/access/acl`, (api) => api.access.acl.$get())) as unknown as PveRecord[];
  if (acls.some((a) => a.path === path && a.type === 'group' && a.ugid === group && a.roleid === role)) return 'unchanged';
  await client.call(label(step, 'grant acl'), 'PUT', `${API}/access/acl`, (api) => api.access.acl.$put({ path, groups: group, roles: role, propagate: true }));
  return 'created';
}

/** The Proxmox RBD storage of a Ceph pool, so the tenant's VMs can put disks on it. */
async function ensureStorage(step: Step, p: { storage: string; pool: string; content: string; krbd: boolean }): Promise<ApplyOutcome> {
  const client = step.deps.client;
  const list = (await client.call(label(step, 'read storages'), 'GET', `${API}/storage`, (api) => api.storage.$get())) as unknown as PveRecord[];
  const existing = list.find((s) => s.storage === p.storage);
  if (existing) {
    if (existing.type !== 'rbd' || (existing.pool !== undefined && existing.pool !== p.pool)) {
      throw new ProxmoxRefusedError(`${step.change.subject}: ensure failed: storage ${p.storage} exists with another type or pool; marmite does not change it`, 'foreign-storage');
    }
    return 'unchanged';
  }
  try {
    await client.call(label(step, 'create storage'), 'POST', `${API}/storage`, (api) =>
      api.storage.$post({ storage: p.storage, type: 'rbd', pool: p.pool, content: p.content, krbd: p.krbd }),
    );
  } catch (err) {
    // A retried POST answers "already defined" for the storage the first attempt made.
    if (!(err instanceof ProxmoxApiError)) throw err;
    const again = (await client.call(label(step, 'read storages'), 'GET', `${API}/storage`, (api) => api.storage.$get())) as unknown as PveRecord[];
    if (!again.some((s) => s.storage === p.storage)) throw err;
  }
  return 'created';
}

async function applyEnsure(step: Step): Promise<ApplyOutcome> {
  const p = step.change.payload as Record<string, unknown>;
  if (p.kind === 'pool' && typeof p.poolid === 'string') return ensurePool(step, p.poolid, typeof p.comment === 'string' ? p.comment : undefined);
  if (p.kind === 'group' && typeof p.groupid === 'string') return ensureGroup(step, p.groupid, Array.isArray(p.users) ? p.users.map(String) : []);
  if (p.kind === 'acl' && typeof p.path === 'string' && typeof p.group === 'string' && typeof p.role === 'string') {
    return ensureAcl(step, p.path, p.group, p.role);
  }
  if (p.kind === 'storage' && typeof p.storage === 'string' && typeof p.pool === 'string') {
    return ensureStorage(step, { storage: p.storage, pool: p.pool, content: typeof p.content === 'string' ? p.content : 'images', krbd: p.krbd === true });
  }
  throw payloadError(step.change, `kind ${JSON.stringify(p.kind)} is not pool, group, acl or storage with its fields`);
}

const ACTIONS: Partial<Record<Change['action'], (step: Step) => Promise<ApplyOutcome>>> = {
  create: applyCreate,
  update: applyUpdate,
  resize: applyResize,
  start: applyStart,
  stop: applyStop,
  shutdown: applyShutdown,
  migrate: applyMigrate,
  delete: applyDelete,
  ensure: applyEnsure,
};

export function applyChange(deps: ApplyDeps, change: Change, ctx: ApplyContext): Promise<ApplyOutcome> {
  const action = ACTIONS[change.action];
  if (!action) throw payloadError(change, `action ${JSON.stringify(change.action)} is unknown`);
  return action({ deps, change, ctx });
}
