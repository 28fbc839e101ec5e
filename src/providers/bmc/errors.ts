// Typed BMC errors. `kind` is what callers branch on; the message only explains. Whether a retry
// can help follows from the kind: a BMC that did not answer may answer later, a refused password
// or a refused command will not change by retrying.

import { MarmiteError, type MarmiteErrorOptions } from '../../core/errors.js';

export type BmcErrorKind = 'auth' | 'unreachable' | 'timeout' | 'command';

const TRANSIENT: Record<BmcErrorKind, boolean> = {
  auth: false,
  unreachable: true,
  timeout: true,
  command: false,
};

export class BmcError extends MarmiteError {
  override name = 'BmcError';

  constructor(
    readonly kind: BmcErrorKind,
    message: string,
    options: Omit<MarmiteErrorOptions, 'transient'> = {},
  ) {
    super(message, { ...options, transient: TRANSIENT[kind] });
  }
}

export function isBmcError(err: unknown, kind?: BmcErrorKind): err is BmcError {
  return err instanceof BmcError && (kind === undefined || err.kind === kind);
}

/** The message of anything thrown, for reports (`error` fields); never parsed. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
