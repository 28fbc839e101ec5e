// What the stages share: the context a cycle runs in (built once by the agent) and the state
// carried from one cycle to the next. Stages read the context, return values, and never call
// each other; only reconcile() moves values between them and updates the state.

import type { EnergySampler } from './energy-sampler.js';
import type { PowerMemory } from '../observe/power-since.js';
import type { ChangeSet } from '../apply/execute.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { Logger } from '../core/log.js';
import type { RepoSync, StatusBranch } from '../git/index.js';
import type { Desired } from '../model/desired.js';
import type { Observed } from '../model/observed.js';
import type { Plan } from '../model/plan.js';
import type { Provider } from '../providers/provider.js';
import type { CycleError, DriftRecord } from '../report/reports.js';
import type { Acquired, SiteLock } from './lock.js';
import type { Metrics } from './metrics.js';
import type { AgentSettings } from './settings.js';

export interface CycleContext {
  settings: AgentSettings;
  repo: RepoSync;
  status: StatusBranch;
  lock: SiteLock;
  providers: readonly Provider[];
  log: Logger;
  metrics: Metrics;
  now: () => Date;
  /** Aborted on stop: changes in flight finish, no new one starts. */
  signal: AbortSignal;
  /** Where each commit is materialized for validation (a fresh directory per commit). */
  workDir: string;
  /** Energy accounting: samples each observation into the month's ledger (absent in some tests). */
  energy?: EnergySampler;
}

export interface AgentState {
  cycle: number;
  /** The last commit that validated, and its desired state: what is applied until a better one. */
  lastGood?: { commit: string; desired: Desired };
  /** The last commit refused by validation, so an unchanged head is not validated again. */
  lastRefused?: { commit: string; diagnostics: Diagnostic[] };
  lastHead?: string;
  /** Drift with its "since", from the previous cycle (or the status branch at start). */
  drift: DriftRecord[];
  /** A terminal failure happened at this head: wait for a new commit. */
  blockedOn?: string;
  /** What the last written reports said, to skip writes that would only change timestamps. */
  lastReportKey?: string;
  /** Each node's power state and since when (minimum on and off times). */
  power?: PowerMemory;
}

export interface Fetched {
  commit: string;
  previous?: string;
  forced: boolean;
}

export interface Validated {
  /** The state to reconcile: from the head, or from the last good commit when the head is refused. */
  desired: Desired;
  commit: string;
  /** The head's validation errors when it was refused. */
  refused?: { commit: string; diagnostics: Diagnostic[] };
}

export interface Applied {
  changeSet?: ChangeSet;
  /** Why nothing was applied (no changes, auto-apply off). */
  skipped?: 'no-changes' | 'auto-apply-off';
  takeovers: Acquired[];
}

/** Everything one cycle produced, whatever stage it reached. */
export interface CycleRecord {
  number: number;
  startedAt: Date;
  trigger: string;
  fetched?: Fetched;
  validated?: Validated;
  observed?: Observed;
  plan?: Plan;
  applied?: Applied;
  drift: DriftRecord[];
  errors: CycleError[];
}

/** `stopped`: the agent was stopping, so changes not yet started were left for the next run. */
export type CycleOutcome = 'success' | 'refused' | 'waiting' | 'failed' | 'stopped';

export interface CycleResult {
  outcome: CycleOutcome;
  record: CycleRecord;
  /** For a failed cycle: whether retrying soon can help. */
  transient: boolean;
  reportCommitted: boolean;
  error?: import('../core/errors.js').StageError;
}
