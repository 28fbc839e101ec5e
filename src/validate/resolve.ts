// Loaded, schema-valid spec objects -> the typed Desired state: units become numbers, defaults
// are filled in (as documented in src/model/spec.ts) and references are followed where they
// exist. Unknown references are left to checks/references.ts; resolve only reports what stops it
// from computing a value (a bad size, a VM with no site to default to).

import { Diagnostics, START } from '../core/diagnostics.js';
import type {
  Desired,
  Flavor,
  Node,
  Pool,
  Settings,
  Site,
  Template,
  Tenant,
  Vm,
  VmDisk,
  VmNic,
  Window,
  WindowPeriod,
} from '../model/desired.js';
import type { NodeSpec, PoolSpec, SettingsSpec, SiteSpec, TenantSpec, VmSpec, WindowSpec } from '../model/spec.js';
import type { FieldPath, LoadedObject } from '../load/types.js';
import type { Repo } from './context.js';
import { bytesToGiB, bytesToMiB, parseDuration, parseHours, parseSize } from './units.js';

export const SETTINGS_FILE = 'marmite.yaml';

export const DEFAULTS = {
  timezone: 'UTC',
  prune: false,
  deletionGuard: { maxCount: 3, maxPercent: 10 },
  statusBranch: 'marmite/status',
  vmidRange: { from: 100, to: 999_999_999 },
  bootTime: '5m',
  shutdownTime: '3m',
  minOnTime: '30m',
  minOffTime: '30m',
  roles: ['compute'] as const,
  pool: { size: 3, minSize: 2, pgNum: 32, application: 'rbd' as const },
  ostype: 'l26',
  shutdownTimeout: '3m',
  currency: 'EUR',
  pue: 1,
} as const;

/** Reads units of one object and reports the ones that do not parse, at their field. */
class Units {
  constructor(
    private readonly obj: LoadedObject,
    private readonly diags: Diagnostics,
  ) {}

  bytes(text: string | undefined, path: FieldPath): number | undefined {
    if (text === undefined) return undefined;
    const v = parseSize(String(text));
    if (v === undefined) {
      this.diags.error(this.obj.file, this.obj.locate(path), 'invalid-size', `${describe(this.obj)}: '${text}' is not a size (use e.g. 512MiB, 4GiB, 1.5TiB, 20GB)`);
    }
    return v;
  }

  mib(text: string | undefined, path: FieldPath): number | undefined {
    const b = this.bytes(text, path);
    return b === undefined ? undefined : bytesToMiB(b);
  }

  gib(text: string | undefined, path: FieldPath): number | undefined {
    const b = this.bytes(text, path);
    return b === undefined ? undefined : bytesToGiB(b);
  }

  seconds(text: string | undefined, fallback: string, path: FieldPath): number {
    const t = text ?? fallback;
    const v = parseDuration(String(t));
    if (v === undefined) {
      this.diags.error(this.obj.file, this.obj.locate(path), 'invalid-duration', `${describe(this.obj)}: '${t}' is not a duration (use e.g. 90s, 5m, 1h30m, 2d)`);
      return parseDuration(fallback) ?? 0;
    }
    return v;
  }
}

export function describe(obj: Pick<LoadedObject, 'kind' | 'name' | 'tenant'>): string {
  if (obj.kind === 'vm') return `vm ${obj.tenant ?? ''}/${obj.name}`;
  if (obj.kind === 'tenant') return `tenant ${obj.tenant ?? obj.name}`;
  if (obj.kind === 'settings') return 'settings';
  if (obj.kind === 'flavors' || obj.kind === 'templates') return 'catalog';
  return `${obj.kind} ${obj.name}`;
}

export function resolve(repo: Repo, diags: Diagnostics): Desired {
  const settings = resolveSettings(repo.settings, diags);
  const sites = mapValues(repo.sites, (o) => resolveSite(o, settings));
  const nodes = mapValues(repo.nodes, (o) => resolveNode(o, diags));
  const flavors = resolveFlavors(repo, diags);
  const templates = resolveTemplates(repo, sites, nodes, diags);
  const pools = mapValues(repo.pools, (o) => resolvePool(o, diags));
  const windows = mapValues(repo.windows, (o) => resolveWindow(o, settings, diags));
  const tenants = mapValues(repo.tenants, (o, name) => resolveTenant(o, name, diags));
  const desired: Desired = { settings, sites, nodes, flavors, templates, pools, windows, tenants, vms: {} };
  for (const [id, o] of sortedEntries(repo.vms)) desired.vms[id] = resolveVm(o, desired, diags);
  return desired;
}

