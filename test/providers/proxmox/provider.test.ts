// The real provider over HTTPS against the lab: every action, observe's call budget, faults and
// typed errors. Each test gets its own lab so request logs and faults never leak between tests.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Lab } from '../../../src/lab/index.js';
import { guestFingerprint } from '../../../src/model/marker.js';
import type { ObservedGuest, ObservedSite } from '../../../src/model/observed.js';
import { ProxmoxApiError, ProxmoxRefusedError, TaskFailedError, type ProxmoxProvider } from '../../../src/providers/proxmox/index.js';
import { SITE, change, context, desiredFor, providerFor, startTestLab, target } from './helpers.js';

let lab: Lab;
let provider: ProxmoxProvider;

beforeEach(async () => {
  lab = await startTestLab();
  provider = providerFor(lab);
});

afterEach(async () => {
  await provider.close();
  await lab.close();
  lab.clock.stop();
});

interface LoggedRequest {
  method: string;
  path: string;
  status: number;
}

function requests(): LoggedRequest[] {
  return lab.requests as unknown as LoggedRequest[];
}

function count(method: string, path: RegExp, from = 0): number {
  return requests().slice(from).filter((r) => r.method === method && path.test(r.path)).length;
}

function schemaRejections(): LoggedRequest[] {
  return requests().filter((r) => r.status === 400);
}

async function observe(opts: { deep?: boolean; configsFor?: Record<string, number[]> } = {}, vms = [target()]): Promise<Partial<ObservedSite>> {
  const out = await provider.observe(desiredFor(vms), { deep: opts.deep ?? false, ...(opts.configsFor ? { configsFor: opts.configsFor } : {}) });
  return out[SITE]!;
}

async function guest(vmid: number, deep = false): Promise<ObservedGuest | undefined> {
  return (await observe({ deep })).guests?.find((g) => g.vmid === vmid);
}

async function create(over: Parameters<typeof target>[0] = {}) {
  const t = target(over);
  // The plan makes the tenant's pool first; a clone into a missing pool is a 500.
  await provider.apply(change('ensure', { kind: 'pool', poolid: t.pool, comment: t.tenant }, { subject: `pool ${t.tenant}` }), context());
  return { t, outcome: await provider.apply(change('create', { target: t }), context()) };
}

