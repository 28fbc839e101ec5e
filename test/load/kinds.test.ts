import { describe, expect, it } from 'vitest';
import { classify } from '../../src/load/kinds.js';
import { suggestPath } from '../../src/load/read-tree.js';

describe('classify: kind, name and tenant come from the path', () => {
  it.each([
    ['marmite.yaml', { kind: 'settings', name: 'marmite' }],
    ['marmite.yml', { kind: 'settings', name: 'marmite' }],
    ['sites/lyon.yaml', { kind: 'site', name: 'lyon' }],
    ['nodes/pve1.yaml', { kind: 'node', name: 'pve1' }],
    ['catalog/flavors.yaml', { kind: 'flavors', name: 'flavors' }],
    ['catalog/templates.yaml', { kind: 'templates', name: 'templates' }],
    ['ceph/pools/vmdata.yaml', { kind: 'pool', name: 'vmdata' }],
    ['power/office.yaml', { kind: 'window', name: 'office' }],
    ['tenants/ad28/tenant.yaml', { kind: 'tenant', name: 'ad28', tenant: 'ad28' }],
    ['tenants/ad28/vms/web.yaml', { kind: 'vm', name: 'web', tenant: 'ad28' }],
    ['tenants/ad28/vms/tenant.yaml', { kind: 'vm', name: 'tenant', tenant: 'ad28' }],
  ])('%s', (path, expected) => {
    const match = classify(path);

    expect(match && { kind: match.kind, name: match.name, ...(match.tenant ? { tenant: match.tenant } : {}) }).toEqual(expected);
  });

  it.each([
    ['marmite.json'],
    ['sites/lyon.json'],
    ['sites/paris/lyon.yaml'],
    ['lyon.yaml'],
    ['catalog/images.yaml'],
    ['ceph/vmdata.yaml'],
    ['tenants/ad28/web.yaml'],
    ['tenants/tenant.yaml'],
    ['tenants/ad28/vms/old/web.yaml'],
  ])('%s is not a place of the layout', (path) => {
    expect(classify(path)).toBeUndefined();
  });
});

describe('suggestPath: a valid path close to a misplaced one', () => {
  it.each([
    ['tenant/ad28/vms/web.yaml', 'tenants/ad28/vms/web.yaml'],
    ['tenants/ad28/vm/web.yaml', 'tenants/ad28/vms/web.yaml'],
    ['tenants/ad28/web.yaml', 'tenants/ad28/vms/web.yaml'],
    ['site/lyon.yaml', 'sites/lyon.yaml'],
    ['node/node.yaml', 'nodes/node.yaml'],
    ['catalog/flavours.yaml', 'catalog/flavors.yaml'],
    ['ceph/pool/vmdata.yaml', 'ceph/pools/vmdata.yaml'],
    ['Marmite.yaml', 'marmite.yaml'],
    ['backup/old.yaml', undefined],
  ])('%s -> %s', (path, expected) => {
    expect(suggestPath(path)).toBe(expected);
  });
});
