// Shared arrange steps for the BMC tests: nodes/<n>.yaml as Desired holds them, pointing at
// simulated BMCs, and fast ipmitool settings (a dead BMC costs about 2 s instead of 20).

import { Secret } from '../../../src/core/secret.js';
import type { Desired, Node, Site } from '../../../src/model/desired.js';
import type { Change } from '../../../src/model/plan.js';
import type { Credentials, DriverOptions } from '../../../src/providers/bmc/driver.js';
import type { ApplyContext } from '../../../src/providers/provider.js';
import { SIM_SENSOR, type SimBmc } from '../../support/ipmi-sim.js';

export const SITE = 'paris';

export const FAST_IPMI: NonNullable<DriverOptions['ipmi']> = {
  attemptTimeoutSeconds: 1,
  retries: 1,
  deadlineMs: 6000,
};

export function makeNode(name: string, bmc: Node['bmc'], over: Partial<Node> = {}): Node {
  return {
    file: `nodes/${name}.yaml`,
    name,
    site: SITE,
    pveNode: `pve-${name}`,
    capacity: { cores: 16, memoryMiB: 65536 },
    usable: { cores: 14, memoryMiB: 61440 },
    roles: ['compute'],
    bmc,
    power: {
      policy: 'on-demand',
      windows: [],
      idleWatts: 120,
      maxWatts: 300,
      bootSeconds: 240,
      shutdownSeconds: 120,
      minOnSeconds: 3600,
      minOffSeconds: 3600,
    },
    ...over,
  };
}

export function ipmiNode(sim: SimBmc, over: Partial<Node['bmc']> = {}): Node {
  return makeNode(sim.name, {
    driver: 'ipmi',
    address: sim.address,
    credential: `bmc-${sim.name}`,
    cipherSuite: 3,
    wattsSensor: SIM_SENSOR,
    ...over,
  });
}

export function credentialsOf(sims: SimBmc[]): Credentials {
  return Object.fromEntries(sims.map((s) => [`bmc-${s.name}`, { username: s.username, password: new Secret(s.password) }]));
}

export function desiredWith(nodes: Node[]): Desired {
  const site = { name: SITE } as Site;
  return {
    settings: {} as Desired['settings'],
    sites: { [SITE]: site },
    nodes: Object.fromEntries(nodes.map((n) => [n.name, n])),
    flavors: {},
    templates: {},
    pools: {},
    windows: {},
    tenants: {},
    vms: {},
  };
}

export function powerChange(action: 'power-on' | 'power-off', node: Node, payload: Record<string, unknown> = {}): Change {
  return {
    id: `bmc:${SITE}/node/${node.name}:${action}`,
    provider: 'bmc',
    site: SITE,
    subject: `node ${node.name}`,
    action,
    reason: 'test',
    downtime: action === 'power-off',
    dependsOn: [],
    payload: { node: node.name, ...(action === 'power-off' ? { pveNode: node.pveNode } : {}), ...payload },
  };
}

export function applyContext(): ApplyContext & { notes: string[] } {
  const notes: string[] = [];
  return { signal: new AbortController().signal, progress: (m) => notes.push(m), notes };
}

/** Polls `read` until `accept` holds: the simulated sensor is re-read every 250 ms. */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, tries = 100): Promise<T> {
  let value = await read();
  for (let i = 0; i < tries && !accept(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}
