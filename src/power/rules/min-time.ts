// min-on-time / min-off-time: no flapping. A node stays in a state at least its minimum time
// since it last changed. When the last change is unknown, the node is taken to have been in its
// state long enough (the agent supplies the time from its reports when it has it).

import { ALLOW, block, type RuleResult } from './types.js';

function minutes(ms: number): string {
  const m = Math.ceil(ms / 60_000);
  return m >= 120 && m % 60 === 0 ? `${m / 60} h` : `${m} min`;
}

function check(rule: 'min-on-time' | 'min-off-time', node: string, state: string, since: number | undefined, now: number, minSeconds: number): RuleResult {
  if (since === undefined || !Number.isFinite(since)) return ALLOW;
  const elapsed = now - since;
  if (elapsed >= minSeconds * 1000) return ALLOW;
  return block(rule, `${node} has been ${state} for ${minutes(Math.max(elapsed, 0))} only; it stays ${state} at least ${minutes(minSeconds * 1000)} (${minutes(minSeconds * 1000 - elapsed)} to go)`);
}

/** Guards a power-off: the node has been on for its minimum on-time. */
export function checkMinOnTime(node: string, onSince: number | undefined, now: number, minOnSeconds: number): RuleResult {
  return check('min-on-time', node, 'on', onSince, now, minOnSeconds);
}

/** Guards a power-on: the node has been off for its minimum off-time. */
export function checkMinOffTime(node: string, offSince: number | undefined, now: number, minOffSeconds: number): RuleResult {
  return check('min-off-time', node, 'off', offSince, now, minOffSeconds);
}
