// The review as a merge-request comment, for a volunteer who is not an infrastructure engineer:
// the verdict first, then what destroys data or stops a service, then validation, approvals,
// quotas, the changes, energy and the platform files' diffs. Long parts fold into <details>; the
// whole stays under GitLab's note limit, with a pointer to the full plan in the CI artifact.

import { diffLines } from 'diff';
import type { Diagnostic } from '../core/diagnostics.js';
import type { Change } from '../model/plan.js';
import { changeDiff, changeFlags, isLoud, SYMBOL } from '../render/format.js';
import { QUOTA_UNITS, type QuotaName } from '../validate/policy.js';
import { formatKWh, formatMoney } from './energy.js';
import { plural, REVIEW_MARKER, type PlatformDiff, type Review } from './review.js';

/** GitLab refuses notes over 1,000,000 characters. */
export const GITLAB_NOTE_LIMIT = 1_000_000;
/** Above this many changes, their details fold away. */
const FOLD_AFTER = 10;

export interface MarkdownOptions {
  maxChars?: number;
  /** Where the full review is kept (CI artifact), named in the truncation notice. */
  artifact?: string;
  /** URL prefix of the head's files (`https://forge/group/repo/-/blob/<sha>/`), for file:line links. */
  linkBase?: string;
}

const QUOTA_LABEL: Record<QuotaName, string> = { vcpus: 'vCPUs', memory: 'memory', disk: 'disk', vms: 'VMs', cephBytes: 'Ceph storage' };

export function renderReviewMarkdown(review: Review, options: MarkdownOptions = {}): string {
  const max = options.maxChars ?? GITLAB_NOTE_LIMIT;
  const full = assemble(blocks(review, options, false));
  if (full.length <= max) return full;
  // First drop the per-change diffs (the artifact keeps them), then whole blocks from the end.
  const compact = blocks(review, options, true);
  const text = assemble(compact);
  if (text.length <= max) return text;
  return truncate(compact, max, options.artifact);
}

function assemble(parts: readonly string[]): string {
  return `${parts.join('\n').replace(/\n+$/, '')}\n`;
}

function truncate(parts: readonly string[], max: number, artifact: string | undefined): string {
  const where = artifact ? `the CI artifact \`${artifact}\`` : 'the CI job log (run `marmite review --artifact FILE` to keep it)';
  const notice = `\n> ✂️ **This comment was cut to fit the merge request's size limit.** The full review and plan are in ${where}.\n`;
  const kept: string[] = [];
  let length = notice.length + 64;
  for (const p of parts) {
    if (length + p.length + 1 > max) break;
    kept.push(p);
    length += p.length + 1;
  }
  let text = kept.join('\n');
  const open = (text.match(/<details>/g) ?? []).length - (text.match(/<\/details>/g) ?? []).length;
  text += '\n</details>\n'.repeat(Math.max(0, open));
  return `${text.replace(/\n+$/, '')}\n${notice}`.slice(0, max);
}

function blocks(r: Review, o: MarkdownOptions, compact: boolean): string[] {
  const out: string[] = [];
  out.push(`${REVIEW_MARKER}\n## marmite review\n\n**${r.verdict.text}**\n`);
  out.push(header(r));
  const d = r.delta;
  const loud = d ? d.added.filter(isLoud) : [];
  if (loud.length > 0) out.push(loudSection(loud));
  out.push(validationSection(r, o));
  out.push(approvalSection(r));
  if (r.quotas.length > 0) out.push(quotaSection(r));
  if (d) out.push(...changeSections(r, compact));
  else out.push('### Changes on the cluster\n\nNothing is planned until the errors above are fixed.\n');
  if (d && (d.transitions.length > 0 || d.blocked.length > 0 || r.nodePower.length > 0)) out.push(powerSection(r));
  if (r.energy.lines.length > 0) out.push(energySection(r));
  if (r.platformDiffs.length > 0) out.push(...platformSections(r.platformDiffs, compact));
  out.push(footer(o));
  return out;
}

function short(sha: string): string {
  return `\`${sha.slice(0, 12)}\``;
}

