// A small client for the Ceph Dashboard REST API (mgr module `dashboard`): JWT login, the
// versioned Accept header, 202 tasks polled to completion, typed errors. The HTTP layer is
// injected (src/core/http.ts gives one with CA pinning); nothing here is a module-level singleton.

import { createHttpClient, type FetchFn, type HttpClient } from '../../core/http.js';
import { CephApiError, reasonForStatus } from './errors.js';

export const CEPH_ACCEPT = 'application/vnd.ceph.api.v1.0+json';

export interface CephConnection {
  /** Dashboard base URL, e.g. https://ceph.paris.example.org:8443 */
  url: string;
  username: string;
  password: string;
  /** PEM of the CA to trust for the dashboard's certificate. */
  ca?: string;
}

export interface CephClientOptions {
  /** Injected HTTP layer; by default one made from the connection's CA. */
  http?: HttpClient;
  /** How often a task is polled (default 500 ms). */
  taskPollMs?: number;
  /** How long a task may run before the client gives up waiting (default 5 min). */
  taskTimeoutMs?: number;
  /** Per request (default 30 s). */
  requestTimeoutMs?: number;
}

/** A pool as `GET /api/pool?stats=true` lists it (only the fields marmite reads). */
export interface ApiPool {
  pool: number;
  pool_name: string;
  type: string;
  size: number;
  min_size: number;
  pg_num: number;
  pg_num_target?: number;
  crush_rule: string | number;
  quota_max_bytes: number;
  quota_max_objects: number;
  application_metadata: string[];
  stats?: { stored?: { latest: number }; objects?: { latest: number } };
}

export interface ApiOsd {
  id: number;
  up: number;
  in: number;
  state: string[];
  host?: { name: string };
}

export interface ApiHealthCheck {
  type: string;
  severity: string;
  summary?: { message?: string };
}

export interface ApiHealth {
  health: { status: string; checks: ApiHealthCheck[] };
  pg_info?: { statuses: Record<string, number> };
}

export interface ApiTask {
  name: string;
  metadata: Record<string, unknown>;
  end_time?: string;
  success?: boolean;
  exception?: { detail?: string } | string | null;
}

/** The body of a pool create or edit; marmite validates before sending (the API does not). */
export interface PoolWrite {
  pool?: string;
  pool_type?: 'replicated';
  pg_num?: number;
  size?: number;
  min_size?: number;
  application_metadata?: string[];
  quota_max_bytes?: number;
  quota_max_objects?: number;
}

export interface CephResponse<T> {
  status: number;
  body: T;
}

