// A corpus of broken repositories: each one is examples/small with exactly one defect, and
// `marmite validate --format json` must reject it with a diagnostic on the right file and line.
// The examples themselves (and the ready-to-fork template) must stay clean.

import { cp, mkdtemp, readFile, rm, symlink, unlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { bufferIo } from '../../src/cli/io.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SMALL = path.join(ROOT, 'examples/small');

// Files of examples/small that the mutations below touch.
const WEB = 'tenants/banque-alimentaire/vms/web.yaml';
const STOCK = 'tenants/banque-alimentaire/vms/stock.yaml';
const DB = 'tenants/banque-alimentaire/vms/db.yaml';
const BANQUE = 'tenants/banque-alimentaire/tenant.yaml';
const MOODLE = 'tenants/alpha-lecture/vms/moodle.yaml';
const FILES = 'tenants/alpha-lecture/vms/files.yaml';
const ALPHA = 'tenants/alpha-lecture/tenant.yaml';
const OFFICE = 'power/office-hours.yaml';

type Op =
  | { replace: string; from: string | RegExp; to: string }
  | { write: string; content: string | Uint8Array }
  | { append: string; text: string }
  | { remove: string }
  | { link: string; target: string };

interface BrokenCase {
  name: string;
  ops: Op[];
  file: string;
  /** A line number, or a text whose first line in the mutated file is the expected line. */
  line: number | { at: string };
  code: string;
}

const VM_HEADER = '# yaml-language-server: $schema=../../../../../schemas/vm.schema.json\n';
const POOL_HEADER = '# yaml-language-server: $schema=../../../../schemas/pool.schema.json\n';
const extraVm = (vmid: number): string =>
  `${VM_HEADER}vmid: ${vmid}\nflavor: small\ntemplate: debian-12\ndisks:\n  - size: 20GiB\n    storage: vms\nnics:\n  - network: lan\n`;

const aliasBomb = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
  'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
  'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
  'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
  '',
].join('\n');

const LYON_SITE = [
  '# yaml-language-server: $schema=../../../schemas/site.schema.json',
  'proxmox:',
  '  endpoint: https://pve.lyon.example.org:8006',
  '  credential: pve-lyon',
  'networks:',
  '  lan:',
  '    bridge: vmbr0',
  'storages:',
  '  local-lvm:',
  '    type: lvmthin',
  '',
].join('\n');