function header(r: Review): string {
  const lines = [`Merge request ${short(r.head)} compared with ${short(r.base)} (where it branched off) · reviewed ${r.createdAt}`, ''];
  if (r.observed.kind === 'snapshot') {
    const commit = r.observed.commit ? ` for commit ${short(r.observed.commit)}` : '';
    lines.push(`Planned against the cluster as the agent last saw it: \`${r.observed.file}\` observed ${r.observed.observedAt}${commit}.`, '');
  } else {
    lines.push(`> ⚠️ **No observed snapshot was available** (${esc(r.observed.reason)}): the plan assumes an empty cluster, so every VM of the repository looks new and the changes below may be more than this merge request really makes.`, '');
  }
  return lines.join('\n');
}

function changeTitle(c: Change): string {
  const flags = changeFlags(c);
  return `\`${SYMBOL[c.action]}\` ${c.action} \`${c.subject}\` (${c.site})${flags.length > 0 ? ` — ${flags.join(', ')}` : ''}`;
}

function loudSection(loud: readonly Change[]): string {
  const lines = [`### 🚨 Destructive or downtime changes (${loud.length})`, ''];
  if (loud.some((c) => c.action === 'delete')) lines.push('A deleted VM is destroyed **with its disks**: its data cannot be recovered.', '');
  for (const c of loud) {
    const what = c.action === 'delete' ? '**DELETE**' : `**${c.action}** (service interrupted)`;
    lines.push(`- ${what} \`${c.subject}\` on ${c.site}: ${esc(c.reason)}`);
  }
  return `${lines.join('\n')}\n`;
}

function location(d: Diagnostic, linkBase: string | undefined): string {
  const text = `${d.file}:${d.line}:${d.col}`;
  return linkBase ? `[${text}](${linkBase}${d.file.split('/').map(encodeURIComponent).join('/')}#L${d.line})` : `\`${text}\``;
}

function diagnosticTable(items: readonly Diagnostic[], linkBase: string | undefined): string[] {
  const lines = ['| | where | problem |', '|---|---|---|'];
  for (const d of items) lines.push(`| ${d.severity === 'error' ? '❌ error' : '⚠️ warning'} | ${location(d, linkBase)} | ${cell(d.message)} \`${d.code}\` |`);
  return lines;
}

function validationSection(r: Review, o: MarkdownOptions): string {
  const v = r.validation;
  const all = [...v.relevant, ...v.preexisting];
  const errors = all.filter((d) => d.severity === 'error').length;
  const warnings = all.length - errors;
  const lines = ['### Validation', ''];
  if (all.length === 0) lines.push('✅ Every file is valid: schemas, references, capacity, tenant rights and quotas.');
  else lines.push(`${errors > 0 ? '❌' : '✅'} ${plural(errors, 'error')}, ${plural(warnings, 'warning')}.${errors > 0 ? ' Fix them in this merge request: nothing is merged or applied while the repository is invalid.' : ''}`);
  lines.push('');
  if (!v.baseValid) lines.push('> The target branch itself is invalid, so nothing is planned from it: every change planned from this merge request is shown as its own.', '');
  if (v.relevant.length > 0) lines.push('Caused by this merge request or in the files it changes:', '', ...diagnosticTable(v.relevant, o.linkBase), '');
  if (v.preexisting.length > 0) {
    lines.push('<details>', `<summary>Already on the target branch, in files this merge request leaves alone (${v.preexisting.length})</summary>`, '', ...diagnosticTable(v.preexisting, o.linkBase), '', '</details>', '');
  }
  return lines.join('\n');
}

function approvalSection(r: Review): string {
  const lines = ['### Who must approve', ''];
  const own = r.ownership;
  if (own.approvals.length === 0) return `${lines.join('\n')}Nothing in the repository's configuration changes.\n`;
  if (own.touchedTenants.length > 0) lines.push(`Tenant folders touched: ${own.touchedTenants.map((t) => `\`${t}\``).join(', ')}.`, '');
  lines.push('| who | why | files |', '|---|---|---|');
  for (const a of own.approvals) {
    const files = a.files.length === 0 ? '' : a.files.map((f) => `\`${f}\``).join('<br>');
    lines.push(`| ${a.who.map(esc).join(', ')} | ${cell(a.why)} | ${files} |`);
  }
  return `${lines.join('\n')}\n`;
}

