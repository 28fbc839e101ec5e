// A merge request's review, as data: validation of the head, who must approve, quota before and
// after, the plan restricted to what the merge request changes, its energy effect and a verdict.
// Pure apart from nothing: every input (both snapshots, the observed state, `now`) is passed in,
// so the same inputs give the same review, byte for byte, as the golden tests check.

import { compareDiagnostics, Diagnostics, type Diagnostic } from '../core/diagnostics.js';
import { loadFiles, type RepoFile } from '../load/index.js';
import type { Desired } from '../model/desired.js';
import type { Observed } from '../model/observed.js';
import type { Change, Plan } from '../model/plan.js';
import { plan } from '../plan/plan.js';
import { indexObjects } from '../validate/context.js';
import { computeTenantUsage, type QuotaName } from '../validate/policy.js';
import { resolve } from '../validate/resolve.js';
import { dedupe, validateObjects } from '../validate/validate-objects.js';
import { energyLines, energyTotals, formatMoney, nodeEnergyLines, nodePowerChanges, type NodePowerChange, type EnergyLine, type EnergyTotal } from './energy.js';
import type { ChangedFile, Snapshot } from './git.js';
import type { ObservedSource } from './observed.js';
import { ownership, type CodeownersRule, type Ownership } from './owners.js';
import { diffPlans, type PlanDelta } from './plan-diff.js';

export const REVIEW_MARKER = '<!-- marmite-review -->';

export interface Side {
  commit: string;
  /** Set only when the snapshot is valid: what plan() may see. */
  desired?: Desired;
  /** Best effort, even with errors (an over-quota head still has usage to show). */
  usage?: Desired;
  diagnostics: Diagnostic[];
  files: RepoFile[];
}

export interface QuotaRow {
  quota: QuotaName;
  before: number;
  after: number;
  limitBefore: number;
  limit: number;
  over: boolean;
}

export interface TenantQuota {
  tenant: string;
  rows: QuotaRow[];
}

export interface PlatformDiff {
  file: string;
  status: ChangedFile['status'];
  before?: string;
  after?: string;
}

export type VerdictStatus = 'pass' | 'warn' | 'fail';

export interface Review {
  formatVersion: 1;
  createdAt: string;
  base: string;
  head: string;
  changedFiles: ChangedFile[];
  observed: ObservedSource;
  verdict: { status: VerdictStatus; text: string };
  validation: {
    valid: boolean;
    /** When the base is invalid it plans nothing, so the whole head plan counts as the merge request's. */
    baseValid: boolean;
    /** Diagnostics in the files the merge request changes, or new with it wherever they point. */
    relevant: Diagnostic[];
    /** Diagnostics the base already had, in files the merge request leaves alone. */
    preexisting: Diagnostic[];
  };
  ownership: Ownership;
  quotas: TenantQuota[];
  /** Undefined when the head is invalid: nothing is planned from an invalid repository. */
  delta?: PlanDelta;
  energy: { lines: EnergyLine[]; totals: EnergyTotal[] };
  /** Nodes whose power policy changes: what the platform change means for their power. */
  nodePower: NodePowerChange[];
  /** Whether the plan carries the power planner's decisions (plan.power). */
  powerPlanned: boolean;
  platformDiffs: PlatformDiff[];
  /** The head's whole plan, for the artifact; the comment shows only the delta. */
  plan?: Plan;
}

export interface ReviewInput {
  base: Side;
  head: Side;
  changed: ChangedFile[];
  codeowners?: CodeownersRule[];
  observed: Observed;
  observedSource: ObservedSource;
  now: Date;
}

const SETTINGS_FILES = ['marmite.yaml', 'marmite.yml'];

