import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { SEED, call, finish, nonConforming, ok } from './helpers.js';

let lab: Lab;
beforeEach(async () => {
  lab = await startLab({ seed: SEED });
});
afterEach(async () => {
  expect(nonConforming(lab)).toEqual([]);
  await lab.close();
});

async function cloneVm(newid: number): Promise<void> {
  await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid, name: `vm${newid}` } }));
}

describe('cluster views', () => {
  it.each([
    ['vm', ['qemu']],
    ['node', ['node']],
    ['storage', ['storage']],
    [undefined, ['node', 'pool', 'qemu', 'storage']],
  ])('/cluster/resources type=%s', async (type, kinds) => {
    await ok(lab, 'POST', '/pools', { params: { poolid: 'p1' } });

    const res = await ok<{ type: string }[]>(lab, 'GET', '/cluster/resources', type ? { params: { type } } : {});

    expect([...new Set(res.map((r) => r.type))].sort()).toEqual(kinds);
  });

  it('/cluster/status counts quorum from online nodes', async () => {
    lab.faults.nodeOffline('pve2');

    const status = await ok<{ type: string; quorate?: number }[]>(lab, 'GET', '/cluster/status');

    expect(status.find((s) => s.type === 'cluster')?.quorate).toBe(0);
  });

  it('/nodes and /nodes/{node}/status show capacity and use', async () => {
    const nodes = await ok<{ node: string; status: string; maxcpu: number }[]>(lab, 'GET', '/nodes');
    const status = await ok<{ cpuinfo: { cpus: number }; memory: { total: number } }>(lab, 'GET', '/nodes/pve2/status');

    expect(nodes.map((n) => [n.node, n.status, n.maxcpu])).toEqual([['pve1', 'online', 8], ['pve2', 'online', 4], ['pve3', 'offline', 4]]);
    expect(status.cpuinfo.cpus).toBe(4);
    expect(status.memory.total).toBe(8192 * 1024 * 1024);
  });

  it('/nodes/{node}/storage reports usage from the disks on it', async () => {
    await cloneVm(100);

    const storages = await ok<{ storage: string; used: number; total: number }[]>(lab, 'GET', '/nodes/pve1/storage');
    const list = await ok<{ storage: string }[]>(lab, 'GET', '/storage');

    expect(storages.find((s) => s.storage === 'ceph-vm')?.used).toBe(8 * 1024 ** 3); // template + clone
    expect(list.map((s) => s.storage)).toEqual(['local-lvm', 'ceph-vm']);
  });

  it('status/current of a running VM', async () => {
    await cloneVm(100);
    await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve1/qemu/100/status/start'));

    const cur = await ok<{ status: string; uptime: number }>(lab, 'GET', '/nodes/pve1/qemu/100/status/current');

    expect(cur.status).toBe('running');
    expect(cur.uptime).toBeGreaterThan(0);
  });
});