function resolveSettings(o: LoadedObject<SettingsSpec> | undefined, diags: Diagnostics): Settings {
  if (!o) {
    diags.error(SETTINGS_FILE, START, 'missing-settings', `settings: ${SETTINGS_FILE} is missing at the repository root (it needs at least 'formatVersion: 1')`);
  }
  const v: Partial<SettingsSpec> = o?.value ?? {};
  return {
    file: o?.file ?? SETTINGS_FILE,
    formatVersion: 1,
    timezone: v.timezone ?? DEFAULTS.timezone,
    prune: v.prune ?? DEFAULTS.prune,
    deletionGuard: {
      maxCount: v.deletionGuard?.maxCount ?? DEFAULTS.deletionGuard.maxCount,
      maxPercent: v.deletionGuard?.maxPercent ?? DEFAULTS.deletionGuard.maxPercent,
    },
    statusBranch: v.statusBranch ?? DEFAULTS.statusBranch,
    vmidRange: v.vmidRange ? { ...v.vmidRange } : { ...DEFAULTS.vmidRange },
  };
}

function resolveSite(o: LoadedObject<SiteSpec>, settings: Settings): Site {
  const v = o.value;
  const site: Site = {
    file: o.file,
    name: o.name,
    displayName: v.displayName ?? o.name,
    timezone: v.timezone ?? settings.timezone,
    proxmox: { ...v.proxmox },
    electricity: {
      pricePerKWh: v.electricity?.pricePerKWh ?? 0,
      currency: v.electricity?.currency ?? DEFAULTS.currency,
      pue: v.electricity?.pue ?? DEFAULTS.pue,
    },
    quorum: { qdevice: v.quorum?.qdevice ?? false },
    networks: {},
    storages: {},
  };
  if (v.ceph) site.ceph = { ...v.ceph };
  if (v.quorum?.expectedVotes !== undefined) site.quorum.expectedVotes = v.quorum.expectedVotes;
  for (const [name, n] of sortedEntries(v.networks ?? {})) {
    site.networks[name] = n.vlan === undefined ? { name, bridge: n.bridge } : { name, bridge: n.bridge, vlan: n.vlan };
  }
  for (const [name, s] of sortedEntries(v.storages ?? {})) {
    site.storages[name] = { name, type: s.type, shared: s.shared ?? (s.type === 'rbd' || s.type === 'nfs' || s.type === 'cephfs') };
  }
  return site;
}

function resolveNode(o: LoadedObject<NodeSpec>, diags: Diagnostics): Node {
  const v = o.value;
  const u = new Units(o, diags);
  const memoryMiB = u.mib(v.capacity.memory, ['capacity', 'memory']) ?? 0;
  const reservedMiB = u.mib(v.capacity.reserved?.memory, ['capacity', 'reserved', 'memory']) ?? 0;
  const reservedCores = v.capacity.reserved?.cores ?? 0;
  const bmc: Node['bmc'] = { driver: v.bmc?.driver ?? 'none' };
  for (const key of ['address', 'credential', 'cipherSuite', 'wattsSensor', 'mac', 'broadcast'] as const) {
    const value = v.bmc?.[key];
    if (value !== undefined) (bmc as Record<string, unknown>)[key] = value;
  }
  return {
    file: o.file,
    name: o.name,
    site: v.site,
    pveNode: v.pveNode ?? o.name,
    capacity: { cores: v.capacity.cores, memoryMiB },
    usable: { cores: v.capacity.cores - reservedCores, memoryMiB: memoryMiB - reservedMiB },
    roles: [...(v.roles ?? DEFAULTS.roles)],
    bmc,
    power: {
      policy: v.power.policy,
      windows: [...(v.power.windows ?? [])],
      idleWatts: v.power.idleWatts,
      maxWatts: v.power.maxWatts,
      bootSeconds: u.seconds(v.power.bootTime, DEFAULTS.bootTime, ['power', 'bootTime']),
      shutdownSeconds: u.seconds(v.power.shutdownTime, DEFAULTS.shutdownTime, ['power', 'shutdownTime']),
      minOnSeconds: u.seconds(v.power.minOnTime, DEFAULTS.minOnTime, ['power', 'minOnTime']),
      minOffSeconds: u.seconds(v.power.minOffTime, DEFAULTS.minOffTime, ['power', 'minOffTime']),
    },
  };
}

