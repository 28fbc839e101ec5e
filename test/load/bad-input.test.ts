import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/load/index.js';
import { MAX_FILE_BYTES } from '../../src/load/read-tree.js';
import { type Content, makeRepo, removeRepos, VALID } from './repo.js';

afterAll(removeRepos);

type Expected = { file: string; line: number; col: number; code: string; severity?: string };

const aliasBomb = (() => {
  let text = 'a: &a [x, x, x, x, x, x, x, x, x, x]\n';
  let prev = 'a';
  for (let i = 0; i < 8; i++) {
    text += `b${i}: &b${i} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
    prev = `b${i}`;
  }
  return `${text}periods: *${prev}\n`;
})();

const cases: [string, Record<string, Content>, Expected[]][] = [
  ['invalid UTF-8, at the first bad byte', { 'sites/lyon.yaml': Buffer.from([0x61, 0x3a, 0x20, 0x31, 0x0a, 0x62, 0x3a, 0x20, 0xff, 0x0a]) }, [{ file: 'sites/lyon.yaml', line: 2, col: 4, code: 'invalid-utf8' }]],
  ['an empty file', { 'nodes/pve1.yaml': '' }, [{ file: 'nodes/pve1.yaml', line: 1, col: 1, code: 'empty-file' }]],
  ['a file of blank lines', { 'nodes/pve1.yaml': '\n  \n\n' }, [{ file: 'nodes/pve1.yaml', line: 1, col: 1, code: 'empty-file' }]],
  ['a file of comments only', { 'nodes/pve1.yaml': '# nothing yet\n' }, [{ file: 'nodes/pve1.yaml', line: 1, col: 1, code: 'empty-file' }]],
  ['a file over the size limit', { 'nodes/pve1.yaml': `# ${'x'.repeat(MAX_FILE_BYTES)}\nsite: lyon\n` }, [{ file: 'nodes/pve1.yaml', line: 1, col: 1, code: 'file-too-large' }]],
  ['a symlink inside the repository', { 'sites/lyon2.yaml': { symlink: 'lyon.yaml' } }, [{ file: 'sites/lyon2.yaml', line: 1, col: 1, code: 'symlink' }]],
  ['a symlink leaving the repository', { 'sites/evil.yaml': { symlink: '/etc/passwd' } }, [{ file: 'sites/evil.yaml', line: 1, col: 1, code: 'symlink-outside' }]],
  ['a relative symlink climbing out', { 'sites/evil.yaml': { symlink: '../../../../etc/hostname' } }, [{ file: 'sites/evil.yaml', line: 1, col: 1, code: 'symlink-outside' }]],
  ['a symlinked directory', { 'tenants/ad29': { symlink: 'ad28' } }, [{ file: 'tenants/ad29', line: 1, col: 1, code: 'symlink' }]],
  ['a YAML file in an unknown place', { 'tenant/ad28/vms/db.yaml': 'vmid: 1\n' }, [{ file: 'tenant/ad28/vms/db.yaml', line: 1, col: 1, code: 'unknown-place' }]],
  ['a YAML file too deep', { 'nodes/old/pve0.yaml': 'site: lyon\n' }, [{ file: 'nodes/old/pve0.yaml', line: 1, col: 1, code: 'unknown-place' }]],
  ['a VM file directly in the tenant folder', { 'tenants/ad28/db.yaml': 'vmid: 1\n' }, [{ file: 'tenants/ad28/db.yaml', line: 1, col: 1, code: 'unknown-place' }]],
  ['a second catalog file', { 'catalog/images.yaml': 'x: 1\n' }, [{ file: 'catalog/images.yaml', line: 1, col: 1, code: 'unknown-place' }]],
  ['an unknown extension in a known place', { 'nodes/pve2.json': '{}' }, [{ file: 'nodes/pve2.json', line: 1, col: 1, code: 'unknown-file' }]],
  ['a stray text file', { 'notes.txt': 'todo' }, [{ file: 'notes.txt', line: 1, col: 1, code: 'unknown-file' }]],
  ['a file name that is not a DNS label', { 'nodes/PVE_2.yaml': VALID['nodes/pve1.yaml'] ?? '' }, [{ file: 'nodes/PVE_2.yaml', line: 1, col: 1, code: 'invalid-name' }]],
  ['a tenant folder that is not a DNS label', { 'tenants/AD 29/tenant.yaml': VALID['tenants/ad28/tenant.yaml'] ?? '' }, [{ file: 'tenants/AD 29/tenant.yaml', line: 1, col: 1, code: 'invalid-name' }]],
  ['a .yaml and a .yml of one object', { 'sites/lyon.yml': VALID['sites/lyon.yaml'] ?? '' }, [{ file: 'sites/lyon.yml', line: 1, col: 1, code: 'duplicate-file' }]],
  ['a YAML syntax error', { 'nodes/pve1.yaml': 'site: lyon\ncapacity: { cores: 16\npower: x\n' }, [{ file: 'nodes/pve1.yaml', line: 3, col: 1, code: 'yaml-syntax' }]],
  ['bad indentation', { 'nodes/pve1.yaml': 'site: lyon\n  capacity: 1\n' }, [{ file: 'nodes/pve1.yaml', line: 1, col: 7, code: 'yaml-syntax' }]],
  ['a tab used for indentation', { 'nodes/pve1.yaml': 'site: lyon\ncapacity:\n\tcores: 1\n' }, [{ file: 'nodes/pve1.yaml', line: 3, col: 1, code: 'yaml-syntax' }]],
  ['a duplicate key', { 'marmite.yaml': 'formatVersion: 1\nprune: true\nprune: false\n' }, [{ file: 'marmite.yaml', line: 3, col: 1, code: 'yaml-duplicate-key' }]],
  ['a duplicate key in a flow map', { 'catalog/flavors.yaml': 'flavors:\n  small: { cores: 1, cores: 2, memory: 1GiB }\n' }, [{ file: 'catalog/flavors.yaml', line: 2, col: 22, code: 'yaml-duplicate-key' }]],
  ['two documents in one file', { 'ceph/pools/vmdata.yaml': 'site: lyon\n---\nsite: paris\n' }, [{ file: 'ceph/pools/vmdata.yaml', line: 2, col: 1, code: 'yaml-multiple-documents' }]],
  ['an alias bomb', { 'power/office.yaml': aliasBomb }, [{ file: 'power/office.yaml', line: 1, col: 1, code: 'yaml-alias-limit' }]],
];

describe('loadRepository: bad input is reported, never crashes, never half-loads', () => {
  it.each(cases)('%s', async (_name, files, expected) => {
    const dir = await makeRepo(files);

    const { diagnostics, objects } = await loadRepository(dir);

    expect(diagnostics.map(({ file, line, col, code }) => ({ file, line, col, code }))).toEqual(expected);
    expect(diagnostics.every((d) => d.severity === 'error' && d.message.length > 0)).toBe(true);
    expect(objects.map((o) => o.file)).not.toContain(expected[0]?.file);
  });

  it('still loads the other files of the repository', async () => {
    const dir = await makeRepo({ 'sites/bad.yaml': Buffer.from([0xff]), 'notes.txt': 'x' });

    const { objects } = await loadRepository(dir);

    expect(objects).toHaveLength(Object.keys(VALID).length);
  });

  it('reads an alias-using file that stays under the limit', async () => {
    const dir = await makeRepo({ 'power/office.yaml': 'periods:\n  - &p { days: [mon], hours: "08:00-12:00" }\n  - *p\n' });

    const { diagnostics, objects } = await loadRepository(dir);

    expect(diagnostics).toEqual([]);
    expect(objects.find((o) => o.kind === 'window')?.value).toEqual({
      periods: [
        { days: ['mon'], hours: '08:00-12:00' },
        { days: ['mon'], hours: '08:00-12:00' },
      ],
    });
  });

  it('names the valid place of a misplaced file', async () => {
    const dir = await makeRepo({ 'tenant/ad28/vms/db.yaml': 'vmid: 1\n' });

    const { diagnostics } = await loadRepository(dir);

    expect(diagnostics[0]?.message).toMatch(/^this file is not at a known place; did you mean tenants\/ad28\/vms\/db.yaml\? files go in: marmite.yaml, /);
  });

  it('reports a named pipe instead of blocking on it', async () => {
    const dir = await makeRepo({});
    execFileSync('mkfifo', [path.join(dir, 'nodes', 'pipe.yaml')]);

    const { diagnostics } = await loadRepository(dir);

    expect(diagnostics.map(({ file, line, col, code }) => ({ file, line, col, code }))).toEqual([{ file: 'nodes/pipe.yaml', line: 1, col: 1, code: 'not-a-file' }]);
  });

  it('stops reading a repository with too many files, with one diagnostic', async () => {
    const dir = await makeRepo({});

    const { diagnostics } = await loadRepository(dir, { maxEntries: 5 });

    expect(diagnostics.filter((d) => d.code === 'too-many-files')).toHaveLength(1);
  });

  it('reports an unknown YAML tag in a repository file', async () => {
    const dir = await makeRepo({ 'sites/lyon.yaml': 'proxmox:\n  endpoint: https://pve:8006\n  credential: !vault pve\n' });

    const { diagnostics } = await loadRepository(dir);

    expect(diagnostics.map(({ file, line, col, code }) => ({ file, line, col, code }))).toEqual([{ file: 'sites/lyon.yaml', line: 3, col: 15, code: 'yaml-tag' }]);
  });
});
