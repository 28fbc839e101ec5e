// The plan as a merge-request comment: what a volunteer reviewer must see first comes first.
// Deletions and downtime are listed on top and loud; long lists fold into <details>; refusals say
// which rule stopped what and why; drift gets its own table.

import type { Change, Plan } from '../model/plan.js';
import { changeDiff, changeFlags, energyText, energyTotal, inline, isLoud, summaryLine, SYMBOL } from './format.js';

/** Above this many changes the full list folds away. */
const FOLD_AFTER = 10;

export function renderMarkdown(plan: Plan): string {
  const out: string[] = [];
  out.push('## marmite plan', '');
  const commit = plan.commit ? `commit \`${plan.commit.slice(0, 12)}\` · ` : '';
  out.push(`${commit}observed ${plan.observedAt} · planned for ${plan.createdAt}`, '');
  out.push(`**${summaryLine(plan)}**`, '');
  const energy = energyTotal(plan);
  if (energy) out.push(`Energy effect: **${escapeText(energyText(energy))}**`, '');
  const s = plan.summary;
  out.push('| create | update | delete | other | refused |', '|---:|---:|---:|---:|---:|', `| ${s.create} | ${s.update} | ${s.delete} | ${s.other} | ${s.refused} |`, '');

  const loud = plan.changes.filter(isLoud);
  if (loud.length > 0) {
    out.push(`### ⚠️ Destructive or downtime changes (${loud.length})`, '');
    for (const c of loud) {
      const what = c.action === 'delete' ? '**DELETE**' : `**${c.action}** (downtime)`;
      out.push(`- ${what} \`${c.subject}\` on ${c.site}: ${escapeText(c.reason)}`);
    }
    out.push('');
  }

  if (plan.changes.length > 0) {
    out.push(`### Changes (${plan.changes.length})`, '');
    const fold = plan.changes.length > FOLD_AFTER;
    if (fold) out.push('<details>', `<summary>All ${plan.changes.length} changes</summary>`, '');
    for (const c of plan.changes) out.push(...changeSection(c));
    if (fold) out.push('</details>', '');
  }

  if (plan.refused.length > 0) {
    out.push(`### 🚫 Refused (${plan.refused.length})`, '', 'These actions are not executed:', '');
    const fold = plan.refused.length > FOLD_AFTER;
    if (fold) out.push('<details>', `<summary>All ${plan.refused.length} refusals</summary>`, '');
    out.push('| rule | action | subject | site | reason |', '|---|---|---|---|---|');
    for (const r of plan.refused) out.push(`| \`${r.rule}\` | ${r.action} | \`${r.subject}\` | ${r.site ?? ''} | ${cell(r.reason)} |`);
    out.push('');
    if (fold) out.push('</details>', '');
  }

  if (plan.power && (plan.power.blocked.length > 0 || plan.power.transitions.length > 0)) {
    out.push('### Power', '');
    if (plan.power.blocked.length > 0) {
      out.push('Transitions a safety rule blocked (the rest of the plan goes ahead):', '', '| node | site | to | rule | why |', '|---|---|---|---|---|');
      for (const b of plan.power.blocked) out.push(`| \`${b.node}\` | ${b.site} | ${b.to} | \`${b.rule}\` | ${cell(b.reason)} |`);
      out.push('');
    }
    if (plan.power.transitions.length > 0) {
      out.push('<details>', `<summary>Power transitions in the coming days (${plan.power.transitions.length})</summary>`, '', '| when | node | site | to | why |', '|---|---|---|---|---|');
      for (const t of plan.power.transitions) out.push(`| ${t.at} | \`${t.node}\` | ${t.site} | ${t.to} | ${cell(t.reason)} |`);
      out.push('', '</details>', '');
    }
  }

  if (plan.drift.length > 0) {
    out.push(`### Drift (${plan.drift.length})`, '', 'Changed outside Git:', '');
    const fold = plan.drift.length > FOLD_AFTER;
    if (fold) out.push('<details>', `<summary>All ${plan.drift.length} drift items</summary>`, '');
    out.push('| subject | site | field | Git | observed | corrected |', '|---|---|---|---|---|---|');
    for (const d of plan.drift) {
      out.push(`| \`${d.subject}\` | ${d.site} | ${d.field} | ${cell(inline(d.desired))} | ${cell(inline(d.observed))} | ${d.corrected ? 'yes' : 'no'} |`);
    }
    out.push('');
    if (fold) out.push('</details>', '');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

function changeSection(c: Change): string[] {
  const flags = changeFlags(c);
  const out = [`#### \`${SYMBOL[c.action]}\` ${c.action} \`${c.subject}\` (${c.site})${flags.length > 0 ? ` — ${flags.join(', ')}` : ''}`, '', escapeText(c.reason), ''];
  if (c.energy) out.push(`Energy: ${escapeText(energyText(c.energy))}`, '');
  const diff = changeDiff(c);
  if (diff.length > 0) {
    // A fence longer than any backtick run inside keeps the block closed whatever the values hold.
    const longest = Math.max(0, ...diff.map((l) => Math.max(0, ...(l.text.match(/`+/g) ?? []).map((run) => run.length))));
    const fence = '`'.repeat(Math.max(3, longest + 1));
    out.push(`${fence}diff`, ...diff.map((l) => `${l.sign} ${l.text}`), fence, '');
  }
  return out;
}

/** Markdown reads `<`, `*` and `_` as markup; reasons are plain text. */
function escapeText(s: string): string {
  return s.replace(/[\\`*_<>[\]|]/g, (ch) => `\\${ch}`);
}

function cell(s: string): string {
  return escapeText(s).replace(/\r?\n/g, '<br>');
}
