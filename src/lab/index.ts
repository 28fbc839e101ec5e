// marmite's lab: one simulated Proxmox VE cluster per site, each behind its own HTTP(S) port,
// speaking the real PVE API wire format and checked against the real PVE 8 schema.

import { randomUUID } from 'node:crypto';
import { LabClock } from './clock.js';
import { SimCluster } from './cluster.js';
import { FaultInjector } from './faults.js';
import { pveSchema } from './pve-schema.js';
import { startSiteServer, type RecordedRequest, type SiteServer } from './server.js';
import { selfSignedCert } from './tls.js';
import type { LabSeed } from './types.js';

export type { LabSeed, LabSiteSeed, LabNodeSeed, LabStorageSeed, LabTemplateSeed } from './types.js';
export { LabClock } from './clock.js';
export { SimCluster, DURATIONS } from './cluster.js';
export { FaultInjector, type FaultRule, type TaskFaultRule } from './faults.js';
export type { RecordedRequest } from './server.js';
export { CONTENT_TYPE } from './server.js';
export { checkResponse, pveSchema, PveSchema, apidocLocation } from './pve-schema.js';
export { seedFromDesired } from './seed.js';
import { startCephLab, type CephLab } from './ceph/index.js';

export interface StartLabOptions {
  seed: LabSeed;
  host?: string;
  /** 0 = a random port per site; otherwise site i listens on basePort + i. */
  basePort?: number;
  clock?: LabClock;
  tokenId?: string;
  /** A lowercase UUID (proxmox-api insists); random by default. */
  tokenSecret?: string;
  /** Delay before a 401 (PVE waits ~3 s; the lab defaults to 10 ms). */
  authFailDelayMs?: number;
  /** Serve HTTPS with a self-signed certificate made at start (`lab.caPem` to pin it). */
  tls?: boolean;
  /** Keep only the last N entries of `lab.requests` (unlimited by default; the CLI keeps 10000). */
  recordLimit?: number;
  /** Seed of the fault injector's RNG. */
  faultSeed?: number;
  /** Check every response against the PVE schema (default true; the benchmarks turn it off). */
  checkResponses?: boolean;
}

export interface LabSite {
  url: string;
  port: number;
  cluster: SimCluster;
  /** The site's Ceph Dashboard API, when the seed has a Ceph cluster for it. */
  ceph?: CephLab;
}

export interface Lab {
  sites: Record<string, LabSite>;
  tokenId: string;
  tokenSecret: string;
  clock: LabClock;
  faults: FaultInjector;
  requests: RecordedRequest[];
  /** PEM of the self-signed certificate when started with `tls: true`. */
  caPem?: string;
  close(): Promise<void>;
}

export async function startLab(options: StartLabOptions): Promise<Lab> {
  const host = options.host ?? '127.0.0.1';
  const clock = options.clock ?? LabClock.manual();
  const tokenId = options.tokenId ?? 'marmite@pve!lab';
  const tokenSecret = options.tokenSecret ?? randomUUID();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(tokenSecret)) {
    throw new Error('lab: tokenSecret must be a lowercase UUID');
  }
  const faults = new FaultInjector(options.faultSeed ?? 1);
  const requests: RecordedRequest[] = [];
  const schema = pveSchema();
  const tls = options.tls ? await selfSignedCert(host) : undefined;

  const clusters: Record<string, SimCluster> = {};
  for (const site of options.seed.sites) {
    clusters[site.name] = new SimCluster({
      seed: site,
      clock,
      taskUser: tokenId,
      taskFault: (type, id) => faults.forTask(site.name, type, id),
    });
  }
  faults.attach(clusters);

  const servers: SiteServer[] = [];
  const cephs: CephLab[] = [];
  const sites: Record<string, LabSite> = {};
  try {
    for (const [i, site] of options.seed.sites.entries()) {
      const cluster = clusters[site.name]!;
      const server = await startSiteServer({
        site: site.name,
        cluster,
        clock,
        faults,
        schema,
        tokenId,
        tokenSecret,
        requests,
        ...(options.recordLimit !== undefined ? { recordLimit: options.recordLimit } : {}),
        ...(options.checkResponses !== undefined ? { checkResponses: options.checkResponses } : {}),
        host,
        port: options.basePort ? options.basePort + i : 0,
        authFailDelayMs: options.authFailDelayMs ?? 10,
        ...(tls ? { tls } : {}),
      });
      servers.push(server);
      sites[site.name] = { url: server.url, port: server.port, cluster };
      if (site.ceph) {
        // Ceph answers a slow write with 202 after 2 s; the lab's scaled clock makes tasks short,
        // so a short wait keeps the same behaviour at the lab's pace.
        const ceph = await startCephLab({ seed: site.ceph, clock, taskWaitMs: 200, host });
        cephs.push(ceph);
        sites[site.name]!.ceph = ceph;
      }
    }
  } catch (err) {
    await Promise.all([...servers.map((s) => s.close()), ...cephs.map((c) => c.close())]);
    throw err;
  }

  return {
    sites,
    tokenId,
    tokenSecret,
    clock,
    faults,
    requests,
    ...(tls ? { caPem: tls.cert } : {}),
    close: async () => {
      await Promise.all([...servers.map((s) => s.close()), ...cephs.map((c) => c.close())]);
      if (!options.clock) clock.stop();
    },
  };
}
