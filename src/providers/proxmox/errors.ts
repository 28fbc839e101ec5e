// Typed errors at the provider boundary. The `proxmox-api` client throws plain Errors whose message
// holds the method, URL, status, reason and JSON body; this file is the one place that reads those
// messages, so nothing past the boundary ever looks at message text.

import { MarmiteError, type MarmiteErrorOptions } from '../../core/errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Statuses where a retry can help: proxy/transport failures and overloaded gateways. */
const TRANSIENT_STATUSES = new Set([502, 503, 504, 595, 596]);

export interface ProxmoxApiErrorDetails {
  method: HttpMethod;
  /** API path without host or query, e.g. /api2/json/nodes/pve1/qemu/100/config. */
  path: string;
  /** HTTP status; undefined when no response came (network error, timeout). */
  status?: number;
  /** Reason phrase or body message as PVE sent it. */
  reason: string;
  /** Per-parameter messages of a 400 "Parameter verification failed.". */
  errors: Record<string, string>;
  timeout: boolean;
}

export class ProxmoxApiError extends MarmiteError {
  override name = 'ProxmoxApiError';
  readonly method: HttpMethod;
  readonly path: string;
  readonly status: number | undefined;
  readonly reason: string;
  readonly errors: Record<string, string>;
  readonly timeout: boolean;

  constructor(message: string, details: ProxmoxApiErrorDetails, options: MarmiteErrorOptions = {}) {
    super(message, options);
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.reason = details.reason;
    this.errors = details.errors;
    this.timeout = details.timeout;
  }

  /** No HTTP answer at all, or a proxy saying the node is unreachable. */
  get unreachable(): boolean {
    return this.status === undefined || this.status === 595 || this.status === 596;
  }
}

/** A PVE task (UPID) ended with an exit status other than OK or WARNINGS. */
export class TaskFailedError extends MarmiteError {
  override name = 'TaskFailedError';
  constructor(
    message: string,
    readonly upid: string,
    readonly node: string,
    readonly exitstatus: string,
    options: MarmiteErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** A task still ran when marmite stopped waiting; it may still finish, so a retry can help. */
export class TaskTimeoutError extends MarmiteError {
  override name = 'TaskTimeoutError';
  constructor(
    message: string,
    readonly upid: string,
    readonly node: string,
  ) {
    super(message, { transient: true });
  }
}

/** Something marmite refuses to do by rule (foreign guest, protected guest): never retried. */
export class ProxmoxRefusedError extends MarmiteError {
  override name = 'ProxmoxRefusedError';
  constructor(
    message: string,
    readonly rule: 'foreign-guest' | 'foreign-storage' | 'protected' | 'bad-payload' | 'unknown-site' | 'bad-config',
  ) {
    super(message, { transient: false });
  }
}

export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status);
}

interface ParsedClientError {
  method?: HttpMethod;
  url?: string;
  status?: number;
  reason: string;
  body?: unknown;
  /** The client got no response at all (it already retried once). */
  network?: boolean;
}

const RETURN_ERROR = /^(GET|POST|PUT|DELETE) (\S+) return Error (\d{3}) ([^\n]*?): (.*)$/s;
const CONNECTION_FAILED = /^(GET|POST|PUT|DELETE) (\S+) connection failed with (\d{3}) ([^\n]*?) return: (.*)$/s;
const BAD_CONTENT_TYPE = /^(GET|POST|PUT|DELETE) (\S+) unexpected contentType "([^"]*)" status Line:(\d{3})/;
const NETWORK = /^FaILED to call (GET|POST|PUT|DELETE) (\S+)(?: cause by:(.*))?$/s;

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Reads what the `proxmox-api` client put in its message; see ProxmoxEngine.doRequest. */
export function parseClientMessage(message: string): ParsedClientError {
  let m = RETURN_ERROR.exec(message) ?? CONNECTION_FAILED.exec(message);
  if (m) {
    return { method: m[1] as HttpMethod, url: m[2], status: Number(m[3]), reason: m[4] ?? '', body: parseJson(m[5]) };
  }
  m = BAD_CONTENT_TYPE.exec(message);
  if (m) return { method: m[1] as HttpMethod, url: m[2], status: Number(m[4]), reason: `unexpected content type "${m[3]}"` };
  m = NETWORK.exec(message);
  if (m) return { method: m[1] as HttpMethod, url: m[2], reason: m[3]?.trim() || 'network error', network: true };
  return { reason: message.split('\n')[0] ?? message };
}

function bodyErrors(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  const errors = (body as { errors?: unknown }).errors;
  if (!errors || typeof errors !== 'object') return {};
  return Object.fromEntries(Object.entries(errors as Record<string, unknown>).map(([k, v]) => [k, String(v).trim()]));
}

function bodyMessage(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const message = (body as { message?: unknown }).message;
  return typeof message === 'string' && message.trim() ? message.trim() : undefined;
}

function isAbort(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const name = (e as { name?: unknown }).name;
    if (name === 'AbortError' || name === 'TimeoutError') return true;
  }
  return false;
}

function stripUrl(url: string | undefined, fallback: string): string {
  if (!url) return fallback;
  try {
    return new URL(url).pathname;
  } catch {
    return fallback;
  }
}

export interface CallLabel {
  /** `vm ad28/web`, `site paris`. */
  subject: string;
  /** What marmite was doing: `clone`, `read config`. */
  action: string;
}

/** Turns whatever the client threw into a ProxmoxApiError; a typed error passes through. */
export function toProxmoxApiError(err: unknown, label: CallLabel, method: HttpMethod, path: string): MarmiteError {
  if (err instanceof MarmiteError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const parsed = parseClientMessage(message);
  const timeout = parsed.status === undefined && isAbort(err);
  const errors = bodyErrors(parsed.body);
  const reason = (timeout ? 'request timed out' : bodyMessage(parsed.body) ?? parsed.reason).split('\n')[0]!.trim();
  const details: ProxmoxApiErrorDetails = {
    method: parsed.method ?? method,
    path: stripUrl(parsed.url, path),
    ...(parsed.status === undefined ? {} : { status: parsed.status }),
    reason,
    errors,
    timeout,
  };
  const params = Object.entries(errors)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  const status = parsed.status === undefined ? (timeout ? 'timeout' : 'no response') : String(parsed.status);
  const text = `${label.subject}: ${label.action} failed: ${details.method} ${details.path}: ${status} ${reason}${params ? ` (${params})` : ''}`;
  // An error the client did not produce (a bug, a TypeError) is not worth retrying.
  const transient = parsed.status === undefined ? Boolean(parsed.network) || timeout : isTransientStatus(parsed.status);
  return new ProxmoxApiError(text, details, { cause: err, transient });
}
