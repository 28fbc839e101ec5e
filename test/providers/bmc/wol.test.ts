// Wake-on-LAN: the magic packet as bytes on a UDP socket bound to 127.0.0.1, and the Proxmox
// route through another online node.

import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createDriver } from '../../../src/providers/bmc/driver.js';
import { BmcError } from '../../../src/providers/bmc/errors.js';
import { createBmcProvider } from '../../../src/providers/bmc/index.js';
import { magicPacket } from '../../../src/providers/bmc/wol.js';
import { FakeProxmox } from './fake-proxmox.js';
import { applyContext, makeNode, powerChange } from './helpers.js';

let receiver: Socket | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  receiver = undefined;
});

async function listen(): Promise<{ port: number; packets: Buffer[]; next: () => Promise<Buffer> }> {
  const socket = createSocket('udp4');
  receiver = socket;
  const packets: Buffer[] = [];
  const waiters: ((b: Buffer) => void)[] = [];
  socket.on('message', (msg) => {
    packets.push(msg);
    waiters.shift()?.(msg);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    packets,
    next: () => (packets.length > 0 ? Promise.resolve(packets[0]!) : new Promise((resolve) => waiters.push(resolve))),
  };
}

describe('magic packet', () => {
  it.each(['00:1a:2b:3c:4d:5e', '00-1A-2B-3C-4D-5E', '001a2b3c4d5e'])('is 6 x 0xFF then 16 x the MAC (%s)', (mac) => {
    const packet = magicPacket(mac);

    const mac6 = Buffer.from('001a2b3c4d5e', 'hex');
    expect(packet.length).toBe(102);
    expect(packet.subarray(0, 6)).toEqual(Buffer.alloc(6, 0xff));
    for (let i = 0; i < 16; i++) expect(packet.subarray(6 + i * 6, 12 + i * 6)).toEqual(mac6);
  });

  it.each(['00:1a:2b:3c:4d', 'zz:1a:2b:3c:4d:5e', '00:1a-2b:3c:4d:5e', ''])('refuses a bad MAC %j', (mac) => {
    expect(() => magicPacket(mac)).toThrow(BmcError);
  });
});

describe('wol driver', () => {
  it('sends the magic packet to the configured broadcast address and port', async () => {
    const rx = await listen();
    const node = makeNode('nuc-1', { driver: 'wol', mac: '00:1a:2b:3c:4d:5e', broadcast: `127.0.0.1:${rx.port}` });
    const driver = createDriver(node, {}, { wol: { repeat: 1 } });

    await driver.powerOn();
    const packet = await rx.next();

    expect(packet).toEqual(magicPacket('00:1a:2b:3c:4d:5e'));
    expect(await driver.status()).toBe('unknown');
  });

  it('without a broadcast address, asks the first online Proxmox node of the site to wake it', async () => {
    const proxmox = new FakeProxmox();
    proxmox.status.set('pve-a', 'offline');
    proxmox.status.set('pve-b', 'online');
    proxmox.status.set('pve-nuc-1', 'offline');
    const node = makeNode('nuc-1', { driver: 'wol', mac: '00:1a:2b:3c:4d:5e' });
    const nodes = { 'nuc-1': node, a: makeNode('a', { driver: 'none' }, { pveNode: 'pve-a' }), b: makeNode('b', { driver: 'none' }, { pveNode: 'pve-b' }) };
    const provider = createBmcProvider({ credentials: {}, nodes, proxmox: () => proxmox });

    const outcome = await provider.apply(powerChange('power-on', node), applyContext());

    expect(outcome).toBe('configured');
    expect(proxmox.calls).toEqual(['wakeonlan pve-b pve-nuc-1']);
  });

  it('a node Proxmox sees online is not woken again', async () => {
    const proxmox = new FakeProxmox();
    proxmox.status.set('pve-nuc-1', 'online');
    const node = makeNode('nuc-1', { driver: 'wol', mac: '00:1a:2b:3c:4d:5e' });
    const provider = createBmcProvider({ credentials: {}, nodes: { 'nuc-1': node }, proxmox: () => proxmox });

    const outcome = await provider.apply(powerChange('power-on', node), applyContext());

    expect(outcome).toBe('unchanged');
    expect(proxmox.calls).toEqual([]);
  });

  it('power-off of a wol node is a Proxmox shutdown, done when Proxmox sees it offline', async () => {
    const proxmox = new FakeProxmox();
    proxmox.status.set('pve-nuc-1', 'online');
    proxmox.onShutdown = async (n) => {
      proxmox.status.set(n, 'offline');
    };
    const node = makeNode('nuc-1', { driver: 'wol', mac: '00:1a:2b:3c:4d:5e' });
    const provider = createBmcProvider({ credentials: {}, nodes: { 'nuc-1': node }, proxmox: () => proxmox, pollMs: 50 });

    const outcome = await provider.apply(powerChange('power-off', node, { softTimeoutSeconds: 30, hardTimeoutSeconds: 30 }), applyContext());

    expect(outcome).toBe('configured');
    expect(proxmox.calls).toEqual(['shutdown pve-nuc-1']);
  });
});
