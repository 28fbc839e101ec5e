// apply executes exactly a Plan: nothing is decided here that the plan did not say. It schedules
// the changes along their dependencies with bounded concurrency, refuses to write over an object
// that changed since the plan (stale plan), retries transient failures with backoff, and lets a
// failure stop only the changes that depend on it.

import { MarmiteError, isTransient } from '../core/errors.js';
import type { Change, Plan } from '../model/plan.js';
import type { ApplyOutcome, Provider } from '../providers/provider.js';

export type ResultOutcome = ApplyOutcome | 'failed' | 'skipped';

export interface ChangeResult {
  id: string;
  subject: string;
  site: string;
  action: Change['action'];
  outcome: ResultOutcome;
  /** Why it failed or was skipped. */
  error?: string;
  attempts: number;
}

export interface ChangeSet {
  planCreatedAt: string;
  commit?: string;
  startedAt: string;
  finishedAt: string;
  results: ChangeResult[];
  counts: Record<ResultOutcome, number>;
}

export type ApplyEvent =
  | { type: 'start'; change: Change }
  | { type: 'progress'; change: Change; message: string }
  | { type: 'retry'; change: Change; attempt: number; error: string; delayMs: number }
  | { type: 'done'; change: Change; result: ChangeResult };

export interface ApplyOptions {
  concurrency?: number;
  /** Attempts for a change whose error is transient (first try included). */
  attempts?: number;
  backoffMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: ApplyEvent) => void;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export class StalePlanError extends MarmiteError {
  override name = 'StalePlanError';
}

export class UnknownProviderError extends MarmiteError {
  override name = 'UnknownProviderError';
}

const OUTCOMES: ResultOutcome[] = ['created', 'configured', 'deleted', 'unchanged', 'failed', 'skipped'];

export async function applyPlan(plan: Plan, providers: readonly Provider[], options: ApplyOptions = {}): Promise<ChangeSet> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const maxAttempts = Math.max(1, options.attempts ?? 4);
  const backoffMs = options.backoffMs ?? 500;
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const emit = options.onEvent ?? (() => {});
  const byName = new Map(providers.map((p) => [p.name, p]));

  const startedAt = now().toISOString();
  const results = new Map<string, ChangeResult>();
  const pending = [...plan.changes];
  const running = new Map<string, Promise<void>>();
  // One change per subject at a time: two writes to one guest would only fight over its lock.
  const busySubjects = new Set<string>();
  // A subject already written in this run no longer matches its planned fingerprint by our own hand.
  const touched = new Set<string>();
  const subjectKey = (c: Change) => `${c.provider}|${c.site}|${c.subject}`;

  const finish = (change: Change, outcome: ResultOutcome, attempts: number, error?: string) => {
    const result: ChangeResult = {
      id: change.id,
      subject: change.subject,
      site: change.site,
      action: change.action,
      outcome,
      attempts,
      ...(error === undefined ? {} : { error }),
    };
    results.set(change.id, result);
    emit({ type: 'done', change, result });
  };

  const runOne = async (change: Change): Promise<void> => {
    const provider = byName.get(change.provider);
    if (!provider) {
      finish(change, 'failed', 0, new UnknownProviderError(`${change.subject}: no provider '${change.provider}' is configured`).message);
      return;
    }
    emit({ type: 'start', change });
    const key = subjectKey(change);
    let attempt = 0;
    try {
      if (change.fingerprint !== undefined && !touched.has(key)) {
        const current = await provider.fingerprint(change);
        if (current !== change.fingerprint) {
          throw new StalePlanError(
            `${change.subject}: changed since the plan was made (${current === undefined ? 'it is gone' : 'fingerprint differs'}); plan again`,
          );
        }
      }
      for (;;) {
        attempt += 1;
        try {
          touched.add(key);
          const outcome = await provider.apply(change, {
            signal: options.signal ?? new AbortController().signal,
            progress: (message) => emit({ type: 'progress', change, message }),
          });
          finish(change, outcome, attempt);
          return;
        } catch (err) {
          if (!isTransient(err) || attempt >= maxAttempts || options.signal?.aborted) throw err;
          const delayMs = Math.round(backoffMs * 2 ** (attempt - 1) * (0.5 + random()));
          emit({ type: 'retry', change, attempt, error: errorText(err), delayMs });
          await sleep(delayMs);
        }
      }
    } catch (err) {
      finish(change, 'failed', attempt, errorText(err));
    }
  };

  const blockedBy = (change: Change): string | undefined => {
    for (const dep of change.dependsOn) {
      const r = results.get(dep);
      if (r && (r.outcome === 'failed' || r.outcome === 'skipped')) return dep;
    }
    return undefined;
  };
  const ready = (change: Change) =>
    !busySubjects.has(subjectKey(change)) && change.dependsOn.every((d) => results.has(d) || !plan.changes.some((c) => c.id === d));

  while (pending.length > 0 || running.size > 0) {
    let started = false;
    for (let i = 0; i < pending.length && running.size < concurrency; ) {
      const change = pending[i]!;
      const dep = blockedBy(change);
      if (dep !== undefined) {
        pending.splice(i, 1);
        finish(change, 'skipped', 0, `${change.subject}: not attempted because ${dep} did not succeed`);
        started = true;
        continue;
      }
      if (options.signal?.aborted) {
        pending.splice(i, 1);
        finish(change, 'skipped', 0, `${change.subject}: not attempted because apply was stopped`);
        started = true;
        continue;
      }
      if (!ready(change)) {
        i += 1;
        continue;
      }
      pending.splice(i, 1);
      const key = subjectKey(change);
      busySubjects.add(key);
      const p = runOne(change).finally(() => {
        busySubjects.delete(key);
        running.delete(change.id);
      });
      running.set(change.id, p);
      started = true;
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (!started && pending.length > 0) {
      // Dependencies that can never be satisfied (a cycle): report instead of spinning.
      for (const change of pending.splice(0)) finish(change, 'skipped', 0, `${change.subject}: its dependencies never became ready`);
    }
  }

  const ordered = plan.changes.map((c) => results.get(c.id)!);
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<ResultOutcome, number>;
  for (const r of ordered) counts[r.outcome] += 1;
  return {
    planCreatedAt: plan.createdAt,
    ...(plan.commit === undefined ? {} : { commit: plan.commit }),
    startedAt,
    finishedAt: now().toISOString(),
    results: ordered,
    counts,
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
