// One plan that exercises every renderer branch: ensure, create+start, a reboot update with a
// multi-line description, a resize, a migration, a shutdown, a delete, refusals and drift. It is
// computed by plan() from builders, so the golden files also show what real plans look like.

import type { Plan } from '../../src/model/plan.js';
import { plan } from '../../src/plan/plan.js';
import { configFor, desired, guestFor, NOW, observed, orphan, site, vm } from '../plan/helpers.js';

export function fixturePlan(): Plan {
  const web = vm('ad28/web', 2801, { description: 'Website of the food bank' });
  const dbOld = vm('ad28/db', 2802, { disks: [{ slot: 'scsi0', sizeGiB: 20, storage: 'vms' }] });
  const db = vm('ad28/db', 2802, { cores: 4, description: 'Database | main', disks: [{ slot: 'scsi0', sizeGiB: 40, storage: 'vms' }] });
  const files = vm('ad28/files', 2803, { placement: { node: 'pve2', nodes: [] } });
  const lab = vm('ad28/lab', 2804, { state: 'stopped' });
  const clash = vm('ad28/clash', 2805);
  const huge = vm('ad28/huge', 2806, { memoryMiB: 500000 });
  const crm = vm('ad28/crm', 2807);
  const d = desired([web, db, files, lab, clash, huge, crm], {}, { deletionGuard: { maxCount: 3, maxPercent: 50 } });
  const old = desired([dbOld]);
  const guests = [
    guestFor(old, dbOld, { config: configFor(old, dbOld) }),
    guestFor(d, files),
    guestFor(d, lab, { status: 'running' }),
    { ...orphan('other/legacy', 2805), managed: undefined, tags: [], name: 'legacy' },
    guestFor(d, crm, { maxmemMiB: 4096 }),
    orphan('ad28/old-wiki', 2900),
  ];
  const s = site(d, guests);
  s.access!.groups = [];
  return plan(d, observed([s]), NOW);
}
