// plan(desired, observed, now): the pure heart of marmite. No I/O, no clock but `now`, no
// randomness; the same inputs give the same Plan JSON, byte for byte, whatever order the
// providers listed guests in. Every stage below is a small function over prepared indexes, so
// planning thousands of VMs stays linear.

import type { Desired, Vm } from '../model/desired.js';
import { guestFingerprint, MARKER_TAG } from '../model/marker.js';
import type { Observed, ObservedGuest } from '../model/observed.js';
import type { ApplyMode, Change, ChangeAction, DriftItem, Plan, Refusal, VmTarget } from '../model/plan.js';
import { accessChanges } from './access.js';
import { ALL_UPDATE_FIELDS, COLD_FIELDS, compareConfig, compareSummary, tagsDiff, type FieldDiff, type SpecField } from './compare.js';
import { indexObserved, isManagedAs, sortedVms, type ObservedIndex } from './observed-index.js';
import { SitePlacement } from './placement.js';
import { planPools } from './pools.js';
import { buildVmTarget } from './vm-target.js';
import { hasPowerPlan, planPower } from '../power/planner.js';
import { calendarFor, vmMustRun } from '../power/windows.js';

export const PROVIDER = 'proxmox';

/**
 * Whether a VM must run at `now`: Git says running and, when it has a schedule, one of its power
 * windows is open (src/power/windows.ts). A VM outside its windows simply does not have to run,
 * which is expected state, never drift. Without `desired` the windows cannot be read, and only the
 * state counts.
 */
export function mustRun(vm: Vm, now: Date, desired?: Desired): boolean {
  if (desired === undefined || vm.schedule.windows.length === 0) return vm.state === 'running';
  return vmMustRun(desired, vm, now, calendarFor(desired, now));
}

export function vmChangeId(site: string, vmId: string, action: ChangeAction, part?: string): string {
  return `proxmox:${site}/vm/${vmId}:${action}${part === undefined ? '' : `:${part}`}`;
}

// A node comes up (and its OSDs lose noout) before anything is placed on it; it goes down only
// after its guests have moved or stopped, and after noout is set on its OSDs.
const ACTION_ORDER: Record<ChangeAction, number> = {
  ensure: 0,
  'power-on': 1,
  'clear-noout': 2,
  create: 3,
  update: 4,
  resize: 5,
  migrate: 6,
  start: 7,
  shutdown: 8,
  stop: 8,
  delete: 9,
  'set-noout': 10,
  'power-off': 11,
};

const ENSURE_ORDER: Record<string, number> = { pool: 0, group: 1, acl: 2 };

interface Sorted {
  change: Change;
  group: string;
  rank: number;
}

/** Collects the plan's parts; sorting happens once at the end. */
class Accumulator {
  readonly changes: Sorted[] = [];
  readonly refused: Refusal[] = [];
  readonly drift: DriftItem[] = [];

  add(change: Change, group = change.subject, rank = 0): void {
    this.changes.push({ change, group, rank });
  }

  refuse(r: Refusal): void {
    this.refused.push(r);
  }
}

/**
 * The changes on one existing guest form a chain: each depends on the one before, and records the
 * fingerprint the guest will have when its turn comes (after an update rewrote the tags, after a
 * migration moved it), so apply's stale check holds at every step.
 */
class GuestChain {
  private state: ObservedGuest;
  private last: string | undefined;

  constructor(guest: ObservedGuest) {
    this.state = { ...guest, tags: [...guest.tags] };
  }

  get node(): string {
    return this.state.node;
  }

  link(id: string, after: Partial<ObservedGuest>): { fingerprint: string; dependsOn: string[] } {
    const out = { fingerprint: guestFingerprint(this.state), dependsOn: this.last === undefined ? [] : [this.last] };
    this.state = { ...this.state, ...after };
    this.last = id;
    return out;
  }
}

export interface PlanOptions {
  /**
   * The 7-day power timeline: 'auto' computes it when some site reports power (then nodes can be
   * switched), 'always' also for a snapshot without power readings (merge-request review shows
   * what a platform change would do).
   */
  timeline?: 'auto' | 'always';
  /** Seconds until the next plan (the agent's poll interval): power-ons come that much earlier. */
  cycleSeconds?: number;
}

