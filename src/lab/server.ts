// The HTTP side of one simulated cluster: PVE's wire format (form or JSON bodies, query strings,
// `{"data":...}` with its exact content type, the message in the reason phrase), token auth,
// schema checks on the way in and out, fault injection, and a record of every request.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { LabClock } from './clock.js';
import type { SimCluster } from './cluster.js';
import { PveError, paramError } from './errors.js';
import type { FaultInjector } from './faults.js';
import { type PveMethodInfo, type PveSchema, type WireParams } from './pve-schema.js';
import { routes, unknownMethod } from './routes.js';

export interface RecordedRequest {
  site: string;
  method: string;
  /** Path under /api2/json, as sent. */
  path: string;
  /** The schema path it matched, e.g. /nodes/{node}/qemu/{vmid}/config. */
  template?: string;
  params: WireParams;
  status: number;
  message?: string;
  data?: unknown;
  /** Where the response broke the schema's `returns` (the tests assert this stays empty). */
  responseErrors: string[];
  /** Parameter formats the lab accepted without checking them. */
  unknownFormats: string[];
}

export interface SiteServerOptions {
  site: string;
  cluster: SimCluster;
  clock: LabClock;
  faults: FaultInjector;
  schema: PveSchema;
  tokenId: string;
  tokenSecret: string;
  requests: RecordedRequest[];
  /** Keep only the last N records (a long-running `marmite lab` would otherwise grow without end). */
  recordLimit?: number;
  /** Check every response against the schema's `returns` (default true; benchmarks turn it off). */
  checkResponses?: boolean;
  host: string;
  port: number;
  /** PVE waits ~3 s before answering a failed login; the lab keeps this small. */
  authFailDelayMs: number;
  tls?: { key: string; cert: string };
}

// Writes that do not go through pmxcfs and so work without quorum (node power).
const QUORUM_FREE = new Set(['POST /nodes/{node}/status', 'POST /nodes/{node}/wakeonlan']);

export const CONTENT_TYPE = 'application/json;charset=UTF-8';
const API_PREFIX = '/api2/json';