describe('observe', () => {
  it('reads a site in at most five calls and maps nodes, guests and access', async () => {
    // Arrange
    const before = requests().length;

    // Act
    const site = await observe();

    // Assert
    expect(requests().length - before).toBeLessThanOrEqual(5);
    expect(site).toMatchObject({ name: SITE, reachable: true, quorate: true, deep: false });
    expect(site.nodes?.map((n) => [n.name, n.status, n.maxcpu, n.maxmemMiB])).toEqual([
      ['pve1', 'online', 16, 65536],
      ['pve2', 'online', 16, 65536],
      ['pve3', 'online', 16, 65536],
    ]);
    expect(site.guests?.map((g) => [g.vmid, g.template, g.managed])).toEqual([[9000, true, undefined]]);
    expect(site.access).toBeDefined();
  });

  it('still costs five calls with several managed guests', async () => {
    // Arrange
    await create({ vmid: 120, running: false });
    await create({ vmid: 121, vm: 'db', name: 'db.ad28', running: false });
    const before = requests().length;

    // Act
    const site = await observe();

    // Assert
    expect(requests().length - before).toBeLessThanOrEqual(5);
    expect(site.guests?.filter((g) => g.managed).map((g) => g.vmid)).toEqual([120, 121]);
  });

  it('reads one config per managed guest when deep, running or not', async () => {
    // Arrange
    await create({ vmid: 120, running: false });
    await create({ vmid: 121, vm: 'db', name: 'db.ad28', running: true });
    const before = requests().length;

    // Act
    const site = await observe({ deep: true });

    // Assert
    expect(count('GET', /\/qemu\/\d+\/pending$/, before)).toBe(2);
    expect(requests().length - before).toBeLessThanOrEqual(5 + 2);
    expect(site.deep).toBe(true);
    expect(site.guests?.find((g) => g.vmid === 120)?.config).toMatchObject({
      cores: 2,
      memoryMiB: 2048,
      disks: [{ slot: 'scsi0', storage: 'ceph', sizeGiB: 20 }],
      nics: [{ slot: 'net0', bridge: 'vmbr0', vlan: 20, firewall: true }],
      ciuser: 'debian',
      sshkeys: ['ssh-ed25519 AAAA me@host'],
      ipconfig0: 'ip=dhcp',
      protection: false,
      pending: [],
    });
  });

  it('reads only the asked configs in a second pass', async () => {
    // Arrange
    await create({ vmid: 120, running: false });
    await create({ vmid: 121, vm: 'db', name: 'db.ad28', running: false });
    const before = requests().length;

    // Act
    const site = await observe({ configsFor: { [SITE]: [121] } });

    // Assert
    expect(count('GET', /\/qemu\/\d+\/pending$/, before)).toBe(1);
    expect(site.guests?.map((g) => [g.vmid, g.config?.cores])).toEqual([[121, 2]]);
  });

  it('reports a site it cannot reach instead of throwing', async () => {
    // Arrange
    const closed = providerFor(lab, {
      sites: { [SITE]: { url: 'https://127.0.0.1:1', tokenId: lab.tokenId, tokenSecret: lab.tokenSecret } },
    });

    // Act
    const out = await closed.observe(desiredFor(), { deep: false });
    await closed.close();

    // Assert
    expect(out[SITE]).toMatchObject({ reachable: false, guests: [], nodes: [] });
    expect(out[SITE]?.error).toMatch(/^site paris: read .* failed: GET \/api2\/json\/.*: no response/);
  });

  it('reports a site whose calls time out', async () => {
    // Arrange
    lab.faults.hang('GET', '/cluster/resources');
    const slow = providerFor(lab, { requestTimeoutMs: 100 });

    // Act
    const out = await slow.observe(desiredFor(), { deep: false });
    await slow.close();

    // Assert
    expect(out[SITE]).toMatchObject({ reachable: false });
    expect(out[SITE]?.error).toContain('timeout');
  });

  it('shows an offline node and keeps the site reachable', async () => {
    // Arrange
    lab.faults.nodeOffline('pve3', SITE);

    // Act
    const site = await observe();

    // Assert
    expect(site.reachable).toBe(true);
    expect(site.nodes?.find((n) => n.name === 'pve3')?.status).toBe('offline');
  });

  it('keeps a deep observe going when a guest\'s node is offline, and says it is incomplete', async () => {
    // Arrange
    await create({ vmid: 120, running: false });
    await create({ vmid: 122, vm: 'db', name: 'db.ad28', node: 'pve2', running: false });
    lab.faults.nodeOffline('pve2', SITE);

    // Act
    const site = await observe({ deep: true });

    // Assert
    expect(site).toMatchObject({ reachable: true, deep: false });
    expect(site.guests?.find((g) => g.vmid === 120)?.config).toBeDefined();
    expect(site.guests?.find((g) => g.vmid === 122)?.config).toBeUndefined();
  });

  it('recognises a half-created guest by its description', async () => {
    // Arrange: the config step fails once, as if the agent was killed after the clone.
    lab.faults.error('PUT', '/nodes/*/qemu/*/config', 500, 'killed', { count: 1 });
    await expect(create({ vmid: 130 })).rejects.toBeInstanceOf(ProxmoxApiError);

    // Act
    const summary = (await observe()).guests?.find((g) => g.vmid === 130);
    const second = (await observe({ configsFor: { [SITE]: [130] } })).guests?.find((g) => g.vmid === 130);

    // Assert
    expect(summary?.managed).toBeUndefined();
    expect(second?.managed).toEqual({ tenant: 'ad28', vm: 'web', specHash: '' });
  });
});

