// The lab's Ceph Dashboard REST API over node:http on loopback: the same routes, statuses, task
// behaviour (wait, then 201/200/204 if done or 202 with the task's name), and error bodies as
// Pacific's Dashboard, held to the same contract tests as a real cluster.

import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CEPH_DURATIONS, CephLabHttpError, PERMANENT_FLAGS, SETTABLE_FLAGS, type CephLabState, type LabPool, type LabTask } from './state.js';

export const CEPH_API_CONTENT_TYPE = 'application/vnd.ceph.api.v1.0+json';

export interface CephRecordedRequest {
  method: string;
  path: string;
  status: number;
}

export interface CephServerOptions {
  state: CephLabState;
  users: Record<string, string>;
  /** Real milliseconds the server waits for a task before answering 202 (Ceph: 2000). */
  taskWaitMs: number;
  host: string;
  port: number;
  requests: CephRecordedRequest[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const cherrypyError = (status: number, reason: string, detail: string) =>
  new CephLabHttpError(status, { status: `${status} ${reason}`, detail, request_id: randomUUID() });

const unauthorized = () => cherrypyError(401, 'Unauthorized', 'You are not authorized to access that resource');
const noVersion = () => cherrypyError(415, 'Unsupported Media Type', 'Unable to find version in request header');
const notFound = (what: string) => cherrypyError(404, 'Not Found', `The path '${what}' was not found.`);
const internal = () => cherrypyError(500, 'Internal Server Error', 'The server encountered an unexpected condition which prevented it from fulfilling the request.');
const cephError = (errno: number, detail: string, component: string | null, code: string = String(errno)) =>
  new CephLabHttpError(400, { detail: `[errno -${errno}] ${detail}`, code, component });

interface Answer {
  status: number;
  body?: unknown;
}

function poolJson(p: LabPool, stats: boolean): Record<string, unknown> {
  const latest = (v: number) => ({ latest: v, rate: 0, rates: [] });
  return {
    pool: p.id,
    pool_name: p.name,
    flags_names: p.creating ? 'hashpspool,creating' : 'hashpspool',
    type: 'replicated',
    size: p.size,
    min_size: p.minSize,
    crush_rule: 'replicated_rule',
    pg_autoscale_mode: 'off',
    pg_num: p.pgNum,
    pg_placement_num: p.pgNum,
    pg_placement_num_target: p.pgNumTarget,
    pg_num_target: p.pgNumTarget,
    pg_num_pending: p.pgNum,
    quota_max_bytes: p.quotaMaxBytes,
    quota_max_objects: p.quotaMaxObjects,
    options: {},
    application_metadata: [...p.applications].sort(),
    create_time: p.createTime,
    ...(stats
      ? {
          stats: {
            stored: latest(p.storedBytes),
            objects: latest(p.objects),
            bytes_used: latest(p.storedBytes * p.size),
            quota_bytes: latest(p.quotaMaxBytes),
            quota_objects: latest(p.quotaMaxObjects),
          },
        }
      : {}),
  };
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

export class CephApiServer {
  private server: http.Server;
  private sockets = new Set<Socket>();
  private tokens = new Set<string>();
  url = '';

  constructor(private readonly o: CephServerOptions) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://${this.o.host}:${port}`;
    return this.url;
  }

  /** Forgets every token, as when JWTs expire: clients must log in again. */
  expireSessions(): void {
    this.tokens.clear();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://lab');
    const method = req.method ?? 'GET';
    let answer: Answer;
    try {
      this.o.state.clock.runDue();
      answer = await this.route(method, url, req.headers, Buffer.concat(chunks).toString('utf8'));
    } catch (err) {
      answer = err instanceof CephLabHttpError ? { status: err.status, body: err.body } : { status: 500, body: internal().body };
    }
    this.o.requests.push({ method, path: url.pathname, status: answer.status });
    const ok = answer.status < 400;
    const text = answer.status === 204 ? '' : JSON.stringify(answer.body ?? null);
    res.writeHead(answer.status, {
      'Content-Type': ok ? CEPH_API_CONTENT_TYPE : 'application/json',
      Server: 'Ceph-Dashboard',
      ...(answer.status === 204 ? {} : { 'Content-Length': Buffer.byteLength(text) }),
    });
    res.end(text);
  }

  private async route(method: string, url: URL, headers: http.IncomingHttpHeaders, raw: string): Promise<Answer> {
    const path = url.pathname.replace(/\/+$/, '');
    const versioned = (headers.accept ?? '').includes(CEPH_API_CONTENT_TYPE);
    let body: Record<string, unknown> = {};
    if (raw.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(raw);
        if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
      } catch {
        throw cherrypyError(400, 'Bad Request', 'Malformed JSON body');
      }
    }
    if (path === '/api/auth' && method === 'POST') {
      if (!versioned) throw noVersion();
      return this.login(body);
    }
    if (!path.startsWith('/api/')) throw notFound(path);
    // The Dashboard checks the token before the version.
    const auth = headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) throw unauthorized();
    if (!versioned) throw noVersion();

    const s = this.o.state;
    const seg = path.split('/').slice(2).map(decodeURIComponent); // after /api/
    const key = `${method} ${seg.length === 2 && seg[0] === 'pool' ? 'pool/*' : seg.join('/')}`;
    switch (key) {
      case 'GET health/minimal':
        return { status: 200, body: { health: { ...s.health(), mutes: [] }, pg_info: { statuses: s.pgStatuses() }, hosts: new Set(s.osds.map((o) => o.host)).size } };
      case 'GET osd':
        return {
          status: 200,
          body: s.osds.map((o) => ({ id: o.id, osd: o.id, up: o.up ? 1 : 0, in: o.in ? 1 : 0, state: this.osdState(o), host: { name: o.host, type: 'host' } })),
        };
      case 'GET osd/flags':
        return { status: 200, body: [...s.flags].sort() };
      case 'PUT osd/flags':
        return this.putFlags(body);
      case 'GET osd/flags/individual':
        return { status: 200, body: s.osds.map((o) => ({ osd: o.id, flags: this.osdState(o) })) };
      case 'PUT osd/flags/individual':
        return this.putIndividual(body);
      case 'GET pool':
        return { status: 200, body: [...s.pools.values()].sort((a, b) => a.id - b.id).map((p) => poolJson(p, url.searchParams.get('stats') === 'true')) };
      case 'POST pool':
        return this.createPool(body);
      case 'GET pool/*':
        return this.getPool(seg[1] ?? '', url);
      case 'PUT pool/*':
        return this.editPool(seg[1] ?? '', body);
      case 'DELETE pool/*':
        return this.deletePool(seg[1] ?? '');
      case 'GET task':
        return { status: 200, body: this.taskList(url.searchParams.get('name')) };
      default:
        throw notFound(path);
    }
  }