export interface CephClient {
  readonly site: string;
  /** One authenticated call; a 202 task is waited for. Errors are CephApiError. */
  call<T>(method: string, path: string, body?: unknown): Promise<CephResponse<T>>;
  listPools(): Promise<ApiPool[]>;
  getPool(name: string): Promise<ApiPool | undefined>;
  createPool(body: PoolWrite): Promise<void>;
  updatePool(name: string, body: PoolWrite): Promise<void>;
  deletePool(name: string): Promise<void>;
  health(): Promise<ApiHealth>;
  osds(): Promise<ApiOsd[]>;
  clusterFlags(): Promise<string[]>;
  /** Replaces the whole cluster flag set (the endpoint's semantics): pass every flag to keep. */
  putClusterFlags(flags: string[]): Promise<string[]>;
  /** Per-OSD flags, `GET /api/osd/flags/individual`. */
  osdFlags(): Promise<{ osd: number; flags: string[] }[]>;
  setOsdFlags(ids: number[], flags: Record<string, boolean>): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function isTaskAnswer(body: unknown): body is { name: string; metadata: Record<string, unknown> } {
  return typeof body === 'object' && body !== null && typeof (body as { name?: unknown }).name === 'string' && 'metadata' in body;
}

function sameMetadata(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function createCephClient(site: string, conn: CephConnection, options: CephClientOptions = {}): CephClient {
  const http = options.http ?? createHttpClient(conn.ca === undefined ? {} : { ca: conn.ca });
  const fetch: FetchFn = http.fetch;
  const base = conn.url.replace(/\/+$/, '');
  const pollMs = options.taskPollMs ?? 500;
  const taskTimeoutMs = options.taskTimeoutMs ?? 5 * 60 * 1000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  let token: string | undefined;

  async function raw(method: string, path: string, body: unknown, auth: boolean): Promise<CephResponse<unknown>> {
    const headers: Record<string, string> = { Accept: CEPH_ACCEPT };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && token) headers.Authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (err) {
      throw new CephApiError(`ceph ${site}: ${method} ${path}: no answer`, { method, path, reason: 'network' }, { cause: err, transient: true });
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed };
  }

  function fail(method: string, path: string, status: number, body: unknown): never {
    const b = (typeof body === 'object' && body !== null ? body : {}) as { detail?: unknown; code?: unknown };
    const reason = reasonForStatus(status, b);
    const detail = typeof b.detail === 'string' ? b.detail : typeof body === 'string' ? body.trim() : undefined;
    throw new CephApiError(`ceph ${site}: ${method} ${path}: ${status}${detail ? ` ${detail}` : ''}`, {
      method,
      path,
      status,
      reason,
      ...(detail === undefined ? {} : { detail }),
    }, { transient: status >= 500 });
  }

  async function login(): Promise<void> {
    const res = await raw('POST', '/api/auth', { username: conn.username, password: conn.password }, false);
    const t = (res.body as { token?: unknown } | undefined)?.token;
    if (res.status !== 201 || typeof t !== 'string') fail('POST', '/api/auth', res.status, res.body);
    token = t;
  }

  async function waitTask(method: string, path: string, task: { name: string; metadata: Record<string, unknown> }): Promise<void> {
    const deadline = Date.now() + taskTimeoutMs;
    const q = `/api/task?name=${encodeURIComponent(task.name)}`;
    for (;;) {
      const res = await authed('GET', q, undefined);
      if (res.status !== 200) fail('GET', q, res.status, res.body);
      const b = res.body as { executing_tasks: ApiTask[]; finished_tasks: ApiTask[] };
      const running = b.executing_tasks.some((t) => sameMetadata(t.metadata, task.metadata));
      if (!running) {
        const done = b.finished_tasks
          .filter((t) => sameMetadata(t.metadata, task.metadata))
          .sort((x, y) => String(y.end_time).localeCompare(String(x.end_time)))[0];
        if (done && done.success === false) {
          const ex = done.exception;
          const detail = typeof ex === 'string' ? ex : ex?.detail ?? 'task failed';
          throw new CephApiError(`ceph ${site}: ${method} ${path}: task ${task.name} failed: ${detail}`, {
            method,
            path,
            reason: 'task-failed',
            detail,
          });
        }
        return;
      }
      if (Date.now() > deadline)
        throw new CephApiError(`ceph ${site}: ${method} ${path}: task ${task.name} still running`, { method, path, reason: 'task-timeout' }, { transient: true });
      await sleep(pollMs);
    }
  }

  async function authed(method: string, path: string, body: unknown): Promise<CephResponse<unknown>> {
    if (!token) await login();
    let res = await raw(method, path, body, true);
    if (res.status === 401) {
      // The JWT expired (8 h by default) or the mgr failed over: log in once more.
      await login();
      res = await raw(method, path, body, true);
    }
    return res;
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<CephResponse<T>> {
    const res = await authed(method, path, body);
    if (res.status >= 400) fail(method, path, res.status, res.body);
    if (res.status === 202 && isTaskAnswer(res.body)) await waitTask(method, path, res.body);
    return res as CephResponse<T>;
  }

  const poolPath = (name: string) => `/api/pool/${encodeURIComponent(name)}`;

  return {
    site,
    call,
    async listPools() {
      return (await call<ApiPool[]>('GET', '/api/pool?stats=true')).body;
    },
    async getPool(name) {
      const res = await authed('GET', `${poolPath(name)}?stats=true`, undefined);
      if (res.status === 404) return undefined;
      if (res.status >= 400) fail('GET', poolPath(name), res.status, res.body);
      return res.body as ApiPool;
    },
    async createPool(body) {
      await call('POST', '/api/pool', body);
    },
    async updatePool(name, body) {
      await call('PUT', poolPath(name), body);
    },
    async deletePool(name) {
      await call('DELETE', poolPath(name));
    },
    async health() {
      return (await call<ApiHealth>('GET', '/api/health/minimal')).body;
    },
    async osds() {
      return (await call<ApiOsd[]>('GET', '/api/osd')).body;
    },
    async clusterFlags() {
      return (await call<string[]>('GET', '/api/osd/flags')).body;
    },
    async putClusterFlags(flags) {
      return (await call<string[]>('PUT', '/api/osd/flags', { flags })).body;
    },
    async osdFlags() {
      return (await call<{ osd: number; flags: string[] }[]>('GET', '/api/osd/flags/individual')).body;
    },
    async setOsdFlags(ids, flags) {
      await call('PUT', '/api/osd/flags/individual', { flags, ids });
    },
    close: () => (options.http ? Promise.resolve() : http.close()),
  };
}
