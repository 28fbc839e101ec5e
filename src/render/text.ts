// The terminal rendering of a plan (`marmite plan`), after `tofu plan`: one block per change with
// its symbol, subject, site, reason and a diff of what changes; refusals and drift after. ANSI
// colours only when asked (the CLI asks when stdout is a TTY and NO_COLOR is unset).

import type { Change, ChangeAction, Plan } from '../model/plan.js';
import { energyText, energyTotal, changeDiff, changeFlags, inline, summaryLine, SYMBOL } from './format.js';

export interface TextOptions {
  color: boolean;
}

type Paint = (code: string, s: string) => string;

/** Upcoming power transitions listed in a plan; the full week is `marmite power timeline`. */
const POWER_SHOWN = 10;

const COLOR: Record<ChangeAction, string> = {
  create: '32',
  update: '33',
  resize: '33',
  delete: '31',
  ensure: '36',
  migrate: '36',
  start: '36',
  shutdown: '35',
  stop: '35',
  'power-on': '36',
  'power-off': '35',
  'set-noout': '36',
  'clear-noout': '36',
};

export function renderText(plan: Plan, options: TextOptions = { color: false }): string {
  const paint: Paint = options.color ? (code, s) => `\u001b[${code}m${s}\u001b[0m` : (_code, s) => s;
  const lines: string[] = [];
  const commit = plan.commit ? `commit ${plan.commit.slice(0, 12)}, ` : '';
  lines.push(`marmite plan (${commit}observed ${plan.observedAt}, planned for ${plan.createdAt})`, '');

  for (const change of plan.changes) {
    lines.push(...changeBlock(change, paint), '');
  }

  if (plan.refused.length > 0) {
    lines.push(paint('1', `Refused (${plan.refused.length}): not executed`));
    for (const r of plan.refused) {
      lines.push(`${paint('35;1', '!')} ${r.action} ${r.subject}${r.site ? ` [${r.site}]` : ''} ${paint('2', `(${r.rule})`)}`);
      lines.push(`    ${r.reason}`);
    }
    lines.push('');
  }

  if (plan.drift.length > 0) {
    lines.push(paint('1', `Drift (${plan.drift.length}): changed outside Git`));
    for (const d of plan.drift) {
      const status = d.corrected ? 'corrected by this plan' : 'not corrected';
      lines.push(`  ${d.subject} [${d.site}] ${d.field}: Git ${inline(d.desired)}, observed ${inline(d.observed)} (${status})`);
    }
    lines.push('');
  }

  if (plan.power && (plan.power.blocked.length > 0 || plan.power.transitions.length > 0)) {
    lines.push(paint('1', 'Power'));
    for (const b of plan.power.blocked) lines.push(`  ${paint('35;1', '!')} power-${b.to} node ${b.node} [${b.site}] blocked (${b.rule}): ${b.reason}`);
    for (const t of plan.power.transitions.slice(0, POWER_SHOWN)) lines.push(`  next: node ${t.node} [${t.site}] ${t.to} at ${t.at}: ${t.reason}`);
    if (plan.power.transitions.length > POWER_SHOWN) lines.push(`  (and ${plan.power.transitions.length - POWER_SHOWN} more in the coming days: marmite power timeline)`);
    lines.push('');
  }

  lines.push(paint('1', summaryLine(plan)));
  const energy = energyTotal(plan);
  if (energy) lines.push(`Energy effect of this plan: ${energyText(energy)}.`);
  return `${lines.join('\n')}\n`;
}

function changeBlock(change: Change, paint: Paint): string[] {
  const color = COLOR[change.action];
  const flags = changeFlags(change).map((f) => (f === 'DOWNTIME' ? paint('31;1', f) : f));
  const title = `${paint(color, `${SYMBOL[change.action]} ${change.action}`)} ${paint('1', change.subject)} [${change.site}]${flags.length > 0 ? ` (${flags.join(', ')})` : ''}`;
  const out = [title, `    ${change.reason}`];
  if (change.energy) out.push(`    energy: ${energyText(change.energy)}`);
  for (const line of changeDiff(change)) {
    if (line.sign === '+') out.push(paint('32', `    + ${line.text}`));
    else if (line.sign === '-') out.push(paint('31', `    - ${line.text}`));
    else out.push(`      ${line.text}`);
  }
  return out;
}
