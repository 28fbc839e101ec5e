// Field-by-field comparison of a guest with its target. Every field has a name the Plan speaks
// (provider-neutral: `memoryMiB`, `cloudInit`, never PVE's `memory` or `ipconfig0`), and whether
// it reaches a running guest at once or only at its next boot.

import { MARKER_TAG } from '../model/marker.js';
import type { ObservedDisk, ObservedGuest, ObservedGuestConfig } from '../model/observed.js';
import type { VmTarget } from '../model/plan.js';
import { canonicalJson } from './vm-target.js';

export type SpecField = 'cores' | 'memoryMiB' | 'nics' | 'description' | 'cloudInit' | 'protection' | 'disks' | 'ha' | 'tags';

/** Fields a running guest only takes at boot: changing them on a running guest costs a reboot. */
export const COLD_FIELDS: ReadonlySet<SpecField> = new Set<SpecField>(['cores', 'memoryMiB']);

/** Every field an update may write, for updates planned without a config read (the whole spec). */
export const ALL_UPDATE_FIELDS: readonly SpecField[] = ['cores', 'memoryMiB', 'nics', 'description', 'cloudInit', 'protection', 'ha', 'tags'];

export interface FieldDiff {
  field: SpecField;
  before: unknown;
  after: unknown;
}

export interface DiskGrowth {
  slot: string;
  fromGiB: number;
  toGiB: number;
}

export interface ConfigComparison {
  diffs: FieldDiff[];
  grow: DiskGrowth[];
  shrink: DiskGrowth[];
  /** Disks on another storage than desired: reported, never moved automatically. */
  storageMismatch: { slot: string; observed: string; desired: string }[];
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** The marker tags a guest carries; other tags belong to people and are left alone. */
export function markerTagsOf(tags: readonly string[]): string[] {
  return tags.filter((t) => t === MARKER_TAG || t.startsWith('t-') || t.startsWith('h-')).sort();
}

/** What /cluster/resources shows without a config read: cores, memory, HA and the marker tags. */
export function compareSummary(target: VmTarget, guest: ObservedGuest, withFigures: boolean): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  if (withFigures && guest.maxcpu !== target.cores) diffs.push({ field: 'cores', before: guest.maxcpu, after: target.cores });
  if (withFigures && guest.maxmemMiB !== target.memoryMiB) diffs.push({ field: 'memoryMiB', before: guest.maxmemMiB, after: target.memoryMiB });
  const ha = guest.hastate !== undefined;
  if (ha !== target.ha) diffs.push({ field: 'ha', before: ha, after: target.ha });
  return diffs;
}

export function tagsDiff(target: VmTarget, guest: ObservedGuest): FieldDiff | undefined {
  const before = markerTagsOf(guest.tags);
  return before.length === target.tags.length && before.every((t, i) => t === target.tags[i]) ? undefined : { field: 'tags', before, after: target.tags };
}

export function compareConfig(target: VmTarget, config: ObservedGuestConfig, cloudInit: boolean): ConfigComparison {
  const diffs: FieldDiff[] = [];
  const push = (field: SpecField, before: unknown, after: unknown): void => {
    if (!same(before, after)) diffs.push({ field, before, after });
  };
  push('cores', config.cores, target.cores);
  push('memoryMiB', config.memoryMiB, target.memoryMiB);
  push('nics', observedNics(target, config), [...target.nics].sort((a, b) => slotOrder(a.slot, b.slot)));
  push('description', (config.description ?? '').trimEnd(), target.description);
  if (cloudInit) {
    const [before, after] = cloudInitPair(target, config);
    push('cloudInit', before, after);
  }
  push('protection', config.protection, target.protection);
  const disks = compareDisks(target, config.disks);
  if (disks.added.length > 0) push('disks', disks.before, disks.after);
  return { diffs, grow: disks.grow, shrink: disks.shrink, storageMismatch: disks.storageMismatch };
}

