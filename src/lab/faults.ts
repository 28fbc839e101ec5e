// Fault injection for the lab: latency, error statuses, hangs, failing tasks and nodes dropping off
// the network, matched per method and path. Probabilities draw from a seeded RNG so a failing run
// can be replayed.

import type { SimCluster } from './cluster.js';
import type { TaskOutcome } from './tasks.js';

/** `*` matches one path segment, `**` any number of them; a RegExp is tested on the path. */
export type PathPattern = string | RegExp;

export interface FaultRule {
  method?: string;
  path: PathPattern;
  site?: string;
  latencyMs?: number;
  status?: number;
  message?: string;
  hang?: boolean;
  /** Applies to the next N matching calls only. */
  count?: number;
  /** Applies with this probability (0..1) per matching call. */
  probability?: number;
}

export interface TaskFaultRule {
  type?: string; // qmclone, qmstart, qmigrate...
  /** The task's id field: the source vmid for qmclone, the vmid for the rest. */
  id?: string | number;
  site?: string;
  /** The task fails with this exit status. */
  message?: string;
  /** Or it succeeds with these warnings (exit status `WARNINGS: n`). */
  warnings?: string[];
  count?: number;
}

export interface RequestFault {
  latencyMs: number;
  error?: { status: number; message: string };
  hang: boolean;
}

export interface FaultHandle {
  remove(): void;
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private taskRules: TaskFaultRule[] = [];
  private rng: () => number;
  private clusters: Record<string, SimCluster> = {};

  constructor(seed = 1) {
    this.rng = mulberry32(seed);
  }

  /** The lab hands its clusters over so node faults can reach them. */
  attach(clusters: Record<string, SimCluster>): void {
    this.clusters = clusters;
  }

  reseed(seed: number): void {
    this.rng = mulberry32(seed);
  }

  add(rule: FaultRule): FaultHandle {
    const r = { ...rule };
    this.rules.push(r);
    return { remove: () => void (this.rules = this.rules.filter((x) => x !== r)) };
  }

  latency(method: string, path: PathPattern, ms: number, extra: Partial<FaultRule> = {}): FaultHandle {
    return this.add({ ...extra, method, path, latencyMs: ms });
  }

  error(method: string, path: PathPattern, status: number, message: string, extra: Partial<FaultRule> = {}): FaultHandle {
    return this.add({ ...extra, method, path, status, message });
  }

  hang(method: string, path: PathPattern, extra: Partial<FaultRule> = {}): FaultHandle {
    return this.add({ ...extra, method, path, hang: true });
  }

  failTask(rule: TaskFaultRule): FaultHandle {
    const r = { ...rule };
    this.taskRules.push(r);
    return { remove: () => void (this.taskRules = this.taskRules.filter((x) => x !== r)) };
  }

  /** The node drops off the network at once (guests on it stop, requests proxied to it get 595). */
  nodeOffline(node: string, site?: string): void {
    this.clusterOf(node, site).setNodeOffline(node, true);
  }

  nodeOnline(node: string, site?: string): void {
    this.clusterOf(node, site).setNodeOnline(node);
  }

  clear(): void {
    this.rules = [];
    this.taskRules = [];
  }

  /** What happens to this request; consumes counts. */
  forRequest(site: string, method: string, path: string): RequestFault {
    const out: RequestFault = { latencyMs: 0, hang: false };
    for (const r of [...this.rules]) {
      if (r.site && r.site !== site) continue;
      if (r.method && r.method !== '*' && r.method.toUpperCase() !== method) continue;
      if (!matchPath(r.path, path)) continue;
      if (r.probability !== undefined && this.rng() >= r.probability) continue;
      if (r.count !== undefined) {
        if (r.count <= 0) continue;
        r.count--;
        if (r.count === 0) this.rules = this.rules.filter((x) => x !== r);
      }
      out.latencyMs += r.latencyMs ?? 0;
      if (r.hang) out.hang = true;
      if (r.status !== undefined && !out.error) out.error = { status: r.status, message: r.message ?? 'injected fault' };
    }
    return out;
  }

  /** Asked by each cluster when a task starts. */
  forTask(site: string, type: string, id: string): TaskOutcome | undefined {
    for (const r of this.taskRules) {
      if (r.site && r.site !== site) continue;
      if (r.type && r.type !== type) continue;
      if (r.id !== undefined && String(r.id) !== id) continue;
      if (r.count !== undefined) {
        if (r.count <= 0) continue;
        r.count--;
        if (r.count === 0) this.taskRules = this.taskRules.filter((x) => x !== r);
      }
      return r.message !== undefined ? { error: r.message } : { warnings: r.warnings ?? ['injected warning'] };
    }
    return undefined;
  }

  private clusterOf(node: string, site?: string): SimCluster {
    if (site) {
      const c = this.clusters[site];
      if (!c) throw new Error(`lab: no site ${site}`);
      return c;
    }
    const c = Object.values(this.clusters).find((x) => x.nodes.has(node));
    if (!c) throw new Error(`lab: no node ${node} in any site`);
    return c;
  }
}

export function matchPath(pattern: PathPattern, path: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(path);
  const rx = pattern
    .split('/')
    .map((seg) => (seg === '**' ? '.*' : seg === '*' || /^\{.+\}$/.test(seg) ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^(/api2/json)?${rx}$`).test(path);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