export interface SiteServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startSiteServer(o: SiteServerOptions): Promise<SiteServer> {
  const sockets = new Set<Socket>();
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(o, req, res).catch((err: unknown) => {
      if (!res.headersSent) reply(res, 500, `internal lab error: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
  const server = o.tls ? https.createServer({ key: o.tls.key, cert: o.tls.cert }, handler) : http.createServer(handler);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${o.tls ? 'https' : 'http'}://${o.host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function paramsFromSearch(search: URLSearchParams): WireParams {
  const out: WireParams = {};
  for (const [k, v] of search) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function paramsFromJson(text: string): WireParams {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new PveError(400, 'Parameter verification failed.', { body: 'expected a JSON object' });
  const out: WireParams = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (v === null || v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map((x) => jsonScalar(x)) : jsonScalar(v);
  }
  return out;
}

function jsonScalar(v: unknown): string {
  if (v === true) return '1';
  if (v === false) return '0';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function reply(res: http.ServerResponse, status: number, message: string, body?: unknown): void {
  const firstLine = message.split('\n')[0] ?? '';
  res.statusMessage = firstLine.replace(/[^\t\x20-\x7e]/g, '?');
  if (status === 401) {
    res.writeHead(401);
    res.end();
    return;
  }
  const text = JSON.stringify(body ?? { data: null, message: `${message}\n` });
  res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'max-age=0', Pragma: 'no-cache' });
  res.end(text);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function handle(o: SiteServerOptions, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://lab');
  const fullPath = url.pathname;
  const path = fullPath.startsWith(API_PREFIX) ? fullPath.slice(API_PREFIX.length) || '/' : fullPath;
  const body = await readBody(req);
  const rec: RecordedRequest = { site: o.site, method, path, params: {}, status: 0, responseErrors: [], unknownFormats: [] };
  o.requests.push(rec);
  if (o.recordLimit !== undefined && o.requests.length > o.recordLimit) o.requests.splice(0, o.requests.length - o.recordLimit);
  const finish = (status: number, message: string, payload?: unknown) => {
    rec.status = status;
    if (status !== 200) rec.message = message;
    reply(res, status, message, payload);
  };

  const fault = o.faults.forRequest(o.site, method, fullPath);
  if (fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault.hang) {
    rec.status = -1;
    rec.message = 'hang (injected)';
    return; // the socket stays open until the client gives up or the lab closes
  }

  if (!authorized(o, req.headers['authorization'])) {
    await sleep(o.authFailDelayMs);
    finish(401, req.headers['authorization'] ? 'invalid token value!' : 'No ticket');
    return;
  }
  if (fault.error) {
    finish(fault.error.status, fault.error.message);
    return;
  }

  o.clock.runDue();
  try {
    if (!fullPath.startsWith(API_PREFIX)) throw unknownMethod(method, fullPath);
    const contentType = String(req.headers['content-type'] ?? '');
    let wire: WireParams;
    if (method === 'GET' || method === 'DELETE') {
      if (method === 'DELETE' && body.length > 0) throw new PveError(501, `Unexpected content for method '${method}'`);
      wire = paramsFromSearch(url.searchParams);
    } else if (contentType.startsWith('application/json')) {
      wire = body.length ? paramsFromJson(body) : {};
    } else {
      wire = paramsFromSearch(new URLSearchParams(body));
    }
    rec.params = wire;

    const match = o.schema.match(path);
    const info = match?.methods[method];
    if (!match || !info) throw unknownMethod(method, path);
    rec.template = match.template;
    const validation = o.schema.validate(info, { ...wire, ...match.pathParams });
    rec.unknownFormats = validation.unknownFormats;
    if (Object.keys(validation.errors).length) throw paramError(validation.errors);

    checkPermission(o, info, validation.values);
    checkProxyTarget(o, info, validation.values);
    if (method !== 'GET' && !QUORUM_FREE.has(`${method} ${match.template}`)) o.cluster.assertQuorate();

    const route = routes[`${method} ${match.template}`];
    if (!route) throw unknownMethod(method, path);
    const data = route({ cluster: o.cluster, p: validation.values, now: o.clock.now() }) ?? null;
    rec.data = data;
    rec.responseErrors = o.checkResponses === false ? [] : o.schema.checkResponse(method, match.template, data);
    finish(200, 'OK', { data });
  } catch (err) {
    if (err instanceof PveError) {
      const payload = err.errors ? { data: null, errors: err.errors, message: `${err.message}\n` } : undefined;
      finish(err.status, err.message, payload);
      return;
    }
    throw err;
  }
}

function authorized(o: SiteServerOptions, header: string | undefined): boolean {
  if (!header) return false;
  const m = /^PVEAPIToken[= ](.+)=([^=]+)$/.exec(header.trim());
  return Boolean(m && m[1] === o.tokenId && m[2] === o.tokenSecret);
}

/** Evaluates the schema's `perm` checks against the privileges the lab has taken from its token. */
function checkPermission(o: SiteServerOptions, info: PveMethodInfo, values: Record<string, unknown>): void {
  const check = (info.permissions as { check?: unknown } | undefined)?.check;
  const denied = firstDenied(o, check, values);
  if (denied && denied.path !== '') throw new PveError(403, `Permission check failed (${denied.path}, ${denied.priv})`);
}

function firstDenied(o: SiteServerOptions, check: unknown, values: Record<string, unknown>): { path: string; priv: string } | undefined {
  if (!Array.isArray(check)) return undefined;
  const [op, ...args] = check as unknown[];
  if (op === 'perm' && typeof args[0] === 'string' && Array.isArray(args[1])) {
    const rest = args.slice(2);
    const requireParam = rest[0] === 'require_param' ? String(rest[1]) : undefined;
    if (requireParam && values[requireParam] === undefined) return { path: '', priv: '' };
    const path = args[0].replace(/\{(\w+)\}/g, (_, k: string) => String(values[k] ?? ''));
    const any = rest.includes('any');
    const privs = args[1] as string[];
    const missing = privs.filter((p) => o.cluster.access.missing(path, [p]));
    if (any ? missing.length === privs.length : missing.length > 0) return { path, priv: missing[0]! };
    return undefined;
  }
  if (op === 'and') {
    for (const a of args) {
      const d = firstDenied(o, a, values);
      if (d && d.path !== '') return d;
    }
    return undefined;
  }
  if (op === 'or') {
    let first: { path: string; priv: string } | undefined;
    for (const a of args) {
      const d = firstDenied(o, a, values);
      if (!d) return undefined;
      if (d.path !== '') first ??= d;
    }
    return first;
  }
  return undefined;
}

/** A call PVE proxies to a node that is down fails in transport with 595. */
function checkProxyTarget(o: SiteServerOptions, info: PveMethodInfo, values: Record<string, unknown>): void {
  if (!info.proxyto) return;
  const node = values[info.proxyto];
  if (typeof node !== 'string') return;
  const n = o.cluster.node(node); // an unknown node fails its hostname lookup, as in PVE
  if (n.status !== 'online') throw new PveError(595, `No route to host`);
}
