import { describe, expect, it } from 'vitest';
import { agentMetrics, Metrics } from '../../src/agent/metrics.js';
import { advance, EnergyLedger, energyMetrics, publishEnergy, publishPower, sampleEnergy, summarize } from '../../src/energy/index.js';
import { desired, observed } from './fixtures.js';

describe('energy metrics', () => {
  it.each([['a bare registry', () => new Metrics()], ['the agent registry', agentMetrics]])('defines its series on %s', (_name, make) => {
    // Act
    const text = energyMetrics(make()).render();
    // Assert
    for (const name of ['marmite_node_power_watts', 'marmite_energy_kwh_total', 'marmite_energy_saved_kwh_total', 'marmite_energy_tenant_kwh_total', 'marmite_energy_cost_total', 'marmite_energy_month_kwh']) {
      expect(text).toContain(`# HELP ${name} `);
    }
    expect(text).toContain('# TYPE marmite_energy_kwh_total counter');
  });

  it('publishes each node\'s watts and where they come from', () => {
    // Arrange
    const m = energyMetrics(new Metrics());
    const s = sampleEnergy(desired(), observed({ at: '2026-12-03T10:00:00Z' }), '2026-12-03T10:00:00Z');
    // Act
    publishPower(m, s);
    // Assert
    expect(m.get('marmite_node_power_watts', { site: 'paris', node: 'par-cpu-1' })).toBe(180);
    expect(m.get('marmite_node_power_measured', { site: 'paris', node: 'par-cpu-1' })).toBe(1);
    expect(m.get('marmite_node_power_watts', { site: 'paris', node: 'par-cpu-2' })).toBe(0);
    expect(m.get('marmite_node_power_measured', { site: 'paris', node: 'par-cpu-2' })).toBe(0);
  });

  it('adds each sample\'s kWh to the counters', () => {
    // Arrange: pve1 at 180 W and pve2 off (idle 60 W) for 10 minutes
    const m = energyMetrics(new Metrics());
    const d = desired();
    let ledger = EnergyLedger.empty('2026-12');
    ledger = advance(ledger, sampleEnergy(d, observed({ at: '2026-12-03T10:00:00Z' }), '2026-12-03T10:00:00Z')).current;
    // Act
    const r = advance(ledger, sampleEnergy(d, observed({ at: '2026-12-03T10:10:00Z' }), '2026-12-03T10:10:00Z'));
    publishEnergy(m, r.delta, summarize(r.current));
    publishEnergy(m, r.delta);
    // Assert
    expect(m.get('marmite_energy_kwh_total', { site: 'paris', node: 'par-cpu-1' })).toBeCloseTo(2 * 0.03, 12);
    expect(m.get('marmite_energy_always_on_kwh_total', { site: 'paris', node: 'par-cpu-2' })).toBeCloseTo(2 * 0.01, 12);
    expect(m.get('marmite_energy_saved_kwh_total')).toBeCloseTo(2 * 0.01, 12);
    expect(m.get('marmite_energy_tenant_kwh_total', { tenant: 'repair' })).toBeCloseTo(2 * 0.01125, 12);
    expect(m.get('marmite_energy_cost_total', { currency: 'EUR' })).toBeCloseTo(2 * 0.03 * 0.33, 12);
    expect(m.get('marmite_energy_month_kwh')).toBeCloseTo(0.03, 12);
  });
});
