// validateRepository goes through the real loader: schema errors stop a file, and references to
// what a rejected file would define are not reported a second time.

import { afterEach, describe, expect, it } from 'vitest';
import { validateRepository } from '../../src/validate/index.js';
import { writeRepo } from './helpers/repo-dir.js';
import { edit, NOW, variant } from './helpers/variant.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function validate(overrides: Record<string, string | null>) {
  const repo = await writeRepo(variant(overrides));
  cleanups.push(repo.cleanup);
  return validateRepository(repo.dir, { now: NOW });
}

describe('validateRepository', () => {
  it('returns the desired state of a valid repository', async () => {
    const result = await validate({});
    expect(result.diagnostics).toEqual([]);
    expect(Object.keys(result.desired!.vms)).toEqual(['ad28/db', 'ad28/web']);
  });

  it('returns warnings with the desired state', async () => {
    const result = await validate(edit('nodes/pve1.yaml', '  policy: always-on\n', '  policy: always-on\n  windows: [office-hours]\n'));
    expect(result.diagnostics.map((d) => d.code)).toEqual(['power-windows-ignored']);
    expect(result.desired).toBeDefined();
  });

  it.each([
    ['a flavors file with a schema error', edit('catalog/flavors.yaml', 'cores: 2', 'cores: two'), 'catalog/flavors.yaml'],
    ['a node file with a schema error', edit('nodes/pve2.yaml', 'idleWatts: 40', 'idleWatts: lots'), 'nodes/pve2.yaml'],
    ['a tenant file with a schema error', edit('tenants/ad28/tenant.yaml', 'vms: 5', 'vms: five'), 'tenants/ad28/tenant.yaml'],
  ])('%s: reported once, no cascade, no desired state', async (_label, overrides, file) => {
    // Act
    const result = await validate(overrides);
    // Assert
    expect(result.desired).toBeUndefined();
    expect(new Set(result.diagnostics.map((d) => d.file))).toEqual(new Set([file]));
    expect(result.diagnostics.map((d) => d.code)).not.toContain('unknown-reference');
  });

  it('reports a missing marmite.yaml once', async () => {
    const result = await validate({ 'marmite.yaml': null });
    expect(result.diagnostics.map((d) => `${d.file} ${d.code}`)).toEqual(['marmite.yaml missing-settings']);
  });

  it('sorts diagnostics by file and position', async () => {
    const result = await validate({
      ...edit('tenants/ad28/vms/web.yaml', 'flavor: small', 'flavor: nope'),
      ...edit('nodes/pve1.yaml', 'site: paris', 'site: berlin'),
    });
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}`)).toEqual(['nodes/pve1.yaml:1', 'tenants/ad28/vms/web.yaml:2']);
  });
});
