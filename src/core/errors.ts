// A small typed error hierarchy (after ky): the subject comes first in the message, the cause is
// kept, and whether a retry can help is a property, never something parsed out of a message.

export type StageReason =
  | 'ValidationFailed'
  | 'FetchFailed'
  | 'ObserveFailed'
  | 'PlanFailed'
  | 'ApplyFailed'
  | 'ReportFailed'
  | 'ConfigInvalid';

export interface MarmiteErrorOptions {
  cause?: unknown;
  transient?: boolean;
}

export class MarmiteError extends Error {
  override name = 'MarmiteError';
  readonly transient: boolean;

  constructor(message: string, options: MarmiteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.transient = options.transient ?? false;
  }
}

/** Bad input from the user (CLI usage, agent config, plan file): exit code 1 or 2, never retried. */
export class UsageError extends MarmiteError {
  override name = 'UsageError';
}

export class ConfigError extends MarmiteError {
  override name = 'ConfigError';
}

/** A stage of the reconcile failed; `reason` is what reports and metrics show. */
export class StageError extends MarmiteError {
  override name = 'StageError';
  constructor(
    readonly reason: StageReason,
    message: string,
    options: MarmiteErrorOptions = {},
  ) {
    super(message, options);
  }
}

export function isTransient(err: unknown): boolean {
  return err instanceof MarmiteError && err.transient;
}
