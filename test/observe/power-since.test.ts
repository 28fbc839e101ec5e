import { describe, expect, it } from 'vitest';
import type { Observed } from '../../src/model/observed.js';
import { stampPowerSince, type PowerMemory } from '../../src/observe/power-since.js';

function observed(bmc: 'on' | 'off' | 'unknown'): Observed {
  return { formatVersion: 1, observedAt: '', sites: { paris: { name: 'paris', reachable: true, deep: false, nodes: [], guests: [], power: [{ node: 'pve3', bmc }] } } };
}

describe('stampPowerSince', () => {
  const t1 = new Date('2026-03-02T08:00:00Z');
  const t2 = new Date('2026-03-02T08:15:00Z');

  it.each([
    ['first sight: long enough ago', {}, 'on' as const, '1970-01-01T00:00:00.000Z'],
    ['same state: keeps the old time', { 'paris/pve3': { state: 'on' as const, since: t1.toISOString() } }, 'on' as const, t1.toISOString()],
    ['changed: now', { 'paris/pve3': { state: 'on' as const, since: t1.toISOString() } }, 'off' as const, t2.toISOString()],
  ])('%s', (_name, memory: PowerMemory, state, since) => {
    const o = observed(state);
    const next = stampPowerSince(memory, o, t2);
    expect(o.sites['paris']!.power![0]!.since).toBe(since);
    expect(next['paris/pve3']).toEqual({ state, since });
  });

  it('leaves an unknown state unstamped and remembered as it was', () => {
    const memory = { 'paris/pve3': { state: 'off' as const, since: t1.toISOString() } };
    const o = observed('unknown');
    expect(stampPowerSince(memory, o, t2)).toEqual(memory);
    expect(o.sites['paris']!.power![0]!.since).toBeUndefined();
  });
});
