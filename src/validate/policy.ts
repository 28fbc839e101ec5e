// Tenant policy: a tenant's VMs use only its sites and networks, take VMIDs from its range and
// stay within its quotas. Ownership needs no check here: the loader takes a VM's tenant from its
// path, so a file under tenants/t/ can only ever describe tenant t's resources.
//
// Quotas count every VM in Git, running or stopped: a stopped VM keeps its disk and may be
// started at any time, so its reservation stands.

import type { Desired } from '../model/desired.js';
import { at, type CheckContext } from './context.js';
import { sortedEntries } from './resolve.js';
import { formatBytes, formatGiB, formatMiB } from './units.js';

export interface UsagePart {
  file: string;
  amount: number;
}

export interface QuotaUsage {
  used: number;
  quota: number;
  /** What makes up `used`, one entry per file, in file order. */
  parts: UsagePart[];
}

export type QuotaName = 'vcpus' | 'memory' | 'disk' | 'vms' | 'cephBytes';

export interface TenantUsage {
  tenant: string;
  file: string;
  vcpus: QuotaUsage;
  /** MiB */
  memory: QuotaUsage;
  /** GiB */
  disk: QuotaUsage;
  vms: QuotaUsage;
  /** Bytes: the sum of the quotas of the tenant's Ceph pools. */
  cephBytes: QuotaUsage;
  /** Files of the tenant's pools that have no byte quota, so the tenant's Ceph use is unbounded. */
  unboundedPools: string[];
}

export const QUOTA_UNITS: Record<QuotaName, (n: number) => string> = {
  vcpus: (n) => String(n),
  memory: formatMiB,
  disk: formatGiB,
  vms: (n) => String(n),
  cephBytes: formatBytes,
};

/** Per-tenant usage against quota, for validation, reports and merge-request review. */
export function computeTenantUsage(d: Desired): Record<string, TenantUsage> {
  const out: Record<string, TenantUsage> = {};
  const empty = (quota: number): QuotaUsage => ({ used: 0, quota, parts: [] });
  for (const [name, t] of sortedEntries(d.tenants)) {
    out[name] = {
      tenant: name,
      file: t.file,
      vcpus: empty(t.quotas.vcpus),
      memory: empty(t.quotas.memoryMiB),
      disk: empty(t.quotas.diskGiB),
      vms: empty(t.quotas.vms),
      cephBytes: empty(t.quotas.cephBytes),
      unboundedPools: [],
    };
  }
  const add = (q: QuotaUsage, file: string, amount: number): void => {
    q.used += amount;
    q.parts.push({ file, amount });
  };
  for (const [, vm] of sortedEntries(d.vms)) {
    const u = out[vm.tenant];
    if (!u) continue;
    add(u.vcpus, vm.file, vm.cores);
    add(u.memory, vm.file, vm.memoryMiB);
    add(u.disk, vm.file, vm.disks.reduce((s, disk) => s + disk.sizeGiB, 0));
    add(u.vms, vm.file, 1);
  }
  for (const [, p] of sortedEntries(d.pools)) {
    const u = p.tenant === undefined ? undefined : out[p.tenant];
    if (!u) continue;
    if (p.quota.maxBytes === 0) u.unboundedPools.push(p.file);
    else add(u.cephBytes, p.file, p.quota.maxBytes);
  }
  for (const u of Object.values(out)) {
    for (const q of [u.vcpus, u.memory, u.disk, u.vms, u.cephBytes]) q.parts.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }
  return out;
}

/** `tenant ad28: memory quota 16GiB exceeded: 20GiB requested by a.yaml (8GiB), b.yaml (12GiB)` */
export function quotaMessage(tenant: string, quota: QuotaName, q: QuotaUsage): string {
  const fmt = QUOTA_UNITS[quota];
  const parts = q.parts.map((p) => (quota === 'vms' ? p.file : `${p.file} (${fmt(p.amount)})`)).join(', ');
  return `tenant ${tenant}: ${quota} quota ${fmt(q.quota)} exceeded: ${fmt(q.used)} requested by ${parts}`;
}

export function checkPolicy(ctx: CheckContext): void {
  checkSitesAndNetworks(ctx);
  checkVmidRanges(ctx);
  checkQuotas(ctx);
}

