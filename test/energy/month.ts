// Three deterministic days of the test fleet: par-cpu-1 always on and read by its BMC, par-cpu-2
// on during office hours (repair/db moves there), off otherwise; the agent down one night.

import { advance, EnergyLedger, sampleEnergy } from '../../src/energy/index.js';
import { desired, guest, observed, observedNode } from './fixtures.js';

export function threeDays(): EnergyLedger {
  const d = desired();
  let ledger = EnergyLedger.empty('2026-12');
  const start = Date.parse('2026-12-01T00:00:00Z');
  for (let t = start; t < start + 3 * 86_400_000; t += 600_000) {
    const at = new Date(t);
    if (at.toISOString() >= '2026-12-02T02:00' && at.toISOString() < '2026-12-02T04:30') continue; // agent down
    const hour = at.getUTCHours() + at.getUTCMinutes() / 60;
    const office = hour >= 8 && hour < 18;
    const web = guest(1001, 'pve1', { managed: { tenant: 'ad28', vm: 'web', specHash: 'x' } });
    const db = guest(1002, office ? 'pve2' : 'pve1', { managed: { tenant: 'repair', vm: 'db', specHash: 'y' } });
    const obs = observed({
      at: at.toISOString(),
      nodes: [observedNode('pve1', 'online', 0.3), observedNode('pve2', office ? 'online' : 'offline', office ? 0.6 : 0)],
      guests: [web, db, guest(900, 'pve1')],
      power: [
        { node: 'par-cpu-1', bmc: 'on', watts: Math.round(150 + 40 * Math.sin((2 * Math.PI * hour) / 24)) },
        { node: 'par-cpu-2', bmc: 'unknown' },
      ],
    });
    ledger = advance(ledger, sampleEnergy(d, obs, at)).current;
  }
  return ledger;
}
