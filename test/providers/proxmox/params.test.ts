import { describe, expect, it } from 'vitest';
import { vmTarget } from './fixtures.js';
import { desiredConfig, diffConfig, diskWork, encodeSshKeys, ipconfigValue, nicValue } from '../../../src/providers/proxmox/params.js';

describe('values', () => {
  it.each([
    { nic: { slot: 'net0', bridge: 'vmbr0', vlan: 20, firewall: true }, mac: undefined, expected: 'virtio,bridge=vmbr0,tag=20,firewall=1' },
    { nic: { slot: 'net0', bridge: 'vmbr1', firewall: false }, mac: 'bc:24:11:00:00:01', expected: 'virtio=BC:24:11:00:00:01,bridge=vmbr1,firewall=0' },
  ])('nic $expected', ({ nic, mac, expected }) => {
    expect(nicValue(nic, mac)).toBe(expected);
  });

  it.each([
    { ip: 'dhcp' as const, expected: 'ip=dhcp' },
    { ip: { address: '10.0.0.5/24', gateway: '10.0.0.1' }, expected: 'ip=10.0.0.5/24,gw=10.0.0.1' },
    { ip: { address: '10.0.0.5/24' }, expected: 'ip=10.0.0.5/24' },
  ])('ipconfig $expected', ({ ip, expected }) => {
    expect(ipconfigValue(ip)).toBe(expected);
  });

  it('encodes ssh keys with %20 for spaces and %0A between keys', () => {
    expect(encodeSshKeys(['ssh-ed25519 AAAA a@b', 'ssh-rsa B+/='])).toBe('ssh-ed25519%20AAAA%20a%40b%0Assh-rsa%20B%2B%2F%3D');
  });

  it('always puts the description marker in the description', () => {
    expect(desiredConfig(vmTarget()).description).toBe('web server\nmarmite-managed: ad28/web');
  });
});

describe('diffConfig', () => {
  it('sets only what differs, keeps the MAC, deletes extra NICs', () => {
    // Arrange
    const current = {
      cores: 2, memory: '1024', description: 'web server\nmarmite-managed: ad28/web', ipconfig0: 'ip=dhcp',
      sshkeys: 'ssh-ed25519%20AAAA%20me%40host', protection: 0, onboot: 1, ciuser: 'debian', nameserver: '1.1.1.1',
      net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1', net1: 'virtio=BC:24:11:00:00:02,bridge=vmbr9',
    };

    // Act
    const diff = diffConfig(vmTarget(), current);

    // Assert
    expect(diff).toEqual({ set: { memory: 2048, net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=20,firewall=1' }, delete: ['nameserver', 'net1'] });
  });
});

describe('diskWork', () => {
  it.each([
    { current: { scsi0: 'local-lvm:vm-120-disk-0,size=10G' }, expected: { add: {}, grow: [{ slot: 'scsi0', sizeGiB: 20 }] } },
    { current: { scsi0: 'local-lvm:vm-120-disk-0,size=40G' }, expected: { add: {}, grow: [] } },
    { current: {}, expected: { add: { scsi0: 'local-lvm:20' }, grow: [] } },
  ])('grows only, adds missing: $expected', ({ current, expected }) => {
    expect(diskWork(vmTarget(), current)).toEqual(expected);
  });
});
