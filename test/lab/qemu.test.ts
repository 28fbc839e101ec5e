import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { SEED, call, finish, nonConforming, ok, taskStatus } from './helpers.js';

let lab: Lab;
beforeEach(async () => {
  lab = await startLab({ seed: SEED });
});
afterEach(async () => {
  expect(nonConforming(lab)).toEqual([]);
  await lab.close();
});

type Config = Record<string, string | number>;

async function cloneVm(newid: number, params: Record<string, string | number> = {}): Promise<void> {
  const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid, name: `vm${newid}`, full: 1, ...params } });
  expect((await finish(lab, upid)).exitstatus).toBe('OK');
}

async function startVm(vmid: number, node = 'pve1'): Promise<string | undefined> {
  const upid = await ok<string>(lab, 'POST', `/nodes/${node}/qemu/${vmid}/status/start`);
  return (await finish(lab, upid)).exitstatus;
}

describe('tasks on the virtual clock', () => {
  it('a clone runs for about 30 s, then stops with OK', async () => {
    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 100, name: 'web' } });

    const early = await taskStatus(lab, upid);
    lab.clock.advance(29);
    const stillRunning = await taskStatus(lab, upid);
    lab.clock.advance(2);
    const done = await taskStatus(lab, upid);

    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmclone:9000:marmite@pve!lab:$/);
    expect([early.status, stillRunning.status, done.status]).toEqual(['running', 'running', 'stopped']);
    expect(done.exitstatus).toBe('OK');
  });

  it('the new VM is locked (clone) until the task ends', async () => {
    await ok(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 100 } });

    const r = await call(lab, 'POST', '/nodes/pve1/qemu/100/status/start');
    const resources = await ok<{ vmid: number; lock?: string }[]>(lab, 'GET', '/cluster/resources', { params: { type: 'vm' } });

    expect(r.status).toBe(500);
    expect(r.statusText).toBe('VM is locked (clone)');
    expect(resources.find((x) => x.vmid === 100)?.lock).toBe('clone');
  });

  it('a task log ends with TASK OK', async () => {
    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 100 } });
    lab.clock.advance(60);

    const log = await ok<{ n: number; t: string }[]>(lab, 'GET', `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`);
    const tasks = await ok<{ upid: string; status?: string }[]>(lab, 'GET', '/cluster/tasks');

    expect(log.at(-1)).toEqual({ n: log.length, t: 'TASK OK' });
    expect(tasks.find((t) => t.upid === upid)?.status).toBe('OK');
  });
});

