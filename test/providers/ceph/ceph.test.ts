// The Ceph integration tests, against a real single-host Ceph cluster (where Ceph is installed,
// and always in CI) and against the lab's Ceph API. One file, so the suites sharing a cluster
// run one after the other: they set noout on the same OSDs and read the same health.

import { describe } from 'vitest';
import { contract } from './contract.js';
import { providerSuite } from './provider-suite.js';
import { targets } from './targets.js';

describe.each(targets())('ceph: %s', (name, factory) => {
  const target = factory();
  describe('dashboard contract', () => contract(name, target));
  describe('provider', () => providerSuite(target));
});
