import { describe, expect, it } from 'vitest';
import { guestFingerprint } from '../../src/model/marker.js';
import type { Vm } from '../../src/model/desired.js';
import type { Change, Plan } from '../../src/model/plan.js';
import { plan } from '../../src/plan/plan.js';
import { buildVmTarget } from '../../src/plan/vm-target.js';
import { configFor, desired, guestFor, NOW, node, observed, orphan, site, vm } from './helpers.js';

const byAction = (p: Plan, action: Change['action']): Change[] => p.changes.filter((c) => c.action === action);
const rules = (p: Plan): string[] => p.refused.map((r) => r.rule);

describe('plan: no-op', () => {
  it.each([
    ['from /cluster/resources only', false],
    ['with the config read (deep)', true],
  ])('plans nothing when every guest matches Git, %s', (_label, deep) => {
    const web = vm('ad28/web', 2801, { cloudInit: { user: 'debian', sshKeys: ['k'], ip: { address: '10.0.0.5/24', gateway: '10.0.0.1' }, nameserver: '10.0.0.1' }, ha: true });
    const d = desired([web]);
    const config = configFor(d, web, { ipconfig0: 'ip=10.0.0.5/24,gw=10.0.0.1', nameserver: '10.0.0.1', description: `${buildVmTarget(d, web, 'pve1').description}\n` });
    const p = plan(d, observed([site(d, [guestFor(d, web, deep ? { config } : {})])]), NOW);
    expect(p.changes).toEqual([]);
    expect(p.refused).toEqual([]);
    expect(p.drift).toEqual([]);
    expect(p.summary).toEqual({ create: 0, update: 0, delete: 0, other: 0, refused: 0 });
    expect(p.createdAt).toBe(NOW.toISOString());
    expect(p.commit).toBe('c0ffee');
  });
});

