// What every safety rule returns: allowed, or blocked with a reason in plain words. A rule is a
// pure function of the facts it is given; the planner gathers the facts and turns a block into a
// PowerBlock and a Refusal for that one transition.

export type RuleName =
  | 'must-run-vm'
  | 'quorum'
  | 'ceph-pgs'
  | 'ceph-health'
  | 'noout'
  | 'min-on-time'
  | 'min-off-time'
  | 'boot-lead'
  | 'power-control';

export type RuleResult = { ok: true } | { ok: false; rule: RuleName; reason: string };

export const ALLOW: RuleResult = { ok: true };

export function block(rule: RuleName, reason: string): RuleResult {
  return { ok: false, rule, reason };
}