export function plan(desired: Desired, observed: Observed, now: Date, options: PlanOptions = {}): Plan {
  const index = indexObserved(observed);
  const acc = new Accumulator();
  const claimed = new Set<ObservedGuest>();
  const bySite = new Map<string, Vm[]>();
  for (const vm of sortedVms(desired)) {
    const list = bySite.get(vm.site);
    if (list) list.push(vm);
    else bySite.set(vm.site, [vm]);
  }

  for (const site of [...new Set([...bySite.keys(), ...Object.keys(observed.sites)])].sort()) {
    if (!index.reachable.has(site)) {
      refuseUnreachable(acc, site, observed);
      continue;
    }
    const vms = bySite.get(site);
    if (vms) planSite(acc, desired, observed, index, site, vms, claimed, now);
  }
  planOrphans(acc, desired, index, claimed);
  // Ceph pools and their Proxmox RBD storages (src/plan/pools.ts); sites without observed Ceph get none.
  const pools = planPools(desired, observed);
  for (const c of pools.changes) acc.add(c);
  acc.refused.push(...pools.refused);
  acc.drift.push(...pools.drift);
  linkStorages(acc);

  // Power (src/power/): which nodes must be on, VMs moved off nodes going down, noout, power
  // on/off, each change's energy effect. It sees the VM changes above; a start on a node being
  // powered on waits for it, and a refused transition never blocks the rest of the plan.
  // Without a power reading from any site nothing can be switched, and a 7-day timeline would
  // only restate that: skip it unless asked (it is most of planPower's cost on a large fleet).
  const switchable = options.timeline === 'always' || Object.values(observed.sites).some((s) => s.power !== undefined);
  const power = planPower(desired, observed, now, {
    changes: acc.changes.map((s) => s.change),
    ...(switchable ? {} : { horizonHours: 0 }),
    ...(options.cycleSeconds === undefined ? {} : { cycleSeconds: options.cycleSeconds }),
  });
  for (const s of acc.changes) {
    const extra = power.dependsOn[s.change.id];
    if (extra) s.change.dependsOn = [...new Set([...s.change.dependsOn, ...extra])];
    const energy = power.energy[s.change.id];
    if (energy) s.change.energy = energy;
  }
  for (const c of power.changes) acc.add(c);
  acc.refused.push(...power.refused);
  const result = finish(acc, desired, observed, now);
  if (hasPowerPlan(desired, power)) result.power = power.power;
  return result;
}

function refuseUnreachable(acc: Accumulator, site: string, observed: Observed): void {
  const s = observed.sites[site];
  const error = s ? (s.error ?? 'no error given') : 'the site was not observed';
  acc.refuse({
    subject: `site ${site}`,
    site,
    action: 'ensure',
    rule: 'site-unreachable',
    reason: `site ${site} is unreachable (${error}); nothing is planned there until it answers`,
  });
}

