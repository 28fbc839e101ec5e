// Small builders for plan fixtures: a desired state with one site, two compute nodes, one
// template and one tenant, and observed guests that match a desired VM exactly unless told
// otherwise. Tests override only what they are about.

import type { Desired, Node, Tenant, Vm } from '../../src/model/desired.js';
import type { Observed, ObservedAccess, ObservedGuest, ObservedGuestConfig, ObservedSite } from '../../src/model/observed.js';
import { buildVmTarget } from '../../src/plan/vm-target.js';

export const NOW = new Date('2026-03-02T10:00:00.000Z');

export function node(name: string, overrides: Partial<Node> = {}): Node {
  return {
    file: `nodes/${name}.yaml`,
    name,
    site: 'paris',
    pveNode: name,
    capacity: { cores: 24, memoryMiB: 131072 },
    usable: { cores: 22, memoryMiB: 114688 },
    roles: ['compute'],
    bmc: { driver: 'none' },
    power: { policy: 'always-on', windows: [], idleWatts: 100, maxWatts: 300, bootSeconds: 300, shutdownSeconds: 180, minOnSeconds: 1800, minOffSeconds: 1800 },
    ...overrides,
  };
}

export function tenant(name: string, overrides: Partial<Tenant> = {}): Tenant {
  return {
    file: `tenants/${name}/tenant.yaml`,
    name,
    displayName: `Association ${name}`,
    contacts: [{ name: 'Ada', email: 'ada@example.org' }],
    members: [{ user: `admin@${name}`, role: 'admin' }],
    quotas: { vcpus: 64, memoryMiB: 262144, diskGiB: 4096, vms: 100, cephBytes: 0 },
    allowed: { sites: ['paris'], networks: ['lan'] },
    ...overrides,
  };
}

export function vm(id: string, vmid: number, overrides: Partial<Vm> = {}): Vm {
  const [t, name] = id.split('/') as [string, string];
  return {
    file: `tenants/${t}/vms/${name}.yaml`,
    id,
    name,
    tenant: t,
    vmid,
    site: 'paris',
    cores: 2,
    memoryMiB: 2048,
    template: 'debian-12',
    state: 'running',
    disks: [{ slot: 'scsi0', sizeGiB: 20, storage: 'vms' }],
    nics: [{ slot: 'net0', network: 'lan', bridge: 'vmbr0', vlan: 10, firewall: true }],
    cloudInit: { user: 'debian', sshKeys: ['ssh-ed25519 AAAA ada'], ip: 'dhcp' },
    schedule: { windows: [], shutdownTimeoutSeconds: 180 },
    ha: false,
    protected: false,
    placement: { nodes: [] },
    ...overrides,
  };
}

export function desired(vms: Vm[], overrides: Partial<Desired> = {}, settings: Partial<Desired['settings']> = {}): Desired {
  const tenants: Record<string, Tenant> = {};
  for (const v of vms) tenants[v.tenant] ??= tenant(v.tenant);
  return {
    commit: 'c0ffee',
    settings: {
      file: 'marmite.yaml',
      formatVersion: 1,
      timezone: 'Europe/Paris',
      prune: true,
      deletionGuard: { maxCount: 3, maxPercent: 50 },
      statusBranch: 'marmite/status',
      vmidRange: { from: 100, to: 9999 },
      ...settings,
    },
    sites: {
      paris: {
        file: 'sites/paris.yaml',
        name: 'paris',
        displayName: 'Paris',
        timezone: 'Europe/Paris',
        proxmox: { endpoint: 'https://pve.example:8006', credential: 'pve' },
        electricity: { pricePerKWh: 0.2, currency: 'EUR', pue: 1.2 },
        quorum: { qdevice: false },
        networks: { lan: { name: 'lan', bridge: 'vmbr0', vlan: 10 } },
        storages: { vms: { name: 'vms', type: 'rbd', shared: true } },
      },
    },
    nodes: { pve1: node('pve1'), pve2: node('pve2') },
    flavors: {},
    templates: {
      'debian-12': {
        file: 'catalog/templates.yaml',
        name: 'debian-12',
        vmid: 9000,
        ostype: 'l26',
        diskGiB: 4,
        storage: 'vms',
        sites: ['paris'],
        nodeBySite: { paris: 'pve1' },
        cloudInit: true,
      },
    },
    pools: {},
    windows: {},
    tenants,
    vms: Object.fromEntries(vms.map((v) => [v.id, v])),
    ...overrides,
  };
}