/** Load and validate one snapshot, as validateRepository does for a directory. */
export async function loadSide(snapshot: Snapshot, now: Date): Promise<Side> {
  const loaded = await loadFiles(snapshot.files);
  const brokenFiles = new Set([...snapshot.diagnostics, ...loaded.diagnostics].filter((d) => d.severity === 'error').map((d) => d.file));
  const result = validateObjects(loaded.objects, { brokenFiles, now });
  const settingsReported = SETTINGS_FILES.some((f) => brokenFiles.has(f));
  const own = result.diagnostics.filter((d) => !(d.code === 'missing-settings' && settingsReported));
  const diagnostics = dedupe([...snapshot.diagnostics, ...loaded.diagnostics, ...own].sort(compareDiagnostics));
  const valid = !diagnostics.some((d) => d.severity === 'error');
  // Resolving again with a throwaway sink gives the usage of an invalid snapshot too.
  const usage = valid && result.desired ? result.desired : resolve(indexObjects(loaded.objects, new Diagnostics()), new Diagnostics());
  const desired = valid && result.desired ? { ...result.desired, commit: snapshot.commit } : undefined;
  return { commit: snapshot.commit, ...(desired ? { desired } : {}), usage, diagnostics, files: snapshot.files };
}

const QUOTAS: readonly QuotaName[] = ['vcpus', 'memory', 'disk', 'vms', 'cephBytes'];

function quotas(base: Side, head: Side, tenants: readonly string[]): TenantQuota[] {
  const before = base.usage ? computeTenantUsage(base.usage) : {};
  const after = head.usage ? computeTenantUsage(head.usage) : {};
  const out: TenantQuota[] = [];
  for (const tenant of tenants) {
    const b = before[tenant];
    const a = after[tenant];
    if (!a && !b) continue;
    const rows = QUOTAS.map((quota) => {
      const limit = a?.[quota].quota ?? 0;
      const used = a?.[quota].used ?? 0;
      return { quota, before: b?.[quota].used ?? 0, after: used, limitBefore: b?.[quota].quota ?? 0, limit, over: a !== undefined && used > limit };
    });
    out.push({ tenant, rows });
  }
  return out;
}

function emptyPlan(observed: Observed, now: Date): Plan {
  return { formatVersion: 1, createdAt: now.toISOString(), observedAt: observed.observedAt, changes: [], refused: [], drift: [], summary: { create: 0, update: 0, delete: 0, other: 0, refused: 0 } };
}

function platformDiffs(input: ReviewInput, platformFiles: readonly string[]): PlatformDiff[] {
  const text = (side: Side, file: string): string | undefined => side.files.find((f) => f.path === file)?.text;
  return platformFiles.map((file) => {
    const status = input.changed.find((c) => c.path === file)?.status ?? 'modified';
    const before = text(input.base, file);
    const after = text(input.head, file);
    return { file, status, ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }) };
  });
}

export function buildReview(input: ReviewInput): Review {
  const { base, head, now, observed } = input;
  const changedPaths = new Set(input.changed.map((c) => c.path));
  const valid = head.desired !== undefined;
  const baseKeys = new Set(base.diagnostics.map(diagnosticKey));
  const own = ownership(input.changed, input.codeowners);
  const quotaRows = quotas(base, head, own.touchedTenants);
  let delta: PlanDelta | undefined;
  let headPlan: Plan | undefined;
  if (head.desired) {
    headPlan = plan(head.desired, observed, now, { timeline: 'always' });
    const basePlan = base.desired ? plan(base.desired, observed, now, { timeline: 'always' }) : emptyPlan(observed, now);
    delta = diffPlans(basePlan, headPlan);
  }
  const nodePower = nodePowerChanges(base.usage, head.usage);
  const lines = delta ? energyLines(delta.added, delta.cancelled, head.desired, base.desired) : [];
  // The planner's own figures for power transitions already count what a policy change saves.
  const plannerCountsPower = delta?.added.some((c) => (c.action === 'power-on' || c.action === 'power-off') && c.energy) ?? false;
  if (delta && !plannerCountsPower) lines.push(...nodeEnergyLines(nodePower, head.desired, base.desired));
  const review: Review = {
    formatVersion: 1,
    createdAt: now.toISOString(),
    base: base.commit,
    head: head.commit,
    changedFiles: input.changed,
    observed: input.observedSource,
    verdict: { status: 'pass', text: '' },
    validation: {
      valid,
      baseValid: base.desired !== undefined,
      relevant: head.diagnostics.filter((d) => changedPaths.has(d.file) || !baseKeys.has(diagnosticKey(d))),
      preexisting: head.diagnostics.filter((d) => !changedPaths.has(d.file) && baseKeys.has(diagnosticKey(d))),
    },
    ownership: own,
    quotas: quotaRows,
    ...(delta ? { delta } : {}),
    energy: { lines, totals: energyTotals(lines) },
    nodePower,
    powerPlanned: headPlan?.power !== undefined,
    platformDiffs: platformDiffs(input, own.platformFiles.filter((f) => !f.startsWith('.') && !f.endsWith('.md'))),
    ...(headPlan ? { plan: headPlan } : {}),
  };
  review.verdict = verdict(review);
  return review;
}

