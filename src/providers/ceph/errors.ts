// Typed errors at the Ceph Dashboard boundary. The API's error bodies are JSON
// (`{"detail","code","component"}`); this file is the one place that reads them, so nothing past
// the boundary looks at message text: callers branch on `reason`, `status` and `transient`.

import { MarmiteError, type MarmiteErrorOptions } from '../../core/errors.js';

/** Why a call failed, as a stable word reports and tests can branch on. */
export type CephErrorReason =
  | 'network'
  | 'server'
  | 'bad-request'
  | 'unauthorized'
  | 'invalid-credentials'
  | 'not-found'
  | 'unsupported-media-type'
  | 'pool-deletion-disabled'
  | 'task-failed'
  | 'task-timeout'
  | 'read-back-mismatch'
  | 'refused';

export interface CephApiErrorDetails {
  method: string;
  /** API path without host, e.g. /api/pool/ad28. */
  path: string;
  status?: number;
  reason: CephErrorReason;
  /** `detail` of the error body, or the task's exception. */
  detail?: string;
}

export class CephApiError extends MarmiteError {
  override name = 'CephApiError';
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly reason: CephErrorReason;
  readonly detail: string | undefined;

  constructor(message: string, details: CephApiErrorDetails, options: MarmiteErrorOptions = {}) {
    super(message, options);
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.reason = details.reason;
    this.detail = details.detail;
  }
}

/** Classifies an HTTP error answer: 5xx is transient, 4xx terminal. */
export function reasonForStatus(status: number, body: { code?: unknown; detail?: unknown }): CephErrorReason {
  if (status >= 500) return 'server';
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not-found';
  if (status === 415) return 'unsupported-media-type';
  if (body.code === 'invalid_credentials') return 'invalid-credentials';
  // Ceph answers a disabled deletion with EPERM (code "1") from the pool component; the text is
  // the same in every release since Luminous, but the code is what we rely on.
  if (status === 400 && body.code === '1' && typeof body.detail === 'string' && body.detail.includes('pool deletion is disabled'))
    return 'pool-deletion-disabled';
  return 'bad-request';
}