describe('fingerprint', () => {
  it('matches what observe saw and is undefined once the guest is gone', async () => {
    // Arrange
    await create({ vmid: 120, running: false });
    const seen = (await guest(120))!;

    // Act
    const fp = await provider.fingerprint(change('update', { target: target({ vmid: 120 }) }));
    const gone = await provider.fingerprint(change('delete', { vmid: 555, node: 'pve1' }));

    // Assert
    expect(fp).toBe(guestFingerprint(seen));
    expect(gone).toBeUndefined();
  });
});

describe('create', () => {
  it('clones, configures, grows the disk, tags last and starts', async () => {
    // Act
    const { t, outcome } = await create({ vmid: 120, disks: [{ slot: 'scsi0', storage: 'ceph', sizeGiB: 20 }, { slot: 'scsi1', storage: 'ceph', sizeGiB: 5 }] });

    // Assert
    const g = await guest(120, true);
    expect(outcome).toBe('created');
    expect(g).toMatchObject({ node: 'pve1', status: 'running', pool: 'tenant-ad28', managed: { tenant: 'ad28', vm: 'web', specHash: 'abc' } });
    expect(g?.tags).toEqual([...t.tags].sort());
    expect(g?.config?.disks).toEqual([
      { slot: 'scsi0', storage: 'ceph', sizeGiB: 20 },
      { slot: 'scsi1', storage: 'ceph', sizeGiB: 5 },
    ]);
    const puts = requests().filter((r) => r.method === 'PUT' && /\/config$/.test(r.path));
    expect(puts.length).toBe(2);
    expect(count('POST', /\/clone$/)).toBe(1);
  });

  it.each([
    ['straight onto the node when its disk goes to shared storage', 'ceph', 0],
    ['beside the template, then moves it, when its disk goes to local storage', 'local-lvm', 1],
  ])('clones a VM for another node %s', async (_name, storage, migrations) => {
    // Act
    await create({ vmid: 122, node: 'pve2', running: false, disks: [{ slot: 'scsi0', storage, sizeGiB: 20 }] });

    // Assert
    expect((await guest(122))?.node).toBe('pve2');
    expect(count('POST', /\/qemu\/122\/migrate$/)).toBe(migrations);
  });

  it('is safe to run again: finishes without a second clone', async () => {
    // Arrange
    await create({ vmid: 120, running: false });

    // Act
    const { outcome } = await create({ vmid: 120, running: false });

    // Assert
    expect(outcome).toBe('created');
    expect(count('POST', /\/clone$/)).toBe(1);
  });

  it('finishes a half-created guest on the next run', async () => {
    // Arrange
    lab.faults.error('PUT', '/nodes/*/qemu/*/config', 500, 'killed', { count: 1 });
    await expect(create({ vmid: 130 })).rejects.toThrow(/^vm ad28\/web: configure failed: PUT .*: 500 killed$/);

    // Act
    const { outcome } = await create({ vmid: 130 });

    // Assert
    expect(outcome).toBe('created');
    expect((await guest(130))?.managed?.specHash).toBe('abc');
    expect(count('POST', /\/clone$/)).toBe(1);
  });

  it('makes one guest when the client re-sends a clone POST that timed out', async () => {
    // Arrange: the first clone request hangs; proxmox-api aborts it and sends it again.
    await provider.close();
    provider = providerFor(lab, { requestTimeoutMs: 300 });
    lab.faults.hang('POST', '/nodes/*/qemu/*/clone', { count: 1 });

    // Act
    const { outcome } = await create({ vmid: 131, running: false });

    // Assert
    expect(outcome).toBe('created');
    expect(count('POST', /\/clone$/)).toBe(2);
    expect((await observe()).guests?.filter((g) => g.vmid === 131 && g.managed)).toHaveLength(1);
  });

  it('refuses a vmid held by a guest marmite does not manage', async () => {
    // Act
    const attempt = create({ vmid: 9000 });

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(ProxmoxRefusedError);
    await expect(attempt).rejects.toMatchObject({ rule: 'foreign-guest', transient: false });
  });

  it.each([
    { status: 503, transient: true },
    { status: 500, transient: false },
  ])('turns a $status on clone into a typed error (transient=$transient)', async ({ status, transient }) => {
    // Arrange
    lab.faults.error('POST', '/nodes/*/qemu/*/clone', status, 'busy', { count: 1 });

    // Act
    const attempt = create({ vmid: 140 });

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(ProxmoxApiError);
    await expect(attempt).rejects.toMatchObject({ status, transient, method: 'POST', path: '/api2/json/nodes/pve1/qemu/9000/clone' });
  });

  it('reports per-parameter errors from a 400', async () => {
    // Act
    const attempt = create({ vmid: 141, cores: 0 });

    // Assert
    await expect(attempt).rejects.toMatchObject({ status: 400, transient: false, errors: { cores: expect.any(String) } });
    expect(schemaRejections().map((r) => r.path)).toEqual(['/nodes/pve1/qemu/141/config']);
  });

  it('reports a failed clone task with its UPID', async () => {
    // Arrange
    lab.faults.failTask({ type: 'qmclone', message: 'clone failed: storage full' });

    // Act
    const attempt = create({ vmid: 142 });

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(TaskFailedError);
    await expect(attempt).rejects.toMatchObject({ node: 'pve1', exitstatus: 'clone failed: storage full', upid: expect.stringMatching(/^UPID:pve1:/) });
  });
});

