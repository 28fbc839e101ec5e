// The typed, checked desired state: what `load + validate + resolve + policy` produces from a
// repository snapshot. Units are resolved (memory in MiB, disks in GiB as Proxmox counts them,
// Ceph in bytes, durations in seconds), defaults are filled in and every reference is known to
// exist. Each object keeps the file it came from so later stages can point back at it.

import type { NodeRole, PowerPolicy, Weekday } from './spec.js';

export interface Source {
  file: string; // repository-relative path
}

export interface Settings extends Source {
  formatVersion: 1;
  timezone: string;
  prune: boolean;
  deletionGuard: { maxCount: number; maxPercent: number };
  statusBranch: string;
  vmidRange: { from: number; to: number };
}

export interface Network {
  name: string;
  bridge: string;
  vlan?: number;
}

export interface Storage {
  name: string;
  type: string;
  shared: boolean;
}

export interface Site extends Source {
  name: string;
  displayName: string;
  timezone: string;
  proxmox: { endpoint: string; credential: string };
  ceph?: { endpoint: string; credential: string };
  electricity: { pricePerKWh: number; currency: string; pue: number };
  quorum: { expectedVotes?: number; qdevice: boolean };
  networks: Record<string, Network>;
  storages: Record<string, Storage>;
}

export interface Node extends Source {
  name: string;
  site: string;
  pveNode: string;
  capacity: { cores: number; memoryMiB: number };
  /** What VMs may use: capacity minus what is reserved for the host. */
  usable: { cores: number; memoryMiB: number };
  roles: NodeRole[];
  bmc: {
    driver: 'ipmi' | 'redfish' | 'wol' | 'none';
    address?: string;
    credential?: string;
    cipherSuite?: number;
    wattsSensor?: string;
    mac?: string;
    broadcast?: string;
  };
  power: {
    policy: PowerPolicy;
    windows: string[];
    idleWatts: number;
    maxWatts: number;
    bootSeconds: number;
    shutdownSeconds: number;
    minOnSeconds: number;
    minOffSeconds: number;
  };
}

export interface Flavor extends Source {
  name: string;
  cores: number;
  memoryMiB: number;
  diskGiB?: number;
}

export interface Template extends Source {
  name: string;
  vmid: number;
  ostype: string;
  diskGiB: number;
  storage: string;
  sites: string[];
  /** Per site, the Proxmox node (pveNode) holding the template. */
  nodeBySite: Record<string, string>;
  cloudInit: boolean;
}

export interface Pool extends Source {
  name: string;
  site: string;
  tenant?: string;
  size: number;
  minSize: number;
  pgNum: number;
  application: 'rbd' | 'cephfs' | 'rgw';
  quota: { maxBytes: number; maxObjects: number }; // 0 = no quota, as Ceph says it
  proxmoxStorage: boolean;
}

export type WindowPeriod =
  | { kind: 'cron'; schedule: string; durationSeconds: number }
  | { kind: 'days'; days: Weekday[]; startMinute: number; endMinute: number }; // minutes since midnight

export interface Window extends Source {
  name: string;
  timezone: string;
  periods: WindowPeriod[];
}

export interface Tenant extends Source {
  name: string;
  displayName: string;
  contacts: { name: string; email: string }[];
  members: { user: string; role: 'admin' | 'operator' | 'viewer' }[];
  quotas: { vcpus: number; memoryMiB: number; diskGiB: number; vms: number; cephBytes: number };
  allowed: { sites: string[]; networks: string[] };
  vmidRange?: { from: number; to: number };
}

export interface VmDisk {
  slot: string; // scsi0, scsi1...
  sizeGiB: number;
  storage: string;
}

export interface VmNic {
  slot: string; // net0, net1...
  network: string;
  bridge: string;
  vlan?: number;
  firewall: boolean;
  mac?: string;
}

export interface Vm extends Source {
  /** `<tenant>/<vm>`: unique across the repository. */
  id: string;
  name: string;
  tenant: string;
  vmid: number;
  site: string;
  description?: string;
  cores: number;
  memoryMiB: number;
  template: string;
  state: 'running' | 'stopped';
  disks: VmDisk[];
  nics: VmNic[];
  cloudInit: {
    user?: string;
    sshKeys: string[];
    ip: 'dhcp' | { address: string; gateway?: string };
    nameserver?: string;
  };
  /** Names of power windows during which the VM must run; empty = always. */
  schedule: { windows: string[]; shutdownTimeoutSeconds: number };
  ha: boolean;
  protected: boolean;
  placement: { node?: string; nodes: string[]; antiAffinity?: string };
}

export interface Desired {
  /** Commit the state was read from, when it came from Git. */
  commit?: string;
  settings: Settings;
  sites: Record<string, Site>;
  nodes: Record<string, Node>;
  flavors: Record<string, Flavor>;
  templates: Record<string, Template>;
  pools: Record<string, Pool>;
  windows: Record<string, Window>;
  tenants: Record<string, Tenant>;
  /** Keyed by `<tenant>/<vm>`. */
  vms: Record<string, Vm>;
}