describe('node power', () => {
  it('shutdown takes the node off after its shutdown time and stops its guests', async () => {
    await cloneVm(100);
    await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve1/qemu/100/status/start'));

    await ok(lab, 'POST', '/nodes/pve1/status', { params: { command: 'shutdown' } });
    const before = lab.sites['paris']!.cluster.nodes.get('pve1')!.status;
    lab.clock.advance(31);
    const nodes = await ok<{ node: string; status: string }[]>(lab, 'GET', '/nodes');

    expect(before).toBe('online');
    expect(nodes.find((n) => n.node === 'pve1')?.status).toBe('offline');
    expect(lab.sites['paris']!.cluster.guests.get(100)?.status).toBe('stopped');
  });

  it('wakeonlan boots an offline node after bootSeconds', async () => {
    const mac = await ok<string>(lab, 'POST', '/nodes/pve3/wakeonlan');
    lab.clock.advance(59);
    const during = lab.sites['paris']!.cluster.nodes.get('pve3')!.status;
    lab.clock.advance(2);
    const after = lab.sites['paris']!.cluster.nodes.get('pve3')!.status;

    expect(mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect([during, after]).toEqual(['offline', 'online']);
  });

  it('draws idle watts when idle and nothing when off', () => {
    const c = lab.sites['paris']!.cluster;

    expect(c.powerWatts('pve3')).toBe(0);
    expect(c.powerWatts('pve2')).toBeGreaterThanOrEqual(60);
  });
});

describe('pools', () => {
  it('adds members with vms= and removes them with delete=1', async () => {
    await cloneVm(100);
    await cloneVm(101);
    await ok(lab, 'POST', '/pools', { params: { poolid: 'tenant-a', comment: 'A' } });

    await ok(lab, 'PUT', '/pools', { params: { poolid: 'tenant-a', vms: '100,101' } });
    await ok(lab, 'PUT', '/pools', { params: { poolid: 'tenant-a', vms: '101', delete: 1 } });
    const [pool] = await ok<{ poolid: string; comment: string; members: { vmid: number }[] }[]>(lab, 'GET', '/pools', { params: { poolid: 'tenant-a' } });

    expect(pool?.members.map((m) => m.vmid)).toEqual([100]);
    expect(pool?.comment).toBe('A');
  });

  it('refuses to delete a pool that still has members', async () => {
    await cloneVm(100);
    await ok(lab, 'POST', '/pools', { params: { poolid: 'tenant-a' } });
    await ok(lab, 'PUT', '/pools', { params: { poolid: 'tenant-a', vms: '100' } });

    const r = await call(lab, 'DELETE', '/pools', { params: { poolid: 'tenant-a' } });

    expect(r.statusText).toBe("pool 'tenant-a' is not empty");
  });

  it('a VM belongs to one pool unless allow-move', async () => {
    await cloneVm(100);
    await ok(lab, 'POST', '/pools', { params: { poolid: 'a' } });
    await ok(lab, 'POST', '/pools', { params: { poolid: 'b' } });
    await ok(lab, 'PUT', '/pools', { params: { poolid: 'a', vms: '100' } });

    const refused = await call(lab, 'PUT', '/pools', { params: { poolid: 'b', vms: '100' } });
    const moved = await call(lab, 'PUT', '/pools', { params: { poolid: 'b', vms: '100', 'allow-move': 1 } });

    expect(refused.status).toBe(500);
    expect(moved.status).toBe(200);
  });
});

describe('access', () => {
  it('users, groups and ACLs', async () => {
    await ok(lab, 'POST', '/access/groups', { params: { groupid: 'tenant-a', comment: 'Association A' } });
    await ok(lab, 'POST', '/access/users', { params: { userid: 'alice@pve', groups: 'tenant-a', email: 'alice@example.org' } });
    await ok(lab, 'PUT', '/access/acl', { params: { path: '/pool/tenant-a', roles: 'PVEVMUser', groups: 'tenant-a' } });

    const users = await ok<{ userid: string; groups?: string }[]>(lab, 'GET', '/access/users');
    const groups = await ok<{ groupid: string; users: string }[]>(lab, 'GET', '/access/groups');
    const acl = await ok(lab, 'GET', '/access/acl');

    expect(users.find((u) => u.userid === 'alice@pve')?.groups).toBe('tenant-a');
    expect(groups).toEqual([{ groupid: 'tenant-a', users: 'alice@pve', comment: 'Association A' }]);
    expect(acl).toEqual([{ path: '/pool/tenant-a', type: 'group', ugid: 'tenant-a', roleid: 'PVEVMUser', propagate: 1 }]);
  });

  it('removes an ACL with delete=1', async () => {
    await ok(lab, 'POST', '/access/groups', { params: { groupid: 'g' } });
    await ok(lab, 'PUT', '/access/acl', { params: { path: '/pool/x', roles: 'PVEAuditor', groups: 'g' } });

    await ok(lab, 'PUT', '/access/acl', { params: { path: '/pool/x', roles: 'PVEAuditor', groups: 'g', delete: 1 } });

    expect(await ok(lab, 'GET', '/access/acl')).toEqual([]);
  });

  it('lists the built-in roles', async () => {
    const roles = await ok<{ roleid: string }[]>(lab, 'GET', '/access/roles');

    expect(roles.map((r) => r.roleid)).toContain('PVEVMAdmin');
  });

  it('refuses a duplicate user', async () => {
    await ok(lab, 'POST', '/access/users', { params: { userid: 'bob@pve' } });

    const r = await call(lab, 'POST', '/access/users', { params: { userid: 'bob@pve' } });

    expect(r.statusText).toBe("create user failed: user 'bob@pve' already exists");
  });
});

describe('HA', () => {
  it('an HA-managed VM shows hastate and its start sets the request state', async () => {
    await cloneVm(100);
    await ok(lab, 'POST', '/cluster/ha/resources', { params: { sid: 'vm:100', state: 'stopped', max_restart: 2 } });

    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/100/status/start');
    await finish(lab, upid);
    const res = await ok<{ vmid: number; hastate?: string; status: string }[]>(lab, 'GET', '/cluster/resources', { params: { type: 'vm' } });
    const ha = await ok(lab, 'GET', '/cluster/ha/resources/vm:100');

    expect(upid).toContain(':hastart:100:');
    expect(res.find((r) => r.vmid === 100)).toMatchObject({ hastate: 'started', status: 'running' });
    expect(ha).toMatchObject({ sid: 'vm:100', state: 'started', max_restart: 2 });
  });
});

describe('behind-the-back edits', () => {
  it('an edit made outside the API shows in the config and changes the digest', async () => {
    await cloneVm(100);
    const before = await ok<{ digest: string }>(lab, 'GET', '/nodes/pve1/qemu/100/config');

    lab.sites['paris']!.cluster.editGuestConfig(100, { cores: '4', tags: undefined });
    const after = await ok<{ digest: string; cores: number }>(lab, 'GET', '/nodes/pve1/qemu/100/config');

    expect(after.cores).toBe(4);
    expect(after.digest).not.toBe(before.digest);
  });
});

describe('sites', () => {
  it('each site is its own cluster on its own port', async () => {
    const lyon = await ok<{ node: string }[]>(lab, 'GET', '/nodes', { site: 'lyon' });

    expect(lyon.map((n) => n.node)).toEqual(['lyon1']);
    expect(lab.sites['lyon']!.port).not.toBe(lab.sites['paris']!.port);
  });
});