describe('plan: create', () => {
  it('creates a missing VM and starts it after the create', () => {
    const web = vm('ad28/web', 2801);
    const d = desired([web]);
    const p = plan(d, observed([site(d, [])]), NOW);
    expect(p.changes.map((c) => c.id)).toEqual(['proxmox:paris/vm/ad28/web:create', 'proxmox:paris/vm/ad28/web:start']);
    const [create, start] = p.changes as [Change, Change];
    expect(create.payload).toEqual({ target: buildVmTarget(d, web, 'pve1') });
    expect(create.fingerprint).toBeUndefined();
    expect(start.dependsOn).toEqual([create.id]);
    expect(start.payload).toEqual({ vmid: 2801, node: 'pve1' });
    expect(p.summary).toMatchObject({ create: 1, other: 1 });
  });

  it('does not start a VM that must stay stopped', () => {
    const web = vm('ad28/web', 2801, { state: 'stopped' });
    const d = desired([web]);
    const p = plan(d, observed([site(d, [])]), NOW);
    expect(p.changes.map((c) => c.action)).toEqual(['create']);
  });

  it('ensures the tenant pool, group and ACL first, and the create depends on the pool', () => {
    const web = vm('ad28/web', 2801);
    const d = desired([web]);
    const p = plan(d, observed([site(d, [], { access: { pools: [], groups: [], acls: [] } })]), NOW);
    const ensures = byAction(p, 'ensure');
    expect(ensures.map((c) => c.payload)).toEqual([
      { kind: 'pool', poolid: 'tenant-ad28', comment: 'Association ad28 (managed by marmite)' },
      { kind: 'group', groupid: 'tenant-ad28', users: ['admin@ad28'] },
      { kind: 'acl', path: '/pool/tenant-ad28', group: 'tenant-ad28', role: 'PVEVMUser' },
    ]);
    expect(ensures[2]!.dependsOn).toEqual([ensures[0]!.id, ensures[1]!.id]);
    expect(byAction(p, 'create')[0]!.dependsOn).toEqual(['proxmox:paris/pool/tenant-ad28:ensure']);
  });

  it('ensures only the group when its members changed', () => {
    const web = vm('ad28/web', 2801);
    const d = desired([web]);
    const s = site(d, [guestFor(d, web)]);
    s.access!.groups[0]!.users = ['someone@else'];
    const p = plan(d, observed([s]), NOW);
    expect(p.changes.map((c) => c.id)).toEqual(['proxmox:paris/group/tenant-ad28:ensure']);
    expect(p.changes[0]!.before).toEqual({ users: ['someone@else'] });
  });

  it('places on the pinned node', () => {
    const web = vm('ad28/web', 2801, { placement: { node: 'pve2', nodes: [] } });
    const d = desired([web]);
    const p = plan(d, observed([site(d, [])]), NOW);
    expect((byAction(p, 'create')[0]!.payload.target as { node: string }).node).toBe('pve2');
  });

  it('packs onto the fullest node that still fits', () => {
    const web = vm('ad28/web', 2801);
    const d = desired([web]);
    const busy = orphan('zz/other', 500, { node: 'pve2', maxmemMiB: 100000, maxcpu: 4 });
    const p = plan(d, observed([site(d, [busy])]), NOW);
    expect((byAction(p, 'create')[0]!.payload.target as { node: string }).node).toBe('pve2');
  });

  it('spreads an anti-affinity group over nodes and refuses the one that cannot fit', () => {
    const group = { nodes: [], antiAffinity: 'db' };
    const vms = [vm('ad28/db1', 2801, { placement: group }), vm('ad28/db2', 2802, { placement: group }), vm('ad28/db3', 2803, { placement: group })];
    const d = desired(vms);
    const p = plan(d, observed([site(d, [])]), NOW);
    const nodes = byAction(p, 'create').map((c) => (c.payload.target as { node: string }).node);
    expect(nodes).toEqual(['pve1', 'pve2']);
    expect(p.refused).toHaveLength(1);
    expect(p.refused[0]).toMatchObject({ subject: 'vm ad28/db3', rule: 'capacity', action: 'create' });
    expect(p.refused[0]!.reason).toContain("anti-affinity group 'db'");
  });

  it.each([
    ['too much memory', { memoryMiB: 200000 }, 'pve1 has'],
    ['too many cores', { cores: 40 }, 'pve1 has'],
  ])('refuses a create with %s (capacity)', (_label, size, detail) => {
    const big = vm('ad28/big', 2801, size);
    const d = desired([big]);
    const p = plan(d, observed([site(d, [])]), NOW);
    expect(p.changes).toEqual([]);
    expect(rules(p)).toEqual(['capacity']);
    expect(p.refused[0]!.reason).toContain(detail);
  });

  it.each([
    ['an always-on node over an on-demand one with less room left', 'on-demand', 'always-on', 'pve2'],
    ['a windows node over an on-demand one', 'on-demand', 'windows', 'pve2'],
    ['best fit between two always-on nodes', 'always-on', 'always-on', 'pve1'],
  ] as const)('places a new VM on %s', (_name, pve1Policy, pve2Policy, expected) => {
    const d = desired([vm('ad28/web', 2801)]);
    d.nodes['pve1'] = node('pve1', { power: { ...d.nodes['pve1']!.power, policy: pve1Policy } });
    d.nodes['pve2'] = node('pve2', { power: { ...d.nodes['pve2']!.power, policy: pve2Policy } });
    // pve1 is the tighter fit: best fit alone would pick it.
    const busy = orphan('zz/other', 500, { node: 'pve1', maxmemMiB: 100000, maxcpu: 4 });
    const p = plan(d, observed([site(d, [busy])]), NOW);
    expect((byAction(p, 'create')[0]!.payload.target as { node: string }).node).toBe(expected);
  });

  it('overcommits vCPUs but never memory', () => {
    const d = desired([vm('ad28/web', 2801, { cores: 4, memoryMiB: 1024 })]);
    const cpuBusy = orphan('zz/cpu', 500, { node: 'pve1', maxcpu: 200, maxmemMiB: 1024 });
    const memBusy = orphan('zz/mem', 501, { node: 'pve2', maxcpu: 1, maxmemMiB: 114000 });
    const p = plan(d, observed([site(d, [cpuBusy, memBusy])]), NOW);
    expect((byAction(p, 'create')[0]!.payload.target as { node: string }).node).toBe('pve1');
  });

  it('does not place on an offline node or a node outside placement.nodes', () => {
    const web = vm('ad28/web', 2801, { placement: { nodes: ['pve1', 'pve2'] } });
    const d = desired([web], { nodes: { pve1: node('pve1'), pve2: node('pve2'), pve3: node('pve3') } });
    const s = site(d, []);
    s.nodes[0]!.status = 'offline';
    s.nodes.push({ site: 'paris', name: 'pve3', status: 'online', maxcpu: 24, maxmemMiB: 131072, cpu: 0, memUsedMiB: 0 });
    const p = plan(d, observed([s]), NOW);
    expect((byAction(p, 'create')[0]!.payload.target as { node: string }).node).toBe('pve2');
  });
});