function planSite(
  acc: Accumulator,
  desired: Desired,
  observed: Observed,
  index: ObservedIndex,
  site: string,
  vms: Vm[],
  claimed: Set<ObservedGuest>,
  now: Date,
): void {
  const poolEnsure = new Map<string, string>();
  for (const tenantName of [...new Set(vms.map((v) => v.tenant))].sort()) {
    const tenant = desired.tenants[tenantName];
    if (!tenant) continue;
    for (const change of accessChanges(site, tenant, observed.sites[site]?.access)) {
      const kind = String(change.payload.kind);
      acc.add(change, tenantName, ENSURE_ORDER[kind] ?? 9);
      if (kind === 'pool') poolEnsure.set(tenantName, change.id);
    }
  }

  // First pass: existing guests, so anti-affinity and capacity see them before any create.
  const placement = new SitePlacement(desired, site, index);
  const elsewhere = new Map<Vm, ObservedGuest[]>();
  for (const vm of vms) {
    const guest = index.guestAt(site, vm.vmid);
    if (guest && !guest.template && isManagedAs(guest, vm)) {
      claimed.add(guest);
      placement.noteExisting(vm, guest);
      continue;
    }
    const others = index.managedById(vm.id);
    if (others.length > 0) {
      elsewhere.set(vm, others);
      for (const g of others) claimed.add(g);
    }
  }

  for (const vm of vms) {
    const subject = `vm ${vm.id}`;
    const guest = index.guestAt(site, vm.vmid);
    if (!guest) {
      const others = elsewhere.get(vm);
      if (others) {
        const where = others.map((g) => `vmid ${g.vmid} on site ${g.site}`).join(', ');
        acc.refuse({
          subject,
          site,
          action: 'create',
          rule: 'renumber',
          reason: `${subject} already exists as ${where}; marmite never renumbers or moves a guest between sites, so restore its vmid in Git or remove the old guest first`,
        });
        continue;
      }
      planCreate(acc, desired, placement, vm, poolEnsure.get(vm.tenant), now);
    } else if (guest.template || !guest.managed) {
      acc.refuse({
        subject,
        site,
        action: 'create',
        rule: 'unmanaged',
        reason: `vmid ${vm.vmid} is taken by ${guest.template ? 'template' : 'guest'} '${guest.name}' that marmite does not manage; adopt it explicitly or pick another vmid`,
      });
    } else if (!isManagedAs(guest, vm)) {
      acc.refuse({
        subject,
        site,
        action: 'create',
        rule: 'ownership',
        reason: `vmid ${vm.vmid} belongs to vm ${guest.managed.tenant}/${guest.managed.vm} ('${guest.name}'); pick another vmid`,
      });
    } else {
      planExisting(acc, desired, vm, guest, now);
    }
  }
}

function pinnedNode(desired: Desired, vm: Vm): string | undefined {
  return vm.placement.node === undefined ? undefined : (desired.nodes[vm.placement.node]?.pveNode ?? vm.placement.node);
}

function planCreate(acc: Accumulator, desired: Desired, placement: SitePlacement, vm: Vm, poolChange: string | undefined, now: Date): void {
  const subject = `vm ${vm.id}`;
  let node = pinnedNode(desired, vm);
  if (node !== undefined) {
    placement.reserve(vm, node);
  } else {
    const chosen = placement.choose(vm);
    if (!chosen.ok) {
      acc.refuse({ subject, site: vm.site, action: 'create', rule: 'capacity', reason: `${subject}: ${chosen.reason}` });
      return;
    }
    node = chosen.node;
  }
  // A new VM outside its schedule is created stopped: the provider starts a created guest whose
  // target says running, and the next plan would shut it down again.
  const built = buildVmTarget(desired, vm, node);
  const target = mustRun(vm, now, desired) ? built : { ...built, running: false };
  const id = vmChangeId(vm.site, vm.id, 'create');
  acc.add({
    id,
    provider: PROVIDER,
    site: vm.site,
    subject,
    action: 'create',
    reason: `no guest at vmid ${vm.vmid} on site ${vm.site}: clone template ${vm.template} (vmid ${target.templateVmid}) onto ${node}`,
    downtime: false,
    after: createSummary(vm, target),
    dependsOn: poolChange === undefined ? [] : [poolChange],
    payload: { target },
  });
  if (mustRun(vm, now, desired)) {
    acc.add({
      id: vmChangeId(vm.site, vm.id, 'start'),
      provider: PROVIDER,
      site: vm.site,
      subject,
      action: 'start',
      reason: 'new VM must run',
      downtime: false,
      dependsOn: [id],
      payload: { vmid: vm.vmid, node },
    });
  }
}

function createSummary(vm: Vm, t: VmTarget): Record<string, unknown> {
  return {
    node: t.node,
    template: `${vm.template} (${t.templateVmid})`,
    cores: t.cores,
    memoryMiB: t.memoryMiB,
    disks: t.disks,
    nics: t.nics,
    protection: t.protection,
    ha: t.ha,
    running: t.running,
  };
}