  private login(body: Record<string, unknown>): Answer {
    const { username, password } = body;
    if (typeof username !== 'string' || typeof password !== 'string' || this.o.users[username] !== password)
      throw new CephLabHttpError(400, { detail: 'Invalid credentials', code: 'invalid_credentials', component: 'auth' });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(this.o.state.clock.now());
    const token = `${b64({ typ: 'JWT', alg: 'HS256' })}.${b64({ iss: 'ceph-dashboard', jti: randomUUID(), exp: now + 28800, iat: now, username })}.${randomBytes(32).toString('base64url')}`;
    this.tokens.add(token);
    return {
      status: 201,
      body: { token, username, permissions: {}, pwdExpirationDate: null, sso: false, pwdUpdateRequired: false },
    };
  }

  private osdState(o: { up: boolean; flags: Set<string> }): string[] {
    return ['exists', ...o.flags, o.up ? 'up' : 'down'].sort();
  }

  private putFlags(body: Record<string, unknown>): Answer {
    const s = this.o.state;
    const flags = body.flags;
    if (!Array.isArray(flags) || !flags.every((f): f is string => typeof f === 'string')) throw internal();
    const wanted = new Set(flags);
    // As the Dashboard does: set the added flags one by one, then unset the removed ones; the
    // first refusal stops it, leaving what was done so far applied.
    for (const f of [...wanted].filter((x) => !s.flags.has(x)).sort()) {
      if (!SETTABLE_FLAGS.includes(f)) throw cephError(22, `unrecognized flag '${f}'`, null, 'SendCommandError');
      s.flags.add(f);
    }
    for (const f of [...s.flags].filter((x) => !wanted.has(x)).sort().reverse()) {
      if (PERMANENT_FLAGS.includes(f)) throw cephError(22, `unrecognized flag '${f}'`, null, 'SendCommandError');
      s.flags.delete(f);
    }
    return { status: 200, body: [...s.flags].sort() };
  }

