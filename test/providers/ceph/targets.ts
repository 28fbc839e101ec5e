// The two targets of the Ceph contract: a real cluster (test/support/ceph-cluster.ts) and the
// lab's Ceph API. Both answer the same Dashboard requests; the suites run unchanged on each.

import { afterAll, beforeAll } from 'vitest';
import { LabClock } from '../../../src/lab/clock.js';
import { startCephLab, type CephLab } from '../../../src/lab/ceph/index.js';
import { realCephWanted, setPoolDeletion, useCephCluster } from '../../support/ceph-cluster.js';

export interface CephTarget {
  url: string;
  username: string;
  password: string;
  /** OSD ids and the host they sit on. */
  osds: { id: number; host: string }[];
  setPoolDeletion(allowed: boolean): Promise<void>;
}

/** Call at the top of a describe block; the returned getter works inside tests. */
export type TargetFactory = () => () => CephTarget;

export const realCeph: TargetFactory = () => {
  const cluster = useCephCluster();
  return () => {
    const info = cluster();
    return {
      url: info.url,
      username: info.username,
      password: info.password,
      osds: Array.from({ length: info.osds }, (_, id) => ({ id, host: '' })),
      setPoolDeletion: (allowed) => setPoolDeletion(info, allowed),
    };
  };
};

export const labCeph: TargetFactory = () => {
  let lab: CephLab | undefined;
  beforeAll(async () => {
    // Scaled 20x with a 100 ms wait: a create (5 s simulated) still answers 202 and a quota edit
    // 200, as on the real cluster with its 2 s wait.
    lab = await startCephLab({
      seed: { hosts: [{ name: 'lab-host', osds: 3 }], pools: [{ name: 'device_health_metrics', pgNum: 1, applications: ['mgr_devicehealth'] }] },
      users: { marmite: 'Marmite-test-1' },
      clock: LabClock.scaled(20),
      taskWaitMs: 100,
    });
  });
  afterAll(async () => {
    await lab?.close();
    lab?.clock.stop();
  });
  return () => {
    if (!lab) throw new Error('ceph lab: not started');
    const l = lab;
    return {
      url: l.url,
      username: 'marmite',
      password: 'Marmite-test-1',
      osds: l.state.osds.map((o) => ({ id: o.id, host: o.host })),
      setPoolDeletion: async (allowed) => l.setPoolDeletion(allowed),
    };
  };
};

/** The targets to run: the real cluster where Ceph is installed or CI requires it, and the lab. */
export function targets(): [string, TargetFactory][] {
  return [...(realCephWanted() ? [['real ceph', realCeph] as [string, TargetFactory]] : []), ['lab', labCeph]];
}
