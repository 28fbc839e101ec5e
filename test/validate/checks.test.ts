// One table row per check: an edit of a small valid repository that triggers it, with where the
// diagnostic must point. A second table holds near-misses that must not trigger the same code.

import { describe, expect, it } from 'vitest';
import { diagnosticsOf, edit } from './helpers/variant.js';

const WEB = 'tenants/ad28/vms/web.yaml';
const DB = 'tenants/ad28/vms/db.yaml';
const LYON = { 'sites/lyon.yaml': 'proxmox: { endpoint: https://pve.lyon.example:8006, credential: pve-lyon }\nnetworks:\n  lan: { bridge: vmbr0 }\nstorages:\n  local-lvm: { type: lvmthin }\n' };
const LYON_NODE = {
  'nodes/ly1.yaml': 'site: lyon\ncapacity: { cores: 8, memory: 16GiB }\npower: { policy: always-on, idleWatts: 30, maxWatts: 90 }\n',
};

interface Case {
  name: string;
  files: Record<string, string | null>;
  code: string;
  file: string;
  line?: number;
  col?: number;
  severity?: 'error' | 'warning';
  message?: string;
}

const triggers: Case[] = [
  // references
  { name: 'unknown flavor', files: edit(WEB, 'flavor: small', 'flavor: nope'), code: 'unknown-reference', file: WEB, line: 2, col: 9, message: "unknown flavor 'nope'" },
  { name: 'unknown template', files: edit(WEB, 'template: debian-12', 'template: arch'), code: 'unknown-reference', file: WEB, line: 3, col: 11, message: "unknown template 'arch'" },
  { name: 'unknown node site', files: edit('nodes/pve1.yaml', 'site: paris', 'site: berlin'), code: 'unknown-reference', file: 'nodes/pve1.yaml', line: 1, col: 7, message: "unknown site 'berlin'" },
  { name: 'unknown node power window', files: edit('nodes/pve2.yaml', '[office-hours]', '[office, office-hours]'), code: 'unknown-reference', file: 'nodes/pve2.yaml', line: 7, col: 13, message: "unknown window 'office'" },
  { name: 'network not in the VM site', files: edit(WEB, 'network: lan', 'network: wan'), code: 'unknown-reference', file: WEB, line: 5, col: 14, message: "network 'wan' does not exist in site paris" },
  { name: 'disk storage not in the site', files: edit(DB, 'storage: ad28', 'storage: nas'), code: 'unknown-reference', file: DB, line: 8, col: 14, message: "storage 'nas' does not exist in site paris" },
  { name: 'pool tenant unknown', files: edit('ceph/pools/ad28.yaml', 'tenant: ad28', 'tenant: ad29'), code: 'unknown-reference', file: 'ceph/pools/ad28.yaml', line: 2, col: 9, message: "unknown tenant 'ad29'" },
  { name: 'pool site without ceph', files: { ...LYON, 'ceph/pools/shared.yaml': 'site: lyon\nquota: { maxBytes: 1TiB }\n' }, code: 'unknown-reference', file: 'ceph/pools/shared.yaml', line: 1, message: 'has no ceph endpoint' },
  { name: 'unknown schedule window', files: edit(DB, '[office-hours]', '[evenings]'), code: 'unknown-reference', file: DB, line: 13, col: 13, message: "unknown window 'evenings'" },
  { name: 'placement on an unknown node', files: { [WEB]: 'vmid: 1001\nflavor: small\ntemplate: debian-12\nnics: [{ network: lan }]\nplacement:\n  node: pve9\n' }, code: 'unknown-reference', file: WEB, line: 6, col: 9, message: "unknown node 'pve9'" },
  { name: 'placement on a node of another site', files: { ...LYON, ...LYON_NODE, [WEB]: 'vmid: 1001\nflavor: small\ntemplate: debian-12\nnics: [{ network: lan }]\nplacement:\n  nodes: [pve1, ly1]\n' }, code: 'unknown-reference', file: WEB, line: 6, col: 17, message: 'node ly1 is in site lyon' },
  { name: 'template with an unknown site', files: edit('catalog/templates.yaml', '    storage: local-lvm\n', '    storage: local-lvm\n    sites: [paris, rome]\n'), code: 'unknown-reference', file: 'catalog/templates.yaml', line: 6, col: 20, message: "unknown site 'rome'" },
  { name: 'template storage missing in a site', files: { 'sites/lyon.yaml': 'proxmox: { endpoint: https://pve.lyon.example:8006, credential: pve-lyon }\n', 'catalog/templates.yaml': 'templates:\n  debian-12:\n    vmid: 9000\n    disk: 10GiB\n    storage: local-lvm\n    sites: [paris, lyon]\n' }, code: 'unknown-reference', file: 'catalog/templates.yaml', line: 5, message: "storage 'local-lvm' does not exist in site lyon" },
  { name: 'template node in another site', files: { ...LYON, ...LYON_NODE, 'catalog/templates.yaml': 'templates:\n  debian-12:\n    vmid: 9000\n    disk: 10GiB\n    storage: local-lvm\n    sites: [paris]\n    node: ly1\n' }, code: 'unknown-reference', file: 'catalog/templates.yaml', line: 7, message: 'node ly1 is in site lyon' },
  { name: 'tenant network in none of its sites', files: edit('tenants/ad28/tenant.yaml', 'networks: [lan]', 'networks: [lan, wan]'), code: 'unknown-reference', file: 'tenants/ad28/tenant.yaml', line: 12, col: 19, message: "network 'wan'" },
  { name: 'VM folder without tenant.yaml', files: { 'tenants/ad30/vms/x.yaml': 'vmid: 3001\nsite: paris\nflavor: small\ntemplate: debian-12\nnics: [{ network: lan }]\n' }, code: 'unknown-tenant', file: 'tenants/ad30/vms/x.yaml', line: 1 },
  { name: 'VM without flavor nor memory', files: edit(DB, 'memory: 8GiB\n', ''), code: 'missing-size', file: DB, message: 'memory must be given' },
  { name: 'settings file missing', files: { 'marmite.yaml': null }, code: 'missing-settings', file: 'marmite.yaml' },
  // duplicates
  { name: 'duplicate vmid (first file)', files: edit(DB, 'vmid: 1002', 'vmid: 1001'), code: 'duplicate-vmid', file: DB, line: 1, col: 7, message: `vm ad28/web (${WEB})` },
  { name: 'duplicate vmid (second file)', files: edit(DB, 'vmid: 1002', 'vmid: 1001'), code: 'duplicate-vmid', file: WEB, line: 1, col: 7, message: `vm ad28/db (${DB})` },
  { name: 'template vmid used by a VM', files: edit(WEB, 'vmid: 1001', 'vmid: 9000'), code: 'duplicate-vmid', file: 'catalog/templates.yaml', line: 3, col: 11, message: 'vm ad28/web' },
  { name: 'duplicate Proxmox node name', files: edit('nodes/pve2.yaml', 'site: paris\n', 'site: paris\npveNode: pve1\n'), code: 'duplicate-name', file: 'nodes/pve2.yaml', line: 2, col: 10 },
  { name: 'duplicate disk slot', files: edit(DB, '  - size: 100GiB\n', '  - size: 100GiB\n    slot: scsi0\n'), code: 'duplicate-name', file: DB, line: 7, message: 'disk slot scsi0' },
  // capacity
  { name: 'VM bigger than every node', files: edit(DB, 'cores: 4', 'cores: 15'), code: 'vm-too-big', file: DB, message: '15 cores and 8GiB memory do not fit on any node of site paris (largest usable: pve1 with 14 cores and 60GiB)' },
  { name: 'VM bigger than its pinned node', files: { [DB]: 'vmid: 1002\ncores: 10\nmemory: 8GiB\ntemplate: debian-12\nnics: [{ network: lan }]\nschedule: { windows: [office-hours] }\nplacement: { node: pve2 }\n' }, code: 'vm-too-big', file: DB, line: 7, message: 'do not fit on node pve2' },
  // schedules
  { name: 'cron syntax', files: { 'power/nightly.yaml': 'periods:\n  - schedule: "0 25 * * *"\n    duration: 1h\n' }, code: 'cron-syntax', file: 'power/nightly.yaml', line: 2, col: 15 },
  { name: 'cron that never fires', files: { 'power/nightly.yaml': 'periods:\n  - schedule: "0 0 30 2 *"\n    duration: 1h\n' }, code: 'window-never-opens', file: 'power/nightly.yaml', line: 2, col: 15 },
  { name: 'cron that does not fire this year', files: { 'power/leap.yaml': 'periods:\n  - schedule: "0 0 29 2 *"\n    duration: 1h\n' }, code: 'window-never-opens', file: 'power/leap.yaml', severity: 'warning', message: 'coming year' },
  { name: 'window with no days', files: edit('power/office-hours.yaml', '[mon, tue, wed, thu, fri]', '[]'), code: 'window-never-opens', file: 'power/office-hours.yaml', line: 2, col: 11 },
  { name: 'window hours start == end', files: edit('power/office-hours.yaml', '08:00-19:00', '08:00-08:00'), code: 'window-never-opens', file: 'power/office-hours.yaml', line: 3, col: 12 },
  { name: 'bad hours', files: edit('power/office-hours.yaml', '08:00-19:00', '8h-19h'), code: 'hours-syntax', file: 'power/office-hours.yaml', line: 3, col: 12 },
  { name: 'unknown time zone', files: { 'power/nightly.yaml': 'timezone: Mars/Olympus\nperiods:\n  - schedule: "0 22 * * *"\n    duration: 1h\n' }, code: 'timezone', file: 'power/nightly.yaml', line: 1, col: 11 },
  { name: 'windows policy without windows', files: edit('nodes/pve2.yaml', '  windows: [office-hours]\n', ''), code: 'power-windows-missing', file: 'nodes/pve2.yaml', line: 6, col: 11 },
  { name: 'windows given with another policy', files: edit('nodes/pve1.yaml', '  policy: always-on\n', '  policy: always-on\n  windows: [office-hours]\n'), code: 'power-windows-ignored', file: 'nodes/pve1.yaml', line: 9, severity: 'warning' },
  { name: 'always-on VM pinned to a windows node', files: { [WEB]: 'vmid: 1001\nflavor: small\ntemplate: debian-12\nnics: [{ network: lan }]\nplacement: { node: pve2 }\n' }, code: 'always-on-vm-on-windows-node', file: WEB, line: 5, col: 20 },
  { name: 'bad duration', files: edit('nodes/pve1.yaml', '  idleWatts: 60\n', '  idleWatts: 60\n  bootTime: 5 minutes\n'), code: 'invalid-duration', file: 'nodes/pve1.yaml', line: 10, col: 13 },
  // sanity
  { name: 'tiny VM memory', files: edit(DB, 'memory: 8GiB', 'memory: 32MiB'), code: 'units', file: DB, line: 3, col: 9, message: 'below the 64MiB minimum' },
  { name: 'tiny flavor memory', files: edit('catalog/flavors.yaml', 'memory: 4GiB', 'memory: 16MiB'), code: 'units', file: 'catalog/flavors.yaml', line: 4, col: 13 },
  { name: 'idle watts above max watts', files: edit('nodes/pve1.yaml', 'idleWatts: 60', 'idleWatts: 600'), code: 'units', file: 'nodes/pve1.yaml', line: 9, col: 14 },
  { name: 'pool minSize above size', files: edit('ceph/pools/ad28.yaml', 'site: paris\n', 'site: paris\nsize: 2\nminSize: 3\n'), code: 'units', file: 'ceph/pools/ad28.yaml', line: 3, col: 10 },
  { name: 'reserve leaves nothing', files: edit('nodes/pve1.yaml', 'cores: 2, memory: 4GiB', 'cores: 16, memory: 4GiB'), code: 'units', file: 'nodes/pve1.yaml', line: 5, col: 13 },
  { name: 'boot disk shrinks the template disk', files: edit(DB, '  - size: 50GiB', '  - size: 5GiB'), code: 'disk-shrink', file: DB, line: 6, col: 11 },
  { name: 'flavor disk shrinks the template disk', files: edit('catalog/flavors.yaml', 'disk: 20GiB', 'disk: 8GiB'), code: 'disk-shrink', file: WEB, line: 2, col: 9 },
  { name: 'bad size', files: edit(DB, 'memory: 8GiB', 'memory: 8 gigs'), code: 'invalid-size', file: DB, line: 3, col: 9 },
  // policy
  { name: 'site not allowed', files: { ...LYON, ...LYON_NODE, [WEB]: 'vmid: 1001\nsite: lyon\nflavor: small\ntemplate: debian-12\nnics: [{ network: lan }]\n', 'catalog/templates.yaml': 'templates:\n  debian-12:\n    vmid: 9000\n    disk: 10GiB\n    storage: local-lvm\n    sites: [paris]\n' }, code: 'policy-site', file: WEB, line: 2, col: 7 },
  { name: 'network not allowed', files: edit(WEB, 'network: lan', 'network: dmz'), code: 'policy-network', file: WEB, line: 5, col: 14, message: 'may not use network dmz' },
  { name: "disk on another tenant's pool", files: { 'ceph/pools/ad29.yaml': 'site: paris\ntenant: ad29\nquota: { maxBytes: 1TiB }\n', 'tenants/ad29/tenant.yaml': 'displayName: A29\ncontacts: [{ name: Bob, email: bob@example.org }]\nquotas: { vcpus: 4, memory: 8GiB, disk: 100GiB, vms: 2, cephBytes: 1TiB }\nallowed: { sites: [paris], networks: [lan] }\n', ...edit(DB, 'storage: ad28', 'storage: ad29') }, code: 'policy-storage', file: DB, line: 8, col: 14, message: 'Ceph pool ad29 belongs to tenant ad29' },
  { name: 'vmid outside the tenant range', files: edit(WEB, 'vmid: 1001', 'vmid: 2001'), code: 'vmid-range', file: WEB, line: 1, col: 7, message: "tenant ad28's range 1000-1999" },
  { name: 'vmid outside the repository range', files: { 'marmite.yaml': 'formatVersion: 1\nvmidRange: { from: 1000, to: 1500 }\n' }, code: 'vmid-range', file: 'catalog/templates.yaml', line: 3 },
  { name: 'VM count quota', files: edit('tenants/ad28/tenant.yaml', 'vms: 5', 'vms: 1'), code: 'quota-exceeded', file: 'tenants/ad28/tenant.yaml', line: 8, col: 8, message: `tenant ad28: vms quota 1 exceeded: 2 requested by ${DB}, ${WEB}` },
  { name: 'vcpus quota', files: edit('tenants/ad28/tenant.yaml', 'vcpus: 16', 'vcpus: 4'), code: 'quota-exceeded', file: 'tenants/ad28/tenant.yaml', line: 5, message: `vcpus quota 4 exceeded: 6 requested by ${DB} (4), ${WEB} (2)` },
  { name: 'disk quota', files: edit('tenants/ad28/tenant.yaml', 'disk: 500GiB', 'disk: 100GiB'), code: 'quota-exceeded', file: 'tenants/ad28/tenant.yaml', line: 7, message: `disk quota 100GiB exceeded: 170GiB requested by ${DB} (150GiB), ${WEB} (20GiB)` },
  { name: 'ceph quota', files: edit('tenants/ad28/tenant.yaml', 'cephBytes: 200GiB', 'cephBytes: 50GiB'), code: 'quota-exceeded', file: 'tenants/ad28/tenant.yaml', line: 9, message: 'cephBytes quota 50GiB exceeded: 100GiB requested by ceph/pools/ad28.yaml (100GiB)' },
  { name: 'tenant pool without quota', files: { 'ceph/pools/ad28.yaml': 'site: paris\ntenant: ad28\n' }, code: 'quota-unbounded', file: 'ceph/pools/ad28.yaml', line: 1 },
];

