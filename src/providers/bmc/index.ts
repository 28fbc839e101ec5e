// The BMC provider: observes every node's power (BMC state, watts, and Proxmox's view when it has
// one), and applies 'power-on' / 'power-off' changes. A BMC that fails is reported in the
// observation, never thrown: one dead BMC must not hide the rest of the site.

import type { Desired, Node } from '../../model/desired.js';
import type { ObservedPower, ObservedSite } from '../../model/observed.js';
import type { Change } from '../../model/plan.js';
import type { ApplyContext, ApplyOutcome, Provider } from '../provider.js';
import { createDriver, type Credentials, type DriverOptions, type PowerDriver, type PowerState } from './driver.js';
import { BmcError, errorText } from './errors.js';
import { powerOff, type PowerOffDeadlines } from './power-off.js';
import type { ProxmoxNodeStatus, ProxmoxPowerApi } from './proxmox-power.js';

export { BmcError, isBmcError, type BmcErrorKind } from './errors.js';
export { createDriver, type Credentials, type DriverOptions, type PowerDriver, type PowerState } from './driver.js';
export type { ProxmoxNodeStatus, ProxmoxPowerApi } from './proxmox-power.js';
export { magicPacket, sendMagicPacket } from './wol.js';

/** ObservedPower plus Proxmox's view; extra fields stay plain JSON. */
export interface ObservedPowerDetail extends ObservedPower {
  /** Proxmox's node status, when a Proxmox connection was given. */
  proxmox?: ProxmoxNodeStatus;
  /** Set when the BMC and Proxmox disagree (`bmc off, proxmox online`). */
  disagreement?: string;
}

export interface BmcProviderOptions extends Omit<DriverOptions, 'proxmox' | 'siteNodes'> {
  credentials: Credentials;
  /** Nodes known before any observe (apply of a saved plan); observe refreshes them. */
  nodes?: Record<string, Node>;
  /** Proxmox power calls per site; without it power-off goes straight to the BMC. */
  proxmox?: (site: string) => ProxmoxPowerApi | undefined;
  /** How often power is polled while waiting for a node to go down (default 2000 ms). */
  pollMs?: number;
  /** BMCs read at once during observe (default 8). */
  concurrency?: number;
}

export interface PowerOnPayload {
  node: string;
}

export interface PowerOffPayload extends Partial<PowerOffDeadlines> {
  node: string;
  pveNode?: string;
}

const DEFAULT_SOFT_SECONDS = 300;
const DEFAULT_HARD_SECONDS = 60;

