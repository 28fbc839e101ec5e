import { describe, expect, it } from 'vitest';
import { descriptionMarker, markerTags, readDescriptionMarker, shortHash } from '../../src/model/marker.js';
import type { Vm } from '../../src/model/desired.js';
import { buildVmTarget, vmSpecHash } from '../../src/plan/vm-target.js';
import { desired, vm } from './helpers.js';

describe('buildVmTarget', () => {
  it('builds the provider-neutral target of a VM', () => {
    const web = vm('ad28/web', 2801, { description: 'Website', ha: true, protected: true });
    const t = buildVmTarget(desired([web]), web, 'pve2');
    expect(t).toMatchObject({
      vmid: 2801,
      name: 'web.ad28',
      tenant: 'ad28',
      vm: 'web',
      site: 'paris',
      node: 'pve2',
      templateVmid: 9000,
      templateNode: 'pve1',
      pool: 'tenant-ad28',
      protection: true,
      running: true,
      ha: true,
      nics: [{ slot: 'net0', bridge: 'vmbr0', vlan: 10, firewall: true }],
    });
    expect(t.tags).toEqual(markerTags('ad28', t.specHash));
    expect(t.description.split('\n')[0]).toContain('Website');
    expect(t.description.split('\n')[1]).toBe(descriptionMarker('ad28', 'web'));
    expect(readDescriptionMarker(t.description)).toEqual({ tenant: 'ad28', vm: 'web' });
  });
});

describe('vmSpecHash', () => {
  const base = vm('ad28/web', 2801);
  const hashOf = (v: Vm, node = 'pve1') => buildVmTarget(desired([v]), v, node).specHash;

  it.each([
    ['the node', () => hashOf(base, 'pve2')],
    ['the power state', () => hashOf({ ...base, state: 'stopped' })],
    ['the template node', () => {
      const d = desired([base]);
      d.templates['debian-12']!.nodeBySite = { paris: 'pve2' };
      return buildVmTarget(d, base, 'pve1').specHash;
    }],
  ])('ignores %s', (_label, other) => {
    expect(other()).toBe(hashOf(base));
  });

  it.each([
    ['cores', { cores: 3 }],
    ['memory', { memoryMiB: 4096 }],
    ['disks', { disks: [{ slot: 'scsi0', sizeGiB: 21, storage: 'vms' }] }],
    ['nics', { nics: [{ slot: 'net0', network: 'lan', bridge: 'vmbr0', firewall: false }] }],
    ['cloud-init', { cloudInit: { sshKeys: [], ip: 'dhcp' as const } }],
    ['description', { description: 'x' }],
    ['protection', { protected: true }],
    ['ha', { ha: true }],
  ])('changes with %s', (_label, change) => {
    expect(hashOf({ ...base, ...change })).not.toBe(hashOf(base));
  });

  it.each([
    ['dhcp', base],
    ['a static address with optional fields', vm('ad28/db', 2802, { cloudInit: { user: 'u', sshKeys: ['k'], ip: { address: '10.0.0.2/24', gateway: '10.0.0.1' }, nameserver: '1.1.1.1' }, nics: [{ slot: 'net0', network: 'lan', bridge: 'vmbr0', firewall: true, mac: 'BC:24:11:00:00:02' }] })],
  ])('equals shortHash of the spec fields (%s)', (_label, v) => {
    const { node: _n, running: _r, tags: _t, specHash, templateNode: _tn, ...fields } = buildVmTarget(desired([v]), v, 'pve1');
    expect(specHash).toBe(shortHash(fields));
    expect(vmSpecHash(fields)).toBe(specHash);
  });
});