function matches(c: Case) {
  return (d: { code: string; file: string; line: number; col: number; severity: string; message: string }): boolean =>
    d.code === c.code &&
    d.file === c.file &&
    (c.line === undefined || d.line === c.line) &&
    (c.col === undefined || d.col === c.col) &&
    d.severity === (c.severity ?? 'error') &&
    (c.message === undefined || d.message.includes(c.message));
}

describe('checks trigger', () => {
  it.each(triggers)('$name -> $code', (c) => {
    // Act
    const diagnostics = diagnosticsOf(c.files);
    // Assert
    const found = diagnostics.filter(matches(c));
    expect(found, JSON.stringify(diagnostics, null, 1)).toHaveLength(1);
  });
});

const nearMisses: { name: string; files: Record<string, string | null>; code: string }[] = [
  { name: 'disk storage is a Ceph pool of the site', files: {}, code: 'unknown-reference' },
  { name: 'placement on a compute node of the site', files: { [WEB]: 'vmid: 1001\nflavor: small\ntemplate: debian-12\nnics: [{ network: lan }]\nplacement: { node: pve1 }\n' }, code: 'unknown-reference' },
  { name: 'same vmid in two sites', files: { ...LYON, ...LYON_NODE, 'tenants/ad28/tenant.yaml': edit('tenants/ad28/tenant.yaml', 'sites: [paris]', 'sites: [paris, lyon]')['tenants/ad28/tenant.yaml']!, [WEB]: 'vmid: 1002\nsite: lyon\nflavor: large\ntemplate: debian-12-lyon\nnics: [{ network: lan }]\n', [DB]: 'vmid: 1002\nsite: paris\ncores: 1\nmemory: 1GiB\ntemplate: debian-12\nnics: [{ network: lan }]\n', 'catalog/templates.yaml': 'templates:\n  debian-12:\n    vmid: 9000\n    disk: 10GiB\n    storage: local-lvm\n    sites: [paris]\n  debian-12-lyon:\n    vmid: 9001\n    disk: 10GiB\n    storage: local-lvm\n    sites: [lyon]\n' }, code: 'duplicate-vmid' },
  { name: 'VM exactly the usable size of a node', files: { ...edit(DB, 'cores: 4\nmemory: 8GiB', 'cores: 14\nmemory: 60GiB'), ...edit('tenants/ad28/tenant.yaml', 'vcpus: 16\n  memory: 32GiB', 'vcpus: 16\n  memory: 64GiB') }, code: 'vm-too-big' },
  { name: 'scheduled VM pinned to a windows node', files: edit(DB, 'schedule:', 'placement: { node: pve2 }\nschedule:'), code: 'always-on-vm-on-windows-node' },
  { name: 'stopped VM pinned to a windows node', files: { [WEB]: 'vmid: 1001\nflavor: small\ntemplate: debian-12\nstate: stopped\nnics: [{ network: lan }]\nplacement: { node: pve2 }\n' }, code: 'always-on-vm-on-windows-node' },
  { name: 'overnight hours', files: edit('power/office-hours.yaml', '08:00-19:00', '22:00-06:00'), code: 'window-never-opens' },
  { name: 'cron that fires daily', files: { 'power/nightly.yaml': 'timezone: Europe/Paris\nperiods:\n  - schedule: "0 22 * * *"\n    duration: 8h\n' }, code: 'window-never-opens' },
  { name: 'memory of exactly 64MiB', files: edit(DB, 'memory: 8GiB', 'memory: 64MiB'), code: 'units' },
  { name: 'boot disk equal to the template disk', files: edit(DB, '  - size: 50GiB', '  - size: 10GiB'), code: 'disk-shrink' },
  { name: 'quota exactly used', files: edit('tenants/ad28/tenant.yaml', 'vcpus: 16', 'vcpus: 6'), code: 'quota-exceeded' },
  { name: 'disk on a shared pool', files: { 'ceph/pools/shared.yaml': 'site: paris\nquota: { maxBytes: 1TiB }\n', ...edit(DB, 'storage: ad28', 'storage: shared') }, code: 'policy-storage' },
  { name: 'VM site given explicitly and allowed', files: edit(WEB, 'vmid: 1001\n', 'vmid: 1001\nsite: paris\n'), code: 'policy-site' },
];

describe('checks pass on near misses', () => {
  it.each(nearMisses)('$name: no $code', ({ files, code }) => {
    const diagnostics = diagnosticsOf(files);
    expect(diagnostics.filter((d) => d.code === code)).toEqual([]);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
