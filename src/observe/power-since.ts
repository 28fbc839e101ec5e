// When each node last changed power state: the power planner's minimum on and off times need it,
// and no BMC says it. The agent remembers the state it saw each cycle and stamps `since` on the
// observation; after a restart a node counts as having been in its state long enough (the safe
// side: the planner then allows a transition only when every other rule does).

import type { Observed } from '../model/observed.js';

export type PowerMemory = Record<string, { state: 'on' | 'off'; since: string }>;

/** Stamps `since` on every power entry whose state is known, and returns the updated memory. */
export function stampPowerSince(previous: PowerMemory, observed: Observed, now: Date): PowerMemory {
  const next: PowerMemory = { ...previous };
  for (const site of Object.values(observed.sites)) {
    for (const p of site.power ?? []) {
      if (p.bmc === 'unknown') continue;
      const key = `${site.name}/${p.node}`;
      const seen = previous[key];
      if (seen === undefined) {
        // First sight since start: the change, if any, was before we looked.
        next[key] = { state: p.bmc, since: new Date(0).toISOString() };
      } else if (seen.state !== p.bmc) {
        next[key] = { state: p.bmc, since: now.toISOString() };
      }
      p.since = next[key]!.since;
    }
  }
  return next;
}
