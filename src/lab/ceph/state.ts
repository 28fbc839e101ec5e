// The lab's simulated Ceph cluster: OSDs on hosts, pools, flags, health and Dashboard tasks.
// It mirrors what Pacific's Dashboard shows (observed on a real 16.2 cluster): pools appear with
// the `creating` flag while their create task runs, quotas and extra applications land when the
// task ends, PUT /api/osd/flags replaces the whole set and fails half-applied on a flag that
// cannot be unset, and per-OSD flags accept unknown ids silently.

import type { LabClock } from '../clock.js';

export interface CephLabPoolSeed {
  name: string;
  size?: number;
  minSize?: number;
  pgNum?: number;
  applications?: string[];
  quotaMaxBytes?: number;
  quotaMaxObjects?: number;
  objects?: number;
  storedBytes?: number;
}

export interface CephLabSeed {
  /** Hosts and how many OSDs each carries; OSD ids are given in order, from 0. */
  hosts: { name: string; osds: number }[];
  pools?: CephLabPoolSeed[];
  /** mon_allow_pool_delete (default false, as in Ceph). */
  poolDeletionAllowed?: boolean;
}

/** Simulated seconds each task takes (the real cluster's order of magnitude, memstore OSDs). */
export const CEPH_DURATIONS = {
  poolCreate: 5,
  /** An edit touching size, min_size or pg_num (it waits for the OSD map). */
  poolEditPlacement: 3,
  /** A quota or application-only edit. */
  poolEditLight: 0.4,
  poolDelete: 0.2,
};

/** Flags Ceph keeps set for good: unsetting one is refused. */
export const PERMANENT_FLAGS = ['pglog_hardlimit', 'purged_snapdirs', 'recovery_deletes', 'sortbitwise'];
/** Flags `ceph osd set` accepts. */
export const SETTABLE_FLAGS = ['noin', 'noout', 'noup', 'nodown', 'nobackfill', 'norebalance', 'norecover', 'noscrub', 'nodeep-scrub', 'pause', 'full', 'notieragent', 'nosnaptrim'];

export interface LabPool {
  id: number;
  name: string;
  size: number;
  minSize: number;
  pgNum: number;
  pgNumTarget: number;
  applications: Set<string>;
  quotaMaxBytes: number;
  quotaMaxObjects: number;
  objects: number;
  storedBytes: number;
  creating: boolean;
  createTime: string;
}

export interface LabOsd {
  id: number;
  host: string;
  up: boolean;
  in: boolean;
  flags: Set<string>;
}

export interface LabTask {
  name: string;
  metadata: Record<string, unknown>;
  begin: number;
  end?: number;
  success?: boolean;
  exception?: { detail: string } | null;
}

/** An error the Dashboard answers with: status and exact JSON body. */
export class CephLabHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(`${status}`);
  }
}

export class CephLabState {
  readonly pools = new Map<string, LabPool>();
  readonly osds: LabOsd[] = [];
  flags = new Set<string>(PERMANENT_FLAGS);
  poolDeletionAllowed: boolean;
  readonly tasks: LabTask[] = [];
  private nextPoolId = 1;

  constructor(
    seed: CephLabSeed,
    readonly clock: LabClock,
  ) {
    let id = 0;
    for (const h of seed.hosts) for (let i = 0; i < h.osds; i++) this.osds.push({ id: id++, host: h.name, up: true, in: true, flags: new Set() });
    for (const p of seed.pools ?? []) {
      const pool = this.newPool(p.name, p.pgNum ?? 32);
      Object.assign(pool, {
        size: p.size ?? 2,
        minSize: p.minSize ?? 1,
        quotaMaxBytes: p.quotaMaxBytes ?? 0,
        quotaMaxObjects: p.quotaMaxObjects ?? 0,
        objects: p.objects ?? 0,
        storedBytes: p.storedBytes ?? 0,
        creating: false,
      });
      for (const a of p.applications ?? []) pool.applications.add(a);
    }
    this.poolDeletionAllowed = seed.poolDeletionAllowed ?? false;
  }

  newPool(name: string, pgNum: number): LabPool {
    const pool: LabPool = {
      id: this.nextPoolId++,
      name,
      size: 2,
      minSize: 1,
      pgNum,
      pgNumTarget: pgNum,
      applications: new Set(),
      quotaMaxBytes: 0,
      quotaMaxObjects: 0,
      objects: 0,
      storedBytes: 0,
      creating: true,
      createTime: this.clock.nowDate().toISOString().replace('Z', '+0000'),
    };
    this.pools.set(name, pool);
    return pool;
  }

  /** Starts a task; `work` runs when it ends and may throw a CephLabHttpError to fail it. */
  startTask(name: string, metadata: Record<string, unknown>, seconds: number, work: () => void): LabTask {
    const task: LabTask = { name, metadata, begin: this.clock.now() };
    this.tasks.push(task);
    this.clock.schedule(seconds, () => {
      try {
        work();
        task.success = true;
        task.exception = null;
      } catch (err) {
        task.success = false;
        task.exception = { detail: err instanceof CephLabHttpError ? String(err.body.detail) : String(err) };
      }
      task.end = this.clock.now();
    });
    return task;
  }

  /** The health the Dashboard reports, with the check codes a real cluster raises. */
  health(): { status: string; checks: { type: string; severity: string; summary: { message: string; count: number } }[] } {
    const checks: { type: string; severity: string; summary: { message: string; count: number } }[] = [];
    const clusterFlags = [...this.flags].filter((f) => SETTABLE_FLAGS.includes(f)).sort();
    if (clusterFlags.length > 0)
      checks.push({ type: 'OSDMAP_FLAGS', severity: 'HEALTH_WARN', summary: { message: `${clusterFlags.join(',')} flag(s) set`, count: clusterFlags.length } });
    const flagged = this.osds.filter((o) => o.flags.size > 0);
    if (flagged.length > 0)
      checks.push({
        type: 'OSD_FLAGS',
        severity: 'HEALTH_WARN',
        summary: { message: `${flagged.length} OSDs or CRUSH {nodes, device-classes} have {NOUP,NODOWN,NOIN,NOOUT} flags set`, count: flagged.length },
      });
    const down = this.osds.filter((o) => !o.up);
    if (down.length > 0) {
      checks.push({ type: 'OSD_DOWN', severity: 'HEALTH_WARN', summary: { message: `${down.length} osds down`, count: down.length } });
      if (this.pools.size > 0) checks.push({ type: 'PG_DEGRADED', severity: 'HEALTH_WARN', summary: { message: 'Degraded data redundancy', count: 1 } });
    }
    return { status: checks.length === 0 ? 'HEALTH_OK' : 'HEALTH_WARN', checks };
  }

  pgStatuses(): Record<string, number> {
    const total = [...this.pools.values()].reduce((n, p) => n + p.pgNum, 0);
    if (total === 0) return {};
    return this.osds.some((o) => !o.up) ? { 'active+undersized+degraded': total } : { 'active+clean': total };
  }
}
