// Qemu guest configuration as PVE keeps it: a flat map of keys to their serialised values, a
// digest over the file, pending changes, and the rules for which changes a running VM takes at once.

import { createHash } from 'node:crypto';

export type GuestConfig = Record<string, string>;

const DISK_KEY = /^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/;
const CLOUDINIT_KEYS = new Set(['ciuser', 'cipassword', 'citype', 'ciupgrade', 'cicustom', 'sshkeys', 'nameserver', 'searchdomain']);
// Options PVE writes straight into a running VM's config (QemuServer's fast-plug list).
const FAST_PLUG = new Set(['lock', 'name', 'onboot', 'shares', 'startup', 'description', 'protection', 'vmstatestorage', 'hookscript', 'tags']);
export const DEFAULT_HOTPLUG = 'network,disk,usb';

export function isDiskKey(key: string): boolean {
  return DISK_KEY.test(key);
}

export function isCdrom(value: string): boolean {
  return /(^|,)media=cdrom(,|$)/.test(value) || /^(none|cdrom)(,|$)/.test(value);
}

export function hotplugFeatures(config: GuestConfig): Set<string> {
  const raw = config['hotplug'] ?? DEFAULT_HOTPLUG;
  if (raw === '0') return new Set();
  if (raw === '1') return new Set(DEFAULT_HOTPLUG.split(','));
  return new Set(raw.split(','));
}

/** Whether changing `key` on a running VM takes effect at once or waits in pending until a restart. */
export function appliesHot(key: string, features: Set<string>): boolean {
  if (FAST_PLUG.has(key)) return true;
  if (/^net\d+$/.test(key)) return features.has('network');
  if (/^(scsi|virtio|sata)\d+$/.test(key)) return features.has('disk');
  if (/^usb\d+$/.test(key)) return features.has('usb');
  if (key === 'memory' || key === 'balloon') return features.has('memory');
  if (key === 'vcpus') return features.has('cpu');
  if (CLOUDINIT_KEYS.has(key) || /^ipconfig\d+$/.test(key)) return features.has('cloudinit');
  if (/^unused\d+$/.test(key)) return true;
  return false;
}

/** Bytes of a PVE size string such as 32G, 512M, 1.5T or a bare number of bytes. */
export function parseSize(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(raw);
  if (!m) throw new Error(`unable to parse size '${raw}'`);
  const unit = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2] ?? ''] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

/** PVE prints sizes in the largest unit that divides them evenly. */
export function formatSize(bytes: number): string {
  for (const [unit, f] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes % f === 0) return `${bytes / f}${unit}`;
  }
  return String(bytes);
}

export function diskVolume(value: string): string {
  return value.split(',')[0] ?? '';
}

export function diskStorage(value: string): string {
  return diskVolume(value).split(':')[0] ?? '';
}

export function diskSizeBytes(value: string): number {
  const m = /(?:^|,)size=([^,]+)/.exec(value);
  return m ? parseSize(m[1]!) : 0;
}

export function setDiskSize(value: string, bytes: number): string {
  const size = `size=${formatSize(bytes)}`;
  return /(?:^|,)size=[^,]+/.test(value) ? value.replace(/((?:^|,))size=[^,]+/, `$1${size}`) : `${value},${size}`;
}

/** Memory in MiB from the `memory` option (`2048` or `current=2048`). */
export function memoryMiB(config: GuestConfig): number {
  const raw = config['memory'] ?? '512';
  const m = /(?:^|current=)(\d+)/.exec(raw);
  return m ? Number(m[1]) : 512;
}

export function coresOf(config: GuestConfig): number {
  return Number(config['cores'] ?? '1') * Number(config['sockets'] ?? '1');
}

export function digestOf(config: GuestConfig, pending: GuestConfig, pendingDelete: Set<string>): string {
  const lines = Object.entries(config).map(([k, v]) => `${k}: ${v}`);
  if (Object.keys(pending).length || pendingDelete.size) {
    lines.push('', '[PENDING]', ...Object.entries(pending).map(([k, v]) => `${k}: ${v}`));
    if (pendingDelete.size) lines.push(`delete: ${[...pendingDelete].join(',')}`);
  }
  return createHash('sha1').update(lines.join('\n') + '\n').digest('hex');
}

export function randomMac(seq: number): string {
  // BC:24:11 is Proxmox's OUI; the sequence keeps MACs unique and deterministic per lab.
  const b = [(seq >> 16) & 0xff, (seq >> 8) & 0xff, seq & 0xff].map((x) => x.toString(16).toUpperCase().padStart(2, '0'));
  return `BC:24:11:${b.join(':')}`;
}

/** Ensures a netX value carries a MAC (PVE generates one when the model has none). */
export function withMac(value: string, mac: () => string): string {
  const parts = value.split(',');
  const first = parts[0] ?? '';
  if (/^[a-z0-9-]+=([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$/.test(first) || /(^|,)macaddr=/.test(value)) return value;
  const model = first.includes('=') ? (/(?:^|,)model=([^,]+)/.exec(value)?.[1] ?? 'virtio') : first;
  const rest = parts.filter((p, i) => !(i === 0 && !p.includes('=')) && !p.startsWith('model='));
  return [`${model}=${mac()}`, ...rest].join(',');
}