function quotaSection(r: Review): string {
  const lines = ['### Quotas', '', '| tenant | resource | before | after | quota |', '|---|---|---:|---:|---:|'];
  for (const q of r.quotas) {
    for (const row of q.rows) {
      if (row.before === 0 && row.after === 0 && row.limit === 0 && row.limitBefore === 0) continue;
      const fmt = QUOTA_UNITS[row.quota];
      const after = row.over ? `**${fmt(row.after)} ❌ over**` : row.after !== row.before ? `**${fmt(row.after)}**` : fmt(row.after);
      const limit = row.limit !== row.limitBefore ? `${fmt(row.limitBefore)} → **${fmt(row.limit)}**` : fmt(row.limit);
      lines.push(`| \`${q.tenant}\` | ${QUOTA_LABEL[row.quota]} | ${fmt(row.before)} | ${after} | ${limit} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function changeDetail(c: Change): string {
  const lines = [`#### ${changeTitle(c)}`, '', esc(c.reason), ''];
  const diff = changeDiff(c);
  if (diff.length > 0) {
    const fence = fenceFor(diff.map((l) => l.text));
    lines.push(`${fence}diff`, ...diff.map((l) => `${l.sign} ${l.text}`), fence, '');
  }
  return lines.join('\n');
}

function changeSections(r: Review, compact: boolean): string[] {
  const d = r.delta!;
  const out: string[] = [];
  const title = `### What this merge request changes on the cluster (${d.added.length})`;
  if (d.added.length === 0) {
    const later = d.transitions.length > 0 ? ' Its effect on power over the coming days is under **Power** below.' : '';
    out.push(`${title}\n\nNothing right now: after merging, the agent has no more and no less to do than before.${later}\n`);
  }
  else {
    const list = d.added.map((c) => `- ${changeTitle(c)}`);
    out.push(`${title}\n\n${list.join('\n')}\n`);
    if (compact) out.push('_Details of each change are left out here; see the full plan in the CI artifact._\n');
    else {
      const fold = d.added.length > FOLD_AFTER;
      if (fold) out.push(`<details>\n<summary>Details of the ${d.added.length} changes</summary>\n`);
      else out.push('<details open>\n<summary>Details</summary>\n');
      for (const c of d.added) out.push(changeDetail(c));
      out.push('</details>\n');
    }
  }
  if (d.cancelled.length > 0) {
    const lines = [`### Cancelled (${d.cancelled.length})`, '', 'The agent would do these without this merge request; with it, it will not:', ''];
    for (const c of d.cancelled) lines.push(`- ${changeTitle(c)}: ${esc(c.reason)}`);
    out.push(`${lines.join('\n')}\n`);
  }
  if (d.refused.length > 0) {
    const lines = [`### 🚫 Refused (${d.refused.length})`, '', 'The agent will **not** do these; the rule and the reason say why:', '', '| rule | action | subject | reason |', '|---|---|---|---|'];
    for (const x of d.refused) lines.push(`| \`${x.rule}\` | ${x.action} | \`${x.subject}\` | ${cell(x.reason)} |`);
    out.push(`${lines.join('\n')}\n`);
  }
  if (d.resolved.length > 0) {
    const lines = [`### Resolved refusals (${d.resolved.length})`, ''];
    for (const x of d.resolved) lines.push(`- \`${x.rule}\` ${x.action} \`${x.subject}\``);
    out.push(`${lines.join('\n')}\n`);
  }
  return out;
}

function policyText(p: { policy: string; windows: string[]; onShare?: number } | undefined): string {
  if (!p) return '(no node)';
  const windows = p.policy === 'windows' ? ` (${p.windows.map((w) => `\`${w}\``).join(', ')})` : '';
  return `${p.policy}${windows}`;
}

function shareText(p: { onShare?: number } | undefined): string {
  if (!p) return '0%';
  return p.onShare === undefined ? 'as needed' : `${Math.round(p.onShare * 100)}%`;
}

function powerSection(r: Review): string {
  const d = r.delta!;
  const lines = ['### Power', ''];
  if (r.nodePower.length > 0) {
    lines.push('| node | site | power policy before | after | on, share of the week |', '|---|---|---|---|---|');
    for (const n of r.nodePower) lines.push(`| \`${n.node}\` | ${n.site} | ${policyText(n.before)} | **${policyText(n.after)}** | ${shareText(n.before)} → **${shareText(n.after)}** |`);
    lines.push(
      '',
      'The agent powers a node off only when every safety rule holds: the VMs that must run are moved off it first, Proxmox keeps its quorum, Ceph keeps every placement group available (`noout` is set first), and the node has been on for its minimum time. A rule that fails blocks that power-off and is reported; it never blocks the rest of the plan.',
      '',
    );
    if (!r.powerPlanned) lines.push('_This plan does not include the power planner\'s timeline: the exact power-on and power-off times are decided by the agent._', '');
  }
  if (d.transitions.length > 0) {
    lines.push('Planned power transitions this merge request brings:', '', '| node | site | to | when | why |', '|---|---|---|---|---|');
    for (const t of d.transitions) lines.push(`| \`${t.node}\` | ${t.site} | ${t.to === 'on' ? '⏻ on' : '⏾ off'} | ${when(t.at)} | ${cell(t.reason)} |`);
    lines.push('');
  }
  if (d.blocked.length > 0) {
    lines.push('Blocked by a safety rule (reported, never forced):', '', '| node | to | rule | reason |', '|---|---|---|---|');
    for (const b of d.blocked) lines.push(`| \`${b.node}\` | ${b.to} | \`${b.rule}\` | ${cell(b.reason)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `Fri 2026-03-06 23:00 UTC`: a weekday helps a reader more than an ISO timestamp. */
function when(iso: string): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  return `${WEEKDAY[t.getUTCDay()]} ${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function energySection(r: Review): string {
  const lines = ['### Energy and cost per month', '', '| change | energy | cost | source |', '|---|---:|---:|---|'];
  for (const l of r.energy.lines) {
    const source = l.source === 'planner' ? 'power planner' : 'estimate';
    lines.push(`| ${l.action} \`${l.subject}\` | ${formatKWh(l.kWhPerMonth)} | ${formatMoney(l.costPerMonth, l.currency)} | ${source}${l.note ? `: ${esc(l.note)}` : ''} |`);
  }
  for (const t of r.energy.totals) lines.push(`| **total** | **${formatKWh(t.kWhPerMonth)}** | **${formatMoney(t.costPerMonth, t.currency)}** | ${t.estimated ? 'includes estimates' : ''} |`);
  lines.push('');
  const estimates = r.energy.lines.filter((l) => l.source === 'estimate');
  if (estimates.some((l) => !l.changeId.startsWith('node:'))) {
    lines.push("_VM estimate: the VM's share of its site's usable memory, times the compute nodes' power halfway between idle and max watts, times the site's PUE and price, over 730 hours a month (less when a schedule stops the VM)._", '');
  }
  if (estimates.some((l) => l.changeId.startsWith('node:'))) {
    lines.push("_Node estimate: the node's idle power for the share of the week it is off, times the site's PUE and price; its VMs' work moves to the other nodes._", '');
  }
  return lines.join('\n');
}

function platformSections(diffs: readonly PlatformDiff[], compact: boolean): string[] {
  const out = [`### Platform files changed (${diffs.length})\n`];
  if (compact) {
    out.push(`${diffs.map((p) => `- \`${p.file}\` (${p.status})`).join('\n')}\n`);
    return out;
  }
  for (const p of diffs) {
    const lines: string[] = [];
    for (const part of diffLines(p.before ?? '', p.after ?? '')) {
      const sign = part.added ? '+' : part.removed ? '-' : ' ';
      for (const line of part.value.replace(/\n$/, '').split('\n')) lines.push(`${sign} ${line}`);
    }
    const fence = fenceFor(lines);
    out.push(`<details>\n<summary><code>${p.file}</code> (${p.status})</summary>\n\n${fence}diff\n${lines.join('\n')}\n${fence}\n\n</details>\n`);
  }
  return out;
}

function footer(o: MarkdownOptions): string {
  const artifact = o.artifact ? ` The full review and plan are kept as the CI artifact \`${o.artifact}\`.` : '';
  return `---\n<sub>Nothing is applied from CI: after merging, the agent applies this plan on the cluster.${artifact} This comment is updated on every pipeline.</sub>\n`;
}

/** A fence longer than any backtick run inside keeps the block closed whatever the values hold. */
function fenceFor(lines: readonly string[]): string {
  const longest = Math.max(0, ...lines.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((run) => run.length))));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Markdown reads `<`, `*` and `_` as markup; messages are plain text. */
function esc(s: string): string {
  return s.replace(/[\\`*_<>[\]|]/g, (ch) => `\\${ch}`);
}

function cell(s: string): string {
  return esc(s).replace(/\r?\n/g, '<br>');
}
