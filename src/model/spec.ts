// The shapes users write in the infra repository, one interface per kind, exactly as the JSON
// Schemas in schemas/ accept them (sizes and durations are still strings with units here).
// docs/repository-format.md documents every field; src/validate/resolve.ts turns these into the
// typed Desired state (src/model/desired.ts).

/** `512MiB`, `4GiB`, `1.5TiB`, `20GB` (binary KiB..PiB or decimal KB..PB). */
export type SizeString = string;
/** `90s`, `5m`, `1h30m`, `2d`. */
export type DurationString = string;

/** `marmite.yaml` at the repository root. */
export interface SettingsSpec {
  formatVersion: 1;
  timezone?: string; // IANA, default UTC
  prune?: boolean; // default false: VMs removed from Git are reported, not deleted
  deletionGuard?: {
    maxCount?: number; // default 3
    maxPercent?: number; // default 10 (% of managed objects)
  };
  statusBranch?: string; // default marmite/status
  vmidRange?: { from: number; to: number };
}

export interface NetworkSpec {
  bridge: string; // vmbr0
  vlan?: number;
  description?: string;
}

export interface StorageSpec {
  type: 'lvmthin' | 'lvm' | 'dir' | 'zfspool' | 'rbd' | 'nfs' | 'cephfs';
  shared?: boolean;
  description?: string;
}

/** `sites/<site>.yaml`: a datacenter, one Proxmox cluster. */
export interface SiteSpec {
  displayName?: string;
  timezone?: string;
  proxmox: { endpoint: string; credential: string };
  ceph?: { endpoint: string; credential: string };
  electricity?: { pricePerKWh: number; currency?: string; pue?: number };
  quorum?: { expectedVotes?: number; qdevice?: boolean };
  networks?: Record<string, NetworkSpec>;
  storages?: Record<string, StorageSpec>;
}

export type NodeRole = 'compute' | 'ceph-osd' | 'ceph-mon' | 'ceph-mgr';
export type PowerPolicy = 'always-on' | 'windows' | 'on-demand';

/** `nodes/<node>.yaml`: a physical server. */
export interface NodeSpec {
  site: string;
  pveNode?: string; // Proxmox node name, default: the file name
  description?: string;
  capacity: {
    cores: number;
    memory: SizeString;
    reserved?: { cores?: number; memory?: SizeString }; // kept for the host itself
  };
  roles?: NodeRole[];
  bmc?: {
    driver: 'ipmi' | 'redfish' | 'wol' | 'none';
    address?: string; // host or host:port (ipmi, redfish)
    credential?: string; // name looked up in the agent config
    cipherSuite?: number; // ipmi lanplus -C
    wattsSensor?: string; // ipmi sensor name for power readings, or "dcmi"
    mac?: string; // wol
    broadcast?: string; // wol: where to send the magic packet, default 255.255.255.255:9
  };
  power: {
    policy: PowerPolicy;
    windows?: string[]; // power/<window> names, for policy windows
    idleWatts: number;
    maxWatts: number;
    bootTime?: DurationString; // default 5m
    shutdownTime?: DurationString; // default 3m
    minOnTime?: DurationString; // default 30m
    minOffTime?: DurationString; // default 30m
  };
}

/** `catalog/flavors.yaml` */
export interface FlavorsSpec {
  flavors: Record<string, { cores: number; memory: SizeString; disk?: SizeString; description?: string }>;
}

/** `catalog/templates.yaml` */
export interface TemplatesSpec {
  templates: Record<
    string,
    {
      vmid: number;
      description?: string;
      ostype?: string; // Proxmox ostype, default l26
      disk: SizeString; // size of the template's boot disk; clones start at this size
      storage: string; // where the template's disk lives
      sites?: string[]; // default: every site
      node?: string; // nodes/<node> holding it (per site, the first node by name otherwise)
      cloudInit?: boolean; // default true
    }
  >;
}

/** `ceph/pools/<pool>.yaml` */
export interface PoolSpec {
  site: string;
  tenant?: string;
  size?: number; // default 3
  minSize?: number; // default 2
  pgNum?: number; // default 32
  application?: 'rbd' | 'cephfs' | 'rgw'; // default rbd
  quota?: { maxBytes?: SizeString; maxObjects?: number };
  proxmoxStorage?: boolean; // default true for rbd: a Proxmox RBD storage of the same name
  description?: string;
}

/** One period of a power window: cron + duration (Argo CD sync-window style) or days + hours. */
export type WindowPeriodSpec =
  | { schedule: string; duration: DurationString }
  | { days: Weekday[]; hours: string }; // hours "08:00-19:00"

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** `power/<window>.yaml` */
export interface WindowSpec {
  description?: string;
  timezone?: string; // default: the repository's timezone
  periods: WindowPeriodSpec[];
}

/** `tenants/<t>/tenant.yaml` */
export interface TenantSpec {
  displayName: string;
  description?: string;
  contacts: { name: string; email: string }[];
  members?: { user: string; role?: 'admin' | 'operator' | 'viewer' }[]; // Proxmox users user@realm
  quotas: {
    vcpus: number;
    memory: SizeString;
    disk: SizeString;
    vms: number;
    cephBytes?: SizeString;
  };
  allowed: { sites: string[]; networks: string[] };
  vmidRange?: { from: number; to: number };
}

/** `tenants/<t>/vms/<vm>.yaml` */
export interface VmSpec {
  vmid: number;
  description?: string;
  site?: string; // default: the tenant's only allowed site
  flavor?: string;
  cores?: number;
  memory?: SizeString;
  template: string;
  state?: 'running' | 'stopped'; // default running
  disks?: { size: SizeString; storage?: string; slot?: string }[]; // first disk = boot disk (grows the template's)
  nics: { network: string; firewall?: boolean; mac?: string }[];
  cloudInit?: {
    user?: string;
    sshKeys?: string[];
    ip?: 'dhcp' | { address: string; gateway?: string }; // address CIDR
    nameserver?: string;
  };
  schedule?: { windows: string[]; shutdownTimeout?: DurationString }; // absent: must run always
  ha?: boolean;
  protected?: boolean;
  placement?: {
    node?: string; // pin to nodes/<node>
    nodes?: string[]; // allowed nodes
    antiAffinity?: string; // group label: VMs of one tenant with the same label go to different nodes
  };
}
