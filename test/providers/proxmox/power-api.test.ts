import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LabClock } from '../../../src/lab/clock.js';
import { startLab, type Lab } from '../../../src/lab/index.js';
import { ProxmoxApiError, ProxmoxRefusedError } from '../../../src/providers/proxmox/errors.js';
import { createProxmoxPowerApi, type ProxmoxPowerApiHandle } from '../../../src/providers/proxmox/power-api.js';

// A lab site over plain HTTP on a manual clock: boots and shutdowns move only when the test says.
const SITE = 'paris';
const BOOT = 120;
const SHUTDOWN = 30;
const MAC = '0c:c4:7a:12:34:56';

let lab: Lab;
let api: ProxmoxPowerApiHandle;

beforeEach(async () => {
  lab = await startLab({
    seed: {
      sites: [
        {
          name: SITE,
          nodes: [
            { name: 'pve1', cores: 8, memoryMiB: 16384, bootSeconds: BOOT, shutdownSeconds: SHUTDOWN },
            { name: 'pve2', cores: 8, memoryMiB: 16384, bootSeconds: BOOT, shutdownSeconds: SHUTDOWN, mac: MAC },
            { name: 'pve3', cores: 8, memoryMiB: 16384, online: false, bootSeconds: BOOT, shutdownSeconds: SHUTDOWN },
          ],
          storages: [{ name: 'local-lvm', type: 'lvmthin', shared: false }],
          templates: [],
        },
      ],
    },
    clock: LabClock.manual(),
  });
  api = createProxmoxPowerApi({ url: lab.sites[SITE]!.url, tokenId: lab.tokenId, tokenSecret: lab.tokenSecret }, { site: SITE, requestTimeoutMs: 5000 });
});

afterEach(async () => {
  await api.close();
  await lab.close();
});

describe('nodeStatus', () => {
  it.each([
    { node: 'pve1', expected: 'online' },
    { node: 'pve3', expected: 'offline' },
    { node: 'pve9', expected: 'unknown' },
  ])('reads $node as $expected from /cluster/resources', async ({ node, expected }) => {
    // Act
    const status = await api.nodeStatus(node);

    // Assert
    expect(status).toBe(expected);
    const last = lab.requests.at(-1)!;
    expect(`${last.method} ${last.template}`).toBe('GET /cluster/resources');
    expect(last.params['type']).toBe('node');
  });
});

describe('shutdownNode', () => {
  it('sends command=shutdown and the node goes offline once the clock passes its shutdown time', async () => {
    // Act
    await api.shutdownNode('pve2');
    const during = await api.nodeStatus('pve2');
    lab.clock.advance(SHUTDOWN + 1);
    const after = await api.nodeStatus('pve2');

    // Assert
    const sent = lab.requests.find((r) => r.method === 'POST' && r.template === '/nodes/{node}/status')!;
    expect(sent.path).toBe('/nodes/pve2/status');
    expect(sent.params['command']).toBe('shutdown');
    expect(sent.responseErrors).toEqual([]);
    expect(during).toBe('online');
    expect(after).toBe('offline');
    expect(lab.sites[SITE]!.cluster.powerWatts('pve2')).toBe(0);
  });

  it.each([
    { node: 'pve3', status: 595, transient: true, why: 'offline node: PVE proxies to it' },
    { node: 'pve9', status: 500, transient: false, why: 'unknown node' },
  ])('fails typed with $status for an $why', async ({ node, status, transient }) => {
    // Act
    const err = await api.shutdownNode(node).catch((e: unknown) => e);

    // Assert
    expect(err).toBeInstanceOf(ProxmoxApiError);
    expect((err as ProxmoxApiError).status).toBe(status);
    expect((err as ProxmoxApiError).transient).toBe(transient);
    expect((err as ProxmoxApiError).message.startsWith(`node ${node}: shutdown failed`)).toBe(true);
  });
});

describe('wakeOnLan', () => {
  it('posts to the target node path and boots it after its boot time', async () => {
    // Arrange: pve2 off through a clean shutdown first.
    await api.shutdownNode('pve2');
    lab.clock.advance(SHUTDOWN + 1);

    // Act
    await api.wakeOnLan('pve1', 'pve2');
    lab.clock.advance(BOOT - 10);
    const booting = await api.nodeStatus('pve2');
    const wattsBooting = lab.sites[SITE]!.cluster.powerWatts('pve2');
    lab.clock.advance(20);
    const booted = await api.nodeStatus('pve2');

    // Assert: the schema's {node} is the node to wake; PVE answers with the MAC it used.
    const sent = lab.requests.find((r) => r.template === '/nodes/{node}/wakeonlan')!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/nodes/pve2/wakeonlan');
    expect(sent.data).toBe(MAC);
    expect(sent.responseErrors).toEqual([]);
    expect(booting).toBe('offline');
    expect(wattsBooting).toBeGreaterThan(0);
    expect(booted).toBe('online');
  });

  it('wakes a node that was seeded off', async () => {
    // Act
    await api.wakeOnLan('pve1', 'pve3');
    lab.clock.advance(BOOT + 1);

    // Assert
    expect(await api.nodeStatus('pve3')).toBe('online');
  });

  it('leaves an online node alone', async () => {
    // Act
    await api.wakeOnLan('pve2', 'pve1');
    lab.clock.advance(BOOT + 1);

    // Assert
    expect(await api.nodeStatus('pve1')).toBe('online');
    expect(lab.sites[SITE]!.cluster.nodes.get('pve1')!.transition).toBeUndefined();
  });
});

describe('errors', () => {
  it('a wrong token is a non-transient ProxmoxApiError', async () => {
    // Arrange
    const wrong = createProxmoxPowerApi({ url: lab.sites[SITE]!.url, tokenId: lab.tokenId, tokenSecret: '00000000-0000-0000-0000-000000000000' });

    // Act
    const err = await wrong.nodeStatus('pve1').catch((e: unknown) => e);
    await wrong.close();

    // Assert
    expect(err).toBeInstanceOf(ProxmoxApiError);
    expect((err as ProxmoxApiError).status).toBe(401);
    expect((err as ProxmoxApiError).transient).toBe(false);
  });

  it.each([
    { conn: { url: 'not a url', tokenId: 'a@pve!t', tokenSecret: '00000000-0000-0000-0000-000000000000' } },
    { conn: { url: 'http://127.0.0.1:1', tokenId: 'no-realm', tokenSecret: '00000000-0000-0000-0000-000000000000' } },
    { conn: { url: 'http://127.0.0.1:1', tokenId: 'a@pve!t', tokenSecret: 'SECRET' } },
  ])('refuses a bad connection up front ($conn.url, $conn.tokenId)', ({ conn }) => {
    // Act
    const make = () => createProxmoxPowerApi(conn);

    // Assert
    expect(make).toThrow(ProxmoxRefusedError);
  });
});
