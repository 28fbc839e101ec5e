// One reconcile cycle, as a flat list of stages (after Flux's kustomize-controller): fetch,
// validate, observe, plan, apply, report. Each stage is its own function in stages/; none calls
// another. This function alone moves values between them, records failures as StageErrors, and
// updates the state carried to the next cycle.

import { StageError, type StageReason } from '../core/errors.js';
import { trackDrift } from '../report/reports.js';
import type { AgentState, CycleContext, CycleRecord, CycleResult } from './cycle.js';
import { applyStage } from './stages/apply.js';
import { fetchStage } from './stages/fetch.js';
import { observeStage } from './stages/observe.js';
import { planStage } from './stages/plan.js';
import { reportStage } from './stages/report.js';
import { validateStage, ValidationRefused } from './stages/validate.js';

export async function reconcile(ctx: CycleContext, state: AgentState, trigger: string): Promise<CycleResult> {
  state.cycle += 1;
  const record: CycleRecord = { number: state.cycle, startedAt: ctx.now(), trigger, drift: [], errors: [] };
  let failure: StageError | undefined;
  try {
    record.fetched = await fetchStage(ctx);
    if (state.blockedOn === record.fetched.commit) return { outcome: 'waiting', record, transient: false, reportCommitted: false };
    record.validated = await validateStage(ctx, state, record.fetched);
    record.observed = await observeStage(ctx, state, record.validated.desired, record.number);
    record.plan = planStage(ctx, record.validated.desired, record.observed);
    record.drift = trackDrift(state.drift, record.plan.drift, ctx.now());
    record.applied = await applyStage(ctx, record.plan);
  } catch (err) {
    failure = err instanceof StageError ? err : new StageError(reachedStage(record), `cycle failed: ${String(err)}`, { cause: err });
  }
  noteValidation(record, state, failure);
  if (failure) {
    record.errors.push({
      stage: failure.reason,
      message: failure.message,
      ...(failure instanceof ValidationRefused ? { diagnostics: failure.diagnostics, commit: failure.commit } : {}),
      ...(record.fetched && !(failure instanceof ValidationRefused) ? { commit: record.fetched.commit } : {}),
    });
  }
  // Changes skipped because the agent is stopping are not failures: the next run does them.
  const stopped = ctx.signal.aborted && (record.applied?.changeSet?.counts.skipped ?? 0) > 0;
  const failedChanges = (record.applied?.changeSet?.counts.failed ?? 0) + (stopped ? 0 : (record.applied?.changeSet?.counts.skipped ?? 0));
  if (!failure && failedChanges > 0) {
    failure = new StageError('ApplyFailed', `apply: ${failedChanges} change(s) failed or were skipped`, { transient: true });
  }

  let reportCommitted = false;
  try {
    const reported = await reportStage(ctx, record, state.lastReportKey);
    state.lastReportKey = reported.key;
    reportCommitted = reported.committed;
    ctx.log.info({ cycle: record.number, committed: reported.committed, message: reported.message }, 'reports written');
  } catch (err) {
    failure ??= err instanceof StageError ? err : new StageError('ReportFailed', String(err), { cause: err, transient: true });
  }

  if (record.plan) state.drift = record.drift;
  if (record.fetched) state.lastHead = record.fetched.commit;
  if (failure && !failure.transient && record.fetched) state.blockedOn = record.fetched.commit;
  if (!failure) state.blockedOn = undefined;
  if (failure) return { outcome: 'failed', record, transient: failure.transient, reportCommitted, error: failure };
  if (stopped) return { outcome: 'stopped', record, transient: true, reportCommitted };
  return { outcome: record.validated?.refused ? 'refused' : 'success', record, transient: false, reportCommitted };
}

/** The stage a non-typed error escaped from, named by what the record holds so far. */
function reachedStage(record: CycleRecord): StageReason {
  if (!record.fetched) return 'FetchFailed';
  if (!record.validated) return 'ValidationFailed';
  if (!record.observed) return 'ObserveFailed';
  if (!record.plan) return 'PlanFailed';
  return 'ApplyFailed';
}

/** The refused head's errors go to the report; a valid head becomes the last good commit. */
function noteValidation(record: CycleRecord, state: AgentState, failure: StageError | undefined): void {
  const v = record.validated;
  if (failure instanceof ValidationRefused) {
    state.lastRefused = { commit: failure.commit, diagnostics: failure.diagnostics };
    return;
  }
  if (!v) return;
  if (v.refused) {
    state.lastRefused = v.refused;
    const count = v.refused.diagnostics.length;
    record.errors.push({
      stage: 'ValidationFailed',
      message: `commit ${v.refused.commit.slice(0, 7)} refused: ${count} error${count === 1 ? '' : 's'}; the state of ${v.commit.slice(0, 7)} stays applied until a valid commit arrives`,
      diagnostics: v.refused.diagnostics,
      commit: v.refused.commit,
    });
  } else {
    state.lastGood = { commit: v.commit, desired: v.desired };
  }
}
