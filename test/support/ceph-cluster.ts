// A real single-host Ceph cluster for integration tests (1 mon, 1 mgr with the Dashboard, 3
// memstore OSDs), started by ceph-cluster.sh under a temp dir on 127.0.0.1 and stopped by PID.
// One per test run through ceph-global-setup.ts, or one per file through useCephCluster().

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, inject } from 'vitest';

const run = promisify(execFile);
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'ceph-cluster.sh');
const BINARIES = ['ceph-mon', 'ceph-mgr', 'ceph-osd', 'ceph', 'ceph-authtool', 'monmaptool', 'uuidgen'];

export interface CephClusterInfo {
  /** Dashboard base URL, http://127.0.0.1:PORT */
  url: string;
  username: string;
  password: string;
  dir: string;
  conf: string;
  osds: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    cephCluster: CephClusterInfo | null;
  }
}

/** Integration tests must fail, never skip, when a peer is missing in CI. */
export function peersRequired(): boolean {
  return Boolean(process.env.CI || process.env.MARMITE_REQUIRE_PEERS);
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/bin').split(':').some((d) => existsSync(join(d, bin)));
}

export function missingCephBinaries(): string[] {
  return BINARIES.filter((b) => !onPath(b));
}

/** Whether tests against the real cluster run here: the binaries exist, or CI demands them. */
export function realCephWanted(): boolean {
  return missingCephBinaries().length === 0 || peersRequired();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Runs the ceph CLI against the test cluster (argv, no shell). */
export async function cephCli(info: CephClusterInfo, args: string[]): Promise<string> {
  const { stdout } = await run('ceph', ['-c', info.conf, '--connect-timeout', '10', ...args], { timeout: 30_000 });
  return stdout;
}

/** mon_allow_pool_delete at run time (ceph.conf sets it false; `ceph config set` would lose). */
export async function setPoolDeletion(info: CephClusterInfo, allowed: boolean): Promise<void> {
  await cephCli(info, ['tell', 'mon.a', 'config', 'set', 'mon_allow_pool_delete', String(allowed)]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopPids(dir: string): Promise<void> {
  let pids: number[] = [];
  try {
    pids = (await readFile(join(dir, 'pids'), 'utf8')).split('\n').filter(Boolean).map(Number).reverse();
  } catch {
    return;
  }
  for (const pid of pids) {
    if (!alive(pid)) continue;
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
}

export interface CephCluster extends CephClusterInfo {
  stop(): Promise<void>;
}

export async function startCephCluster(options: { osds?: number } = {}): Promise<CephCluster> {
  const missing = missingCephBinaries();
  if (missing.length > 0)
    throw new Error(
      `real Ceph cluster: missing ${missing.join(', ')}; install ceph-mon ceph-mgr ceph-osd ceph-mgr-dashboard ceph-common uuid-runtime`,
    );
  const dir = await mkdtemp(join(tmpdir(), 'marmite-ceph-'));
  const osds = options.osds ?? 3;
  const [p2, p1, dash] = [await freePort(), await freePort(), await freePort()];
  const info: CephClusterInfo = {
    url: `http://127.0.0.1:${dash}`,
    username: 'marmite',
    password: 'Marmite-test-1',
    dir,
    conf: join(dir, 'ceph.conf'),
    osds,
  };
  const stop = async () => {
    await stopPids(dir);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await run('bash', [SCRIPT, dir, String(p2), String(p1), String(dash), String(osds), info.username, info.password], {
      timeout: 110_000,
    });
  } catch (err) {
    const log = await readFile(join(dir, 'log', 'mon.a.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(`real Ceph cluster did not start: ${String((err as { stderr?: string }).stderr ?? err)}\n${log.slice(-2000)}`);
  }
  return { ...info, stop };
}

/**
 * The cluster for this test file: the run's shared one when ceph-global-setup.ts provided it,
 * else one started in beforeAll and stopped in afterAll. Call at the top of a describe block.
 */
export function useCephCluster(): () => CephClusterInfo {
  let info: CephClusterInfo | undefined;
  let own: CephCluster | undefined;
  let failure: unknown;
  beforeAll(async () => {
    const shared = inject('cephCluster');
    if (shared) info = shared;
    else {
      // Kept, not thrown: each test then fails with it (a failing beforeAll reports them skipped).
      try {
        info = own = await startCephCluster();
      } catch (err) {
        failure = err;
      }
    }
  });
  afterAll(async () => {
    await own?.stop();
  });
  return () => {
    if (failure) throw failure;
    if (!info) throw new Error('real Ceph cluster: not started');
    return info;
  };
}