function resolveFlavors(repo: Repo, diags: Diagnostics): Record<string, Flavor> {
  const o = repo.flavors;
  const out: Record<string, Flavor> = {};
  if (!o) return out;
  const u = new Units(o, diags);
  for (const [name, f] of sortedEntries(o.value.flavors ?? {})) {
    const flavor: Flavor = {
      file: o.file,
      name,
      cores: f.cores,
      memoryMiB: u.mib(f.memory, ['flavors', name, 'memory']) ?? 0,
    };
    const disk = u.gib(f.disk, ['flavors', name, 'disk']);
    if (disk !== undefined) flavor.diskGiB = disk;
    out[name] = flavor;
  }
  return out;
}

function resolveTemplates(
  repo: Repo,
  sites: Record<string, Site>,
  nodes: Record<string, Node>,
  diags: Diagnostics,
): Record<string, Template> {
  const o = repo.templates;
  const out: Record<string, Template> = {};
  if (!o) return out;
  const u = new Units(o, diags);
  for (const [name, t] of sortedEntries(o.value.templates ?? {})) {
    const templateSites = t.sites ? [...t.sites] : Object.keys(sites).sort();
    const nodeBySite: Record<string, string> = {};
    for (const site of templateSites) {
      const given = t.node === undefined ? undefined : nodes[t.node];
      if (given && given.site === site) {
        nodeBySite[site] = given.pveNode;
        continue;
      }
      const first = Object.values(nodes)
        .filter((n) => n.site === site)
        .sort((a, b) => (a.name < b.name ? -1 : 1))[0];
      if (first) nodeBySite[site] = first.pveNode;
    }
    out[name] = {
      file: o.file,
      name,
      vmid: t.vmid,
      ostype: t.ostype ?? DEFAULTS.ostype,
      diskGiB: u.gib(t.disk, ['templates', name, 'disk']) ?? 0,
      storage: t.storage,
      sites: templateSites,
      nodeBySite,
      cloudInit: t.cloudInit ?? true,
    };
  }
  return out;
}

function resolvePool(o: LoadedObject<PoolSpec>, diags: Diagnostics): Pool {
  const v = o.value;
  const u = new Units(o, diags);
  const application = v.application ?? DEFAULTS.pool.application;
  const pool: Pool = {
    file: o.file,
    name: o.name,
    site: v.site,
    size: v.size ?? DEFAULTS.pool.size,
    minSize: v.minSize ?? DEFAULTS.pool.minSize,
    pgNum: v.pgNum ?? DEFAULTS.pool.pgNum,
    application,
    quota: {
      maxBytes: u.bytes(v.quota?.maxBytes, ['quota', 'maxBytes']) ?? 0,
      maxObjects: v.quota?.maxObjects ?? 0,
    },
    proxmoxStorage: v.proxmoxStorage ?? application === 'rbd',
  };
  if (v.tenant !== undefined) pool.tenant = v.tenant;
  return pool;
}

function resolveWindow(o: LoadedObject<WindowSpec>, settings: Settings, diags: Diagnostics): Window {
  const u = new Units(o, diags);
  const periods: WindowPeriod[] = [];
  (o.value.periods ?? []).forEach((p, i) => {
    if ('schedule' in p) {
      periods.push({ kind: 'cron', schedule: p.schedule, durationSeconds: u.seconds(p.duration, '0s', ['periods', i, 'duration']) });
      return;
    }
    const hours = parseHours(String(p.hours));
    if (!hours) {
      diags.error(o.file, o.locate(['periods', i, 'hours']), 'hours-syntax', `window ${o.name}: hours '${p.hours}' must be HH:MM-HH:MM with HH 00-23 (24:00 allowed as an end)`);
    }
    periods.push({ kind: 'days', days: [...p.days], startMinute: hours?.startMinute ?? 0, endMinute: hours?.endMinute ?? 0 });
  });
  return { file: o.file, name: o.name, timezone: o.value.timezone ?? settings.timezone, periods };
}

function resolveTenant(o: LoadedObject<TenantSpec>, name: string, diags: Diagnostics): Tenant {
  const v = o.value;
  const u = new Units(o, diags);
  const tenant: Tenant = {
    file: o.file,
    name,
    displayName: v.displayName,
    contacts: v.contacts.map((c) => ({ ...c })),
    members: (v.members ?? []).map((m) => ({ user: m.user, role: m.role ?? 'viewer' })),
    quotas: {
      vcpus: v.quotas.vcpus,
      memoryMiB: u.mib(v.quotas.memory, ['quotas', 'memory']) ?? 0,
      diskGiB: u.gib(v.quotas.disk, ['quotas', 'disk']) ?? 0,
      vms: v.quotas.vms,
      cephBytes: u.bytes(v.quotas.cephBytes, ['quotas', 'cephBytes']) ?? 0,
    },
    allowed: { sites: [...v.allowed.sites], networks: [...v.allowed.networks] },
  };
  if (v.vmidRange) tenant.vmidRange = { ...v.vmidRange };
  return tenant;
}