describe('create and clone', () => {
  it('refuses an existing vmid with PVE words, before any task', async () => {
    const r = await call(lab, 'POST', '/nodes/pve2/qemu', { params: { vmid: 9000, name: 'dup' } });

    expect(r.status).toBe(500);
    expect(r.statusText).toBe("unable to create VM 9000 - VM 9000 already exists on node 'pve1'");
  });

  it('clones into a pool with a new name, fresh disks and a new MAC', async () => {
    await ok(lab, 'POST', '/pools', { params: { poolid: 'tenant-a' } });
    await cloneVm(100, { pool: 'tenant-a', storage: 'ceph-vm' });

    const config = await ok<Config>(lab, 'GET', '/nodes/pve1/qemu/100/config');
    const template = await ok<Config>(lab, 'GET', '/nodes/pve1/qemu/9000/config');
    const resources = await ok<{ vmid: number; pool?: string; template: number }[]>(lab, 'GET', '/cluster/resources', { params: { type: 'vm' } });

    expect(config['name']).toBe('vm100');
    expect(config['scsi0']).toBe('ceph-vm:vm-100-disk-0,size=4G');
    expect(config['template']).toBeUndefined();
    expect(config['net0']).not.toBe(template['net0']);
    expect(resources.find((x) => x.vmid === 100)).toMatchObject({ pool: 'tenant-a', template: 0 });
  });

  it('creates a VM from parameters, allocating STORAGE:SIZE disks', async () => {
    const upid = await ok<string>(lab, 'POST', '/nodes/pve2/qemu', {
      params: { vmid: 200, name: 'db', cores: 2, memory: '4096', scsi0: 'local-lvm:10', net0: 'virtio,bridge=vmbr0,tag=20', ide2: 'local-lvm:cloudinit' },
    });
    await finish(lab, upid);

    const config = await ok<Config>(lab, 'GET', '/nodes/pve2/qemu/200/config');

    expect(config).toMatchObject({ cores: 2, memory: '4096', scsi0: 'local-lvm:vm-200-disk-0,size=10G', ide2: 'local-lvm:vm-200-cloudinit,media=cdrom' });
    expect(String(config['net0'])).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0,tag=20$/);
  });

  it.each([
    ['a local-storage VM to another node', 9001, 'pve2', {}, "can't clone VM to node 'pve2' (VM uses local storage)"],
    ['a local-storage VM to another node, even full onto local storage', 9001, 'pve2', { full: 1, storage: 'local-lvm' }, "can't clone VM to node 'pve2' (VM uses local storage)"],
    ['a shared-storage VM to another node onto local storage', 9000, 'pve2', { full: 1, storage: 'local-lvm' }, "can't clone VM to node 'pve2' (VM uses local storage)"],
    ['to an offline node', 9000, 'pve3', {}, "target node 'pve3' is not online"],
  ])('cannot clone %s', async (_name, vmid, target, extra, message) => {
    const r = await call(lab, 'POST', `/nodes/pve1/qemu/${vmid}/clone`, { params: { newid: 101, target, ...extra } });

    expect([r.status, r.statusText]).toEqual([500, message]);
  });

  it('clones a template to another node on shared storage', async () => {
    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 101, target: 'pve2' } });
    await finish(lab, upid);

    const config = await ok<Config>(lab, 'GET', '/nodes/pve2/qemu/101/config');

    expect(config['scsi0']).toBe('ceph-vm:base-9000-disk-0/vm-101-disk-0,size=4G');
  });
});

