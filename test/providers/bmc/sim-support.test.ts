// The simulated-BMC helper itself: one listener per BMC, and a loud failure (never a skip) when
// the real peers are not installed.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireIpmiPeers, socketInodesOf, startSimBmc, udpListeners } from '../../support/ipmi-sim.js';

describe('ipmi-sim helper', () => {
  it('starts a BMC that is the only listener on its port, and stops it by pid', async () => {
    const bmc = await startSimBmc({ name: 'solo' });
    let listeners: string[] = [];
    let owned = new Set<string>();
    try {
      listeners = await udpListeners(bmc.port);
      owned = await socketInodesOf(bmc.pid);
    } finally {
      await bmc.stop();
    }

    expect(listeners).toHaveLength(1);
    expect(owned.has(listeners[0]!)).toBe(true);
    expect(await udpListeners(bmc.port)).toEqual([]);
  });

  it('fails, naming what to install, when ipmi_sim and ipmitool are not on PATH', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'marmite-empty-path-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      expect(() => requireIpmiPeers()).toThrow(/ipmi_sim and ipmitool .*never skip/);
    } finally {
      process.env.PATH = saved;
      await rm(empty, { recursive: true, force: true });
    }
  });
});