/** The access a tenant gets once marmite ensured it, so fixtures start with nothing to ensure. */
export function accessFor(d: Desired): ObservedAccess {
  const names = Object.keys(d.tenants).sort();
  return {
    pools: names.map((t) => ({ poolid: `tenant-${t}`, comment: `${d.tenants[t]!.displayName} (managed by marmite)`, members: [] })),
    groups: names.map((t) => ({ groupid: `tenant-${t}`, users: d.tenants[t]!.members.map((m) => m.user) })),
    acls: names.map((t) => ({ path: `/pool/tenant-${t}`, ugid: `tenant-${t}`, type: 'group' as const, roleid: 'PVEVMUser', propagate: true })),
  };
}

/** The config a guest built exactly from its target has. */
export function configFor(d: Desired, v: Vm, overrides: Partial<ObservedGuestConfig> = {}): ObservedGuestConfig {
  const t = buildVmTarget(d, v, 'pve1');
  return {
    cores: t.cores,
    memoryMiB: t.memoryMiB,
    disks: t.disks.map((x) => ({ ...x })),
    nics: t.nics.map((n) => ({ ...n, mac: n.mac ?? 'BC:24:11:00:00:01' })),
    description: t.description,
    ...(t.cloudInit.user === undefined ? {} : { ciuser: t.cloudInit.user }),
    sshkeys: t.cloudInit.sshKeys,
    ipconfig0: 'ip=dhcp',
    protection: t.protection,
    onboot: true,
    pending: [],
    digest: 'd1',
    ...overrides,
  };
}

/** A guest that matches desired VM `v` in every way (tags carry its current spec hash). */
export function guestFor(d: Desired, v: Vm, overrides: Partial<ObservedGuest> = {}): ObservedGuest {
  const t = buildVmTarget(d, v, 'pve1');
  return {
    site: v.site,
    vmid: v.vmid,
    name: t.name,
    node: 'pve1',
    type: 'qemu',
    status: v.state,
    template: false,
    tags: t.tags,
    pool: t.pool,
    maxcpu: v.cores,
    maxmemMiB: v.memoryMiB,
    maxdiskGiB: v.disks[0]?.sizeGiB ?? 0,
    managed: { tenant: v.tenant, vm: v.name, specHash: t.specHash },
    ...(v.ha ? { hastate: 'started' } : {}),
    ...overrides,
  };
}

/** A managed guest with no desired VM (removed from Git). */
export function orphan(id: string, vmid: number, overrides: Partial<ObservedGuest> = {}): ObservedGuest {
  const [t, name] = id.split('/') as [string, string];
  return {
    site: 'paris',
    vmid,
    name: `${name}.${t}`,
    node: 'pve2',
    type: 'qemu',
    status: 'running',
    template: false,
    tags: ['h-0123456789', 'marmite', `t-${t}`],
    maxcpu: 1,
    maxmemMiB: 1024,
    maxdiskGiB: 10,
    managed: { tenant: t, vm: name, specHash: '0123456789' },
    ...overrides,
  };
}

export function site(d: Desired, guests: ObservedGuest[], overrides: Partial<ObservedSite> = {}): ObservedSite {
  return {
    name: 'paris',
    reachable: true,
    quorate: true,
    nodes: ['pve1', 'pve2'].map((n) => ({ site: 'paris', name: n, status: 'online' as const, maxcpu: 24, maxmemMiB: 131072, cpu: 0.1, memUsedMiB: 8192 })),
    guests,
    access: accessFor(d),
    deep: false,
    ...overrides,
  };
}

export function observed(sites: ObservedSite[]): Observed {
  return { formatVersion: 1, observedAt: '2026-03-02T09:59:00.000Z', sites: Object.fromEntries(sites.map((s) => [s.name, s])) };
}
