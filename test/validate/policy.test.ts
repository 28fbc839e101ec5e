import { describe, expect, it } from 'vitest';
import { computeTenantUsage, quotaMessage } from '../../src/validate/policy.js';
import { validateObjects } from '../../src/validate/validate-objects.js';
import { loadedObjects } from './helpers/objects.js';
import { diagnosticsOf, edit, NOW, variant } from './helpers/variant.js';

const TENANT = 'tenants/ad28/tenant.yaml';

describe('quota overflow message', () => {
  it('names the tenant, the quota, the total and each file with its share', () => {
    // Arrange: 16GiB quota, VMs of 8GiB and 12GiB
    const files = {
      ...edit(TENANT, 'memory: 32GiB', 'memory: 16GiB'),
      'tenants/ad28/vms/web.yaml': 'vmid: 1001\ncores: 1\nmemory: 8GiB\ntemplate: debian-12\nnics: [{ network: lan }]\n',
      'tenants/ad28/vms/db.yaml': 'vmid: 1002\ncores: 1\nmemory: 12GiB\ntemplate: debian-12\nnics: [{ network: lan }]\n',
    };
    // Act
    const quota = diagnosticsOf(files).filter((d) => d.code === 'quota-exceeded');
    // Assert
    expect(quota).toEqual([
      {
        file: TENANT,
        line: 6,
        col: 11,
        severity: 'error',
        code: 'quota-exceeded',
        message:
          'tenant ad28: memory quota 16GiB exceeded: 20GiB requested by tenants/ad28/vms/db.yaml (12GiB), tenants/ad28/vms/web.yaml (8GiB)',
      },
    ]);
  });

  it.each([
    ['vms', { used: 3, quota: 2, parts: [{ file: 'a.yaml', amount: 1 }, { file: 'b.yaml', amount: 1 }, { file: 'c.yaml', amount: 1 }] }, 'tenant t: vms quota 2 exceeded: 3 requested by a.yaml, b.yaml, c.yaml'],
    ['disk', { used: 1536, quota: 1024, parts: [{ file: 'a.yaml', amount: 1536 }] }, 'tenant t: disk quota 1TiB exceeded: 1.5TiB requested by a.yaml (1.5TiB)'],
    ['cephBytes', { used: 2 ** 40, quota: 2 ** 39, parts: [{ file: 'p.yaml', amount: 2 ** 40 }] }, 'tenant t: cephBytes quota 512GiB exceeded: 1TiB requested by p.yaml (1TiB)'],
  ] as const)('%s', (quota, usage, expected) => {
    expect(quotaMessage('t', quota, { ...usage, parts: [...usage.parts] })).toBe(expected);
  });
});

describe('computeTenantUsage', () => {
  it('sums VMs and pools per tenant against its quotas', () => {
    // Arrange
    const { desired } = validateObjects(loadedObjects(variant({})), { now: NOW });
    // Act
    const usage = computeTenantUsage(desired!);
    // Assert
    expect(usage['ad28']).toEqual({
      tenant: 'ad28',
      file: TENANT,
      vcpus: { used: 6, quota: 16, parts: [{ file: 'tenants/ad28/vms/db.yaml', amount: 4 }, { file: 'tenants/ad28/vms/web.yaml', amount: 2 }] },
      memory: { used: 12288, quota: 32768, parts: [{ file: 'tenants/ad28/vms/db.yaml', amount: 8192 }, { file: 'tenants/ad28/vms/web.yaml', amount: 4096 }] },
      disk: { used: 170, quota: 500, parts: [{ file: 'tenants/ad28/vms/db.yaml', amount: 150 }, { file: 'tenants/ad28/vms/web.yaml', amount: 20 }] },
      vms: { used: 2, quota: 5, parts: [{ file: 'tenants/ad28/vms/db.yaml', amount: 1 }, { file: 'tenants/ad28/vms/web.yaml', amount: 1 }] },
      cephBytes: { used: 100 * 2 ** 30, quota: 200 * 2 ** 30, parts: [{ file: 'ceph/pools/ad28.yaml', amount: 100 * 2 ** 30 }] },
      unboundedPools: [],
    });
  });

  it('counts a tenant pool without quota as unbounded', () => {
    const { diagnostics } = validateObjects(loadedObjects(variant({ 'ceph/pools/ad28.yaml': 'site: paris\ntenant: ad28\n' })), { now: NOW });
    expect(diagnostics.map((d) => [d.file, d.code])).toEqual([['ceph/pools/ad28.yaml', 'quota-unbounded']]);
  });
});

describe('tenant ownership comes from the path', () => {
  it('a VM file under another tenant folder is checked against that tenant', () => {
    // Arrange: ad29 may only use network dmz; a VM in its folder asks for lan
    const files = {
      'tenants/ad29/tenant.yaml': 'displayName: A29\ncontacts: [{ name: Bob, email: bob@example.org }]\nquotas: { vcpus: 4, memory: 8GiB, disk: 100GiB, vms: 2 }\nallowed: { sites: [paris], networks: [dmz] }\n',
      'tenants/ad29/vms/web.yaml': 'vmid: 2001\nflavor: small\ntemplate: debian-12\nnics: [{ network: lan }]\n',
    };
    // Act
    const diagnostics = diagnosticsOf(files);
    // Assert
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`)).toEqual(['tenants/ad29/vms/web.yaml:4:19 policy-network']);
  });
});
