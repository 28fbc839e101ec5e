// report: the cycle's reports, committed to the status branch with a message that says what
// happened. A write is skipped when nothing but timestamps and live figures would change, so an
// idle agent neither touches the forge nor grows the branch.

import { createHash } from 'node:crypto';
import type { ChangeSet } from '../../apply/execute.js';
import { StageError } from '../../core/errors.js';
import { renderReports, type CycleError, type DriftRecord } from '../../report/reports.js';
import type { CycleContext, CycleRecord } from '../cycle.js';

export const DEFAULT_STATUS_BRANCH = 'marmite/status';
const AUTHOR = { name: 'marmite agent', email: 'marmite@localhost' };

export interface Reported {
  committed: boolean;
  /** What the reports said; unchanged means the write was skipped. */
  key: string;
  message: string;
}

export async function reportStage(ctx: CycleContext, record: CycleRecord, previousKey: string | undefined): Promise<Reported> {
  const { validated, plan, applied } = record;
  const changeSet = applied?.changeSet;
  const errors: CycleError[] = [...record.errors];
  for (const t of applied?.takeovers ?? []) {
    const l = t.takenOver!;
    errors.push({ stage: 'lock', message: `site ${t.site}: took over the lease of ${l.holder} on ${l.host} (pid ${l.pid}), which had expired or whose process had died (lease until ${l.expiresAt})` });
  }
  const corrected = changeSet && changeSet.counts.failed === 0 && changeSet.counts.skipped === 0 ? record.drift.filter((d) => d.corrected) : [];
  const files = renderReports({
    now: ctx.now(),
    ...(record.fetched ? { headCommit: record.fetched.commit, forced: record.fetched.forced } : {}),
    ...(validated ? { appliedCommit: validated.commit, desired: validated.desired } : {}),
    autoApply: ctx.settings.autoApply,
    ...(record.observed ? { observed: record.observed } : {}),
    ...(plan ? { plan } : {}),
    ...(changeSet ? { changeSet } : {}),
    drift: record.drift,
    corrected,
    errors,
  });
  const energy = validated && record.observed ? await ctx.energy?.sample(validated.desired, record.observed) : undefined;
  if (energy?.due) Object.assign(files, energy.files);
  const key = reportKey(record, errors);
  const message = `${commitMessage(record, ctx.settings.autoApply)}${energy?.due ? '; energy' : ''}`;
  if (key === previousKey && !changeSet && !energy?.due) return { committed: false, key, message };
  try {
    const branch = validated?.desired.settings.statusBranch ?? DEFAULT_STATUS_BRANCH;
    const r = await ctx.status.writeStatus({ files, message, branch, author: AUTHOR });
    if (energy?.due) ctx.energy?.written(energy.at);
    return { committed: r.committed, key, message };
  } catch (err) {
    throw new StageError('ReportFailed', `status branch: write failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      transient: (err as { transient?: unknown }).transient === true,
    });
  }
}

/** `marmite: applied 3a4b5c6 (2 created, 1 configured)`, `marmite: commit 9f8e7d6 refused: 3 errors`... */
export function commitMessage(record: CycleRecord, autoApply: boolean): string {
  const parts: string[] = [];
  const v = record.validated;
  if (v?.refused) parts.push(`commit ${short(v.refused.commit)} refused: ${plural(v.refused.diagnostics.length, 'error')} (still applying ${short(v.commit)})`);
  const refusedFirst = v ? undefined : record.errors.find((e) => e.stage === 'ValidationFailed' && e.diagnostics);
  if (refusedFirst?.commit) parts.push(`commit ${short(refusedFirst.commit)} refused: ${plural(refusedFirst.diagnostics?.length ?? 0, 'error')}`);
  const failure = record.errors.find((e) => e.stage !== 'ValidationFailed');
  if (failure) parts.push(`${failure.stage}${failure.commit ? ` at ${short(failure.commit)}` : ''}`);
  const cs = record.applied?.changeSet;
  if (cs && v) parts.push(`applied ${short(v.commit)} (${outcomes(cs)})`);
  else if (record.applied?.skipped === 'auto-apply-off' && v) parts.push(`${short(v.commit)} planned: ${plural(record.plan?.changes.length ?? 0, 'change')} pending (auto-apply off)`);
  const vms = driftedVms(record.drift);
  if (vms > 0) parts.push(`drift on ${plural(vms, 'VM')}`);
  if (parts.length === 0) parts.push(v ? `${short(v.commit)} in sync` : 'status');
  return `marmite: ${parts.join('; ')}`;
}

function outcomes(cs: ChangeSet): string {
  const order = ['created', 'configured', 'deleted', 'unchanged', 'failed', 'skipped'] as const;
  const listed = order.filter((o) => cs.counts[o] > 0).map((o) => `${cs.counts[o]} ${o}`);
  return listed.length > 0 ? listed.join(', ') : 'nothing to do';
}

function driftedVms(drift: readonly DriftRecord[]): number {
  return new Set(drift.filter((d) => d.subject.startsWith('vm ')).map((d) => `${d.site}|${d.subject}`)).size;
}

function short(commit: string): string {
  return commit.slice(0, 7);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The meaning of the reports, without the clock and live load figures. */
function reportKey(record: CycleRecord, errors: readonly CycleError[]): string {
  const sites = Object.values(record.observed?.sites ?? {}).map((s) => ({
    name: s.name,
    reachable: s.reachable,
    nodes: s.nodes.map((n) => [n.name, n.status]),
    guests: s.guests.map((g) => [g.vmid, g.name, g.node, g.status, g.tags, g.managed?.specHash, g.config?.digest]),
  }));
  const meaning = {
    head: record.fetched?.commit,
    applied: record.validated?.commit,
    refused: record.validated?.refused,
    errors,
    changes: record.plan?.changes.map((c) => c.id),
    refusals: record.plan?.refused,
    drift: record.drift,
    sites,
  };
  return createHash('sha256').update(JSON.stringify(meaning)).digest('hex');
}