describe('plan: foreign guests at a desired vmid', () => {
  it.each([
    ['unmanaged', { managed: undefined, tags: [], name: 'legacy' }, "vmid 2801 is taken by guest 'legacy' that marmite does not manage; adopt it explicitly or pick another vmid"],
    ['unmanaged', { managed: undefined, tags: [], template: true, name: 'tpl' }, "template 'tpl'"],
    ['ownership', { managed: { tenant: 'other', vm: 'x', specHash: 'abc' }, name: 'x.other' }, 'belongs to vm other/x'],
  ])('refuses with rule %s', (rule, overrides, reason) => {
    const web = vm('ad28/web', 2801);
    const d = desired([web]);
    const p = plan(d, observed([site(d, [guestFor(d, web, overrides)])]), NOW);
    expect(p.changes.filter((c) => c.subject === 'vm ad28/web')).toEqual([]);
    expect(p.refused.find((r) => r.subject === 'vm ad28/web')).toMatchObject({ rule, action: 'create' });
    expect(p.refused.find((r) => r.subject === 'vm ad28/web')!.reason).toContain(reason);
  });

  it('refuses to recreate a VM whose vmid changed in Git, and keeps the old guest', () => {
    const web = vm('ad28/web', 2802);
    const d = desired([web]);
    const old = guestFor(d, { ...web, vmid: 2801 }, { vmid: 2801 });
    const p = plan(d, observed([site(d, [old])]), NOW);
    expect(p.changes).toEqual([]);
    expect(rules(p)).toEqual(['renumber']);
  });
});

