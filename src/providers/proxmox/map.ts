// Pure mapping from PVE's answers (Perl-style: numbers as strings, booleans as 0/1) to Observed*.
// observe and fingerprint share these functions so the plan and apply see the same guest.

import type { ObservedAccess, ObservedDisk, ObservedGuest, ObservedGuestConfig, ObservedNic, ObservedNode } from '../../model/observed.js';
import { readDescriptionMarker, readMarker } from '../../model/marker.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export type PveRecord = Record<string, unknown>;

function num(v: unknown, fallback = 0): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : fallback;
}

function bool(v: unknown): boolean {
  return v === true || v === 1 || v === '1';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

export function bytesToMiB(bytes: unknown): number {
  return Math.round(num(bytes) / MiB);
}

export function bytesToGiB(bytes: unknown): number {
  return Math.round((num(bytes) / GiB) * 100) / 100;
}

/** PVE writes `;` but accepts `,`, `;` and spaces on input; older versions echo what was sent. */
export function splitTags(tags: unknown): string[] {
  const s = str(tags);
  return s ? s.split(/[;,\s]+/).filter((t) => t !== '') : [];
}

function guestStatus(v: unknown): ObservedGuest['status'] {
  return v === 'running' || v === 'stopped' || v === 'paused' ? v : 'unknown';
}

export function mapGuest(site: string, r: PveRecord): ObservedGuest {
  const tags = splitTags(r.tags);
  const name = str(r.name) ?? '';
  const managed = readMarker(tags, name);
  const pool = str(r.pool);
  const lock = str(r.lock);
  const hastate = str(r.hastate);
  return {
    site,
    vmid: num(r.vmid),
    name,
    node: str(r.node) ?? '',
    type: r.type === 'lxc' ? 'lxc' : 'qemu',
    status: guestStatus(r.status),
    template: bool(r.template),
    tags,
    ...(pool ? { pool } : {}),
    ...(lock ? { lock } : {}),
    ...(hastate ? { hastate } : {}),
    maxcpu: num(r.maxcpu),
    maxmemMiB: bytesToMiB(r.maxmem),
    maxdiskGiB: bytesToGiB(r.maxdisk),
    ...(managed ? { managed } : {}),
  };
}

export function mapNode(site: string, r: PveRecord): ObservedNode {
  const status = r.status === 'online' || r.status === 'offline' ? r.status : 'unknown';
  return {
    site,
    name: str(r.node) ?? str(r.name) ?? '',
    status,
    maxcpu: num(r.maxcpu),
    maxmemMiB: bytesToMiB(r.maxmem),
    cpu: num(r.cpu),
    memUsedMiB: bytesToMiB(r.mem),
  };
}

export function isGuest(r: PveRecord): boolean {
  return r.type === 'qemu' || r.type === 'lxc';
}

export function mapResources(site: string, resources: PveRecord[]): { guests: ObservedGuest[]; nodes: ObservedNode[] } {
  const guests = resources.filter(isGuest).map((r) => mapGuest(site, r)).sort((a, b) => a.vmid - b.vmid);
  const nodes = resources
    .filter((r) => r.type === 'node')
    .map((r) => mapNode(site, r))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { guests, nodes };
}

/** A standalone node has no `cluster` entry and is always quorate. */
export function mapQuorate(status: PveRecord[]): boolean {
  const cluster = status.find((s) => s.type === 'cluster');
  return cluster ? bool(cluster.quorate) : true;
}

export function mapAccess(pools: PveRecord[], groups: PveRecord[], acls: PveRecord[], guests: ObservedGuest[]): ObservedAccess {
  return {
    pools: pools
      .map((p) => {
        const poolid = str(p.poolid) ?? '';
        const listed = Array.isArray(p.members) ? (p.members as PveRecord[]).filter(isGuest).map((m) => num(m.vmid)) : [];
        // The pool list of PVE 8.0 has no members; /cluster/resources always says a guest's pool.
        const fromGuests = guests.filter((g) => g.pool === poolid).map((g) => g.vmid);
        const members = [...new Set([...listed, ...fromGuests])].sort((a, b) => a - b);
        const comment = str(p.comment);
        return { poolid, ...(comment ? { comment } : {}), members };
      })
      .sort((a, b) => a.poolid.localeCompare(b.poolid)),
    groups: groups
      .map((g) => {
        const comment = str(g.comment);
        const users = (str(g.users) ?? '').split(',').filter((u) => u !== '').sort();
        return { groupid: str(g.groupid) ?? '', ...(comment ? { comment } : {}), users };
      })
      .sort((a, b) => a.groupid.localeCompare(b.groupid)),
    acls: acls
      .map((a) => ({
        path: str(a.path) ?? '',
        ugid: str(a.ugid) ?? '',
        type: (a.type === 'user' || a.type === 'token' ? a.type : 'group') as 'user' | 'group' | 'token',
        roleid: str(a.roleid) ?? '',
        propagate: a.propagate === undefined ? true : bool(a.propagate),
      }))
      .sort((a, b) => `${a.path} ${a.ugid} ${a.roleid}`.localeCompare(`${b.path} ${b.ugid} ${b.roleid}`)),
  };
}

/** `virtio=AA:BB:..,bridge=vmbr0,tag=20` -> { virtio: 'AA:..', bridge: 'vmbr0', tag: '20' }; a bare first value is keyed ''. */
export function parsePropertyString(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) out[''] = part;
    else out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

const NIC_MODELS = new Set(['virtio', 'e1000', 'e1000e', 'rtl8139', 'vmxnet3', 'i82551', 'i82557b', 'i82559er', 'ne2k_isa', 'ne2k_pci', 'pcnet', 'e1000-82540em', 'e1000-82544gc', 'e1000-82545em']);
const DISK_KEY = /^(scsi|virtio|sata|ide)\d+$/;
const NIC_KEY = /^net\d+$/;

/** `32G`, `512M`, `1T` -> GiB. */
export function sizeToGiB(size: string | undefined): number {
  const m = size ? /^(\d+(?:\.\d+)?)([KMGT]?)$/.exec(size) : null;
  if (!m) return 0;
  const n = Number(m[1]);
  const unit = m[2] ?? '';
  const factor = unit === 'T' ? 1024 : unit === 'G' ? 1 : unit === 'M' ? 1 / 1024 : unit === 'K' ? 1 / (1024 * 1024) : 1 / GiB;
  return Math.round(n * factor * 100) / 100;
}

export function parseDisk(slot: string, value: string): ObservedDisk | undefined {
  const p = parsePropertyString(value);
  const volume = p[''] ?? p.file ?? '';
  if (p.media === 'cdrom' || volume.includes('cloudinit') || volume === 'none') return undefined;
  const colon = volume.indexOf(':');
  return { slot, storage: colon > 0 ? volume.slice(0, colon) : volume, sizeGiB: sizeToGiB(p.size) };
}

export function parseNic(slot: string, value: string): ObservedNic {
  const p = parsePropertyString(value);
  const modelKey = Object.keys(p).find((k) => NIC_MODELS.has(k));
  const mac = modelKey ? p[modelKey] : p.macaddr;
  const tag = p.tag === undefined ? undefined : Number(p.tag);
  return {
    slot,
    bridge: p.bridge ?? '',
    ...(tag === undefined || !Number.isFinite(tag) ? {} : { vlan: tag }),
    firewall: bool(p.firewall),
    ...(mac ? { mac: mac.toUpperCase() } : {}),
  };
}

function bySlot(a: { slot: string }, b: { slot: string }): number {
  return a.slot.localeCompare(b.slot, 'en', { numeric: true });
}

function decodeSshKeys(v: unknown): string[] | undefined {
  const s = str(v);
  if (s === undefined) return undefined;
  let decoded = s;
  try {
    decoded = decodeURIComponent(s);
  } catch {
    // Not URL-encoded after all (hand-edited config): keep it as it is.
  }
  return decoded.split('\n').map((k) => k.trim()).filter((k) => k !== '');
}

/** PVE's memory is `2048` or, since 8.1, the property string `current=2048`. */
function memoryMiB(v: unknown): number {
  if (typeof v === 'string' && v.includes('=')) return num(parsePropertyString(v).current);
  return num(v);
}

export function mapConfig(config: PveRecord, pending: string[]): ObservedGuestConfig {
  const disks: ObservedDisk[] = [];
  const nics: ObservedNic[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string') continue;
    if (DISK_KEY.test(key)) {
      const disk = parseDisk(key, value);
      if (disk) disks.push(disk);
    } else if (NIC_KEY.test(key)) {
      nics.push(parseNic(key, value));
    }
  }
  const description = str(config.description);
  const ciuser = str(config.ciuser);
  const sshkeys = decodeSshKeys(config.sshkeys);
  const ipconfig0 = str(config.ipconfig0);
  const nameserver = str(config.nameserver);
  return {
    cores: num(config.cores, 1),
    memoryMiB: memoryMiB(config.memory ?? 512),
    disks: disks.sort(bySlot),
    nics: nics.sort(bySlot),
    ...(description !== undefined ? { description } : {}),
    ...(ciuser !== undefined ? { ciuser } : {}),
    ...(sshkeys !== undefined ? { sshkeys } : {}),
    ...(ipconfig0 !== undefined ? { ipconfig0 } : {}),
    ...(nameserver !== undefined ? { nameserver } : {}),
    protection: bool(config.protection),
    onboot: bool(config.onboot),
    pending: [...pending].sort(),
    digest: str(config.digest) ?? '',
  };
}

/** The config as GET .../config would show it (pending values applied, pending deletes gone). */
export function configFromPending(entries: PveRecord[]): PveRecord {
  const out: PveRecord = {};
  for (const e of entries) {
    if (typeof e.key !== 'string' || num(e.delete) > 0) continue;
    const v = e.pending ?? e.value;
    if (v !== undefined) out[e.key] = v;
  }
  return out;
}

/** Keys of GET .../pending whose value waits for a reboot (a pending value or a pending delete). */
export function pendingKeys(entries: PveRecord[]): string[] {
  return entries
    .filter((e) => e.pending !== undefined || num(e.delete) > 0)
    .map((e) => str(e.key) ?? '')
    .filter((k) => k !== '' && k !== 'digest');
}

/** A guest untagged but with our description line (a create killed after clone) is ours to finish. */
export function withDescriptionMarker(guest: ObservedGuest): ObservedGuest {
  if (guest.managed || !guest.config) return guest;
  const marker = readDescriptionMarker(guest.config.description);
  return marker ? { ...guest, managed: { ...marker, specHash: '' } } : guest;
}
