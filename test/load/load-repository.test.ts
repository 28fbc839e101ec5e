import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { loadFiles, loadRepository } from '../../src/load/index.js';
import { makeRepo, removeRepos, VALID } from './repo.js';

afterAll(removeRepos);

describe('loadRepository: a valid repository', () => {
  it('loads every object clean, in file order, with kind, name and tenant from the path', async () => {
    const dir = await makeRepo({});

    const { objects, diagnostics } = await loadRepository(dir);

    expect(diagnostics).toEqual([]);
    expect(objects.map((o) => [o.file, o.kind, o.name, o.tenant])).toEqual([
      ['catalog/flavors.yaml', 'flavors', 'flavors', undefined],
      ['catalog/templates.yaml', 'templates', 'templates', undefined],
      ['ceph/pools/vmdata.yaml', 'pool', 'vmdata', undefined],
      ['marmite.yaml', 'settings', 'marmite', undefined],
      ['nodes/pve1.yaml', 'node', 'pve1', undefined],
      ['power/office.yaml', 'window', 'office', undefined],
      ['sites/lyon.yaml', 'site', 'lyon', undefined],
      ['tenants/ad28/tenant.yaml', 'tenant', 'ad28', 'ad28'],
      ['tenants/ad28/vms/web.yaml', 'vm', 'web', 'ad28'],
    ]);
  });

  it('hands on the parsed value and positions of its fields', async () => {
    const dir = await makeRepo({});

    const { objects } = await loadRepository(dir);
    const vm = objects.find((o) => o.kind === 'vm');

    expect(vm?.value).toEqual({ vmid: 2801, flavor: 'small', template: 'debian-12', nics: [{ network: 'lan' }] });
    expect(vm?.locate(['nics', 0, 'network'])).toEqual({ line: 5, col: 14 });
    expect(vm?.locateKey(['template'])).toEqual({ line: 3, col: 1 });
  });

  it.each([
    ['README.md', '# docs'],
    ['README', 'plain readme'],
    ['tenants/ad28/README.md', '# tenant notes'],
    ['CODEOWNERS', '* @platform'],
    ['LICENSE', 'GPL'],
    ['.gitlab-ci.yml', 'include: x'],
    ['.gitignore', '*.tmp'],
    ['.editorconfig', 'root = true'],
    ['.github/workflows/ci.yml', 'on: push'],
    ['.gitlab/merge_request_templates/x.md', 'x'],
    ['.git/config', '[core]'],
    ['docs/diagram.png', 'png'],
    ['schemas/vm.schema.json', '{}'],
    ['tenants/ad28/vms/.gitkeep', ''],
  ])('ignores the well-known non-config file %s', async (file, content) => {
    const dir = await makeRepo({ [file]: content });

    const { diagnostics, objects } = await loadRepository(dir);

    expect(diagnostics).toEqual([]);
    expect(objects).toHaveLength(Object.keys(VALID).length);
  });

  it('accepts .yml like .yaml', async () => {
    const dir = await makeRepo({ 'tenants/ad28/vms/web.yaml': null, 'tenants/ad28/vms/web.yml': VALID['tenants/ad28/vms/web.yaml'] ?? '' });

    const { diagnostics, objects } = await loadRepository(dir);

    expect(diagnostics).toEqual([]);
    expect(objects.find((o) => o.kind === 'vm')?.name).toBe('web');
  });
});

describe('loadRepository: whole-repository problems', () => {
  it('reports a missing marmite.yaml at marmite.yaml:1:1', async () => {
    const dir = await makeRepo({ 'marmite.yaml': null });

    const { diagnostics } = await loadRepository(dir);

    expect(diagnostics).toMatchObject([{ file: 'marmite.yaml', line: 1, col: 1, code: 'missing-settings', severity: 'error' }]);
  });

  it('does not also call an unreadable marmite.yaml missing', async () => {
    const dir = await makeRepo({ 'marmite.yaml': '' });

    const { diagnostics } = await loadRepository(dir);

    expect(diagnostics.map((d) => d.code)).toEqual(['empty-file']);
  });

  it.each([['/nonexistent/marmite-repo'], [new URL(import.meta.url).pathname]])('throws a UsageError for %s', async (dir) => {
    await expect(loadRepository(dir)).rejects.toBeInstanceOf(UsageError);
  });

  it('reports every problem of every file in one run and passes on only the good objects', async () => {
    const dir = await makeRepo({
      'nodes/pve1.yaml': 'site: lyon\n',
      'tenants/ad28/vms/web.yaml': 'vmid: 2801\nflavor: small\ntemplate: debian-12\nnics: []\nstate: runing\n',
      'power/office.yaml': 'periods: [\n',
    });

    const { diagnostics, objects } = await loadRepository(dir);

    expect(new Set(diagnostics.map((d) => d.file))).toEqual(new Set(['nodes/pve1.yaml', 'power/office.yaml', 'tenants/ad28/vms/web.yaml']));
    expect(objects.map((o) => o.file)).not.toContain('nodes/pve1.yaml');
    expect(objects.map((o) => o.file)).not.toContain('tenants/ad28/vms/web.yaml');
    expect(objects.map((o) => o.file)).not.toContain('power/office.yaml');
    expect(objects).toHaveLength(Object.keys(VALID).length - 3);
  });

  it('sorts diagnostics by file, line and column', async () => {
    const dir = await makeRepo({
      'sites/zz.yaml': 'bogus: 1\n',
      'nodes/pve1.yaml': 'site: lyon\nextra: 1\n',
      'tenants/ad28/vms/web.yaml': 'vmid: 1\nflavor: small\ntemplate: debian-12\nnics: []\n',
    });

    const { diagnostics } = await loadRepository(dir);
    const keys = diagnostics.map((d) => `${d.file}:${String(d.line).padStart(4, '0')}:${String(d.col).padStart(4, '0')}`);

    expect(keys).toEqual([...keys].sort());
    expect(keys.length).toBeGreaterThan(3);
  });
});

describe('loadFiles: files already read', () => {
  it('applies the same rules as the directory walk', async () => {
    const files = [
      ...Object.entries(VALID).map(([path, text]) => ({ path, text })),
      { path: '.github/workflows/ci.yml', text: 'on: push' },
      { path: 'docs/guide.yaml', text: 'x: 1' },
      { path: 'tenant/ad28/vms/db.yaml', text: 'vmid: 1' },
      { path: 'notes.txt', text: 'x' },
    ];

    const { objects, diagnostics } = await loadFiles(files);

    expect(objects).toHaveLength(Object.keys(VALID).length);
    expect(diagnostics.map((d) => [d.file, d.code])).toEqual([
      ['notes.txt', 'unknown-file'],
      ['tenant/ad28/vms/db.yaml', 'unknown-place'],
    ]);
  });
});
