// The provider-neutral target of one managed VM, and its spec hash. The hash is what the guest's
// `h-<hash>` tag carries, so a no-op cycle compares tags from /cluster/resources and never reads a
// config. Fields that change without touching the guest's config (where it runs, whether it runs)
// stay out of the hash, so a migration or a start never looks like a spec change.

import type { Desired, Vm } from '../model/desired.js';
import { createHash } from 'node:crypto';
import { descriptionMarker, markerTags } from '../model/marker.js';
import type { VmTarget } from '../model/plan.js';

/** The target fields that describe the guest's config: what the spec hash covers. */
export type VmSpecFields = Omit<VmTarget, 'node' | 'running' | 'tags' | 'specHash' | 'templateNode'>;

export function vmSpecHash(target: VmSpecFields): string {
  return createHash('sha256').update(JSON.stringify(sortedSpec(target))).digest('hex').slice(0, 10);
}

/**
 * The spec fields rebuilt with keys inserted in sorted order at every level, so plain
 * JSON.stringify gives the same string as marker.ts's stableStringify and the hash equals
 * `shortHash(fields)`. A hand-built shape because the replacer form dominated the run time of a
 * 5,000-VM plan. Listing fields explicitly also keeps a VmTarget's excluded fields out.
 */
function sortedSpec(t: VmSpecFields): unknown {
  const ci = t.cloudInit;
  return {
    cloudInit: {
      ip: typeof ci.ip === 'string' ? ci.ip : { address: ci.ip.address, gateway: ci.ip.gateway },
      nameserver: ci.nameserver,
      sshKeys: ci.sshKeys,
      user: ci.user,
    },
    cores: t.cores,
    description: t.description,
    disks: t.disks.map((d) => ({ sizeGiB: d.sizeGiB, slot: d.slot, storage: d.storage })),
    ha: t.ha,
    memoryMiB: t.memoryMiB,
    name: t.name,
    nics: t.nics.map((n) => ({ bridge: n.bridge, firewall: n.firewall, mac: n.mac, slot: n.slot, vlan: n.vlan })),
    pool: t.pool,
    protection: t.protection,
    site: t.site,
    templateVmid: t.templateVmid,
    tenant: t.tenant,
    vm: t.vm,
    vmid: t.vmid,
  };
}

/**
 * The same string as marker.ts's stableStringify (keys sorted at every level), so the hash equals
 * `shortHash(fields)`; written without a JSON replacer because planning 5,000 VMs hashes 5,000
 * targets and the replacer form dominated the plan's run time.
 */
export function canonicalJson(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v) ?? 'null').join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = canonicalJson(obj[key]);
    if (v !== undefined) parts.push(`${JSON.stringify(key)}:${v}`);
  }
  return `{${parts.join(',')}}`;
}

export function guestName(vm: Pick<Vm, 'name' | 'tenant'>): string {
  return `${vm.name}.${vm.tenant}`;
}

export function tenantPoolId(tenant: string): string {
  return `tenant-${tenant}`;
}

/** Human line first (what the Proxmox UI shows), then the ownership line the provider can read back. */
export function vmDescription(vm: Vm): string {
  const human = vm.description ?? `VM ${vm.id}`;
  return `${human} (managed by marmite from ${vm.file}; edit it in Git)\n${descriptionMarker(vm.tenant, vm.name)}`;
}

export function buildVmTarget(desired: Desired, vm: Vm, node: string): VmTarget {
  const template = desired.templates[vm.template];
  const spec: VmSpecFields = {
    vmid: vm.vmid,
    name: guestName(vm),
    tenant: vm.tenant,
    vm: vm.name,
    site: vm.site,
    templateVmid: template?.vmid ?? 0,
    cores: vm.cores,
    memoryMiB: vm.memoryMiB,
    disks: vm.disks.map((d) => ({ slot: d.slot, storage: d.storage, sizeGiB: d.sizeGiB })),
    nics: vm.nics.map((n) => ({
      slot: n.slot,
      bridge: n.bridge,
      ...(n.vlan === undefined ? {} : { vlan: n.vlan }),
      firewall: n.firewall,
      ...(n.mac === undefined ? {} : { mac: n.mac }),
    })),
    cloudInit: {
      ...(vm.cloudInit.user === undefined ? {} : { user: vm.cloudInit.user }),
      sshKeys: [...vm.cloudInit.sshKeys],
      ip: typeof vm.cloudInit.ip === 'string' ? vm.cloudInit.ip : { ...vm.cloudInit.ip },
      ...(vm.cloudInit.nameserver === undefined ? {} : { nameserver: vm.cloudInit.nameserver }),
    },
    description: vmDescription(vm),
    pool: tenantPoolId(vm.tenant),
    protection: vm.protected,
    ha: vm.ha,
  };
  const specHash = vmSpecHash(spec);
  return {
    vmid: spec.vmid,
    name: spec.name,
    tenant: spec.tenant,
    vm: spec.vm,
    site: spec.site,
    node,
    templateVmid: spec.templateVmid,
    templateNode: template?.nodeBySite[vm.site] ?? '',
    cores: spec.cores,
    memoryMiB: spec.memoryMiB,
    disks: spec.disks,
    nics: spec.nics,
    cloudInit: spec.cloudInit,
    description: spec.description,
    tags: markerTags(vm.tenant, specHash),
    pool: spec.pool,
    protection: spec.protection,
    running: vm.state === 'running',
    ha: spec.ha,
    specHash,
  };
}
