// Git failures as typed errors: the subject (the repository URL, credentials stripped) comes
// first, the cause is kept, and transient/terminal is decided from error classes and HTTP status
// codes, never from message text.

import git from 'isomorphic-git';
import { MarmiteError } from '../core/errors.js';

export type GitOperation = 'clone' | 'fetch' | 'read' | 'materialize' | 'write status' | 'push';

export interface GitErrorOptions {
  cause?: unknown;
  transient?: boolean;
  /** HTTP status of the failed request, when the server answered. */
  status?: number;
}

export class GitError extends MarmiteError {
  override name = 'GitError';
  readonly status: number | undefined;

  constructor(
    /** The repository URL with any credentials removed. */
    readonly url: string,
    readonly operation: GitOperation,
    detail: string,
    options: GitErrorOptions = {},
  ) {
    super(`git ${url}: ${operation} failed: ${detail}`, options);
    this.status = options.status;
  }
}

/** Thrown by our HTTP wrapper when the transport itself failed (refused, reset, timed out). */
export class GitTransportError extends Error {
  override name = 'GitTransportError';
}

/** `https://user:token@host/x.git` -> `https://host/x.git`; anything unparsable is hidden whole. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '[unparsable url]';
  }
}

// Errors a socket raises while a response body is streaming, after the request itself succeeded.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
]);

// A forge that is restarting or overloaded answers these; waiting helps.
function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** Wraps anything isomorphic-git or the transport threw into a GitError with the right flag. */
export function toGitError(url: string, operation: GitOperation, err: unknown): GitError {
  const subject = redactUrl(url);
  if (err instanceof GitError) return err;
  if (err instanceof git.Errors.HttpError) {
    const status = err.data.statusCode;
    const detail = `HTTP ${status} ${err.data.statusMessage}`.trim();
    return new GitError(subject, operation, detail, { cause: err, transient: isTransientStatus(status), status });
  }
  if (err instanceof GitTransportError) {
    return new GitError(subject, operation, err.message, { cause: err, transient: true });
  }
  const code = errnoCode(err);
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return new GitError(subject, operation, `network error ${code}`, { cause: err, transient: true });
  }
  if (err instanceof git.Errors.SmartHttpError) {
    // A proxy or login page answered instead of a git server: configuration, not luck.
    return new GitError(subject, operation, 'the server did not answer as a smart-HTTP git server', { cause: err });
  }
  if (err instanceof git.Errors.NotFoundError) {
    return new GitError(subject, operation, `not found: ${err.data.what}`, { cause: err });
  }
  const raw = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  // A URL with embedded credentials may be echoed by a library message.
  const detail = subject === url ? raw : raw.split(url).join(subject);
  return new GitError(subject, operation, detail, { cause: err });
}
