// The lab's Ceph: a simulated cluster behind the Ceph Dashboard REST API on loopback.
// `startCephLab` is what `startLab` (src/lab/index.ts) and the contract tests call.

import { LabClock } from '../clock.js';
import { CephApiServer, type CephRecordedRequest } from './server.js';
import { CephLabState, type CephLabSeed } from './state.js';

export { CephLabState, CEPH_DURATIONS, type CephLabSeed, type CephLabPoolSeed, type LabPool, type LabOsd } from './state.js';
export { CEPH_API_CONTENT_TYPE, type CephRecordedRequest } from './server.js';
export { cephSeedFromDesired } from './seed.js';

export interface StartCephLabOptions {
  seed: CephLabSeed;
  /** Dashboard users: name -> password (default `admin` / `lab-password`). */
  users?: Record<string, string>;
  /** Task durations are in simulated seconds on this clock (default: real time, LabClock.scaled(1)). */
  clock?: LabClock;
  /** Real milliseconds a write waits for its task before answering 202 (default 2000, as Ceph). */
  taskWaitMs?: number;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface CephLab {
  /** http://127.0.0.1:PORT, the Dashboard's base URL. */
  url: string;
  state: CephLabState;
  clock: LabClock;
  users: Record<string, string>;
  requests: CephRecordedRequest[];
  /** mon_allow_pool_delete, as `ceph tell mon.* config set` changes it. */
  setPoolDeletion(allowed: boolean): void;
  /** Every token stops being accepted (401), as when the JWTs expire. */
  expireSessions(): void;
  close(): Promise<void>;
}

export async function startCephLab(options: StartCephLabOptions): Promise<CephLab> {
  const ownClock = options.clock === undefined;
  const clock = options.clock ?? LabClock.scaled(1);
  const users = options.users ?? { admin: 'lab-password' };
  const state = new CephLabState(options.seed, clock);
  const requests: CephRecordedRequest[] = [];
  const server = new CephApiServer({
    state,
    users,
    taskWaitMs: options.taskWaitMs ?? 2000,
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    requests,
  });
  const url = await server.listen();
  return {
    url,
    state,
    clock,
    users,
    requests,
    setPoolDeletion(allowed) {
      state.poolDeletionAllowed = allowed;
    },
    expireSessions() {
      server.expireSessions();
    },
    async close() {
      await server.close();
      if (ownClock) clock.stop();
    },
  };
}