describe('plan: updates', () => {
  interface UpdateCase {
    name: string;
    status: 'running' | 'stopped';
    change: Partial<Vm>;
    fields: string[];
    mode: string;
    downtime: boolean;
  }
  const cases: UpdateCase[] = [
    { name: 'nics on a running guest are hot', status: 'running', change: { nics: [{ slot: 'net0', network: 'lan', bridge: 'vmbr1', firewall: true }] }, fields: ['nics', 'tags'], mode: 'hot', downtime: false },
    { name: 'cores on a running guest need a reboot', status: 'running', change: { cores: 4 }, fields: ['cores', 'tags'], mode: 'reboot', downtime: true },
    { name: 'memory on a stopped guest is offline', status: 'stopped', change: { memoryMiB: 4096, state: 'stopped' }, fields: ['memoryMiB', 'tags'], mode: 'offline', downtime: false },
    { name: 'protection is hot', status: 'running', change: { protected: true }, fields: ['protection', 'tags'], mode: 'hot', downtime: false },
    { name: 'cloud-init is hot', status: 'running', change: { cloudInit: { user: 'ada', sshKeys: ['ssh-ed25519 AAAA ada'], ip: { address: '10.0.0.5/24', gateway: '10.0.0.1' } } }, fields: ['cloudInit', 'tags'], mode: 'hot', downtime: false },
    { name: 'description is hot', status: 'running', change: { description: 'New text' }, fields: ['description', 'tags'], mode: 'hot', downtime: false },
  ];

  it.each(cases)('$name', ({ status, change, fields, mode, downtime }) => {
    const before = vm('ad28/web', 2801, { state: status });
    const after = vm('ad28/web', 2801, { state: status, ...change });
    const old = desired([before]);
    const d = desired([after]);
    const guest = guestFor(old, before, { status, config: configFor(old, before) });
    const p = plan(d, observed([site(d, [guest])]), NOW);
    const updates = byAction(p, 'update');
    expect(updates).toHaveLength(1);
    const u = updates[0]!;
    expect(u.id).toBe('proxmox:paris/vm/ad28/web:update');
    expect(u.payload.changedFields).toEqual(fields);
    expect(u.payload.target).toEqual(buildVmTarget(d, after, 'pve1'));
    expect(u.applyMode).toBe(mode);
    expect(u.downtime).toBe(downtime);
    expect(Object.keys(u.before!)).toEqual(fields);
    expect(u.fingerprint).toBe(guestFingerprint(guest));
    expect(p.drift).toEqual([]);
    if (downtime) expect(u.reason).toContain('downtime');
  });

  it('plans from /cluster/resources figures when the config was not read, writing the whole spec', () => {
    const before = vm('ad28/web', 2801);
    const after = vm('ad28/web', 2801, { memoryMiB: 4096 });
    const guest = guestFor(desired([before]), before);
    const d = desired([after]);
    const p = plan(d, observed([site(d, [guest])]), NOW);
    const u = byAction(p, 'update')[0]!;
    expect(u.before).toEqual({ memoryMiB: 2048, tags: guest.tags });
    expect(u.after).toMatchObject({ memoryMiB: 4096 });
    expect(u.payload.changedFields).toEqual(['cores', 'memoryMiB', 'nics', 'description', 'cloudInit', 'protection', 'ha', 'tags']);
    expect(u.applyMode).toBe('reboot');
    expect(u.reason).toContain('config not read');
  });

  it('rewrites only the tags when the hash changed but no guest field did', () => {
    const before = vm('ad28/web', 2801);
    const d = desired([before]);
    const guest = guestFor(d, before, { tags: ['h-stale', 'marmite', 't-ad28'], managed: { tenant: 'ad28', vm: 'web', specHash: 'stale' } });
    guest.config = configFor(d, before);
    const p = plan(d, observed([site(d, [guest])]), NOW);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]!.payload.changedFields).toEqual(['tags']);
    expect(p.changes[0]!.applyMode).toBe('hot');
  });

  it('finishes a half-created guest found by its description marker', () => {
    const web = vm('ad28/web', 2801);
    const d = desired([web]);
    const guest = guestFor(d, web, { tags: [], status: 'stopped', managed: { tenant: 'ad28', vm: 'web', specHash: '' }, maxcpu: 1, maxmemMiB: 512, config: configFor(d, web, { cores: 1, memoryMiB: 512 }) });
    const p = plan(d, observed([site(d, [guest])]), NOW);
    expect(p.changes.map((c) => c.action)).toEqual(['update', 'start']);
    expect(p.changes[0]!.reason).toContain('half-created');
    expect(p.changes[0]!.payload.changedFields).toEqual(['cores', 'memoryMiB', 'tags']);
  });

  it('adds a new disk slot through the update', () => {
    const before = vm('ad28/web', 2801);
    const after = vm('ad28/web', 2801, { disks: [...before.disks, { slot: 'scsi1', sizeGiB: 50, storage: 'vms' }] });
    const guest = guestFor(desired([before]), before, { config: configFor(desired([before]), before) });
    const d = desired([after]);
    const p = plan(d, observed([site(d, [guest])]), NOW);
    const u = byAction(p, 'update')[0]!;
    expect(u.payload.changedFields).toEqual(['disks', 'tags']);
    expect(u.after!.disks).toEqual([
      { slot: 'scsi0', storage: 'vms', sizeGiB: 20 },
      { slot: 'scsi1', storage: 'vms', sizeGiB: 50 },
    ]);
  });
});

