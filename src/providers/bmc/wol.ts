// Wake-on-LAN for nodes without a BMC (desktops, mini PCs): a magic packet sent by the agent to a
// broadcast address, or by another online Proxmox node through `POST /nodes/{node}/wakeonlan`
// when the agent is not on the node's LAN. Such nodes cannot report their power: status is
// 'unknown' and Proxmox's view is what the provider uses.

import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { parseHostPort } from './address.js';
import type { PowerDriver } from './driver.js';
import { BmcError } from './errors.js';
import type { ProxmoxPowerApi } from './proxmox-power.js';

export interface WolOptions {
  /** UDP port when the broadcast address has none (default 9, "discard"). */
  port?: number;
  /** Packets per wake (default 3: UDP may drop one, a second wake is harmless). */
  repeat?: number;
}

export interface WolDriverConfig extends WolOptions {
  subject: string;
  pveNode: string;
  mac?: string;
  /** `a.b.c.255` or `a.b.c.255:port`: where the agent sends the packet itself. */
  broadcast?: string;
  proxmox?: ProxmoxPowerApi;
  /** Other Proxmox nodes of the site, tried in order for the wakeonlan endpoint. */
  viaNodes: string[];
}

const MAC = /^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;

/** 6 x 0xFF then the MAC 16 times: 102 bytes. */
export function magicPacket(mac: string): Buffer {
  if (!MAC.test(mac.trim())) throw new BmcError('command', `mac "${mac}" is not a MAC address`);
  const bytes = Buffer.from(mac.trim().replace(/[:-]/g, ''), 'hex');
  const packet = Buffer.alloc(6 + 16 * 6, 0xff);
  for (let i = 0; i < 16; i++) bytes.copy(packet, 6 + i * 6);
  return packet;
}

export async function sendMagicPacket(mac: string, host: string, port: number, repeat = 1): Promise<void> {
  const packet = magicPacket(mac);
  const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.setBroadcast(true);
        resolve();
      });
    });
    for (let i = 0; i < repeat; i++) {
      await new Promise<void>((resolve, reject) => socket.send(packet, port, host, (err) => (err ? reject(err) : resolve())));
    }
  } finally {
    socket.close();
  }
}

export function createWolDriver(config: WolDriverConfig): PowerDriver {
  const { subject } = config;

  async function wakeDirect(mac: string, broadcast: string): Promise<void> {
    const { host, port } = parseHostPort(subject, broadcast, config.port ?? 9);
    try {
      await sendMagicPacket(mac, host, port, config.repeat ?? 3);
    } catch (err) {
      if (err instanceof BmcError) throw new BmcError(err.kind, `${subject}: ${err.message}`, { cause: err });
      throw new BmcError('unreachable', `${subject}: wake-on-lan to ${host}:${port} failed: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
    }
  }

  async function wakeThroughProxmox(proxmox: ProxmoxPowerApi): Promise<void> {
    for (const via of config.viaNodes) {
      if ((await proxmox.nodeStatus(via)) !== 'online') continue;
      await proxmox.wakeOnLan(via, config.pveNode);
      return;
    }
    throw new BmcError('unreachable', `${subject}: wake-on-lan needs another online proxmox node, none of [${config.viaNodes.join(', ')}] is online`);
  }

  return {
    kind: 'wol',
    status: async () => 'unknown',

    async powerOn() {
      if (config.mac !== undefined && config.broadcast !== undefined) return wakeDirect(config.mac, config.broadcast);
      if (config.proxmox) return wakeThroughProxmox(config.proxmox);
      throw new BmcError('command', `${subject}: wake-on-lan needs bmc.mac and bmc.broadcast, or a proxmox connection`);
    },

    async softOff() {
      if (!config.proxmox) throw new BmcError('command', `${subject}: soft power off needs a proxmox connection (bmc driver wol)`);
      await config.proxmox.shutdownNode(config.pveNode);
    },

    async hardOff() {
      throw new BmcError('command', `${subject}: hard power off is not possible with wake-on-lan`);
    },

    readWatts: async () => undefined,
  };
}
