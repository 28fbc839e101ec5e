import { describe, expect, it } from 'vitest';
import { memoryLoad, monthlyEnergy, nodeWatts, vmWatts, wattsPerGiB } from '../../src/power/energy-model.js';

const server = { power: { idleWatts: 120, maxWatts: 300 }, usable: { memoryMiB: 64 * 1024, cores: 16 } };

describe('energy model', () => {
  it.each([
    { load: 0, watts: 120 },
    { load: 0.5, watts: 210 },
    { load: 1, watts: 300 },
    { load: 2, watts: 300 },
    { load: -1, watts: 120 },
  ])('nodeWatts at load $load is $watts W', ({ load, watts }) => {
    expect(nodeWatts(server, load)).toBe(watts);
  });

  it('loads a node by the VMs share of usable memory', () => {
    expect(memoryLoad(server, 16 * 1024)).toBe(0.25);
    expect(vmWatts(server, 16 * 1024)).toBe(45);
  });

  it('prefers mean watts per usable GiB', () => {
    expect(wattsPerGiB(server)).toBeCloseTo(210 / 64);
  });

  it('one always-on 120 W server is about 87.6 kWh a month before cooling', () => {
    const e = monthlyEnergy(120, 730, { pricePerKWh: 0.22, currency: 'EUR', pue: 1 }, 'always on');
    expect(e).toEqual({ kWhPerMonth: 87.6, costPerMonth: 19.27, currency: 'EUR', note: 'always on' });
  });

  it('counts cooling through the PUE, and savings as negative', () => {
    const e = monthlyEnergy(-100, 365, { pricePerKWh: 0.2, currency: 'EUR', pue: 1.8 });
    expect(e.kWhPerMonth).toBe(-65.7);
    expect(e.costPerMonth).toBe(-13.14);
  });
});
