import { describe, expect, it } from 'vitest';
import { mapConfig, mapGuest, mapQuorate, parseDisk, parseNic, pendingKeys, splitTags, withDescriptionMarker } from '../../../src/providers/proxmox/map.js';

describe('mapGuest', () => {
  it('maps a /cluster/resources entry with Perl-style values', () => {
    // Arrange
    const r = { id: 'qemu/120', type: 'qemu', vmid: '120', name: 'web.ad28', node: 'pve1', status: 'running', template: 0, tags: 'h-abc;marmite;t-ad28', maxmem: 2147483648, maxdisk: 34359738368, maxcpu: 2, pool: 'tenant-ad28' };

    // Act
    const g = mapGuest('paris', r);

    // Assert
    expect(g).toEqual({
      site: 'paris', vmid: 120, name: 'web.ad28', node: 'pve1', type: 'qemu', status: 'running', template: false,
      tags: ['h-abc', 'marmite', 't-ad28'], pool: 'tenant-ad28', maxcpu: 2, maxmemMiB: 2048, maxdiskGiB: 32,
      managed: { tenant: 'ad28', vm: 'web', specHash: 'abc' },
    });
  });

  it.each([
    { tags: 'a;b', expected: ['a', 'b'] },
    { tags: 'a,b c', expected: ['a', 'b', 'c'] },
    { tags: '', expected: [] },
    { tags: undefined, expected: [] },
  ])('splits tags $tags', ({ tags, expected }) => {
    expect(splitTags(tags)).toEqual(expected);
  });
});

describe('config parsing', () => {
  it.each([
    { slot: 'scsi0', value: 'local-lvm:vm-120-disk-0,size=32G', expected: { slot: 'scsi0', storage: 'local-lvm', sizeGiB: 32 } },
    { slot: 'virtio1', value: 'ceph:vm-120-disk-1,discard=on,size=512M', expected: { slot: 'virtio1', storage: 'ceph', sizeGiB: 0.5 } },
    { slot: 'ide2', value: 'local-lvm:vm-120-cloudinit,media=cdrom', expected: undefined },
    { slot: 'sata0', value: 'none,media=cdrom', expected: undefined },
  ])('reads disk $slot', ({ slot, value, expected }) => {
    expect(parseDisk(slot, value)).toEqual(expected);
  });

  it.each([
    { value: 'virtio=bc:24:11:00:00:01,bridge=vmbr0,tag=20,firewall=1', expected: { slot: 'net0', bridge: 'vmbr0', vlan: 20, firewall: true, mac: 'BC:24:11:00:00:01' } },
    { value: 'e1000=BC:24:11:00:00:02,bridge=vmbr1', expected: { slot: 'net0', bridge: 'vmbr1', firewall: false, mac: 'BC:24:11:00:00:02' } },
  ])('reads nic $value', ({ value, expected }) => {
    expect(parseNic('net0', value)).toEqual(expected);
  });

  it('maps a whole config with URL-encoded ssh keys and pending keys', () => {
    // Arrange
    const config = {
      cores: 2, memory: '2048', scsi0: 'local-lvm:vm-1-disk-0,size=10G', ide2: 'local-lvm:vm-1-cloudinit,media=cdrom',
      net0: 'virtio=BC:24:11:00:00:01,bridge=vmbr0', sshkeys: 'ssh-ed25519%20AAAA%20a%40b%0Assh-rsa%20BBBB', ciuser: 'debian',
      ipconfig0: 'ip=dhcp', protection: 1, onboot: 0, digest: 'd1', description: 'x',
    };

    // Act
    const c = mapConfig(config, pendingKeys([{ key: 'memory', value: '2048', pending: '4096' }, { key: 'cores', value: '2' }, { key: 'net1', delete: 1 }]));

    // Assert
    expect(c).toEqual({
      cores: 2, memoryMiB: 2048, disks: [{ slot: 'scsi0', storage: 'local-lvm', sizeGiB: 10 }],
      nics: [{ slot: 'net0', bridge: 'vmbr0', firewall: false, mac: 'BC:24:11:00:00:01' }], description: 'x', ciuser: 'debian',
      sshkeys: ['ssh-ed25519 AAAA a@b', 'ssh-rsa BBBB'], ipconfig0: 'ip=dhcp', protection: true, onboot: false,
      pending: ['memory', 'net1'], digest: 'd1',
    });
  });
});

describe('mapQuorate', () => {
  it.each([
    { status: [{ type: 'cluster', quorate: 1 }, { type: 'node', name: 'a' }], expected: true },
    { status: [{ type: 'cluster', quorate: 0 }], expected: false },
    { status: [{ type: 'node', name: 'standalone' }], expected: true },
  ])('reads $expected', ({ status, expected }) => {
    expect(mapQuorate(status)).toBe(expected);
  });
});

describe('withDescriptionMarker', () => {
  it.each([
    { description: 'hello\nmarmite-managed: ad28/web', managed: { tenant: 'ad28', vm: 'web', specHash: '' } },
    { description: 'hello', managed: undefined },
  ])('recognises a half-created guest from "$description"', ({ description, managed }) => {
    // Arrange
    const guest = { ...mapGuest('s', { type: 'qemu', vmid: 120, name: 'web.ad28', node: 'n' }), config: mapConfig({ description }, []) };

    // Act
    const out = withDescriptionMarker(guest);

    // Assert
    expect(out.managed).toEqual(managed);
  });
});
