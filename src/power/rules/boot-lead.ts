// boot-lead: a node is powered on its boot time before it is needed (a window opening, a
// scheduled VM starting), and not earlier: an early power-on is only wasted watts. The check
// answers "is it time to power on for a need at `neededAt`?".

import { ALLOW, block, type RuleResult } from './types.js';

export function checkBootLead(node: string, neededAt: number, now: number, bootSeconds: number): RuleResult {
  const startBy = neededAt - bootSeconds * 1000;
  if (now >= startBy) return ALLOW;
  const min = Math.ceil((startBy - now) / 60_000);
  return block('boot-lead', `${node} is needed at ${new Date(neededAt).toISOString()} and boots in ${bootSeconds}s: powering on now would waste ${min} min of idle power`);
}
