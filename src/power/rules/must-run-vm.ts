// must-run-vm: a node goes down only when nothing that must run stays on it. A guest that must
// run is fine only when a change of this same plan moves it away (the power-off depends on it).

import { ALLOW, block, type RuleResult } from './types.js';

export interface GuestOnNode {
  subject: string;
  /** Whether it must keep running (a desired VM in its schedule, or any running unmanaged guest). */
  mustRun: boolean;
  /** Ids of the changes of this plan that move or stop it; empty when none does. */
  handledBy: string[];
  /** Why nothing moves it, for the message (no room, local disks, not managed by marmite...). */
  why?: string;
}

export function checkMustRunVm(node: string, guests: readonly GuestOnNode[]): RuleResult {
  const left = guests.filter((g) => g.mustRun && g.handledBy.length === 0);
  if (left.length === 0) return ALLOW;
  const list = left.map((g) => (g.why ? `${g.subject} (${g.why})` : g.subject)).join(', ');
  return block('must-run-vm', `${node} still runs ${list}, which must keep running and cannot be moved off it now`);
}

/** The change ids a power-off must wait for: every move or stop of the guests on the node. */
export function mustRunDependencies(guests: readonly GuestOnNode[]): string[] {
  return [...new Set(guests.flatMap((g) => g.handledBy))].sort();
}