describe('plan: disks', () => {
  it('grows a disk with a resize change per slot, chained after the update', () => {
    const before = vm('ad28/web', 2801, { disks: [{ slot: 'scsi0', sizeGiB: 20, storage: 'vms' }, { slot: 'scsi1', sizeGiB: 10, storage: 'vms' }] });
    const after = vm('ad28/web', 2801, { disks: [{ slot: 'scsi0', sizeGiB: 30, storage: 'vms' }, { slot: 'scsi1', sizeGiB: 15, storage: 'vms' }] });
    const old = desired([before]);
    const guest = guestFor(old, before, { config: configFor(old, before) });
    const d = desired([after]);
    const p = plan(d, observed([site(d, [guest])]), NOW);
    expect(p.changes.map((c) => c.id)).toEqual([
      'proxmox:paris/vm/ad28/web:update',
      'proxmox:paris/vm/ad28/web:resize:scsi0',
      'proxmox:paris/vm/ad28/web:resize:scsi1',
    ]);
    const resize = p.changes[1]!;
    expect(resize.payload).toEqual({ target: buildVmTarget(d, after, 'pve1'), slot: 'scsi0', sizeGiB: 30 });
    expect(resize.dependsOn).toEqual(['proxmox:paris/vm/ad28/web:update']);
    // The update converges the whole target (disks too), so the resizes expect the grown boot disk.
    const updated = { ...guest, tags: buildVmTarget(d, after, 'pve1').tags, maxdiskGiB: 30 };
    expect(p.changes[0]!.fingerprint).toBe(guestFingerprint(guest));
    expect(resize.fingerprint).toBe(guestFingerprint(updated));
    expect(p.changes[2]!.fingerprint).toBe(guestFingerprint(updated));
    expect(p.summary.update).toBe(3);
  });

  it('refuses a shrink and keeps the old spec hash so the refusal stays visible', () => {
    const before = vm('ad28/web', 2801, { disks: [{ slot: 'scsi0', sizeGiB: 40, storage: 'vms' }] });
    const after = vm('ad28/web', 2801, { disks: [{ slot: 'scsi0', sizeGiB: 20, storage: 'vms' }] });
    const old = desired([before]);
    const guest = guestFor(old, before, { config: configFor(old, before) });
    const d = desired([after]);
    const p = plan(d, observed([site(d, [guest])]), NOW);
    expect(byAction(p, 'resize')).toEqual([]);
    expect(p.refused).toEqual([expect.objectContaining({ rule: 'disk-shrink', action: 'resize', subject: 'vm ad28/web' })]);
    expect(p.changes).toEqual([]);
  });
});

describe('plan: drift', () => {
  it('reports config drift behind marmite\'s back and corrects it', () => {
    const web = vm('ad28/web', 2801);
    const d = desired([web]);
    const guest = guestFor(d, web, { maxmemMiB: 8192, config: configFor(d, web, { memoryMiB: 8192, protection: true }) });
    const p = plan(d, observed([site(d, [guest])]), NOW);
    expect(p.drift).toEqual([
      { subject: 'vm ad28/web', site: 'paris', field: 'memoryMiB', desired: 2048, observed: 8192, corrected: true },
      { subject: 'vm ad28/web', site: 'paris', field: 'protection', desired: false, observed: true, corrected: true },
    ]);
    const u = byAction(p, 'update')[0]!;
    expect(u.payload.changedFields).toEqual(['memoryMiB', 'protection']);
    expect(u.reason).toContain('changed outside marmite');
  });

  it('reports figure drift without a config read', () => {
    const web = vm('ad28/web', 2801);
    const d = desired([web]);
    const p = plan(d, observed([site(d, [guestFor(d, web, { maxcpu: 8 })])]), NOW);
    expect(p.drift).toEqual([{ subject: 'vm ad28/web', site: 'paris', field: 'cores', desired: 2, observed: 8, corrected: true }]);
    expect(byAction(p, 'update')[0]!.payload.changedFields).toEqual(['cores']);
  });

  it('does not call a Git change drift', () => {
    const before = vm('ad28/web', 2801);
    const guest = guestFor(desired([before]), before);
    const d = desired([vm('ad28/web', 2801, { cores: 4 })]);
    expect(plan(d, observed([site(d, [guest])]), NOW).drift).toEqual([]);
  });

  it('reports HA removed by hand', () => {
    const web = vm('ad28/web', 2801, { ha: true });
    const d = desired([web]);
    const guest = guestFor(d, web);
    delete guest.hastate;
    const p = plan(d, observed([site(d, [guest])]), NOW);
    expect(p.drift.map((x) => x.field)).toEqual(['ha']);
    expect(byAction(p, 'update')[0]!.applyMode).toBe('hot');
  });
});

