// The plan restricted to what a merge request changes: both sides are planned against the same
// observed snapshot, so whatever the cluster already differs by (drift, pending work) appears on
// both and cancels out. A change counts as the merge request's when its id or its payload differs.

import { shortHash, stableStringify } from '../model/marker.js';
import type { Change, Plan, Refusal } from '../model/plan.js';
import type { PowerBlock, PowerTransition } from '../model/power.js';

export interface PlanDelta {
  /** Changes the head plans that the base does not (or plans differently). */
  added: Change[];
  /** Changes the base would make that the merge request cancels. */
  cancelled: Change[];
  /** Refusals new with the merge request. */
  refused: Refusal[];
  /** Refusals the merge request resolves. */
  resolved: Refusal[];
  transitions: PowerTransition[];
  blocked: PowerBlock[];
}

/** id + payload hash: a change planned on both sides with another payload is a new change. */
export function changeKey(c: Change): string {
  return `${c.id}#${shortHash(c.payload, 16)}`;
}

function minus<T>(a: readonly T[], b: readonly T[], key: (x: T) => string): T[] {
  const seen = new Set(b.map(key));
  return a.filter((x) => !seen.has(key(x)));
}

export function diffPlans(base: Plan, head: Plan): PlanDelta {
  const refusalKey = (r: Refusal): string => stableStringify(r);
  return {
    added: minus(head.changes, base.changes, changeKey),
    cancelled: minus(base.changes, head.changes, changeKey),
    refused: minus(head.refused, base.refused, refusalKey),
    resolved: minus(base.refused, head.refused, refusalKey),
    transitions: minus(head.power?.transitions ?? [], base.power?.transitions ?? [], stableStringify),
    blocked: minus(head.power?.blocked ?? [], base.power?.blocked ?? [], stableStringify),
  };
}
