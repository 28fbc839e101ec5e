// From the provider-neutral VmTarget to PVE config parameters, and the diff against a read config.
// Pure functions: the apply steps decide when to send what.

import { descriptionMarker, readDescriptionMarker } from '../../model/marker.js';
import type { VmTarget } from '../../model/plan.js';
import { parseNic, parsePropertyString, sizeToGiB, type PveRecord } from './map.js';

export type PveParams = Record<string, string | number>;

type TargetNic = VmTarget['nics'][number];

/** `virtio=AA:..,bridge=vmbr0,tag=20,firewall=1`; a NIC without a MAC keeps the one it has. */
export function nicValue(nic: TargetNic, currentMac?: string): string {
  const mac = nic.mac ?? currentMac;
  return [
    mac ? `virtio=${mac.toUpperCase()}` : 'virtio',
    `bridge=${nic.bridge}`,
    ...(nic.vlan === undefined ? [] : [`tag=${nic.vlan}`]),
    `firewall=${nic.firewall ? 1 : 0}`,
  ].join(',');
}

export function ipconfigValue(ip: VmTarget['cloudInit']['ip']): string {
  if (ip === 'dhcp') return 'ip=dhcp';
  return ip.gateway ? `ip=${ip.address},gw=${ip.gateway}` : `ip=${ip.address}`;
}

/** PVE wants sshkeys URL-encoded, spaces as %20 (what encodeURIComponent does), keys one a line. */
export function encodeSshKeys(keys: readonly string[]): string {
  return encodeURIComponent(keys.join('\n'));
}

/** The description always carries the marker line, so a half-created guest stays recognisable. */
export function descriptionValue(target: VmTarget): string {
  if (readDescriptionMarker(target.description)) return target.description;
  const marker = descriptionMarker(target.tenant, target.vm);
  return target.description ? `${target.description}\n${marker}` : marker;
}

export function tagsValue(tags: readonly string[]): string {
  return [...tags].sort().join(';');
}

/** Everything a config PUT sets, tags excepted (they go last, see apply). Disks are separate. */
export function desiredConfig(target: VmTarget, current: PveRecord = {}): PveParams {
  const params: PveParams = {
    cores: target.cores,
    memory: target.memoryMiB,
    description: descriptionValue(target),
    ipconfig0: ipconfigValue(target.cloudInit.ip),
    sshkeys: encodeSshKeys(target.cloudInit.sshKeys),
    protection: target.protection ? 1 : 0,
    onboot: target.running ? 1 : 0,
  };
  if (target.cloudInit.user) params.ciuser = target.cloudInit.user;
  if (target.cloudInit.nameserver) params.nameserver = target.cloudInit.nameserver;
  for (const nic of target.nics) {
    const existing = typeof current[nic.slot] === 'string' ? parseNic(nic.slot, current[nic.slot] as string) : undefined;
    params[nic.slot] = nicValue(nic, existing?.mac);
  }
  return params;
}

function sameValue(key: string, desired: string | number, current: unknown): boolean {
  if (current === undefined) return false;
  if (key === 'sshkeys') return decodeURIComponent(String(desired)) === safeDecode(String(current));
  if (key === 'memory' && typeof current === 'string' && current.includes('=')) {
    return String(desired) === parsePropertyString(current).current;
  }
  if (/^net\d+$/.test(key)) return sameNic(String(desired), String(current));
  return String(desired) === String(current);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function sameNic(desired: string, current: string): boolean {
  const a = parseNic('net', desired);
  const b = parseNic('net', current);
  return a.bridge === b.bridge && a.vlan === b.vlan && a.firewall === b.firewall && (a.mac === undefined || a.mac === b.mac);
}

/** Keys whose absence in the target means "remove from the guest". Disks are never removed here. */
const CLEARABLE = ['ciuser', 'nameserver'];

export interface ConfigDiff {
  set: PveParams;
  delete: string[];
}

export function diffConfig(target: VmTarget, current: PveRecord): ConfigDiff {
  const desired = desiredConfig(target, current);
  const set: PveParams = {};
  for (const [key, value] of Object.entries(desired)) {
    if (!sameValue(key, value, current[key])) set[key] = value;
  }
  const targetNics = new Set(target.nics.map((n) => n.slot));
  const del = [
    ...CLEARABLE.filter((k) => desired[k] === undefined && current[k] !== undefined),
    ...Object.keys(current).filter((k) => /^net\d+$/.test(k) && !targetNics.has(k)),
  ].sort();
  return { set, delete: del };
}

export interface DiskWork {
  /** New disks to allocate in a config PUT: `scsi1: <storage>:<sizeGiB>`. */
  add: PveParams;
  /** Existing disks to grow: slot -> absolute size in GiB. */
  grow: { slot: string; sizeGiB: number }[];
}

/** Grow only: a disk larger than its target is left alone (PVE cannot shrink). */
export function diskWork(target: VmTarget, current: PveRecord): DiskWork {
  const add: PveParams = {};
  const grow: DiskWork['grow'] = [];
  for (const disk of target.disks) {
    const value = current[disk.slot];
    if (typeof value !== 'string') {
      add[disk.slot] = `${disk.storage}:${disk.sizeGiB}`;
      continue;
    }
    const size = sizeToGiB(parsePropertyString(value).size);
    if (size < disk.sizeGiB) grow.push({ slot: disk.slot, sizeGiB: disk.sizeGiB });
  }
  return { add, grow };
}
