// The files the agent commits to the status branch, rendered from what the cycle produced. They
// are for volunteers: one page each, plain words, no secrets (none reach these inputs: Desired,
// Observed and the Plan carry none by construction).

import type { ChangeSet } from '../apply/execute.js';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics.js';
import type { Desired } from '../model/desired.js';
import { stableStringify } from '../model/marker.js';
import type { Observed } from '../model/observed.js';
import type { DriftItem, Plan } from '../model/plan.js';
import { renderChangeSetMarkdown } from '../render/change-set.js';
import { computeTenantUsage, QUOTA_UNITS, type QuotaName } from '../validate/policy.js';

export interface CycleError {
  stage: string;
  message: string;
  diagnostics?: Diagnostic[];
  commit?: string;
}

/** Drift items with the time each was first seen, carried from one cycle to the next. */
export interface DriftRecord extends DriftItem {
  since: string;
}

export interface ReportInput {
  now: Date;
  /** Head of the watched branch this cycle saw. */
  headCommit?: string;
  /** The commit whose state is applied (the last valid one). */
  appliedCommit?: string;
  /** True when the watched branch was force-pushed since the previous cycle. */
  forced?: boolean;
  autoApply: boolean;
  desired?: Desired;
  observed?: Observed;
  plan?: Plan;
  changeSet?: ChangeSet;
  drift: DriftRecord[];
  /** Drift corrected by this cycle's apply. */
  corrected: DriftRecord[];
  errors: CycleError[];
}

export const REPORT_FILES = ['observed.json', 'summary.md', 'drift.md', 'drift.json', 'last-apply.md'] as const;

export function renderReports(input: ReportInput): Record<string, string> {
  const files: Record<string, string> = {
    'summary.md': renderSummary(input),
    'drift.md': renderDrift(input),
    'drift.json': `${JSON.stringify(input.drift, null, 2)}\n`,
  };
  if (input.observed) files['observed.json'] = renderObserved(input.observed);
  if (input.changeSet) files['last-apply.md'] = renderChangeSetMarkdown(input.changeSet);
  return files;
}

/** observed.json: stable key order, so an unchanged cluster gives an unchanged file and no commit. */
export function renderObserved(observed: Observed): string {
  return `${JSON.stringify(JSON.parse(stableStringify(observed)), null, 2)}\n`;
}

/**
 * Carries "since when" across cycles: an item keeps the time it was first seen as long as it
 * stays; a new one starts now. Keyed by subject, site and field.
 */
export function trackDrift(previous: readonly DriftRecord[], current: readonly DriftItem[], now: Date): DriftRecord[] {
  const key = (d: DriftItem) => `${d.site}|${d.subject}|${d.field}`;
  const seen = new Map(previous.map((d) => [key(d), d.since]));
  return current.map((d) => ({ ...d, since: seen.get(key(d)) ?? now.toISOString() }));
}

function renderSummary(input: ReportInput): string {
  const lines: string[] = ['# marmite status', ''];
  lines.push(`Updated ${input.now.toISOString()}.`, '');
  lines.push('| | |', '|---|---|');
  lines.push(`| watched head | ${commitText(input.headCommit)} |`);
  lines.push(`| applied commit | ${commitText(input.appliedCommit)} |`);
  lines.push(`| mode | ${input.autoApply ? 'apply automatically' : 'plan and report only'} |`);
  if (input.plan) lines.push(`| pending changes | ${input.plan.changes.length} (${input.plan.refused.length} refused) |`);
  lines.push(`| drift | ${input.drift.length} item(s) |`);
  lines.push('');
  if (input.forced) {
    lines.push('> **The watched branch was force-pushed** (its history was rewritten); marmite took the new head.', '');
  }

  if (input.errors.length > 0) {
    lines.push('## Last errors', '');
    for (const e of input.errors) {
      lines.push(`- **${e.stage}**${e.commit ? ` (commit ${commitText(e.commit)})` : ''}: ${e.message}`);
      for (const d of e.diagnostics ?? []) lines.push(`  - \`${formatDiagnostic(d)}\``);
    }
    lines.push('');
  }

  if (input.observed) {
    lines.push('## Nodes', '', '| site | node | state | CPU | memory used |', '|---|---|---|---:|---:|');
    for (const site of Object.values(input.observed.sites).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!site.reachable) {
        lines.push(`| ${site.name} | (unreachable) | ${site.error ?? ''} | | |`);
        continue;
      }
      for (const n of [...site.nodes].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        lines.push(`| ${site.name} | ${n.name} | ${n.status} | ${(n.cpu * 100).toFixed(0)} % | ${n.memUsedMiB} / ${n.maxmemMiB} MiB |`);
      }
    }
    lines.push('');
  }

  if (input.desired) {
    const usage = computeTenantUsage(input.desired);
    const running = runningByTenant(input.observed);
    const quotas: QuotaName[] = ['vms', 'vcpus', 'memory', 'disk', 'cephBytes'];
    lines.push('## Tenants', '', '| tenant | VMs running | VMs | vCPU | memory | disk | Ceph |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const [name, u] of Object.entries(usage).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const cells = quotas.map((q) => `${QUOTA_UNITS[q](u[q].used)} / ${QUOTA_UNITS[q](u[q].quota)}`);
      lines.push(`| ${name} | ${running.get(name) ?? 0} | ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function renderDrift(input: ReportInput): string {
  const lines = ['# Drift', '', 'What differs between Git and the clusters, and since when.', ''];
  if (input.drift.length === 0) lines.push('No drift: the clusters match Git.', '');
  else {
    lines.push('| since | site | subject | field | Git says | cluster has | corrected |', '|---|---|---|---|---|---|---|');
    for (const d of input.drift) {
      lines.push(`| ${d.since} | ${d.site} | ${d.subject} | ${d.field} | ${cell(d.desired)} | ${cell(d.observed)} | ${d.corrected ? (input.autoApply ? 'yes' : 'planned (auto-apply is off)') : 'no'} |`);
    }
    lines.push('');
  }
  if (input.corrected.length > 0) {
    lines.push('## Corrected by the last apply', '');
    for (const d of input.corrected) lines.push(`- ${d.subject} (${d.site}): ${d.field} set back to ${cell(d.desired)}, seen since ${d.since}`);
    lines.push('');
  }
  return lines.join('\n');
}

function runningByTenant(observed: Observed | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const site of Object.values(observed?.sites ?? {})) {
    for (const g of site.guests) {
      if (g.managed && g.status === 'running') out.set(g.managed.tenant, (out.get(g.managed.tenant) ?? 0) + 1);
    }
  }
  return out;
}

function commitText(commit: string | undefined): string {
  return commit ? `\`${commit.slice(0, 12)}\`` : '(none yet)';
}

function cell(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (text ?? '').replaceAll('|', '\\|');
}