describe('config, pending and hotplug', () => {
  it('keeps cloud-init fields as PVE stores them (sshkeys URL-encoded, tags ;-separated)', async () => {
    await cloneVm(100);
    const keys = encodeURIComponent('ssh-ed25519 AAAAC3Nz me@example.org\n');

    await ok(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params: { ciuser: 'debian', sshkeys: keys, ipconfig0: 'ip=10.1.0.5/24,gw=10.1.0.1', nameserver: '10.1.0.1', tags: 'marmite;tenant-a', description: 'spec=abc' } });
    const config = await ok<Config>(lab, 'GET', '/nodes/pve1/qemu/100/config');

    expect(config).toMatchObject({ ciuser: 'debian', sshkeys: keys, ipconfig0: 'ip=10.1.0.5/24,gw=10.1.0.1', tags: 'marmite;tenant-a', description: 'spec=abc' });
  });

  it('a stopped VM takes every change at once', async () => {
    await cloneVm(100);

    await ok(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params: { cores: 2, memory: '1024' } });
    const pending = await ok<{ key: string; pending?: unknown }[]>(lab, 'GET', '/nodes/pve1/qemu/100/pending');

    expect(pending.filter((p) => p.pending !== undefined)).toEqual([]);
  });

  it.each([
    ['cores', { cores: 2 }, true],
    ['memory', { memory: '1024' }, true],
    ['ciuser (cloudinit hotplug is off by default)', { ciuser: 'admin' }, true],
    ['net1 (network hotplug)', { net1: 'virtio,bridge=vmbr1' }, false],
    ['scsi1 (disk hotplug)', { scsi1: 'ceph-vm:8' }, false],
    ['name (fast-plug)', { name: 'renamed' }, false],
    ['protection (fast-plug)', { protection: 1 }, false],
  ])('on a running VM, %s goes to pending: %s', async (_name, params, isPending) => {
    await cloneVm(100);
    await startVm(100);
    const key = Object.keys(params)[0]!;

    await ok(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params });
    const pending = await ok<{ key: string; pending?: unknown }[]>(lab, 'GET', '/nodes/pve1/qemu/100/pending');
    const current = await ok<Config>(lab, 'GET', '/nodes/pve1/qemu/100/config', { params: { current: 1 } });

    expect(pending.some((p) => p.key === key && p.pending !== undefined)).toBe(isPending);
    expect(key in current).toBe(!isPending || key === 'cores' || key === 'memory');
  });

  it('pending changes apply on reboot', async () => {
    await cloneVm(100);
    await startVm(100);
    await ok(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params: { cores: 2 } });

    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/100/status/reboot');
    await finish(lab, upid);
    const current = await ok<Config>(lab, 'GET', '/nodes/pve1/qemu/100/config', { params: { current: 1 } });
    const pending = await ok<{ pending?: unknown }[]>(lab, 'GET', '/nodes/pve1/qemu/100/pending');

    expect(current['cores']).toBe(2);
    expect(pending.filter((p) => p.pending !== undefined)).toEqual([]);
  });

  it('refuses a stale digest', async () => {
    await cloneVm(100);
    const { digest } = await ok<{ digest: string }>(lab, 'GET', '/nodes/pve1/qemu/100/config');
    lab.sites['paris']!.cluster.editGuestConfig(100, { description: 'edited in the GUI' });

    const r = await call(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params: { cores: 2, digest } });

    expect(r.status).toBe(500);
    expect(r.statusText).toBe('checksum mismatch (file change by other user?)');
  });

  it('deleting a disk keeps its volume as unused0', async () => {
    await cloneVm(100);
    await ok(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params: { scsi1: 'ceph-vm:8' } });

    await ok(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params: { delete: 'scsi1' } });
    const config = await ok<Config>(lab, 'GET', '/nodes/pve1/qemu/100/config');

    expect(config['scsi1']).toBeUndefined();
    expect(config['unused0']).toBe('ceph-vm:vm-100-disk-1');
  });

  it('POST config runs as a task', async () => {
    await cloneVm(100);

    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/100/config', { params: { cores: 3 } });
    const status = await finish(lab, upid);
    const config = await ok<Config>(lab, 'GET', '/nodes/pve1/qemu/100/config');

    expect(status.type).toBe('qmconfig');
    expect(config['cores']).toBe(3);
  });
});

describe('disks only grow', () => {
  it.each([
    ['+6G', 'ceph-vm:vm-100-disk-0,size=10G'],
    ['12G', 'ceph-vm:vm-100-disk-0,size=12G'],
  ])('resize %s', async (size, expected) => {
    await cloneVm(100);

    const upid = await ok<string>(lab, 'PUT', '/nodes/pve1/qemu/100/resize', { params: { disk: 'scsi0', size } });
    await finish(lab, upid);
    const config = await ok<Config>(lab, 'GET', '/nodes/pve1/qemu/100/config');

    expect(config['scsi0']).toBe(expected);
  });

  it('refuses to shrink', async () => {
    await cloneVm(100);

    const r = await call(lab, 'PUT', '/nodes/pve1/qemu/100/resize', { params: { disk: 'scsi0', size: '2G' } });

    expect(r.status).toBe(500);
    expect(r.statusText).toBe('shrinking disks is not supported');
  });
});

describe('capacity', () => {
  it('a VM with more cores than the node has cannot be configured so', async () => {
    await cloneVm(100);

    const r = await call(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params: { cores: 16 } });

    expect(r.status).toBe(500);
    expect(r.statusText).toBe('MAX 8 vcpus allowed per VM on this node');
  });

  it('the start task fails when the node has no memory left', async () => {
    await cloneVm(100);
    await cloneVm(101);
    await ok(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params: { memory: '12288' } });
    await ok(lab, 'PUT', '/nodes/pve1/qemu/101/config', { params: { memory: '8192' } });

    const first = await startVm(100);
    const second = await startVm(101);

    expect(first).toBe('OK');
    expect(second).toBe("start failed: not enough memory on node 'pve1' (VM 101 needs 8192 MiB, 4096 MiB free)");
  });

  it('a template cannot start', async () => {
    expect(await startVm(9000)).toBe("you can't start a vm if it's a template");
  });
});