function planExisting(acc: Accumulator, desired: Desired, vm: Vm, guest: ObservedGuest, now: Date): void {
  const subject = `vm ${vm.id}`;
  const pinned = pinnedNode(desired, vm);
  const target = buildVmTarget(desired, vm, pinned ?? guest.node);
  const hashEqual = guest.managed?.specHash === target.specHash;
  const chain = new GuestChain(guest);
  const site = vm.site;

  // Spec: field diffs from the config when it was read, else from the /cluster/resources figures.
  let diffs: FieldDiff[];
  let grow: { slot: string; fromGiB: number; toGiB: number }[] = [];
  let fullRewrite = false;
  if (guest.config) {
    const cloudInit = desired.templates[vm.template]?.cloudInit ?? true;
    const cmp = compareConfig(target, guest.config, cloudInit);
    diffs = [...cmp.diffs, ...compareSummary(target, guest, false)];
    grow = cmp.grow;
    for (const s of cmp.shrink) {
      acc.refuse({
        subject,
        site,
        action: 'resize',
        rule: 'disk-shrink',
        reason: `${subject}: disk ${s.slot} is ${s.fromGiB} GiB and Git asks for ${s.toGiB} GiB; disks never shrink (data would be lost), so raise the size in Git`,
      });
    }
    for (const m of cmp.storageMismatch) {
      acc.drift.push({ subject, site, field: `disks.${m.slot}.storage`, desired: m.desired, observed: m.observed, corrected: false });
    }
    // While a shrink is refused the spec hash stays old, so the refusal is raised again each cycle.
    if (cmp.shrink.length === 0) pushTags(diffs, target, guest);
  } else {
    diffs = compareSummary(target, guest, true);
    // Without a config nothing says which fields changed in Git: the update writes the whole spec.
    fullRewrite = !hashEqual;
    pushTags(diffs, target, guest);
  }

  if (hashEqual) {
    for (const d of diffs) {
      if (d.field !== 'tags') acc.drift.push({ subject, site, field: d.field, desired: d.after, observed: d.before, corrected: true });
    }
  }

  const changed = fullRewrite ? [...ALL_UPDATE_FIELDS] : diffs.map((d) => d.field);
  if (changed.length > 0) {
    const running = guest.status === 'running';
    const cold = diffs.some((d) => COLD_FIELDS.has(d.field));
    const applyMode: ApplyMode = !running ? 'offline' : cold ? 'reboot' : 'hot';
    const id = vmChangeId(site, vm.id, 'update');
    const link = chain.link(id, projectUpdate(target, diffs, fullRewrite, grow.find((g) => g.slot === vm.disks[0]?.slot)));
    acc.add({
      id,
      provider: PROVIDER,
      site,
      subject,
      action: 'update',
      reason: updateReason(guest, diffs, hashEqual, fullRewrite, applyMode),
      downtime: applyMode === 'reboot',
      applyMode,
      before: Object.fromEntries(diffs.map((d) => [d.field, d.before])),
      after: Object.fromEntries(diffs.map((d) => [d.field, d.after])),
      ...link,
      payload: { target, changedFields: changed },
    });
  }

  const boot = vm.disks[0]?.slot;
  for (const g of grow) {
    const id = vmChangeId(site, vm.id, 'resize', g.slot);
    const link = chain.link(id, g.slot === boot ? { maxdiskGiB: g.toGiB } : {});
    acc.add(
      {
        id,
        provider: PROVIDER,
        site,
        subject,
        action: 'resize',
        reason: `disk ${g.slot} grows from ${g.fromGiB} GiB to ${g.toGiB} GiB (online; the filesystem inside grows at next boot or by cloud-init)`,
        downtime: false,
        before: { [g.slot]: g.fromGiB },
        after: { [g.slot]: g.toGiB },
        ...link,
        payload: { target, slot: g.slot, sizeGiB: g.toGiB },
      },
      subject,
      slotRank(g.slot),
    );
    if (hashEqual) acc.drift.push({ subject, site, field: `disks.${g.slot}.sizeGiB`, desired: g.toGiB, observed: g.fromGiB, corrected: true });
  }

  if (pinned !== undefined && pinned !== guest.node) {
    const online = guest.status === 'running';
    const id = vmChangeId(site, vm.id, 'migrate');
    const link = chain.link(id, { node: pinned });
    acc.add({
      id,
      provider: PROVIDER,
      site,
      subject,
      action: 'migrate',
      reason: `pinned to ${pinned} in Git but runs on ${guest.node}${online ? ' (live migration)' : ''}`,
      downtime: false,
      before: { node: guest.node },
      after: { node: pinned },
      ...link,
      payload: { vmid: vm.vmid, from: guest.node, to: pinned, online },
    });
  }

  const must = mustRun(vm, now, desired);
  if (must && guest.status === 'stopped') {
    const id = vmChangeId(site, vm.id, 'start');
    const node = chain.node;
    const link = chain.link(id, { status: 'running' });
    acc.add({
      id,
      provider: PROVIDER,
      site,
      subject,
      action: 'start',
      reason: 'must run but is stopped',
      downtime: false,
      before: { status: 'stopped' },
      after: { status: 'running' },
      ...link,
      payload: { vmid: vm.vmid, node },
    });
  } else if (!must && guest.status === 'running') {
    const id = vmChangeId(site, vm.id, 'shutdown');
    const node = chain.node;
    const link = chain.link(id, { status: 'stopped' });
    acc.add({
      id,
      provider: PROVIDER,
      site,
      subject,
      action: 'shutdown',
      reason: `must not run: clean shutdown (guest stops, downtime), up to ${vm.schedule.shutdownTimeoutSeconds}s`,
      downtime: true,
      before: { status: 'running' },
      after: { status: 'stopped' },
      ...link,
      payload: { vmid: vm.vmid, node, timeoutSeconds: vm.schedule.shutdownTimeoutSeconds },
    });
  }
}

