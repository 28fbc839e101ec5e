// What providers saw: plain JSON, serialisable, committed by the agent as observed.json and read
// back by `plan --observed` in merge-request CI. No secrets, stable key order when written.

export interface ObservedDisk {
  slot: string; // scsi0
  storage: string;
  sizeGiB: number;
}

export interface ObservedNic {
  slot: string; // net0
  bridge: string;
  vlan?: number;
  firewall: boolean;
  mac?: string;
}

/** The part of a guest's config marmite manages; read only where needed (create, drift, deep check). */
export interface ObservedGuestConfig {
  cores: number;
  memoryMiB: number;
  disks: ObservedDisk[];
  nics: ObservedNic[];
  description?: string;
  ciuser?: string;
  sshkeys?: string[];
  ipconfig0?: string;
  nameserver?: string;
  protection: boolean;
  onboot: boolean;
  /** Keys with pending (not yet applied) changes, e.g. a memory change waiting for a reboot. */
  pending: string[];
  digest: string;
}

export interface ObservedGuest {
  site: string;
  vmid: number;
  name: string;
  node: string; // Proxmox node name
  type: 'qemu' | 'lxc';
  status: 'running' | 'stopped' | 'paused' | 'unknown';
  template: boolean;
  tags: string[];
  pool?: string;
  lock?: string;
  hastate?: string;
  maxcpu: number;
  maxmemMiB: number;
  maxdiskGiB: number;
  /** Set when the guest carries marmite's ownership marker. */
  managed?: { tenant: string; vm: string; specHash: string };
  config?: ObservedGuestConfig;
}

export interface ObservedNode {
  site: string;
  name: string; // Proxmox node name
  status: 'online' | 'offline' | 'unknown';
  maxcpu: number;
  maxmemMiB: number;
  cpu: number; // load 0..1
  memUsedMiB: number;
}

export interface ObservedAccess {
  pools: { poolid: string; comment?: string; members: number[] }[];
  groups: { groupid: string; comment?: string; users: string[] }[];
  acls: { path: string; ugid: string; type: 'user' | 'group' | 'token'; roleid: string; propagate: boolean }[];
}

/** What the Ceph provider sees of a site's cluster (Ceph Dashboard REST API). */
export interface ObservedCeph {
  reachable: boolean;
  error?: string;
  health: 'HEALTH_OK' | 'HEALTH_WARN' | 'HEALTH_ERR' | 'unknown';
  /** Health check codes currently raised, e.g. OSD_DOWN, PG_DEGRADED. */
  checks: string[];
  /** Cluster-wide flags (noout, norebalance...). */
  flags: string[];
  osds: { id: number; host: string; up: boolean; in: boolean; flags: string[] }[];
  pools: {
    name: string;
    size: number;
    minSize: number;
    pgNum: number;
    application?: string;
    quotaMaxBytes: number; // 0 = none
    quotaMaxObjects: number; // 0 = none
    usedBytes: number;
    objects: number;
  }[];
  /** Whether the monitors allow deleting pools (mon_allow_pool_delete). */
  poolDeletionAllowed?: boolean;
}

/** A node's power as its BMC (or Wake-on-LAN driver) and Proxmox see it. */
export interface ObservedPower {
  /** nodes/<node> name. */
  node: string;
  /** From the BMC; 'unknown' for drivers that cannot read it (wol, none) or a dead BMC. */
  bmc: 'on' | 'off' | 'unknown';
  watts?: number;
  error?: string;
  /** When the node last changed power state (ISO 8601), for minimum on and off times. */
  since?: string;
}

export interface ObservedSite {
  name: string;
  reachable: boolean;
  error?: string;
  quorate?: boolean;
  nodes: ObservedNode[];
  guests: ObservedGuest[];
  access?: ObservedAccess;
  /** True when every managed guest's config was read (a deep check), not only /cluster/resources. */
  deep: boolean;
  /** Filled by the Ceph provider. */
  ceph?: ObservedCeph;
  /** Filled by the BMC provider, one entry per node of the site. */
  power?: ObservedPower[];
}

export interface Observed {
  formatVersion: 1;
  observedAt: string; // ISO 8601
  commit?: string;
  sites: Record<string, ObservedSite>;
}