describe('destroy', () => {
  it('refuses a protected VM with PVE text', async () => {
    await cloneVm(100);
    await ok(lab, 'PUT', '/nodes/pve1/qemu/100/config', { params: { protection: 1 } });

    const r = await call(lab, 'DELETE', '/nodes/pve1/qemu/100', { params: { purge: 1 } });

    expect(r.status).toBe(500);
    expect(r.statusText).toBe("can't remove VM 100 - protection mode enabled");
  });

  it('purges a VM, its pool membership and HA resource', async () => {
    await ok(lab, 'POST', '/pools', { params: { poolid: 't' } });
    await cloneVm(100, { pool: 't' });
    await ok(lab, 'POST', '/cluster/ha/resources', { params: { sid: 'vm:100', state: 'stopped' } });

    const upid = await ok<string>(lab, 'DELETE', '/nodes/pve1/qemu/100', { params: { purge: 1, 'destroy-unreferenced-disks': 1 } });
    await finish(lab, upid);

    expect(await ok(lab, 'GET', '/cluster/ha/resources')).toEqual([]);
    expect(await ok(lab, 'GET', '/pools', { params: { poolid: 't' } })).toEqual([{ poolid: 't', members: [] }]);
    expect((await call(lab, 'GET', '/nodes/pve1/qemu/100/config')).status).toBe(500);
  });

  it('refuses an HA-managed VM without purge', async () => {
    await cloneVm(100);
    await ok(lab, 'POST', '/cluster/ha/resources', { params: { sid: 'vm:100' } });

    const r = await call(lab, 'DELETE', '/nodes/pve1/qemu/100');

    expect(r.statusText).toBe('unable to remove VM 100 - used in HA resources and purge parameter not set.');
  });
});

describe('migration', () => {
  it('GET migrate lists the preconditions', async () => {
    await cloneVm(100);

    const pre = await ok<{ running: number; allowed_nodes?: string[]; local_disks: unknown[] }>(lab, 'GET', '/nodes/pve1/qemu/100/migrate');

    expect(pre).toMatchObject({ running: 0, allowed_nodes: ['pve2'], local_disks: [] });
  });

  it('a running VM needs online=1', async () => {
    await cloneVm(100);
    await startVm(100);

    const r = await call(lab, 'POST', '/nodes/pve1/qemu/100/migrate', { params: { target: 'pve2' } });

    expect(r.statusText).toBe("can't migrate running VM without --online");
  });

  it('the target must be online', async () => {
    await cloneVm(100);

    const r = await call(lab, 'POST', '/nodes/pve1/qemu/100/migrate', { params: { target: 'pve3' } });

    expect(r.statusText).toBe("target node 'pve3' is not online");
  });

  it('a live migration takes 20 s per GiB of memory and moves the VM', async () => {
    await cloneVm(100);
    await startVm(100);

    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/100/migrate', { params: { target: 'pve2', online: 1 } });
    lab.clock.advance(39);
    const during = await taskStatus(lab, upid);
    lab.clock.advance(2);
    const after = await taskStatus(lab, upid);
    const resources = await ok<{ vmid: number; node: string; status: string }[]>(lab, 'GET', '/cluster/resources', { params: { type: 'vm' } });

    expect([during.status, after.status, after.exitstatus]).toEqual(['running', 'stopped', 'OK']);
    expect(resources.find((r) => r.vmid === 100)).toMatchObject({ node: 'pve2', status: 'running' });
  });

  it('local disks need with-local-disks', async () => {
    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9001/clone', { params: { newid: 101 } });
    await finish(lab, upid);

    const r = await call(lab, 'POST', '/nodes/pve1/qemu/101/migrate', { params: { target: 'pve2' } });

    expect(r.status).toBe(500);
    expect(r.statusText).toMatch(/^can't migrate local disk 'local-lvm:/);
  });
});