/** Observed NICs in the target's shape; a MAC counts only where the target pins one (PVE makes one up otherwise). */
function observedNics(target: VmTarget, config: ObservedGuestConfig): unknown[] {
  const pinned = new Map(target.nics.filter((n) => n.mac !== undefined).map((n) => [n.slot, n.mac]));
  return [...config.nics]
    .sort((a, b) => slotOrder(a.slot, b.slot))
    .map((n) => ({
      slot: n.slot,
      bridge: n.bridge,
      ...(n.vlan === undefined ? {} : { vlan: n.vlan }),
      firewall: n.firewall,
      ...(pinned.has(n.slot) && n.mac !== undefined ? { mac: sameMac(n.mac, pinned.get(n.slot)) } : {}),
    }));
}

/** PVE writes MACs in upper case; Git may not. Equal ignoring case means equal. */
function sameMac(observed: string, desired: string | undefined): string {
  return desired !== undefined && desired.toLowerCase() === observed.toLowerCase() ? desired : observed;
}

/**
 * Cloud-init fields the target sets. Optional fields left out of Git (user, keys, nameserver) are
 * not compared: a template's defaults are not drift. A guest with no ip config gets DHCP.
 */
function cloudInitPair(target: VmTarget, config: ObservedGuestConfig): [Record<string, unknown>, Record<string, unknown>] {
  const ci = target.cloudInit;
  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  if (ci.user !== undefined) {
    before.user = config.ciuser;
    after.user = ci.user;
  }
  if (ci.sshKeys.length > 0) {
    before.sshKeys = config.sshkeys ?? [];
    after.sshKeys = ci.sshKeys;
  }
  before.ip = parseIpConfig(config.ipconfig0);
  after.ip = ci.ip;
  if (ci.nameserver !== undefined) {
    before.nameserver = config.nameserver;
    after.nameserver = ci.nameserver;
  }
  return [before, after];
}

/** `ip=10.0.0.5/24,gw=10.0.0.1` or `ip=dhcp` into the target's shape. */
export function parseIpConfig(value: string | undefined): 'dhcp' | { address: string; gateway?: string } | undefined {
  if (value === undefined || value === '') return 'dhcp';
  const parts = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const ip = parts.get('ip');
  if (ip === undefined || ip === 'dhcp') return ip === undefined && parts.size > 0 ? undefined : 'dhcp';
  const gw = parts.get('gw');
  return gw === undefined ? { address: ip } : { address: ip, gateway: gw };
}

function compareDisks(target: VmTarget, observed: ObservedDisk[]) {
  const bySlot = new Map(observed.map((d) => [d.slot, d]));
  const grow: DiskGrowth[] = [];
  const shrink: DiskGrowth[] = [];
  const added: VmTarget['disks'] = [];
  const storageMismatch: ConfigComparison['storageMismatch'] = [];
  for (const disk of target.disks) {
    const have = bySlot.get(disk.slot);
    if (!have) {
      added.push(disk);
      continue;
    }
    // Sizes are whole GiB in Git; a fraction above is Proxmox rounding, not a smaller disk.
    if (disk.sizeGiB > have.sizeGiB + 0.001) grow.push({ slot: disk.slot, fromGiB: have.sizeGiB, toGiB: disk.sizeGiB });
    else if (disk.sizeGiB + 1 <= have.sizeGiB) shrink.push({ slot: disk.slot, fromGiB: have.sizeGiB, toGiB: disk.sizeGiB });
    if (have.storage !== disk.storage) storageMismatch.push({ slot: disk.slot, observed: have.storage, desired: disk.storage });
  }
  // A new slot shows as the disk list before and after, so a reader sees what is added to what.
  const before = [...observed].sort((a, b) => slotOrder(a.slot, b.slot)).map((d) => ({ slot: d.slot, storage: d.storage, sizeGiB: d.sizeGiB }));
  const after = [...before, ...added].sort((a, b) => slotOrder(a.slot, b.slot));
  return { grow, shrink, added, before, after, storageMismatch };
}

/** scsi2 before scsi10. */
export function slotOrder(a: string, b: string): number {
  const ma = /^([a-z]+)(\d+)$/.exec(a);
  const mb = /^([a-z]+)(\d+)$/.exec(b);
  if (ma && mb && ma[1] === mb[1]) return Number(ma[2]) - Number(mb[2]);
  return a < b ? -1 : a > b ? 1 : 0;
}
