import { describe, expect, it } from 'vitest';
import type { ChangedFile } from '../../src/review/git.js';
import { ownership, ownersFor, parseCodeowners } from '../../src/review/owners.js';
import { CODEOWNERS } from './repo.js';

const changed = (...paths: string[]): ChangedFile[] => paths.map((path) => ({ status: 'modified', path }));

describe('CODEOWNERS', () => {
  const rules = parseCodeowners(`${CODEOWNERS}\n[Docs]\ndocs/ @charity/writers\n*.md @charity/writers # any depth\n`);

  it.each([
    ['marmite.yaml', ['@charity/platform']],
    ['tenants/alpha-lecture/vms/wiki.yaml', ['@charity/alpha-lecture']],
    ['tenants/alpha-lecture/tenant.yaml', ['@charity/platform']],
    ['tenants/other/vms/x.yaml', ['@charity/platform']],
    ['docs/guide.txt', ['@charity/writers']],
    ['tenants/alpha-lecture/README.md', ['@charity/writers']],
  ])('%s is owned by %j (last matching rule wins)', (path, owners) => {
    expect(ownersFor(rules, path)).toEqual(owners);
  });
});

describe('who must approve', () => {
  it.each([
    {
      name: "a tenant's own VMs, without CODEOWNERS",
      paths: ['tenants/a/vms/web.yaml'],
      who: [['tenant a']],
      tenants: ['a'],
    },
    {
      name: 'two tenants: each tenant and the platform team',
      paths: ['tenants/a/vms/web.yaml', 'tenants/b/vms/db.yaml'],
      who: [['tenant a'], ['tenant b'], ['the platform team']],
      tenants: ['a', 'b'],
    },
    {
      name: 'tenant.yaml (quotas) is a platform file',
      paths: ['tenants/a/tenant.yaml'],
      who: [['the platform team']],
      tenants: ['a'],
    },
    {
      name: 'a node file',
      paths: ['nodes/pve3.yaml'],
      who: [['the platform team']],
      tenants: [],
    },
  ])('$name', ({ paths, who, tenants }) => {
    const result = ownership(changed(...paths), undefined);

    expect(result.approvals.map((a) => a.who)).toEqual(who);
    expect(result.touchedTenants).toEqual(tenants);
  });

  it('names the CODEOWNERS owners when the repository has them', () => {
    const result = ownership(changed('tenants/alpha-lecture/vms/wiki.yaml', 'sites/paris.yaml'), parseCodeowners(CODEOWNERS));

    expect(result.approvals).toEqual([
      { who: ['@charity/alpha-lecture'], why: 'changes VMs of tenant alpha-lecture', files: ['tenants/alpha-lecture/vms/wiki.yaml'] },
      { who: ['@charity/platform'], why: expect.stringContaining('platform files') as string, files: ['sites/paris.yaml'] },
    ]);
  });
});