// A quota message names the files that add up, so it counts as new when any of them is.
function diagnosticKey(d: Diagnostic): string {
  return `${d.file}|${d.code}|${d.message}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function vmCount(changes: readonly Change[], action: Change['action']): number {
  return new Set(changes.filter((c) => c.action === action && c.subject.startsWith('vm ')).map((c) => c.subject)).size;
}

export function verdict(r: Review): { status: VerdictStatus; text: string } {
  if (!r.validation.valid) {
    const over = r.quotas.flatMap((q) => q.rows.filter((row) => row.over).map((row) => `${q.tenant} ${row.quota}`));
    const errors = [...r.validation.relevant, ...r.validation.preexisting].filter((d) => d.severity === 'error').length;
    const why = over.length > 0 ? `over quota (${over.join(', ')})` : `${plural(errors, 'validation error')}`;
    return { status: 'fail', text: `❌ refused: ${why}` };
  }
  const d = r.delta!;
  const parts: string[] = ['valid', 'within quota'];
  const created = vmCount(d.added, 'create');
  const deleted = vmCount(d.added, 'delete');
  const updated = new Set(d.added.filter((c) => (c.action === 'update' || c.action === 'resize') && c.subject.startsWith('vm ')).map((c) => c.subject)).size;
  const downtime = new Set(d.added.filter((c) => c.downtime && c.action !== 'delete').map((c) => c.subject)).size;
  if (created > 0) parts.push(`${plural(created, 'VM')} created`);
  if (updated > 0) parts.push(`${plural(updated, 'VM')} changed`);
  if (downtime > 0) parts.push(`${plural(downtime, 'VM')} restarted or stopped (downtime)`);
  if (deleted > 0) parts.push(`${plural(deleted, 'VM')} DELETED`);
  const other = d.added.length - d.added.filter((c) => c.subject.startsWith('vm ')).length;
  if (r.nodePower.length > 0) parts.push(`power policy of ${plural(r.nodePower.length, 'node')} changed`);
  if (d.added.length === 0 && d.cancelled.length === 0 && d.transitions.length === 0 && r.nodePower.length === 0) parts.push('no change to the cluster');
  if (other > 0) parts.push(`${plural(other, 'other change')}`);
  if (d.transitions.length > 0) parts.push(`${plural(d.transitions.length, 'power transition')} in the coming days`);
  for (const t of r.energy.totals) parts.push(`${formatMoney(t.costPerMonth, t.currency)}/month${t.estimated ? ' (estimate)' : ''}`);
  if (r.ownership.platformFiles.length > 0 || r.ownership.crossTenant) parts.push('needs platform team approval');
  if (d.refused.length > 0) {
    const rules = [...new Set(d.refused.map((x) => x.rule))].join(', ');
    return { status: 'warn', text: `⚠️ ${parts.join(', ')}; ${plural(d.refused.length, 'action')} refused (${rules})` };
  }
  return { status: 'pass', text: `✅ ${parts.join(', ')}` };
}