describe('update and resize', () => {
  it('changes only what differs, reboots for pending changes, then tags', async () => {
    // Arrange
    await create({ vmid: 120 });
    const next = target({ vmid: 120, cores: 4, memoryMiB: 4096, tags: ['marmite', 't-ad28', 'h-def'], specHash: 'def' });

    // Act
    const outcome = await provider.apply(change('update', { target: next }, { applyMode: 'reboot' }), context());

    // Assert
    const g = await guest(120, true);
    expect(outcome).toBe('configured');
    expect(g?.config).toMatchObject({ cores: 4, memoryMiB: 4096, pending: [] });
    expect(g?.managed?.specHash).toBe('def');
    expect(count('POST', /\/status\/reboot$/)).toBe(1);
  });

  it('leaves a hot update pending on a running guest and says which keys wait', async () => {
    // Arrange
    await create({ vmid: 120 });

    // Act
    const outcome = await provider.apply(change('update', { target: target({ vmid: 120, memoryMiB: 4096 }) }, { applyMode: 'hot' }), context());

    // Assert
    expect(outcome).toBe('configured');
    expect((await guest(120, true))?.config?.pending).toEqual(['memory']);
    expect(count('POST', /\/status\/reboot$/)).toBe(0);
  });

  it('does nothing when the guest already matches', async () => {
    // Arrange
    await create({ vmid: 120, running: false });
    const before = requests().length;

    // Act
    const outcome = await provider.apply(change('update', { target: target({ vmid: 120, running: false }) }), context());

    // Assert
    expect(outcome).toBe('unchanged');
    expect(requests().slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it.each([
    { sizeGiB: 30, outcome: 'configured', expected: 30 },
    { sizeGiB: 10, outcome: 'unchanged', expected: 20 },
  ])('resizes scsi0 to $sizeGiB GiB: $outcome', async ({ sizeGiB, outcome, expected }) => {
    // Arrange
    const { t } = await create({ vmid: 120, running: false });

    // Act
    const result = await provider.apply(change('resize', { target: t, slot: 'scsi0', sizeGiB }), context());

    // Assert
    expect(result).toBe(outcome);
    expect((await guest(120, true))?.config?.disks[0]?.sizeGiB).toBe(expected);
  });
});

describe('power and placement', () => {
  it.each([
    { action: 'stop' as const, from: true, status: 'stopped', outcome: 'configured' },
    { action: 'shutdown' as const, from: true, status: 'stopped', outcome: 'configured' },
    { action: 'start' as const, from: false, status: 'running', outcome: 'configured' },
    { action: 'start' as const, from: true, status: 'running', outcome: 'unchanged' },
    { action: 'stop' as const, from: false, status: 'stopped', outcome: 'unchanged' },
  ])('$action on a guest running=$from -> $status ($outcome)', async ({ action, from, status, outcome }) => {
    // Arrange
    await create({ vmid: 120, running: from });

    // Act
    const result = await provider.apply(change(action, { vmid: 120, node: 'pve1', timeoutSeconds: 30 }), context());

    // Assert
    expect(result).toBe(outcome);
    expect((await guest(120))?.status).toBe(status);
  });

  it('fails a start on an offline node with a transient 595', async () => {
    // Arrange
    await create({ vmid: 122, node: 'pve2', running: false });
    lab.faults.nodeOffline('pve2', SITE);

    // Act
    const attempt = provider.apply(change('start', { vmid: 122, node: 'pve2' }), context());

    // Assert
    await expect(attempt).rejects.toMatchObject({ status: 595, transient: true });
  });

  it('reports a failed start task', async () => {
    // Arrange
    await create({ vmid: 120, running: false });
    lab.faults.failTask({ type: 'qmstart', message: 'start failed: QEMU exited with code 1' });

    // Act
    const attempt = provider.apply(change('start', { vmid: 120, node: 'pve1' }), context());

    // Assert
    await expect(attempt).rejects.toMatchObject({ name: 'TaskFailedError', exitstatus: 'start failed: QEMU exited with code 1', transient: false });
  });

  it('migrates live, and does nothing when already there', async () => {
    // Arrange
    await create({ vmid: 120 });

    // Act
    const first = await provider.apply(change('migrate', { vmid: 120, from: 'pve1', to: 'pve2', online: true }), context());
    const again = await provider.apply(change('migrate', { vmid: 120, from: 'pve1', to: 'pve2', online: true }), context());

    // Assert
    expect([first, again]).toEqual(['configured', 'unchanged']);
    expect(await guest(120)).toMatchObject({ node: 'pve2', status: 'running' });
  });
});

describe('delete', () => {
  it('stops, destroys, and is a no-op once gone', async () => {
    // Arrange
    await create({ vmid: 120 });

    // Act
    const first = await provider.apply(change('delete', { vmid: 120, node: 'pve1' }), context());
    const again = await provider.apply(change('delete', { vmid: 120, node: 'pve1' }), context());

    // Assert
    expect([first, again]).toEqual(['deleted', 'unchanged']);
    expect(await guest(120)).toBeUndefined();
  });

  it.each([
    { name: 'protected guest', vmid: 120, rule: 'protected' },
    { name: 'foreign guest', vmid: 9000, rule: 'foreign-guest' },
  ])('refuses a $name', async ({ vmid, rule }) => {
    // Arrange
    await create({ vmid: 120, protection: true, running: false });

    // Act
    const attempt = provider.apply(change('delete', { vmid, node: 'pve1' }), context());

    // Assert
    await expect(attempt).rejects.toMatchObject({ rule, transient: false });
    expect(await guest(vmid)).toBeDefined();
  });
});

describe('HA', () => {
  it('puts a VM under HA when Git asks, and takes it out again', async () => {
    // Arrange
    await create({ vmid: 140, ha: true });
    const managed = (await guest(140))?.hastate;

    // Act
    const outcome = await provider.apply(change('update', { target: target({ vmid: 140, ha: false }) }), context());

    // Assert
    expect(managed).toBe('started');
    expect(outcome).toBe('configured');
    expect((await guest(140))?.hastate).toBeUndefined();
  });
});

describe('ensure access', () => {
  it.each([
    { payload: { kind: 'pool', poolid: 'tenant-ad28', comment: 'AD28' }, check: (s: Partial<ObservedSite>) => s.access?.pools.find((p) => p.poolid === 'tenant-ad28')?.comment === 'AD28' },
    { payload: { kind: 'group', groupid: 'ad28-admins', users: ['root@pam'] }, check: (s: Partial<ObservedSite>) => s.access?.groups.find((g) => g.groupid === 'ad28-admins')?.users.includes('root@pam') === true },
    // A member who has no Proxmox account yet gets one, in the group.
    { payload: { kind: 'group', groupid: 'ad28-admins', users: ['amina@pve'] }, check: (s: Partial<ObservedSite>) => s.access?.groups.find((g) => g.groupid === 'ad28-admins')?.users.includes('amina@pve') === true },
    { payload: { kind: 'acl', path: '/pool/tenant-ad28', group: 'ad28-admins', role: 'PVEVMUser' }, check: (s: Partial<ObservedSite>) => s.access?.acls.some((a) => a.path === '/pool/tenant-ad28' && a.ugid === 'ad28-admins') === true },
  ])('ensures a $payload.kind, then finds nothing to do', async ({ payload, check }) => {
    // Arrange: an ACL needs its pool and group to exist.
    if (payload.kind === 'acl') {
      await provider.apply(change('ensure', { kind: 'pool', poolid: 'tenant-ad28', comment: 'AD28' }), context());
      await provider.apply(change('ensure', { kind: 'group', groupid: 'ad28-admins', users: [] }), context());
    }

    // Act
    const first = await provider.apply(change('ensure', payload, { subject: `${payload.kind} ad28` }), context());
    const again = await provider.apply(change('ensure', payload, { subject: `${payload.kind} ad28` }), context());

    // Assert
    expect(first).toBe('created');
    expect(again).toBe('unchanged');
    expect(check(await observe())).toBe(true);
  });
});

describe('ensure storage', () => {
  it('creates the RBD storage of a Ceph pool once, then finds nothing to do', async () => {
    // Arrange
    const payload = { kind: 'storage', storage: 'rbd-ad28', type: 'rbd', pool: 'rbd-ad28', content: 'images', krbd: false };

    // Act
    const first = await provider.apply(change('ensure', payload, { subject: 'storage rbd-ad28' }), context());
    const again = await provider.apply(change('ensure', payload, { subject: 'storage rbd-ad28' }), context());

    // Assert
    expect([first, again]).toEqual(['created', 'unchanged']);
    expect(count('POST', /\/storage$/)).toBe(1);
  });

  it('refuses to take over a storage of that name that is not the pool\'s', async () => {
    // Act
    const attempt = provider.apply(change('ensure', { kind: 'storage', storage: 'local-lvm', type: 'rbd', pool: 'x', content: 'images', krbd: false }, { subject: 'storage local-lvm' }), context());

    // Assert
    await expect(attempt).rejects.toMatchObject({ rule: 'foreign-storage', transient: false });
  });
});

describe('the lab request log', () => {
  it('holds no request the PVE schema rejects after a full lifecycle', async () => {
    // Arrange
    await provider.apply(change('ensure', { kind: 'pool', poolid: 'tenant-ad28', comment: 'AD28' }), context());

    // Act
    await create({ vmid: 120, nics: [{ slot: 'net0', bridge: 'vmbr0', vlan: 20, firewall: true }, { slot: 'net1', bridge: 'vmbr1', firewall: false }], cloudInit: { user: 'debian', sshKeys: ['ssh-ed25519 AAAA a@b', 'ssh-rsa BBBB c@d'], ip: { address: '10.0.0.5/24', gateway: '10.0.0.1' }, nameserver: '10.0.0.1' } });
    await provider.apply(change('update', { target: target({ vmid: 120, memoryMiB: 4096, nics: [{ slot: 'net0', bridge: 'vmbr0', firewall: true }] }) }, { applyMode: 'reboot' }), context());
    await provider.apply(change('migrate', { vmid: 120, from: 'pve1', to: 'pve3', online: true }), context());
    await provider.apply(change('shutdown', { vmid: 120, node: 'pve3', timeoutSeconds: 30 }), context());
    await provider.apply(change('delete', { vmid: 120, node: 'pve3' }), context());
    await observe({ deep: true });

    // Assert
    expect(schemaRejections()).toEqual([]);
    expect(requests().filter((r) => r.status >= 400)).toEqual([]);
    expect(lab.requests.flatMap((r) => r.responseErrors)).toEqual([]);
  });

  it('never carries the token secret in an error message', async () => {
    // Arrange
    lab.faults.error('POST', '/nodes/*/qemu/*/clone', 500, 'boom');

    // Act
    const err = await create({ vmid: 150 }).catch((e: unknown) => e as Error);

    // Assert
    expect(String((err as Error).message)).not.toContain(lab.tokenSecret);
    expect(JSON.stringify(err)).not.toContain(lab.tokenSecret);
  });
});

describe('connections and bad answers', () => {
  it('refuses a wrong token with a terminal 401 and keeps the secret out of the message', async () => {
    // Arrange
    const wrong = 'deadbeef-0000-4000-8000-000000000000';
    const bad = providerFor(lab, { sites: { [SITE]: { url: lab.sites[SITE]!.url, tokenId: lab.tokenId, tokenSecret: wrong, ca: lab.caPem! } } });

    // Act
    const attempt = bad.apply(change('start', { vmid: 9000, node: 'pve1' }), context());

    // Assert
    await expect(attempt).rejects.toMatchObject({ status: 401, transient: false });
    await expect(attempt).rejects.not.toThrow(wrong);
    await bad.close();
  });

  it('reports a malformed token secret without printing it', async () => {
    // Arrange
    const bad = providerFor(lab, { sites: { [SITE]: { url: lab.sites[SITE]!.url, tokenId: lab.tokenId, tokenSecret: 'NOT-A-UUID-s3cr3t' } } });

    // Act
    const out = await bad.observe(desiredFor(), { deep: false });

    // Assert
    expect(out[SITE]).toMatchObject({ reachable: false, error: 'site paris: token secret is not a lowercase UUID' });
  });

  it('refuses to trust the lab certificate without its CA', async () => {
    // Arrange
    const untrusting = providerFor(lab, { sites: { [SITE]: { url: lab.sites[SITE]!.url, tokenId: lab.tokenId, tokenSecret: lab.tokenSecret } } });

    // Act
    const out = await untrusting.observe(desiredFor(), { deep: false });
    await untrusting.close();

    // Assert
    expect(out[SITE]?.reachable).toBe(false);
  });

  it.each([
    { name: 'an HTML 502 from a reverse proxy', status: 502, type: 'text/html', body: '<html>bad gateway</html>', transient: true },
    { name: 'a 504 with PVE content type', status: 504, type: 'application/json;charset=UTF-8', body: '{"data":null}', transient: true },
    { name: 'a 200 that is not JSON', status: 200, type: 'text/plain', body: 'hello', transient: false },
  ])('types $name', async ({ status, type, body, transient }) => {
    // Arrange
    const server = createServer((_req, res) => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const odd = providerFor(lab, { sites: { [SITE]: { url: `http://127.0.0.1:${port}`, tokenId: lab.tokenId, tokenSecret: lab.tokenSecret } } });

    // Act
    const attempt = odd.fingerprint(change('start', { vmid: 120, node: 'pve1' }));

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(ProxmoxApiError);
    await expect(attempt).rejects.toMatchObject({ status, transient });
    await odd.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
});