describe('plan: power and placement of existing guests', () => {
  it.each([
    ['running', 'stopped', 'start', false, { vmid: 2801, node: 'pve1' }],
    ['stopped', 'running', 'shutdown', true, { vmid: 2801, node: 'pve1', timeoutSeconds: 180 }],
  ] as const)('desired %s, observed %s -> %s', (state, status, action, downtime, payload) => {
    const web = vm('ad28/web', 2801, { state });
    const d = desired([web]);
    const guest = guestFor(d, web, { status });
    const p = plan(d, observed([site(d, [guest])]), NOW);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({ action, downtime, payload, fingerprint: guestFingerprint(guest), dependsOn: [] });
    expect(p.drift).toEqual([]);
  });

  it('migrates a pinned VM, then starts it on its new node', () => {
    const web = vm('ad28/web', 2801, { placement: { node: 'pve2', nodes: [] } });
    const d = desired([web]);
    const guest = guestFor(d, web, { status: 'stopped' });
    const p = plan(d, observed([site(d, [guest])]), NOW);
    expect(p.changes.map((c) => c.action)).toEqual(['migrate', 'start']);
    expect(p.changes[0]!.payload).toEqual({ vmid: 2801, from: 'pve1', to: 'pve2', online: false });
    expect(p.changes[1]!.payload).toEqual({ vmid: 2801, node: 'pve2' });
    expect(p.changes[1]!.dependsOn).toEqual([p.changes[0]!.id]);
    expect(p.changes[1]!.fingerprint).toBe(guestFingerprint({ ...guest, node: 'pve2' }));
  });

  it('live-migrates a running pinned VM', () => {
    const web = vm('ad28/web', 2801, { placement: { node: 'pve2', nodes: [] } });
    const d = desired([web]);
    const p = plan(d, observed([site(d, [guestFor(d, web)])]), NOW);
    expect(p.changes.map((c) => c.payload)).toEqual([{ vmid: 2801, from: 'pve1', to: 'pve2', online: true }]);
  });
});

describe('plan: orphans and deletion', () => {
  const keep = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => vm(`ad28/keep${i}`, 2900 + i));

  function withOrphans(count: number, settings = {}, orphanOverrides = {}) {
    const d = desired(keep, {}, settings);
    const guests = [...keep.map((v) => guestFor(d, v)), ...Array.from({ length: count }, (_, i) => orphan(`ad28/gone${i}`, 3000 + i, orphanOverrides))];
    return plan(d, observed([site(d, guests)]), NOW);
  }

  it('deletes an orphan when prune is on and the guard allows it', () => {
    const p = withOrphans(1);
    expect(p.changes).toEqual([
      expect.objectContaining({ id: 'proxmox:paris/vm/ad28/gone0:delete', action: 'delete', downtime: true, payload: { vmid: 3000, node: 'pve2' } }),
    ]);
    expect(p.changes[0]!.fingerprint).toBe(guestFingerprint(orphan('ad28/gone0', 3000)));
    expect(p.summary.delete).toBe(1);
  });

  it('keeps orphans when prune is off, as uncorrected drift', () => {
    const p = withOrphans(1, { prune: false });
    expect(p.changes).toEqual([]);
    expect(rules(p)).toEqual(['prune-disabled']);
    expect(p.drift).toEqual([expect.objectContaining({ subject: 'vm ad28/gone0', corrected: false })]);
  });

  it('refuses to delete a protected orphan', () => {
    const web = vm('ad28/web', 2801);
    const p = withOrphans(1, {}, { config: { ...configFor(desired([web]), web), protection: true } });
    expect(p.changes).toEqual([]);
    expect(rules(p)).toEqual(['protected']);
  });

  it.each([
    ['count', 4, { maxCount: 3, maxPercent: 100 }, '4 of 12 managed guests (33.3%)'],
    ['share', 2, { maxCount: 10, maxPercent: 10 }, '2 of 10 managed guests (20%)'],
  ])('the deletion guard blocks every delete over its %s', (_what, count, guard, figures) => {
    const p = withOrphans(count, { deletionGuard: guard });
    expect(byAction(p, 'delete')).toEqual([]);
    expect(rules(p)).toEqual(Array(count).fill('deletion-guard'));
    expect(p.refused[0]!.reason).toContain(figures);
  });

  it('the deletion guard allows deletes at its limits', () => {
    const p = withOrphans(3, { deletionGuard: { maxCount: 3, maxPercent: 30 } });
    expect(byAction(p, 'delete')).toHaveLength(3);
    expect(p.refused).toEqual([]);
  });

  it('never lists an unmanaged guest as an orphan', () => {
    const d = desired([]);
    const foreign = orphan('x/legacy', 100, { managed: undefined, tags: ['prod'] });
    const p = plan(d, observed([site(d, [foreign])]), NOW);
    expect(p).toMatchObject({ changes: [], refused: [], drift: [] });
  });
});

