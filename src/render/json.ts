// The plan file (`plan --format json`, `apply PLANFILE`): the Plan itself, with a stable key order
// so two runs over the same inputs give byte-identical files. Known objects keep a reading order
// (id first, payload last); everything inside payloads is sorted by key.

import type { Plan } from '../model/plan.js';

const ORDER: Record<string, readonly string[]> = {
  plan: ['formatVersion', 'createdAt', 'commit', 'observedAt', 'summary', 'changes', 'refused', 'drift'],
  summary: ['create', 'update', 'delete', 'other', 'refused'],
  change: ['id', 'provider', 'site', 'subject', 'action', 'reason', 'downtime', 'applyMode', 'before', 'after', 'fingerprint', 'dependsOn', 'payload'],
  refusal: ['subject', 'site', 'action', 'rule', 'reason'],
  drift: ['subject', 'site', 'field', 'desired', 'observed', 'corrected'],
};

export function renderJson(plan: Plan): string {
  const ordered = {
    ...pick(plan as unknown as Record<string, unknown>, ORDER.plan!),
    summary: pick(plan.summary, ORDER.summary!),
    changes: plan.changes.map((c) => pick(c as unknown as Record<string, unknown>, ORDER.change!)),
    refused: plan.refused.map((r) => pick(r as unknown as Record<string, unknown>, ORDER.refusal!)),
    drift: plan.drift.map((d) => pick(d as unknown as Record<string, unknown>, ORDER.drift!)),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Known keys in reading order, then any other key sorted; nested plain objects sorted. */
function pick(obj: Record<string, unknown>, order: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of order) if (obj[key] !== undefined) out[key] = sortDeep(obj[key]);
  for (const key of Object.keys(obj).sort()) if (!(key in out) && obj[key] !== undefined) out[key] = sortDeep(obj[key]);
  return out;
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(obj).sort().map((k) => [k, sortDeep(obj[k])]));
  }
  return value;
}