  private putIndividual(body: Record<string, unknown>): Answer {
    const flags = body.flags;
    const ids = body.ids;
    if (!flags || typeof flags !== 'object' || !Array.isArray(ids) || !ids.every(isInt)) throw internal();
    const added: string[] = [];
    const removed: string[] = [];
    for (const [flag, on] of Object.entries(flags as Record<string, unknown>)) {
      if (!['noout', 'noin', 'nodown', 'noup'].includes(flag)) continue;
      (on === true ? added : removed).push(flag);
      // Unknown ids are accepted silently, as by `ceph osd add-noout`.
      for (const osd of this.o.state.osds.filter((o) => ids.includes(o.id))) {
        if (on === true) osd.flags.add(flag);
        else osd.flags.delete(flag);
      }
    }
    return { status: 200, body: { added, removed, ids } };
  }

  private getPool(name: string, url: URL): Answer {
    const p = this.o.state.pools.get(name);
    if (!p) throw notFound('No such pool');
    const full = poolJson(p, url.searchParams.get('stats') === 'true');
    const attrs = url.searchParams.get('attrs');
    if (!attrs) return { status: 200, body: full };
    const keep = new Set(['pool_name', ...attrs.split(',')]);
    return { status: 200, body: Object.fromEntries(Object.entries(full).filter(([k]) => keep.has(k))) };
  }

  private applyValues(p: LabPool, body: Record<string, unknown>): void {
    if (body.size !== undefined) {
      if (!isInt(body.size) || body.size < 1 || body.size > 10) throw cephError(22, 'pool size must be between 1 and 10', 'pool', '22');
      p.size = body.size;
    }
    if (body.min_size !== undefined) {
      if (!isInt(body.min_size) || body.min_size < 1 || body.min_size > p.size) throw cephError(22, 'pool min_size must be between 1 and size, which is set to 2', 'pool', '22');
      p.minSize = body.min_size;
    }
    if (body.pg_num !== undefined) {
      if (!isInt(body.pg_num) || body.pg_num < 1) throw internal();
      p.pgNumTarget = body.pg_num;
      p.pgNum = body.pg_num;
    }
    if (body.quota_max_bytes !== undefined) p.quotaMaxBytes = Number(body.quota_max_bytes);
    if (body.quota_max_objects !== undefined) p.quotaMaxObjects = Number(body.quota_max_objects);
  }

  private setApplications(p: LabPool, apps: unknown, replace: boolean): void {
    if (!Array.isArray(apps)) return;
    const wanted = apps.map(String);
    if (replace) for (const a of [...p.applications]) if (!wanted.includes(a)) p.applications.delete(a);
    for (const a of wanted) p.applications.add(a);
  }