describe('plan: unreachable site', () => {
  it('plans nothing there and refuses once with the error', () => {
    const web = vm('ad28/web', 2801);
    const d = desired([web]);
    const s = site(d, [orphan('ad28/gone', 3000)], { reachable: false, error: 'connect ECONNREFUSED' });
    const p = plan(d, observed([s]), NOW);
    expect(p.changes).toEqual([]);
    expect(p.refused).toEqual([{ subject: 'site paris', site: 'paris', action: 'ensure', rule: 'site-unreachable', reason: expect.stringContaining('ECONNREFUSED') }]);
  });

  it('treats a site missing from Observed as unreachable', () => {
    const web = vm('ad28/web', 2801);
    const p = plan(desired([web]), observed([]), NOW);
    expect(rules(p)).toEqual(['site-unreachable']);
  });
});

describe('plan: determinism', () => {
  function fixture() {
    const vms = Array.from({ length: 30 }, (_, i) => vm(`t${i % 3}/vm${i}`, 2000 + i, { cores: 1 + (i % 4), state: i % 5 === 0 ? 'stopped' : 'running' }));
    const d = desired(vms);
    const guests = vms.filter((_, i) => i % 2 === 0).map((v, i) => guestFor(d, v, { status: i % 3 === 0 ? 'stopped' : 'running', maxcpu: i % 4 === 0 ? 9 : v.cores }));
    guests.push(orphan('t1/gone', 3000), orphan('t2/gone', 3001));
    return { d, guests };
  }

  it('gives the same plan twice', () => {
    const { d, guests } = fixture();
    const o = observed([site(d, guests)]);
    expect(plan(d, o, NOW)).toEqual(plan(d, structuredClone(o), NOW));
  });

  it('gives the same plan JSON whatever order guests are listed in', () => {
    const { d, guests } = fixture();
    const reversed = [...guests].reverse();
    const rotated = [...guests.slice(7), ...guests.slice(0, 7)];
    const a = JSON.stringify(plan(d, observed([site(d, guests)]), NOW));
    expect(JSON.stringify(plan(d, observed([site(d, reversed)]), NOW))).toBe(a);
    expect(JSON.stringify(plan(d, observed([site(d, rotated)]), NOW))).toBe(a);
  });

  it('orders ensure, create, update, resize, migrate, start, shutdown, delete, and has unique ids', () => {
    const { d, guests } = fixture();
    const p = plan(d, observed([site(d, guests, { access: { pools: [], groups: [], acls: [] } })]), NOW);
    const order = ['ensure', 'create', 'update', 'resize', 'migrate', 'start', 'shutdown', 'delete'];
    const ranks = p.changes.map((c) => order.indexOf(c.action));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(new Set(p.changes.map((c) => c.id)).size).toBe(p.changes.length);
    const seen = new Set<string>();
    for (const c of p.changes) {
      for (const dep of c.dependsOn) expect(seen.has(dep)).toBe(true);
      seen.add(c.id);
    }
  });

  it('scales linearly: 5,000 VMs plan to 5,000 creates', () => {
    const vms = Array.from({ length: 5000 }, (_, i) => vm(`t${i % 50}/vm${i}`, 10000 + i, { cores: 1, memoryMiB: 64, state: 'stopped' }));
    const d = desired(vms, { nodes: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`pve${i}`, node(`pve${i}`, { usable: { cores: 1000, memoryMiB: 1_000_000 } })])) });
    const s = site(d, []);
    s.nodes = Object.keys(d.nodes).map((n) => ({ site: 'paris', name: n, status: 'online', maxcpu: 24, maxmemMiB: 131072, cpu: 0, memUsedMiB: 0 }));
    const p = plan(d, observed([s]), NOW);
    expect(p.summary.create).toBe(5000);
  });
});
