// The one small interface every provider folder implements (after Renovate's platform adapters).
// Core code holds a list of providers and routes each change by `change.provider`; it never asks
// which provider it is talking to.

import type { Desired } from '../model/desired.js';
import type { ObservedSite } from '../model/observed.js';
import type { Change } from '../model/plan.js';

export type ApplyOutcome = 'created' | 'configured' | 'deleted' | 'unchanged';

export interface ApplyContext {
  signal: AbortSignal;
  /** Short progress notes for a terminal (`cloning from 9000`, `waiting for task`). */
  progress: (message: string) => void;
}

export interface ObserveOptions {
  /** Read every managed guest's config, not only the cluster summary. */
  deep: boolean;
  /**
   * Second pass: read only these guests' configs (site -> vmids), chosen by the core after the
   * summary pass (spec hash differs, half-created guest...). The answer then holds, per site, only
   * `guests` with `config` filled; the core merges them by vmid.
   */
  configsFor?: Record<string, number[]>;
}

export interface Provider {
  readonly name: string;
  /** Observe the sites this provider serves; each provider fills its own fields of ObservedSite. */
  observe(desired: Desired, options: ObserveOptions): Promise<Record<string, Partial<ObservedSite>>>;
  /** Re-read the object a change was planned against; undefined when it no longer exists. */
  fingerprint(change: Change): Promise<string | undefined>;
  /** Execute one change; idempotent, so that a retried or re-run change never does work twice. */
  apply(change: Change, context: ApplyContext): Promise<ApplyOutcome>;
}
