// The power model for nodes without a BMC reading: linear between idle and busy watts by CPU
// load. Old servers draw most of their busy power at idle, so being on matters far more than load.
// src/power/energy-model.ts (the power planner's) uses the same formula; the two should merge.

export interface PowerFigures {
  idleWatts: number;
  maxWatts: number;
}

/** Watts of a node that is on, at CPU load 0..1 (clamped; a non-number load counts as idle). */
export function nodeWatts(power: PowerFigures, load: number): number {
  const l = Number.isFinite(load) ? Math.min(1, Math.max(0, load)) : 0;
  return power.idleWatts + (power.maxWatts - power.idleWatts) * l;
}