const cases: BrokenCase[] = [
  // --- schema: shape of one file
  { name: 'unknown key', ops: [{ append: WEB, text: 'colour: blue\n' }], file: WEB, line: { at: 'colour:' }, code: 'schema-unknown-field' },
  { name: 'missing required field', ops: [{ replace: WEB, from: 'template: debian-12\n', to: '' }], file: WEB, line: 2, code: 'schema-missing-field' },
  { name: 'wrong type', ops: [{ replace: WEB, from: 'vmid: 1001', to: 'vmid: "mille"' }], file: WEB, line: { at: 'vmid:' }, code: 'schema-type' },
  { name: 'bad size unit', ops: [{ replace: DB, from: 'memory: 4GiB', to: 'memory: 4Go' }], file: DB, line: { at: 'memory:' }, code: 'schema-size' },
  { name: 'bad duration', ops: [{ replace: MOODLE, from: 'shutdownTimeout: 3m', to: 'shutdownTimeout: 3 minutes' }], file: MOODLE, line: { at: 'shutdownTimeout:' }, code: 'schema-duration' },
  { name: 'bad hours', ops: [{ replace: OFFICE, from: '"08:00-19:00"', to: '"08:00-25:00"' }], file: OFFICE, line: { at: '08:00-25:00' }, code: 'schema-format' },
  { name: 'enum value', ops: [{ replace: 'nodes/pve3.yaml', from: 'policy: always-on', to: 'policy: sometimes' }], file: 'nodes/pve3.yaml', line: { at: 'policy:' }, code: 'schema-value' },

  // --- references between files
  { name: 'unknown flavor', ops: [{ replace: WEB, from: 'flavor: small', to: 'flavor: smal' }], file: WEB, line: { at: 'flavor:' }, code: 'unknown-reference' },
  { name: 'unknown template', ops: [{ replace: WEB, from: 'template: debian-12', to: 'template: debian-13' }], file: WEB, line: { at: 'template:' }, code: 'unknown-reference' },
  { name: 'unknown node', ops: [{ replace: DB, from: 'node: pve2', to: 'node: pve9' }], file: DB, line: { at: 'node: pve9' }, code: 'unknown-reference' },
  { name: 'unknown site of a node', ops: [{ replace: 'nodes/pve3.yaml', from: 'site: paris', to: 'site: lyon' }], file: 'nodes/pve3.yaml', line: { at: 'site:' }, code: 'unknown-reference' },
  { name: 'unknown window', ops: [{ replace: MOODLE, from: '[office-hours]', to: '[office-hour]' }], file: MOODLE, line: { at: 'office-hour' }, code: 'unknown-reference' },
  { name: 'unknown network', ops: [{ replace: STOCK, from: 'network: lan', to: 'network: dmz' }], file: STOCK, line: { at: 'network:' }, code: 'unknown-reference' },
  { name: 'unknown storage of a disk', ops: [{ replace: STOCK, from: 'storage: vms', to: 'storage: ceph-vms' }], file: STOCK, line: { at: 'ceph-vms' }, code: 'unknown-reference' },
  { name: 'unknown pool as template storage', ops: [{ replace: 'catalog/templates.yaml', from: 'storage: vms', to: 'storage: rbd' }], file: 'catalog/templates.yaml', line: { at: 'storage:' }, code: 'unknown-reference' },
  { name: 'tenant folder without tenant.yaml', ops: [{ write: 'tenants/intrus/vms/web.yaml', content: extraVm(1050) }], file: 'tenants/intrus/vms/web.yaml', line: 2, code: 'unknown-tenant' },

  // --- whole-repository checks
  { name: 'duplicate vmid', ops: [{ replace: FILES, from: 'vmid: 1102', to: 'vmid: 1101' }], file: FILES, line: { at: 'vmid:' }, code: 'duplicate-vmid' },
  { name: 'VM bigger than any node', ops: [{ replace: 'catalog/flavors.yaml', from: 'memory: 8GiB', to: 'memory: 512GiB' }], file: MOODLE, line: { at: 'flavor:' }, code: 'vm-too-big' },
  { name: 'VM bigger than its pinned node', ops: [{ replace: DB, from: 'cores: 2', to: 'cores: 64' }], file: DB, line: { at: 'node: pve2' }, code: 'vm-too-big' },
  { name: 'boot disk smaller than the template', ops: [{ replace: WEB, from: 'size: 20GiB', to: 'size: 2GiB' }], file: WEB, line: { at: '- size:' }, code: 'disk-shrink' },
  { name: 'vmid outside the tenant range', ops: [{ replace: WEB, from: 'vmid: 1001', to: 'vmid: 1150' }], file: WEB, line: { at: 'vmid:' }, code: 'vmid-range' },
  {
    name: 'schedule that never runs',
    ops: [{ replace: OFFICE, from: /periods:[\s\S]*$/, to: 'periods:\n  - schedule: "0 0 30 2 *"\n    duration: 1h\n' }],
    file: OFFICE,
    line: { at: '"0 0 30 2 *"' },
    code: 'window-never-opens',
  },
  {
    name: 'windows node hosting a pinned always-on VM',
    ops: [{ replace: 'nodes/pve2.yaml', from: 'policy: always-on', to: 'policy: windows\n  windows: [office-hours]' }],
    file: DB,
    line: { at: 'node: pve2' },
    code: 'always-on-vm-on-windows-node',
  },
  { name: 'bad cron', ops: [{ replace: OFFICE, from: /periods:[\s\S]*$/, to: 'periods:\n  - schedule: "0 25 * * *"\n    duration: 1h\n' }], file: OFFICE, line: { at: 'schedule:' }, code: 'cron-syntax' },
  { name: 'bad time zone', ops: [{ replace: 'marmite.yaml', from: 'timezone: Europe/Paris', to: 'timezone: Europe/Pariss' }], file: 'marmite.yaml', line: { at: 'timezone:' }, code: 'timezone' },
  { name: 'bad time zone of a window', ops: [{ replace: OFFICE, from: 'timezone: Europe/Paris', to: 'timezone: Mars/Olympus' }], file: OFFICE, line: { at: 'timezone:' }, code: 'timezone' },
  { name: 'missing marmite.yaml', ops: [{ remove: 'marmite.yaml' }], file: 'marmite.yaml', line: 1, code: 'missing-settings' },

  // --- tenant policy
  {
    name: 'tenant VM in a site it may not use',
    ops: [
      { write: 'sites/lyon.yaml', content: LYON_SITE },
      { replace: FILES, from: 'flavor: medium', to: 'site: lyon\nflavor: medium' },
    ],
    file: FILES,
    line: { at: 'site: lyon' },
    code: 'policy-site',
  },
  { name: 'tenant VM on a network it may not use', ops: [{ replace: FILES, from: 'network: lan', to: 'network: public' }], file: FILES, line: { at: 'network:' }, code: 'policy-network' },
  { name: 'vcpu quota', ops: [{ replace: MOODLE, from: 'flavor: large', to: 'cores: 7\nmemory: 8GiB' }], file: ALPHA, line: { at: 'vcpus:' }, code: 'quota-exceeded' },
  { name: 'memory quota', ops: [{ replace: STOCK, from: 'flavor: medium', to: 'cores: 2\nmemory: 12GiB' }], file: BANQUE, line: { at: 'memory:' }, code: 'quota-exceeded' },
  { name: 'disk quota', ops: [{ replace: DB, from: 'size: 50GiB', to: 'size: 150GiB' }], file: BANQUE, line: { at: 'disk:' }, code: 'quota-exceeded' },
  { name: 'VM count quota', ops: [{ write: 'tenants/banque-alimentaire/vms/newsletter.yaml', content: extraVm(1004) }], file: BANQUE, line: { at: '  vms:' }, code: 'quota-exceeded' },
  {
    name: 'Ceph bytes quota',
    ops: [
      {
        write: 'ceph/pools/ba-archive.yaml',
        content: `${POOL_HEADER}site: paris\ntenant: banque-alimentaire\nquota:\n  maxBytes: 2TiB\n`,
      },
    ],
    file: BANQUE,
    line: { at: 'cephBytes:' },
    code: 'quota-exceeded',
  },

  {
    name: "VM on another tenant's Ceph pool",
    ops: [
      { write: 'ceph/pools/al-rbd.yaml', content: `${POOL_HEADER}site: paris\ntenant: alpha-lecture\nquota:\n  maxBytes: 100GiB\n` },
      { replace: STOCK, from: 'storage: vms', to: 'storage: al-rbd' },
    ],
    file: STOCK,
    line: { at: 'al-rbd' },
    code: 'policy-storage',
  },
  {
    name: 'tenant pool without a byte quota',
    ops: [{ write: 'ceph/pools/al-rbd.yaml', content: `${POOL_HEADER}site: paris\ntenant: alpha-lecture\n` }],
    file: 'ceph/pools/al-rbd.yaml',
    line: 2,
    code: 'quota-unbounded',
  },

  // --- values that contradict each other
  { name: 'VM with neither flavor nor size', ops: [{ replace: DB, from: 'cores: 2\n', to: '' }], file: DB, line: 2, code: 'schema-choice' },
  { name: 'windows policy without windows', ops: [{ replace: 'nodes/pve3.yaml', from: 'policy: always-on', to: 'policy: windows' }], file: 'nodes/pve3.yaml', line: { at: 'policy:' }, code: 'power-windows-missing' },
  { name: 'idle watts above max watts', ops: [{ replace: 'nodes/pve1.yaml', from: 'idleWatts: 110', to: 'idleWatts: 500' }], file: 'nodes/pve1.yaml', line: { at: 'idleWatts:' }, code: 'units' },
  { name: 'VM pinned to a node without the compute role', ops: [{ replace: 'nodes/pve2.yaml', from: 'roles: [compute, ', to: 'roles: [' }], file: DB, line: { at: 'node: pve2' }, code: 'placement' },

  // --- bytes and YAML
  {
    name: 'invalid UTF-8',
    ops: [{ write: WEB, content: Buffer.concat([Buffer.from(`${VM_HEADER}vmid: 1001\ndescription: caf`), Buffer.from([0xe9, 0x20, 0xff]), Buffer.from('\n')]) }],
    file: WEB,
    line: 3,
    code: 'invalid-utf8',
  },
  { name: 'empty file', ops: [{ write: STOCK, content: '' }], file: STOCK, line: 1, code: 'empty-file' },
  { name: 'only comments', ops: [{ write: STOCK, content: '# nothing here yet\n' }], file: STOCK, line: 1, code: 'empty-file' },
  { name: 'several YAML documents', ops: [{ append: WEB, text: '---\nvmid: 1005\n' }], file: WEB, line: { at: '---' }, code: 'yaml-multiple-documents' },
  { name: 'alias bomb', ops: [{ write: WEB, content: VM_HEADER + aliasBomb }], file: WEB, line: 2, code: 'yaml-alias-limit' },
  { name: 'oversized file', ops: [{ append: WEB, text: `# ${'x'.repeat(300 * 1024)}\n` }], file: WEB, line: 1, code: 'file-too-large' },
  { name: 'YAML syntax error', ops: [{ replace: STOCK, from: 'flavor: medium', to: 'flavor: medium: large' }], file: STOCK, line: { at: 'flavor:' }, code: 'yaml-syntax' },
  { name: 'same VM in two files', ops: [{ write: 'tenants/banque-alimentaire/vms/web.yml', content: extraVm(1009) }], file: 'tenants/banque-alimentaire/vms/web.yml', line: 1, code: 'duplicate-file' },
  { name: 'duplicate key', ops: [{ append: WEB, text: 'vmid: 1009\n' }], file: WEB, line: { at: 'vmid: 1009' }, code: 'yaml-duplicate-key' },

  // --- files and paths
  { name: 'symlink leaving the repository', ops: [{ link: 'tenants/alpha-lecture/vms/passwd.yaml', target: '/etc/passwd' }], file: 'tenants/alpha-lecture/vms/passwd.yaml', line: 1, code: 'symlink-outside' },
  { name: 'file in an unknown place', ops: [{ write: 'vms/web.yaml', content: extraVm(1005) }], file: 'vms/web.yaml', line: 1, code: 'unknown-place' },
  { name: 'VM file directly in the tenant folder', ops: [{ write: 'tenants/alpha-lecture/web.yaml', content: extraVm(1105) }], file: 'tenants/alpha-lecture/web.yaml', line: 1, code: 'unknown-place' },
  { name: 'unknown extension', ops: [{ write: 'tenants/alpha-lecture/vms/wiki.json', content: '{"vmid": 1103}\n' }], file: 'tenants/alpha-lecture/vms/wiki.json', line: 1, code: 'unknown-file' },
  { name: 'non-DNS file name', ops: [{ write: 'tenants/alpha-lecture/vms/Wiki_2.yaml', content: extraVm(1103) }], file: 'tenants/alpha-lecture/vms/Wiki_2.yaml', line: 1, code: 'invalid-name' },
  { name: 'non-DNS tenant folder', ops: [{ write: 'tenants/Alpha/vms/wiki.yaml', content: extraVm(1103) }], file: 'tenants/Alpha/vms/wiki.yaml', line: 1, code: 'invalid-name' },
];

interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  severity: string;
  code: string;
  message: string;
}

const temps: string[] = [];

afterEach(async () => {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function copyOf(source: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'marmite-broken-'));
  temps.push(dir);
  await cp(source, dir, { recursive: true });
  return dir;
}

async function apply(dir: string, op: Op): Promise<void> {
  const abs = (rel: string): string => path.join(dir, ...rel.split('/'));
  if ('replace' in op) {
    const before = await readFile(abs(op.replace), 'utf8');
    const after = before.replace(op.from, op.to);
    if (after === before) throw new Error(`${op.replace}: mutation did not apply: '${op.from}' not found`);
    await writeFile(abs(op.replace), after);
  } else if ('write' in op) {
    await mkdir(path.dirname(abs(op.write)), { recursive: true });
    await writeFile(abs(op.write), op.content);
  } else if ('append' in op) {
    await writeFile(abs(op.append), (await readFile(abs(op.append), 'utf8')) + op.text);
  } else if ('remove' in op) {
    await unlink(abs(op.remove));
  } else {
    await symlink(op.target, abs(op.link));
  }
}

async function expectedLine(dir: string, c: BrokenCase): Promise<number> {
  if (typeof c.line === 'number') return c.line;
  const text = await readFile(path.join(dir, ...c.file.split('/')), 'utf8');
  const index = text.indexOf(c.line.at);
  if (index < 0) throw new Error(`${c.file}: '${c.line.at}' not found to place the expected line`);
  return text.slice(0, index).split('\n').length;
}