function pushTags(diffs: FieldDiff[], target: VmTarget, guest: ObservedGuest): void {
  const d = tagsDiff(target, guest);
  if (d) diffs.push(d);
}

/**
 * The guest as /cluster/resources will show it once the update is done. The provider converges
 * the whole target in an update, growing disks too (the resize after it then finds nothing to
 * do), and writes the tags as the target's list.
 */
function projectUpdate(target: VmTarget, diffs: FieldDiff[], fullRewrite: boolean, bootGrowth: { toGiB: number } | undefined): Partial<ObservedGuest> {
  const has = (f: SpecField): boolean => fullRewrite || diffs.some((d) => d.field === f);
  const after: Partial<ObservedGuest> = {};
  if (has('cores')) after.maxcpu = target.cores;
  if (has('memoryMiB')) after.maxmemMiB = target.memoryMiB;
  if (has('tags')) after.tags = [...target.tags];
  if (bootGrowth) after.maxdiskGiB = bootGrowth.toGiB;
  return after;
}

function updateReason(guest: ObservedGuest, diffs: FieldDiff[], hashEqual: boolean, fullRewrite: boolean, mode: ApplyMode): string {
  const fields = diffs.filter((d) => d.field !== 'tags').map((d) => d.field);
  const list = fields.length > 0 ? fields.join(', ') : 'no guest field';
  let reason: string;
  if (!guest.tags.includes(MARKER_TAG)) reason = `finishing a half-created guest (${list})`;
  else if (hashEqual) reason = `changed outside marmite (${list}); restoring the values from Git`;
  else if (fullRewrite) reason = `spec changed in Git; config not read, so the whole spec is written (known: ${list})`;
  else reason = `spec changed in Git (${list})`;
  if (mode === 'reboot') reason += '; cores/memory reach a running guest only at boot: it is rebooted (downtime)';
  if (mode === 'offline') reason += '; the guest is stopped, so it takes the change at its next start';
  return reason;
}

function slotRank(slot: string): number {
  const m = /(\d+)$/.exec(slot);
  return m ? Number(m[1]) : 0;
}

