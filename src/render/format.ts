// What every renderer shares: the symbol and words of each action, the before/after of a change
// as readable diff lines, and the grouping of changes (destructive and downtime ones first).
// Renderers draw only from the Plan: nothing here looks anything up elsewhere.

import { diffLines } from 'diff';
import { stringify } from 'yaml';
import type { EnergyEffect } from '../model/power.js';
import type { Change, ChangeAction, Plan } from '../model/plan.js';

export const SYMBOL: Record<ChangeAction, string> = {
  create: '+',
  update: '~',
  resize: '~',
  delete: '-',
  ensure: '*',
  migrate: '>',
  start: '^',
  shutdown: 'v',
  stop: 'v',
  'power-on': '^',
  'power-off': 'v',
  'set-noout': '*',
  'clear-noout': '*',
};

export type DiffLine = { sign: '+' | '-' | ' '; text: string };

/** YAML reads well for nested values and multi-line strings (descriptions) alike. */
export function toYaml(value: Record<string, unknown>): string {
  return Object.keys(value).length === 0 ? '' : stringify(value, { lineWidth: 0 });
}

/** Marker tags carry a spec hash: a reader learns nothing from two hex strings, the JSON keeps them. */
const HIDDEN = new Set(['tags']);

function shown(value: Record<string, unknown> | undefined): string {
  if (!value) return '';
  return toYaml(Object.fromEntries(Object.entries(value).filter(([k]) => !HIDDEN.has(k))));
}

/** Before/after of a change as diff lines: an added object is all `+`, an update only its differences in context. */
export function changeDiff(change: Pick<Change, 'before' | 'after'>): DiffLine[] {
  const before = shown(change.before);
  const after = shown(change.after);
  if (before === '' && after === '') return [];
  const out: DiffLine[] = [];
  for (const part of diffLines(before, after)) {
    const sign = part.added ? '+' : part.removed ? '-' : ' ';
    for (const line of part.value.replace(/\n$/, '').split('\n')) out.push({ sign, text: line });
  }
  return out;
}

/** Short tag after a change's title: its apply mode and whether the guest goes down. */
export function changeFlags(change: Change): string[] {
  const flags: string[] = [];
  if (change.applyMode) flags.push(change.applyMode);
  if (change.downtime) flags.push('DOWNTIME');
  return flags;
}

export function isLoud(change: Change): boolean {
  return change.action === 'delete' || change.downtime;
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  const total = plan.changes.length;
  if (total === 0 && s.refused === 0) return 'No changes. The infrastructure matches Git.';
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.other} other; ${s.refused} refused.`;
}

/** A drift or refusal value on one line. */
export function inline(value: unknown): string {
  if (value === undefined) return '(unset)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** `+1.6 kWh, +0.36 EUR per month`: what a change adds (or, negative, saves). */
export function energyText(e: EnergyEffect): string {
  const sign = (n: number) => (n > 0 ? '+' : n < 0 ? '−' : '');
  const kwh = `${sign(e.kWhPerMonth)}${Math.abs(e.kWhPerMonth).toFixed(1)} kWh`;
  const cost = `${sign(e.costPerMonth)}${Math.abs(e.costPerMonth).toFixed(2)} ${e.currency}`;
  return `${kwh}, ${cost} per month${e.note ? ` (${e.note})` : ''}`;
}

/** The plan's changes' energy effects added up, per currency; undefined when none has one. */
export function energyTotal(plan: Plan): EnergyEffect | undefined {
  const withEnergy = plan.changes.filter((c) => c.energy !== undefined);
  if (withEnergy.length === 0) return undefined;
  const currency = withEnergy[0]!.energy!.currency;
  const same = withEnergy.filter((c) => c.energy!.currency === currency);
  return {
    kWhPerMonth: same.reduce((n, c) => n + c.energy!.kWhPerMonth, 0),
    costPerMonth: same.reduce((n, c) => n + c.energy!.costPerMonth, 0),
    currency,
  };
}
