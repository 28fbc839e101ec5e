// The agent's HTTP endpoints: /metrics (Prometheus text), /healthz (the process answers), /readyz
// (the first cycle is done and the last one did not fail terminally) and /webhook (a GitLab push
// event asks for a cycle now). Only /webhook acts, and only for a caller holding the secret.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.js';
import type { Secret } from '../core/secret.js';
import type { Metrics } from './metrics.js';

export interface AgentServerOptions {
  host: string;
  port: number;
  metrics: Metrics;
  log: Logger;
  ready: () => boolean;
  /** Undefined: the webhook is off (404), since an open one would let anyone drive the loop. */
  webhookSecret?: Secret;
  /** The watched branch: pushes to other branches (the status branch...) are ignored. */
  branch: string;
  onPush: (info: { commit?: string }) => void;
}

export interface AgentServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export async function startAgentServer(options: AgentServerOptions): Promise<AgentServer> {
  const server: Server = createServer((req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      options.log.error({ error: err instanceof Error ? err.message : String(err) }, 'http handler failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function handle(o: AgentServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === '/webhook') return webhook(o, req, res);
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' });
  if (path === '/metrics') {
    res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(o.metrics.render());
    return;
  }
  if (path === '/healthz') return send(res, 200, { status: 'ok' });
  if (path === '/readyz') return o.ready() ? send(res, 200, { status: 'ready' }) : send(res, 503, { status: 'not ready' });
  return send(res, 404, { error: 'not found' });
}

async function webhook(o: AgentServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (o.webhookSecret === undefined) {
    req.resume();
    return send(res, 404, { error: 'webhook not configured' });
  }
  if (req.method !== 'POST') {
    req.resume();
    return send(res, 405, { error: 'method not allowed' });
  }
  const token = req.headers['x-gitlab-token'];
  if (typeof token !== 'string' || token === '') {
    req.resume();
    o.log.warn({ remote: req.socket.remoteAddress }, 'webhook refused: no token');
    return send(res, 401, { error: 'token required' });
  }
  if (!sameSecret(token, o.webhookSecret.reveal())) {
    req.resume();
    o.log.warn({ remote: req.socket.remoteAddress }, 'webhook refused: wrong token');
    return send(res, 403, { error: 'forbidden' });
  }
  const event = req.headers['x-gitlab-event'];
  const body = await readBody(req);
  if (body === undefined) return send(res, 413, { error: 'body too large' });
  // GitLab disables a hook that keeps failing: events we do not act on are accepted and ignored.
  if (event !== 'Push Hook') return send(res, 202, { ignored: `event ${String(event ?? '(none)')}` });
  const push = parsePush(body);
  if (push.ref !== undefined && push.ref !== `refs/heads/${o.branch}`) return send(res, 202, { ignored: `ref ${push.ref}` });
  o.log.info({ commit: push.after, ref: push.ref }, 'webhook push received');
  o.onPush(push.after === undefined ? {} : { commit: push.after });
  return send(res, 202, { queued: true });
}

/** Compared as fixed-length digests, so neither the content nor the length leaks through timing. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

function parsePush(body: string): { ref?: string; after?: string } {
  try {
    const v = JSON.parse(body) as { ref?: unknown; after?: unknown };
    return {
      ...(typeof v.ref === 'string' ? { ref: v.ref } : {}),
      ...(typeof v.after === 'string' && /^[0-9a-f]{40}$/.test(v.after) ? { after: v.after } : {}),
    };
  } catch {
    return {};
  }
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}
