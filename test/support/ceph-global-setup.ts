// vitest globalSetup: one real Ceph cluster for the whole run (about 15-20 s to start), shared
// with the test files through `inject('cephCluster')`. Where Ceph is not installed and peers are
// not required, it provides null and the real-cluster suites do not run; in CI it fails.

import type { TestProject } from 'vitest/node';
import { missingCephBinaries, peersRequired, startCephCluster } from './ceph-cluster.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (missingCephBinaries().length > 0 && !peersRequired()) {
    project.provide('cephCluster', null);
    return async () => {};
  }
  const cluster = await startCephCluster();
  const { stop, ...info } = cluster;
  project.provide('cephCluster', info);
  return stop;
}