async function validate(dir: string): Promise<{ code: number; valid: boolean; diagnostics: JsonDiagnostic[] }> {
  const io = bufferIo();
  const code = await validateCommand([dir, '--format', 'json'], io);
  const out = JSON.parse(io.out()) as { valid: boolean; diagnostics: JsonDiagnostic[] };
  return { code, valid: out.valid, diagnostics: out.diagnostics };
}

describe('broken repositories', () => {
  it('has at least 30 cases with distinct names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases)('$name: exit 1 with $code on $file', async (c) => {
    // Arrange
    const dir = await copyOf(SMALL);
    for (const op of c.ops) await apply(dir, op);
    const line = await expectedLine(dir, c);

    // Act
    const result = await validate(dir);

    // Assert
    expect(result.code).toBe(1);
    expect(result.valid).toBe(false);
    const summary = result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} [${d.code}] ${d.message}`);
    const match = result.diagnostics.find((d) => d.file === c.file && d.code === c.code && d.severity === 'error');
    expect(match, `no ${c.code} error on ${c.file} in:\n${summary.join('\n')}`).toBeDefined();
    expect(match?.line, `line of ${c.code} on ${c.file} in:\n${summary.join('\n')}`).toBe(line);
  });
});

describe('shipped repositories', () => {
  it.each(['examples/small', 'examples/realistic', 'infra-repo-template'])('%s validates clean', async (rel) => {
    // Arrange
    const dir = path.join(ROOT, rel);

    // Act
    const result = await validate(dir);

    // Assert
    const summary = result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.severity} [${d.code}] ${d.message}`);
    expect(summary).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.valid).toBe(true);
  });

  it.each(['docs/guide-tenants.en.md', 'docs/guide-tenants.fr.md'])('the VM example of infra-repo-template/%s validates in the template', async (guide) => {
    // Arrange
    const dir = await copyOf(path.join(ROOT, 'infra-repo-template'));
    const markdown = await readFile(path.join(dir, ...guide.split('/')), 'utf8');
    const example = /```yaml\n([\s\S]*?)```/.exec(markdown)?.[1];
    expect(example, `${guide}: no yaml example`).toBeDefined();
    const vm = (example ?? '').replace(/^ {3}/gm, '');
    await writeFile(path.join(dir, 'tenants/example-association/vms/example.yaml'), vm);

    // Act
    const result = await validate(dir);

    // Assert
    expect(result.diagnostics.map((d) => `${d.file}:${d.line} [${d.code}] ${d.message}`)).toEqual([]);
    expect(result.code).toBe(0);
  });

  it('examples/small still validates after a harmless edit (the corpus starts from a valid base)', async () => {
    // Arrange
    const dir = await copyOf(SMALL);
    await apply(dir, { replace: WEB, from: 'Public website (WordPress)', to: 'Public website' });

    // Act
    const result = await validate(dir);

    // Assert
    expect(result.code).toBe(0);
  });
});