  private async createPool(body: Record<string, unknown>): Promise<Answer> {
    const s = this.o.state;
    const name = body.pool;
    if (typeof name !== 'string' || name === '') throw internal();
    const type = body.pool_type ?? 'replicated';
    if (type !== 'replicated' && type !== 'erasure') throw cephError(22, `unknown pool type '${String(type)}'`, 'pool', '22');
    const existing = s.pools.get(name);
    const metadata = { pool_name: name };
    if (!isInt(body.pg_num)) {
      // The real API fails inside the task and answers a generic 500: the reason is only in the
      // task's exception.
      return this.runTask('pool/create', metadata, 0, () => {
        throw cephError(22, `error parsing integer value '${String(body.pg_num)}'`, 'pool');
      }, 201);
    }
    let pool = existing;
    if (!pool) {
      pool = s.newPool(name, body.pg_num);
      const apps = Array.isArray(body.application_metadata) ? body.application_metadata.map(String) : [];
      if (apps[0] !== undefined) pool.applications.add(apps[0]);
    }
    const target = pool;
    return this.runTask('pool/create', metadata, existing ? CEPH_DURATIONS.poolEditLight : CEPH_DURATIONS.poolCreate, () => {
      target.creating = false;
      const { pg_num: _pg, ...rest } = body;
      this.applyValues(target, existing ? { quota_max_bytes: rest.quota_max_bytes, quota_max_objects: rest.quota_max_objects } : rest);
      this.setApplications(target, body.application_metadata, false);
    }, 201);
  }

  private async editPool(name: string, body: Record<string, unknown>): Promise<Answer> {
    const p = this.o.state.pools.get(name);
    if (!p) throw notFound('No such pool');
    const placement = body.size !== undefined || body.min_size !== undefined || body.pg_num !== undefined;
    return this.runTask('pool/edit', { pool_name: name }, placement ? CEPH_DURATIONS.poolEditPlacement : CEPH_DURATIONS.poolEditLight, () => {
      const pool = this.o.state.pools.get(name);
      if (!pool) throw notFound('No such pool');
      this.applyValues(pool, body);
      this.setApplications(pool, body.application_metadata, true);
    }, 200);
  }

  private async deletePool(name: string): Promise<Answer> {
    const s = this.o.state;
    if (!s.poolDeletionAllowed)
      throw cephError(1, 'pool deletion is disabled; you must first set the mon_allow_pool_delete config option to true before you can destroy a pool', 'pool');
    return this.runTask('pool/delete', { pool_name: name }, CEPH_DURATIONS.poolDelete, () => {
      s.pools.delete(name);
    }, 204);
  }

  /** Starts a task and waits for it like the Dashboard does: done in time answers `doneStatus`. */
  private async runTask(name: string, metadata: Record<string, unknown>, seconds: number, work: () => void, doneStatus: number): Promise<Answer> {
    const s = this.o.state;
    let failure: CephLabHttpError | undefined;
    const task = s.startTask(name, metadata, seconds, () => {
      try {
        work();
      } catch (err) {
        if (err instanceof CephLabHttpError) failure = err;
        throw err;
      }
    });
    const deadline = Date.now() + this.o.taskWaitMs;
    for (;;) {
      s.clock.runDue();
      if (task.end !== undefined) break;
      if (Date.now() >= deadline) return { status: 202, body: { name, metadata } };
      await sleep(Math.min(10, Math.max(1, deadline - Date.now())));
    }
    if (task.success) return { status: doneStatus, body: null };
    // A failed task answers with its error when it was an HTTP one (a 404), else a generic 500.
    if (failure && failure.status !== 400) throw failure;
    throw internal();
  }

  private taskList(name: string | null): unknown {
    const iso = (t: number) => new Date(t * 1000).toISOString();
    const match = (t: LabTask) => name === null || t.name === name;
    const tasks = this.o.state.tasks.filter(match);
    return {
      executing_tasks: tasks.filter((t) => t.end === undefined).map((t) => ({ name: t.name, metadata: t.metadata, begin_time: iso(t.begin), progress: 0 })),
      finished_tasks: tasks
        .filter((t) => t.end !== undefined)
        .reverse()
        .map((t) => ({
          name: t.name,
          metadata: t.metadata,
          begin_time: iso(t.begin),
          end_time: iso(t.end ?? t.begin),
          duration: (t.end ?? t.begin) - t.begin,
          progress: t.success ? 100 : 0,
          success: t.success ?? false,
          ret_value: null,
          exception: t.exception ?? null,
        })),
    };
  }
}