function resolveVm(o: LoadedObject<VmSpec>, d: Desired, diags: Diagnostics): Vm {
  const v = o.value;
  const u = new Units(o, diags);
  const tenantName = o.tenant ?? '';
  const tenant = d.tenants[tenantName];
  const id = `${tenantName}/${o.name}`;

  let site = v.site;
  if (site === undefined) {
    if (tenant && tenant.allowed.sites.length === 1) site = tenant.allowed.sites[0]!;
    else if (tenant) {
      diags.error(o.file, o.locate([]), 'missing-site', `vm ${id}: 'site' is required because tenant ${tenantName} may use ${tenant.allowed.sites.length} sites (${tenant.allowed.sites.join(', ') || 'none'})`);
    }
  }
  site ??= '';

  const flavor = v.flavor === undefined ? undefined : d.flavors[v.flavor];
  const cores = v.cores ?? flavor?.cores;
  const memoryMiB = u.mib(v.memory, ['memory']) ?? flavor?.memoryMiB;
  if (v.flavor === undefined && (v.cores === undefined || v.memory === undefined)) {
    const missing = [v.cores === undefined ? 'cores' : '', v.memory === undefined ? 'memory' : ''].filter(Boolean).join(' and ');
    diags.error(o.file, o.locate([]), 'missing-size', `vm ${id}: without a flavor, ${missing} must be given`);
  }

  const template = d.templates[v.template];
  const disks: VmDisk[] = [];
  if (v.disks && v.disks.length > 0) {
    v.disks.forEach((disk, i) => {
      disks.push({
        slot: disk.slot ?? `scsi${i}`,
        sizeGiB: u.gib(disk.size, ['disks', i, 'size']) ?? 0,
        storage: disk.storage ?? template?.storage ?? '',
      });
    });
  } else {
    disks.push({ slot: 'scsi0', sizeGiB: flavor?.diskGiB ?? template?.diskGiB ?? 0, storage: template?.storage ?? '' });
  }

  const siteNetworks = d.sites[site]?.networks ?? {};
  const nics: VmNic[] = v.nics.map((n, i) => {
    const net = siteNetworks[n.network];
    const nic: VmNic = { slot: `net${i}`, network: n.network, bridge: net?.bridge ?? '', firewall: n.firewall ?? true };
    if (net?.vlan !== undefined) nic.vlan = net.vlan;
    if (n.mac !== undefined) nic.mac = n.mac;
    return nic;
  });

  const ci = v.cloudInit ?? {};
  const cloudInit: Vm['cloudInit'] = { sshKeys: [...(ci.sshKeys ?? [])], ip: ci.ip ?? 'dhcp' };
  if (ci.user !== undefined) cloudInit.user = ci.user;
  if (ci.nameserver !== undefined) cloudInit.nameserver = ci.nameserver;

  const placement: Vm['placement'] = { nodes: [...(v.placement?.nodes ?? [])] };
  if (v.placement?.node !== undefined) placement.node = v.placement.node;
  if (v.placement?.antiAffinity !== undefined) placement.antiAffinity = v.placement.antiAffinity;

  const vm: Vm = {
    file: o.file,
    id,
    name: o.name,
    tenant: tenantName,
    vmid: v.vmid,
    site,
    cores: cores ?? 0,
    memoryMiB: memoryMiB ?? 0,
    template: v.template,
    state: v.state ?? 'running',
    disks,
    nics,
    cloudInit,
    schedule: {
      windows: [...(v.schedule?.windows ?? [])],
      shutdownTimeoutSeconds: u.seconds(v.schedule?.shutdownTimeout, DEFAULTS.shutdownTimeout, ['schedule', 'shutdownTimeout']),
    },
    ha: v.ha ?? false,
    protected: v.protected ?? false,
    placement,
  };
  if (v.description !== undefined) vm.description = v.description;
  return vm;
}

function mapValues<T, R>(m: Map<string, T>, f: (v: T, name: string) => R): Record<string, R> {
  const out: Record<string, R> = {};
  for (const [k, v] of sortedEntries(m)) out[k] = f(v, k);
  return out;
}

/** Entries in name order, so the Desired state (and everything derived from it) is stable. */
export function sortedEntries<T>(m: Map<string, T> | Record<string, T>): [string, T][] {
  const entries = m instanceof Map ? [...m.entries()] : Object.entries(m);
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
