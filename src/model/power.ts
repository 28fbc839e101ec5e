// The power part of a Plan: which nodes must be on, where VMs go, the power transitions with their
// reasons, the transitions the safety rules refused, and the timeline of the coming days. Computed
// by the pure power planner (src/power/) from desired, observed and `now`.

export interface PowerTransition {
  site: string;
  /** nodes/<node> name. */
  node: string;
  to: 'on' | 'off';
  /** When: `now` for a transition of this cycle, later ones come from the timeline. */
  at: string;
  reason: string;
}

/** A transition a safety rule refused: it is reported and never blocks the rest of the plan. */
export interface PowerBlock {
  site: string;
  node: string;
  to: 'on' | 'off';
  /** must-run-vm, quorum, ceph-pgs, ceph-health, min-on-time, min-off-time, boot-lead... */
  rule: string;
  reason: string;
}

export interface PowerTimelineEntry {
  site: string;
  node: string;
  /** Consecutive periods covering the horizon, each on or off. */
  periods: { from: string; to: string; state: 'on' | 'off' }[];
}

export interface PowerPlan {
  /** Nodes (nodes/<node> names) that must be on now, per site. */
  nodesOn: Record<string, string[]>;
  transitions: PowerTransition[];
  blocked: PowerBlock[];
  timeline: PowerTimelineEntry[];
  horizonHours: number;
}

/** The energy a change adds or saves per month, at the site's price and PUE. */
export interface EnergyEffect {
  kWhPerMonth: number;
  costPerMonth: number;
  currency: string;
  /** Plain words: "keeps par-cpu-2 on during office hours". */
  note?: string;
}
