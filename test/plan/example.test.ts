// The plan over the repository in examples/small: from an empty cluster it creates everything,
// and once the cluster looks like those creates made it, the next plan is empty (convergence).

import { guestFromTarget } from '../support/guest-from-target.js';
import { describe, expect, it } from 'vitest';
import type { Observed, ObservedAccess } from '../../src/model/observed.js';
import type { VmTarget } from '../../src/model/plan.js';
import { configsNeeded } from '../../src/plan/needs-config.js';
import { plan } from '../../src/plan/plan.js';
import { validateRepository } from '../../src/validate/index.js';
import { NOW } from './helpers.js';

function emptySite(nodes: string[]): Observed {
  return {
    formatVersion: 1,
    observedAt: '2026-03-02T09:59:00.000Z',
    sites: {
      paris: {
        name: 'paris',
        reachable: true,
        nodes: nodes.map((n) => ({ site: 'paris', name: n, status: 'online', maxcpu: 24, maxmemMiB: 131072, cpu: 0, memUsedMiB: 0 })),
        guests: [],
        access: { pools: [], groups: [], acls: [] },
        deep: false,
      },
    },
  };
}


describe('plan over examples/small', () => {
  it('creates every VM on an empty cluster, then converges to an empty plan', async () => {
    const { desired, diagnostics } = await validateRepository('examples/small');
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const d = desired!;
    const nodes = Object.values(d.nodes).map((n) => n.pveNode);
    const first = plan(d, emptySite(nodes), NOW);
    expect(first.summary.create).toBe(Object.keys(d.vms).length);
    expect(first.refused).toEqual([]);

    const after = emptySite(nodes);
    const site = after.sites.paris!;
    site.guests = first.changes.filter((c) => c.action === 'create').map((c) => guestFromTarget(c.payload.target as VmTarget));
    const access: ObservedAccess = { pools: [], groups: [], acls: [] };
    for (const c of first.changes.filter((x) => x.action === 'ensure')) {
      const p = c.payload as { kind: string; poolid: string; comment: string; groupid: string; users: string[]; path: string; group: string; role: string };
      if (p.kind === 'pool') access.pools.push({ poolid: p.poolid, comment: p.comment, members: [] });
      if (p.kind === 'group') access.groups.push({ groupid: p.groupid, users: p.users });
      if (p.kind === 'acl') access.acls.push({ path: p.path, ugid: p.group, type: 'group', roleid: p.role, propagate: true });
    }
    site.access = access;

    expect(configsNeeded(d, after)).toEqual({});
    expect(plan(d, after, NOW)).toMatchObject({ changes: [], refused: [], drift: [] });
  });
});
