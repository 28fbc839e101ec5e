import { describe, expect, it } from 'vitest';
import { validateObjects } from '../../src/validate/validate-objects.js';
import { baseRepo, loadedObjects } from './helpers/objects.js';

const NOW = new Date('2026-06-01T00:00:00Z');

function desiredOf(files: Record<string, string>) {
  const result = validateObjects(loadedObjects(files), { now: NOW });
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.desired!;
}

describe('resolve', () => {
  it('fills settings defaults', () => {
    // Arrange
    const files = { ...baseRepo(), 'marmite.yaml': 'formatVersion: 1\n' };
    // Act
    const d = desiredOf(files);
    // Assert
    expect(d.settings).toEqual({
      file: 'marmite.yaml',
      formatVersion: 1,
      timezone: 'UTC',
      prune: false,
      deletionGuard: { maxCount: 3, maxPercent: 10 },
      statusBranch: 'marmite/status',
      vmidRange: { from: 100, to: 999_999_999 },
    });
  });

  it('resolves node capacity, reserve and power durations', () => {
    const d = desiredOf(baseRepo());
    expect(d.nodes['pve1']).toMatchObject({
      pveNode: 'pve1',
      capacity: { cores: 16, memoryMiB: 65536 },
      usable: { cores: 14, memoryMiB: 61440 },
      roles: ['compute', 'ceph-osd'],
      bmc: { driver: 'none' },
      power: { policy: 'always-on', windows: [], bootSeconds: 300, shutdownSeconds: 180, minOnSeconds: 1800, minOffSeconds: 1800 },
    });
    expect(d.nodes['pve2']!.roles).toEqual(['compute']);
  });

  it('resolves a flavor VM with the template disk defaults', () => {
    const d = desiredOf(baseRepo());
    expect(d.vms['ad28/web']).toMatchObject({
      id: 'ad28/web',
      tenant: 'ad28',
      site: 'paris',
      cores: 2,
      memoryMiB: 4096,
      state: 'running',
      disks: [{ slot: 'scsi0', sizeGiB: 20, storage: 'local-lvm' }],
      nics: [{ slot: 'net0', network: 'lan', bridge: 'vmbr0', firewall: true }],
      schedule: { windows: [], shutdownTimeoutSeconds: 180 },
      cloudInit: { sshKeys: [], ip: 'dhcp' },
      placement: { nodes: [] },
      ha: false,
      protected: false,
    });
  });

  it('resolves explicit disks, slots, storages and a schedule', () => {
    const d = desiredOf(baseRepo());
    expect(d.vms['ad28/db']).toMatchObject({
      cores: 4,
      memoryMiB: 8192,
      disks: [
        { slot: 'scsi0', sizeGiB: 50, storage: 'local-lvm' },
        { slot: 'scsi1', sizeGiB: 100, storage: 'ad28' },
      ],
      nics: [{ slot: 'net0', firewall: false }],
      schedule: { windows: ['office-hours'] },
    });
  });

  it('uses the template disk when there is no flavor disk', () => {
    const files = { ...baseRepo(), 'tenants/ad28/vms/web.yaml': 'vmid: 1001\nflavor: large\ntemplate: debian-12\nnics: [{ network: lan }]\n' };
    const d = desiredOf(files);
    expect(d.vms['ad28/web']!.disks).toEqual([{ slot: 'scsi0', sizeGiB: 10, storage: 'local-lvm' }]);
  });

  it('rounds decimal disk sizes up to whole GiB', () => {
    const files = { ...baseRepo(), 'tenants/ad28/vms/web.yaml': 'vmid: 1001\nflavor: small\ntemplate: debian-12\ndisks: [{ size: 20GB }]\nnics: [{ network: lan }]\n' };
    const d = desiredOf(files);
    expect(d.vms['ad28/web']!.disks[0]!.sizeGiB).toBe(19);
  });

  it('resolves pools, windows, tenants and templates', () => {
    const d = desiredOf(baseRepo());
    expect(d.pools['ad28']).toMatchObject({ size: 3, minSize: 2, pgNum: 32, application: 'rbd', proxmoxStorage: true, tenant: 'ad28', quota: { maxBytes: 100 * 2 ** 30, maxObjects: 0 } });
    expect(d.windows['office-hours']).toEqual({
      file: 'power/office-hours.yaml',
      name: 'office-hours',
      timezone: 'Europe/Paris',
      periods: [{ kind: 'days', days: ['mon', 'tue', 'wed', 'thu', 'fri'], startMinute: 480, endMinute: 1140 }],
    });
    expect(d.tenants['ad28']!.quotas).toEqual({ vcpus: 16, memoryMiB: 32768, diskGiB: 500, vms: 5, cephBytes: 200 * 2 ** 30 });
    expect(d.templates['debian-12']).toMatchObject({ ostype: 'l26', diskGiB: 10, sites: ['paris'], nodeBySite: { paris: 'pve1' }, cloudInit: true });
  });

  it.each([
    ['no node given: the first node of the site by name', '', 'pve1'],
    ['the given node', '    node: pve2\n', 'proxmox-2'],
  ])('template nodeBySite: %s', (_label, nodeLine, expected) => {
    const files = {
      ...baseRepo(),
      'nodes/pve2.yaml': baseRepo()['nodes/pve2.yaml']!.replace('site: paris\n', 'site: paris\npveNode: proxmox-2\n'),
      'catalog/templates.yaml': `templates:\n  debian-12:\n    vmid: 9000\n    disk: 10GiB\n    storage: local-lvm\n${nodeLine}`,
    };
    const d = desiredOf(files);
    expect(d.templates['debian-12']!.nodeBySite).toEqual({ paris: expected });
  });

  it('resolves cron periods and window time zones', () => {
    const files = { ...baseRepo(), 'power/nightly.yaml': 'timezone: UTC\nperiods:\n  - schedule: "0 22 * * *"\n    duration: 1h30m\n' };
    const d = desiredOf(files);
    expect(d.windows['nightly']).toMatchObject({ timezone: 'UTC', periods: [{ kind: 'cron', schedule: '0 22 * * *', durationSeconds: 5400 }] });
  });

  it('defaults a VM site only when the tenant has exactly one site', () => {
    const files = {
      ...baseRepo(),
      'sites/lyon.yaml': 'proxmox: { endpoint: https://pve.lyon.example:8006, credential: pve-lyon }\nnetworks: { lan: { bridge: vmbr0 } }\n',
      'tenants/ad28/tenant.yaml': baseRepo()['tenants/ad28/tenant.yaml']!.replace('sites: [paris]', 'sites: [paris, lyon]'),
    };
    const r = validateObjects(loadedObjects(files), { now: NOW });
    expect(r.desired).toBeUndefined();
    expect(r.diagnostics.filter((d) => d.code === 'missing-site').map((d) => d.file)).toEqual(['tenants/ad28/vms/db.yaml', 'tenants/ad28/vms/web.yaml']);
  });

  it('gives no desired state when there is an error', () => {
    const files = { ...baseRepo(), 'tenants/ad28/vms/web.yaml': 'vmid: 1001\nflavor: nope\ntemplate: debian-12\nnics: [{ network: lan }]\n' };
    const r = validateObjects(loadedObjects(files), { now: NOW });
    expect(r.desired).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toContain('unknown-reference');
  });
});
