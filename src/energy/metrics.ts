// Energy series for /metrics. Counters grow by what each sample added (a restarted agent starts
// them at zero, which Prometheus' rate() and increase() handle as a reset); gauges show the
// latest reading and the month so far.

import type { Metrics } from '../agent/metrics.js';
import type { EnergyDelta } from './ledger.js';
import type { EnergySample } from './sample.js';
import type { EnergySummary } from './summary.js';

/** Defines the energy series (marmite_node_power_watts itself is one of the agent's series). */
export function energyMetrics(m: Metrics): Metrics {
  m.gauge('marmite_node_power_watts', 'Node power draw when known.');
  m.gauge('marmite_node_power_measured', 'Whether the node power reading comes from its BMC (1) or the model (0).');
  m.counter('marmite_energy_kwh_total', 'Energy used by each node (IT kWh, without cooling).');
  m.counter('marmite_energy_always_on_kwh_total', 'Energy each node would have used always on.');
  m.counter('marmite_energy_saved_kwh_total', 'Energy saved against the same fleet always on (IT kWh).');
  m.counter('marmite_energy_tenant_kwh_total', 'Energy shared out to each tenant (platform: unreserved and idle overhead).');
  m.counter('marmite_energy_cost_total', 'Cost of the energy used, at the meter (price x PUE), by currency.');
  m.gauge('marmite_energy_month_kwh', 'Energy used so far this month (IT kWh).');
  m.gauge('marmite_energy_month_saved_ratio', 'Share of always-on energy saved so far this month (0..1).');
  return m;
}

/** The latest reading per node. */
export function publishPower(m: Metrics, sample: EnergySample): void {
  m.reset('marmite_node_power_watts');
  m.reset('marmite_node_power_measured');
  for (const [node, r] of Object.entries(sample.nodes)) {
    m.set('marmite_node_power_watts', { site: r.site, node }, r.watts);
    m.set('marmite_node_power_measured', { site: r.site, node }, r.source === 'bmc' ? 1 : 0);
  }
}

export function publishEnergy(m: Metrics, delta: EnergyDelta, month?: EnergySummary): void {
  let saved = 0;
  for (const [node, d] of Object.entries(delta.nodes)) {
    m.inc('marmite_energy_kwh_total', { site: d.site, node }, d.kWh);
    m.inc('marmite_energy_always_on_kwh_total', { site: d.site, node }, d.alwaysOnKWh);
    saved += d.alwaysOnKWh - d.kWh;
  }
  // A counter never goes down: a sample where the fleet drew more than always-on (a reading above
  // the idle figure of an off node's model) adds nothing rather than a negative amount.
  if (Object.keys(delta.nodes).length > 0) m.inc('marmite_energy_saved_kwh_total', {}, Math.max(0, saved));
  for (const [tenant, kWh] of Object.entries(delta.tenants)) m.inc('marmite_energy_tenant_kwh_total', { tenant }, kWh);
  for (const [currency, amount] of Object.entries(delta.cost)) m.inc('marmite_energy_cost_total', { currency }, amount);
  if (month) {
    m.set('marmite_energy_month_kwh', {}, month.kWh);
    m.set('marmite_energy_month_saved_ratio', {}, month.savedShare);
  }
}
