// One small interface for every way marmite can switch a node: IPMI, Redfish, Wake-on-LAN, or
// nothing. The factory picks the driver from nodes/<n>.yaml and the agent's credentials; callers
// never ask which driver they hold except through `kind`.

import type { Secret } from '../../core/secret.js';
import type { Node } from '../../model/desired.js';
import { parseHostPort, redfishBaseUrl } from './address.js';
import { BmcError } from './errors.js';
import { createIpmiDriver, type WattsMethod } from './ipmi.js';
import type { IpmitoolOptions } from './ipmitool.js';
import { createNoneDriver } from './none.js';
import type { ProxmoxPowerApi } from './proxmox-power.js';
import { createRedfishDriver, type RedfishOptions } from './redfish.js';
import { createWolDriver, type WolOptions } from './wol.js';

export type PowerState = 'on' | 'off' | 'unknown';

export interface PowerDriver {
  readonly kind: 'ipmi' | 'redfish' | 'wol' | 'none';
  status(): Promise<PowerState>;
  powerOn(): Promise<void>;
  softOff(): Promise<void>;
  hardOff(): Promise<void>;
  /** Watts drawn now; undefined when the hardware cannot tell (or is off and reports nothing). */
  readWatts(): Promise<number | undefined>;
}

export type Credentials = Record<string, { username: string; password: Secret }>;

export interface DriverOptions {
  ipmi?: IpmitoolOptions & {
    /** Where watts come from (default 'auto': DCMI, then the node's wattsSensor). */
    watts?: WattsMethod;
    /** Default `-C` when the node gives none (default 3). */
    cipherSuite?: number;
  };
  redfish?: RedfishOptions;
  wol?: WolOptions;
  /** For Wake-on-LAN through Proxmox: the API and the other Proxmox nodes able to send it. */
  proxmox?: ProxmoxPowerApi;
  /** Proxmox node names of the node's site, the node itself included or not. */
  siteNodes?: string[];
}

const IPMI_PORT = 623;

function credentialOf(node: Node, credentials: Credentials): { username: string; password: Secret } {
  const subject = `node ${node.name}`;
  const name = node.bmc.credential;
  if (!name) throw new BmcError('auth', `${subject}: bmc has no credential name`);
  const cred = credentials[name];
  if (!cred) throw new BmcError('auth', `${subject}: credential "${name}" is not in the agent config`);
  return cred;
}

function addressOf(node: Node): string {
  if (!node.bmc.address) throw new BmcError('command', `node ${node.name}: bmc has no address`);
  return node.bmc.address;
}

/** Builds the node's driver; throws BmcError for a node whose bmc block cannot work. */
export function createDriver(node: Node, credentials: Credentials, options: DriverOptions = {}): PowerDriver {
  const subject = `node ${node.name}`;
  switch (node.bmc.driver) {
    case 'ipmi': {
      const { host, port } = parseHostPort(subject, addressOf(node), IPMI_PORT);
      const cred = credentialOf(node, credentials);
      const { watts, cipherSuite, ...ipmitool } = options.ipmi ?? {};
      return createIpmiDriver({
        subject,
        host,
        port,
        username: cred.username,
        password: cred.password,
        cipherSuite: node.bmc.cipherSuite ?? cipherSuite ?? 3,
        watts: watts ?? 'auto',
        ...(node.bmc.wattsSensor === undefined ? {} : { wattsSensor: node.bmc.wattsSensor }),
        ipmitool,
      });
    }
    case 'redfish': {
      const cred = credentialOf(node, credentials);
      return createRedfishDriver({
        subject,
        baseUrl: redfishBaseUrl(subject, addressOf(node)),
        username: cred.username,
        password: cred.password,
        ...(options.redfish ?? {}),
      });
    }
    case 'wol':
      return createWolDriver({
        subject,
        pveNode: node.pveNode,
        ...(node.bmc.mac === undefined ? {} : { mac: node.bmc.mac }),
        ...(node.bmc.broadcast === undefined ? {} : { broadcast: node.bmc.broadcast }),
        ...(options.proxmox === undefined ? {} : { proxmox: options.proxmox }),
        viaNodes: (options.siteNodes ?? []).filter((n) => n !== node.pveNode),
        ...(options.wol ?? {}),
      });
    case 'none':
      return createNoneDriver(subject);
  }
}
