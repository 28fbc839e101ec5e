// apply: executes exactly the plan, under the lease of every site it touches, when the config
// allows auto-apply. On stop, applyPlan starts no new change; the providers get a signal that is
// never aborted, so a change already in flight runs to its end instead of being cut mid-task.

import { applyPlan } from '../../apply/execute.js';
import { StageError } from '../../core/errors.js';
import type { Plan } from '../../model/plan.js';
import type { Provider } from '../../providers/provider.js';
import type { Applied, CycleContext } from '../cycle.js';
import type { Acquired } from '../lock.js';

export async function applyStage(ctx: CycleContext, plan: Plan): Promise<Applied> {
  if (plan.changes.length === 0) return { skipped: 'no-changes', takeovers: [] };
  if (!ctx.settings.autoApply) return { skipped: 'auto-apply-off', takeovers: [] };
  const takeovers: Acquired[] = [];
  const sites = plan.changes.map((c) => c.site);
  try {
    const changeSet = await ctx.lock.hold(
      sites,
      () =>
        applyPlan(plan, ctx.providers.map(finishInFlight), {
          concurrency: ctx.settings.concurrency,
          signal: ctx.signal,
          now: ctx.now,
          onEvent: (e) => {
            if (e.type === 'start') ctx.log.info({ change: e.change.id, subject: e.change.subject }, 'change started');
            else if (e.type === 'retry') ctx.log.warn({ change: e.change.id, attempt: e.attempt, delayMs: e.delayMs, error: e.error }, 'change retried');
            else if (e.type === 'done') {
              const failed = e.result.outcome === 'failed' || e.result.outcome === 'skipped';
              ctx.metrics.inc(failed ? 'marmite_changes_failed_total' : 'marmite_changes_applied_total');
              ctx.log[failed ? 'warn' : 'info']({ change: e.change.id, outcome: e.result.outcome, error: e.result.error }, 'change done');
            }
          },
        }),
      {
        onTakeover: (a) => {
          takeovers.push(a);
          ctx.log.warn({ site: a.site, previousHolder: a.takenOver?.holder, previousHost: a.takenOver?.host, previousPid: a.takenOver?.pid }, 'site lease taken over');
        },
        onRenewError: (err) => ctx.log.warn({ error: err instanceof Error ? err.message : String(err) }, 'site lease renewal failed'),
      },
    );
    return { changeSet, takeovers };
  } catch (err) {
    throw new StageError('ApplyFailed', `apply failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      transient: (err as { transient?: unknown }).transient === true,
    });
  }
}

/** The same provider, but a change it started is never aborted half-way by the stop signal. */
function finishInFlight(provider: Provider): Provider {
  const never = new AbortController().signal;
  return {
    name: provider.name,
    observe: (desired, options) => provider.observe(desired, options),
    fingerprint: (change) => provider.fingerprint(change),
    apply: (change, context) => provider.apply(change, { ...context, signal: never }),
  };
}