function checkSitesAndNetworks(ctx: CheckContext): void {
  const { desired: d, repo } = ctx;
  for (const [id, vm] of sortedEntries(d.vms)) {
    const tenant = d.tenants[vm.tenant];
    if (!tenant) continue;
    const spec = repo.vms.get(id)?.value;
    if (vm.site !== '' && !tenant.allowed.sites.includes(vm.site)) {
      ctx.diags.error(vm.file, at(repo, vm.file, spec?.site !== undefined ? ['site'] : []), 'policy-site', `vm ${id}: tenant ${vm.tenant} may not use site ${vm.site} (allowed: ${tenant.allowed.sites.join(', ') || 'none'})`);
    }
    vm.nics.forEach((nic, i) => {
      if (!tenant.allowed.networks.includes(nic.network)) {
        ctx.diags.error(vm.file, at(repo, vm.file, ['nics', i, 'network']), 'policy-network', `vm ${id}: tenant ${vm.tenant} may not use network ${nic.network} (allowed: ${tenant.allowed.networks.join(', ') || 'none'})`);
      }
    });
  }
  checkPoolOwners(ctx);
  for (const [name, p] of sortedEntries(d.pools)) {
    const tenant = p.tenant === undefined ? undefined : d.tenants[p.tenant];
    if (tenant && !tenant.allowed.sites.includes(p.site)) {
      ctx.diags.error(p.file, at(repo, p.file, ['site']), 'policy-site', `pool ${name}: tenant ${tenant.name} may not use site ${p.site} (allowed: ${tenant.allowed.sites.join(', ') || 'none'})`);
    }
  }
}

/** A tenant's pool holds that tenant's disks only; pools without a tenant are shared. */
function checkPoolOwners(ctx: CheckContext): void {
  const { desired: d, repo } = ctx;
  for (const [id, vm] of sortedEntries(d.vms)) {
    const spec = repo.vms.get(id)?.value;
    vm.disks.forEach((disk, i) => {
      const pool = d.pools[disk.storage];
      if (!pool || pool.site !== vm.site || pool.tenant === undefined || pool.tenant === vm.tenant) return;
      const path = spec?.disks?.[i]?.storage !== undefined ? ['disks', i, 'storage'] : ['template'];
      ctx.diags.error(vm.file, at(repo, vm.file, path), 'policy-storage', `vm ${id}: Ceph pool ${pool.name} belongs to tenant ${pool.tenant}, not to ${vm.tenant}`);
    });
  }
}

function checkVmidRanges(ctx: CheckContext): void {
  const { desired: d, repo } = ctx;
  const repoRange = d.settings.vmidRange;
  const outside = (vmid: number, r: { from: number; to: number }): boolean => vmid < r.from || vmid > r.to;
  for (const [id, vm] of sortedEntries(d.vms)) {
    // Positions are looked up only for a diagnostic: finding one costs a full parse of the file.
    const pos = () => at(repo, vm.file, ['vmid']);
    if (outside(vm.vmid, repoRange)) {
      ctx.diags.error(vm.file, pos(), 'vmid-range', `vm ${id}: vmid ${vm.vmid} is outside the repository's range ${repoRange.from}-${repoRange.to}`);
    }
    const tr = d.tenants[vm.tenant]?.vmidRange;
    if (tr && outside(vm.vmid, tr)) {
      ctx.diags.error(vm.file, pos(), 'vmid-range', `vm ${id}: vmid ${vm.vmid} is outside tenant ${vm.tenant}'s range ${tr.from}-${tr.to}`);
    }
  }
  for (const [name, t] of sortedEntries(d.templates)) {
    if (outside(t.vmid, repoRange)) {
      ctx.diags.error(t.file, at(repo, t.file, ['templates', name, 'vmid']), 'vmid-range', `template ${name}: vmid ${t.vmid} is outside the repository's range ${repoRange.from}-${repoRange.to}`);
    }
  }
}

function checkQuotas(ctx: CheckContext): void {
  const { repo } = ctx;
  for (const [name, u] of sortedEntries(computeTenantUsage(ctx.desired))) {
    for (const quota of ['vcpus', 'memory', 'disk', 'vms', 'cephBytes'] as const) {
      const q = u[quota];
      if (q.used > q.quota) {
        ctx.diags.error(u.file, at(repo, u.file, ['quotas', quota]), 'quota-exceeded', quotaMessage(name, quota, q));
      }
    }
    for (const file of u.unboundedPools) {
      const poolName = Object.values(ctx.desired.pools).find((p) => p.file === file)?.name ?? file;
      ctx.diags.error(file, at(repo, file, ['quota']), 'quota-unbounded', `pool ${poolName}: belongs to tenant ${name} but has no quota.maxBytes, so it is not bounded by the tenant's cephBytes quota`);
    }
  }
}
