// Seeds the lab starts from: one simulated Proxmox VE cluster per site.

import type { CephLabSeed } from './ceph/state.js';

export interface LabNodeSeed {
  name: string;
  cores: number;
  memoryMiB: number;
  online?: boolean;
  bootSeconds?: number;
  /** Seconds between a shutdown command and the node being off (default 30). */
  shutdownSeconds?: number;
  idleWatts?: number;
  maxWatts?: number;
  /** MAC the node's `wakeonlan` config holds (generated when absent). */
  mac?: string;
}

export interface LabStorageSeed {
  name: string;
  type: string;
  shared: boolean;
  /** The Ceph pool of an rbd storage. */
  pool?: string;
  /** Capacity (default 2048 GiB shared, 512 GiB local). */
  totalGiB?: number;
}

export interface LabTemplateSeed {
  vmid: number;
  name: string;
  node: string;
  diskGiB: number;
  storage: string;
  ostype?: string;
}

export interface LabSiteSeed {
  name: string;
  nodes: LabNodeSeed[];
  storages: LabStorageSeed[];
  templates: LabTemplateSeed[];
  /** Votes as corosync counts them: expectedVotes includes the QDevice's vote (default: nodes + qdevice). */
  quorum?: { expectedVotes?: number; qdevice?: boolean };
  /** A Ceph cluster behind its Dashboard API for this site (sites with a `ceph` endpoint). */
  ceph?: CephLabSeed;
}

export interface LabSeed {
  sites: LabSiteSeed[];
}