function planOrphans(acc: Accumulator, desired: Desired, index: ObservedIndex, claimed: Set<ObservedGuest>): void {
  const candidates: { guest: ObservedGuest; id: string }[] = [];
  for (const guest of index.guests) {
    if (!guest.managed || guest.template || claimed.has(guest)) continue;
    const id = `${guest.managed.tenant}/${guest.managed.vm}`;
    // Still in Git but on a site we cannot see (or moved): never an orphan.
    if (desired.vms[id]) continue;
    const subject = `vm ${id}`;
    const where = `vmid ${guest.vmid} on ${guest.node}`;
    if (!desired.settings.prune) {
      acc.drift.push({ subject, site: guest.site, field: 'vm', desired: 'absent', observed: where, corrected: false });
      acc.refuse({ subject, site: guest.site, action: 'delete', rule: 'prune-disabled', reason: `${subject} (${where}) is no longer in Git; prune is off, so it is kept` });
    } else if (guest.config?.protection) {
      acc.drift.push({ subject, site: guest.site, field: 'vm', desired: 'absent', observed: where, corrected: false });
      acc.refuse({ subject, site: guest.site, action: 'delete', rule: 'protected', reason: `${subject} (${where}) is no longer in Git but is protected; remove its protection to delete it` });
    } else {
      candidates.push({ guest, id });
    }
  }
  if (candidates.length === 0) return;

  const managed = index.guests.filter((g) => g.managed && !g.template).length;
  const guard = desired.settings.deletionGuard;
  const share = managed === 0 ? 100 : (candidates.length * 100) / managed;
  if (candidates.length > guard.maxCount || share > guard.maxPercent) {
    const figures = `${candidates.length} of ${managed} managed guests (${round1(share)}%) would be deleted; the deletion guard allows at most ${guard.maxCount} and ${guard.maxPercent}%`;
    for (const { guest, id } of candidates) {
      acc.refuse({
        subject: `vm ${id}`,
        site: guest.site,
        action: 'delete',
        rule: 'deletion-guard',
        reason: `${figures}; no VM is deleted (check for an emptied folder or a bad merge, or raise the guard in marmite.yaml)`,
      });
    }
    return;
  }
  for (const { guest, id } of candidates) {
    const subject = `vm ${id}`;
    acc.add({
      id: vmChangeId(guest.site, id, 'delete'),
      provider: PROVIDER,
      site: guest.site,
      subject,
      action: 'delete',
      reason: `no longer in Git and prune is on: vmid ${guest.vmid} is destroyed with its disks${guest.status === 'running' ? ' (stopped first)' : ''}`,
      downtime: true,
      before: { vmid: guest.vmid, node: guest.node, status: guest.status },
      fingerprint: guestFingerprint(guest),
      dependsOn: [],
      payload: { vmid: guest.vmid, node: guest.node },
    });
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A VM whose disks go on a storage this plan creates waits for it (and so for its Ceph pool). */
function linkStorages(acc: Accumulator): void {
  const storageEnsures = new Map<string, string>();
  for (const { change } of acc.changes) {
    const p = change.payload as { kind?: unknown; storage?: unknown };
    if (change.action === 'ensure' && p.kind === 'storage' && typeof p.storage === 'string') storageEnsures.set(`${change.site}/${p.storage}`, change.id);
  }
  if (storageEnsures.size === 0) return;
  for (const { change } of acc.changes) {
    if (change.action !== 'create' && change.action !== 'update' && change.action !== 'resize') continue;
    const target = (change.payload as { target?: VmTarget }).target;
    for (const disk of target?.disks ?? []) {
      const id = storageEnsures.get(`${change.site}/${disk.storage}`);
      if (id !== undefined && !change.dependsOn.includes(id)) change.dependsOn.push(id);
    }
  }
}

function finish(acc: Accumulator, desired: Desired, observed: Observed, now: Date): Plan {
  const changes = acc.changes
    .sort(
      (a, b) =>
        ACTION_ORDER[a.change.action] - ACTION_ORDER[b.change.action] ||
        cmpStr(a.change.site, b.change.site) ||
        cmpStr(a.group, b.group) ||
        a.rank - b.rank ||
        cmpStr(a.change.id, b.change.id),
    )
    .map((s) => s.change);
  const refused = acc.refused.sort(
    (a, b) => cmpStr(a.site ?? '', b.site ?? '') || cmpStr(a.subject, b.subject) || ACTION_ORDER[a.action] - ACTION_ORDER[b.action] || cmpStr(a.rule, b.rule) || cmpStr(a.reason, b.reason),
  );
  const drift = acc.drift.sort((a, b) => cmpStr(a.site, b.site) || cmpStr(a.subject, b.subject) || cmpStr(a.field, b.field));
  const count = (...actions: ChangeAction[]): number => changes.filter((c) => actions.includes(c.action)).length;
  const create = count('create');
  const update = count('update', 'resize');
  const del = count('delete');
  return {
    formatVersion: 1,
    createdAt: now.toISOString(),
    ...(desired.commit === undefined ? {} : { commit: desired.commit }),
    observedAt: observed.observedAt,
    changes,
    refused,
    drift,
    summary: { create, update, delete: del, other: changes.length - create - update - del, refused: refused.length },
  };
}
