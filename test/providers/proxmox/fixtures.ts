import type { VmTarget } from '../../../src/model/plan.js';

export function vmTarget(over: Partial<VmTarget> = {}): VmTarget {
  return {
    vmid: 120, name: 'web.ad28', tenant: 'ad28', vm: 'web', site: 'paris', node: 'pve1', templateVmid: 9000, templateNode: 'pve1',
    cores: 2, memoryMiB: 2048, disks: [{ slot: 'scsi0', storage: 'local-lvm', sizeGiB: 20 }],
    nics: [{ slot: 'net0', bridge: 'vmbr0', vlan: 20, firewall: true }],
    cloudInit: { user: 'debian', sshKeys: ['ssh-ed25519 AAAA me@host'], ip: 'dhcp' },
    description: 'web server', tags: ['marmite', 't-ad28', 'h-abc'], pool: 'tenant-ad28', protection: false, running: true, ha: false, specHash: 'abc',
    ...over,
  };
}
