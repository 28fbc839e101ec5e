import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/config/load.js';
import { Secret } from '../../src/core/secret.js';
import { createProviders } from '../../src/providers/index.js';

// The composition root builds a provider only for what the agent config names; power is driven
// only when the config turns it on (a new installation plans and reports first).
function config(agent: AgentConfig['agent'], ceph = false): AgentConfig {
  return {
    file: '/etc/marmite/agent.yaml',
    sites: {
      paris: {
        proxmox: { url: 'https://127.0.0.1:8006', tokenId: 'marmite@pve!agent', tokenSecret: new Secret('0f2e5b6a-1111-4222-8333-944445555666') },
        ...(ceph ? { ceph: { url: 'https://127.0.0.1:8443', username: 'marmite', password: new Secret('x') } } : {}),
      },
    },
    credentials: {},
    agent,
  };
}

describe('createProviders', () => {
  it.each([
    ['Proxmox only', config({}), ['proxmox']],
    ['with Ceph', config({}, true), ['proxmox', 'ceph']],
    ['with power management', config({ powerManagement: true }), ['proxmox', 'bmc']],
    ['power management off', config({ powerManagement: false }, true), ['proxmox', 'ceph']],
  ])('%s', (_name, cfg, names) => {
    expect(createProviders(cfg).map((p) => p.name)).toEqual(names);
  });
});