function disagreement(bmc: PowerState, proxmox: ProxmoxNodeStatus): string | undefined {
  if (bmc === 'off' && proxmox === 'online') return 'bmc says off, proxmox says online';
  if (bmc === 'on' && proxmox === 'offline') return 'bmc says on, proxmox says offline';
  return undefined;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function createBmcProvider(options: BmcProviderOptions): Provider {
  const nodes = new Map<string, Node>(Object.entries(options.nodes ?? {}));
  const drivers = new Map<string, { key: string; driver: PowerDriver }>();
  const pollMs = options.pollMs ?? 2000;

  function siteNodes(site: string): string[] {
    return [...nodes.values()].filter((n) => n.site === site).map((n) => n.pveNode);
  }

  function driverFor(node: Node): PowerDriver {
    // Rebuilt when the node's bmc block changes; kept otherwise (it remembers e.g. "no DCMI here").
    const key = JSON.stringify(node.bmc);
    const cached = drivers.get(node.name);
    if (cached?.key === key) return cached.driver;
    const proxmox = options.proxmox?.(node.site);
    const driver = createDriver(node, options.credentials, {
      ...(options.ipmi ? { ipmi: options.ipmi } : {}),
      ...(options.redfish ? { redfish: options.redfish } : {}),
      ...(options.wol ? { wol: options.wol } : {}),
      ...(proxmox ? { proxmox } : {}),
      siteNodes: siteNodes(node.site),
    });
    drivers.set(node.name, { key, driver });
    return driver;
  }

  function nodeOf(change: Change): Node {
    const name = (change.payload as { node?: unknown }).node;
    if (typeof name !== 'string') throw new BmcError('command', `${change.subject}: payload has no node`);
    const node = nodes.get(name);
    if (!node) throw new BmcError('command', `${change.subject}: node ${name} is unknown to the bmc provider`);
    return node;
  }

  /** The BMC's view, or Proxmox's for drivers that cannot read power. */
  async function stateOf(node: Node): Promise<PowerState> {
    const state = await driverFor(node).status();
    if (state !== 'unknown') return state;
    const proxmox = options.proxmox?.(node.site);
    if (!proxmox) return 'unknown';
    const seen = await proxmox.nodeStatus(node.pveNode);
    return seen === 'online' ? 'on' : seen === 'offline' ? 'off' : 'unknown';
  }

  async function observeNode(node: Node): Promise<ObservedPowerDetail> {
    const power: ObservedPowerDetail = { node: node.name, bmc: 'unknown' };
    const errors: string[] = [];
    try {
      const driver = driverFor(node);
      power.bmc = await driver.status();
      const watts = await driver.readWatts();
      if (watts !== undefined) power.watts = watts;
    } catch (err) {
      errors.push(errorText(err));
    }
    const proxmox = options.proxmox?.(node.site);
    if (proxmox) {
      try {
        power.proxmox = await proxmox.nodeStatus(node.pveNode);
        const differ = disagreement(power.bmc, power.proxmox);
        if (differ) power.disagreement = differ;
      } catch (err) {
        power.proxmox = 'unknown';
        errors.push(`proxmox: ${errorText(err)}`);
      }
    }
    if (errors.length > 0) power.error = errors.join('; ');
    return power;
  }

  async function powerOn(node: Node): Promise<ApplyOutcome> {
    if ((await stateOf(node)) === 'on') return 'unchanged';
    await driverFor(node).powerOn();
    return 'configured';
  }

  async function powerOffNode(change: Change, node: Node, context: ApplyContext): Promise<ApplyOutcome> {
    const p = change.payload as Partial<PowerOffPayload>;
    const num = (v: unknown, fallback: number): number => (typeof v === 'number' && v >= 0 ? v : fallback);
    const softTimeoutSeconds = num(p.softTimeoutSeconds, DEFAULT_SOFT_SECONDS);
    const proxmox = options.proxmox?.(node.site);
    const result = await powerOff({
      subject: change.subject,
      driver: driverFor(node),
      state: () => stateOf(node),
      ...(proxmox ? { proxmox } : {}),
      pveNode: typeof p.pveNode === 'string' ? p.pveNode : node.pveNode,
      deadlines: {
        softTimeoutSeconds,
        hardTimeoutSeconds: num(p.hardTimeoutSeconds, DEFAULT_HARD_SECONDS),
        shutdownTimeoutSeconds: num(p.shutdownTimeoutSeconds, softTimeoutSeconds),
      },
      pollMs,
      signal: context.signal,
      progress: context.progress,
    });
    return result === 'unchanged' ? 'unchanged' : 'configured';
  }

  return {
    name: 'bmc',

    async observe(desired: Desired) {
      for (const node of Object.values(desired.nodes)) nodes.set(node.name, node);
      const out: Record<string, Partial<ObservedSite>> = {};
      for (const site of Object.keys(desired.sites)) {
        const siteNodeList = Object.values(desired.nodes)
          .filter((n) => n.site === site)
          .sort((a, b) => a.name.localeCompare(b.name));
        out[site] = { power: await mapLimit(siteNodeList, options.concurrency ?? 8, observeNode) };
      }
      return out;
    },

    async fingerprint(change: Change) {
      const name = (change.payload as { node?: unknown }).node;
      const node = typeof name === 'string' ? nodes.get(name) : undefined;
      if (!node) return undefined;
      try {
        return await driverFor(node).status();
      } catch {
        return 'unknown';
      }
    },

    async apply(change: Change, context: ApplyContext) {
      const node = nodeOf(change);
      switch (change.action) {
        case 'power-on':
          return powerOn(node);
        case 'power-off':
          return powerOffNode(change, node, context);
        default:
          throw new BmcError('command', `${change.subject}: the bmc provider cannot ${change.action}`);
      }
    },
  };
}
