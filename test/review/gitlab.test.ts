// `marmite review --post gitlab` against a small local server playing GitLab's notes API: one
// comment per merge request (created, then updated), the token header, and 401, 404 and 429.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reviewCommand } from '../../src/cli/commands/review.js';
import { bufferIo } from '../../src/cli/io.js';
import { REVIEW_MARKER } from '../../src/review/review.js';
import { makeRepo, NOW, type TempRepo } from './repo.js';

const TOKEN = 'glpat-secret-0123456789';

interface Note {
  id: number;
  body: string;
  system: boolean;
}

/** GitLab's notes endpoints for project 42, merge request !7; everything else is a 404. */
class FakeGitlab {
  notes: Note[] = [];
  requests: { method: string; path: string; headers: IncomingHttpHeaders }[] = [];
  /** Statuses to answer with before behaving, one per request. */
  failures: { status: number; retryAfter?: string }[] = [];
  private nextId = 1;
  server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.requests.push({ method: req.method ?? '', path: url.pathname + url.search, headers: req.headers });
      const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      };
      const failure = this.failures.shift();
      if (failure) return send(failure.status, { message: `${failure.status} failure` }, failure.retryAfter ? { 'retry-after': failure.retryAfter } : {});
      if (req.headers['private-token'] !== TOKEN && req.headers['job-token'] !== TOKEN) return send(401, { message: '401 Unauthorized' });
      const m = /^\/api\/v4\/projects\/42\/merge_requests\/7\/notes(?:\/(\d+))?$/.exec(url.pathname);
      if (!m) return send(404, { message: '404 Project Not Found' });
      if (req.method === 'GET') {
        const per = Number(url.searchParams.get('per_page') ?? 20);
        const page = Number(url.searchParams.get('page') ?? 1);
        const slice = this.notes.slice((page - 1) * per, page * per);
        return send(200, slice, { 'x-next-page': page * per < this.notes.length ? String(page + 1) : '' });
      }
      const text = (JSON.parse(body) as { body: string }).body;
      if (req.method === 'POST') {
        const note = { id: this.nextId++, body: text, system: false };
        this.notes.push(note);
        return send(201, note);
      }
      const note = this.notes.find((n) => n.id === Number(m[1]));
      if (req.method === 'PUT' && note) {
        note.body = text;
        return send(200, note);
      }
      return send(404, { message: '404 Not found' });
    });
  });

  seed(count: number): void {
    for (let i = 0; i < count; i++) this.notes.push({ id: this.nextId++, body: `comment ${i}`, system: i % 7 === 0 });
  }

  url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v4`;
  }
}

const gitlab = new FakeGitlab();
let repo: TempRepo;

beforeAll(async () => {
  repo = makeRepo({}, { 'tenants/alpha-lecture/vms/files.yaml': null });
  await new Promise<void>((r) => gitlab.server.listen(0, '127.0.0.1', r));
});

afterAll(async () => {
  repo.cleanup();
  await new Promise((r) => gitlab.server.close(r));
});

beforeEach(() => {
  gitlab.notes = [];
  gitlab.requests = [];
  gitlab.failures = [];
});

async function post(env: Record<string, string | undefined> = {}) {
  const sleeps: number[] = [];
  const io = bufferIo({
    cwd: repo.dir,
    env: { CI_API_V4_URL: gitlab.url(), CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '7', MARMITE_GITLAB_TOKEN: TOKEN, ...env },
  });
  const code = await reviewCommand(['--base', 'main', '--post', 'gitlab'], io, () => NOW, {
    sleep: async (ms) => void sleeps.push(ms),
  });
  return { code, out: io.out(), err: io.err(), sleeps };
}

describe('posting the review to GitLab', () => {
  it('creates one comment, then updates it on the next pipeline (found on page 2)', async () => {
    gitlab.seed(150);

    const first = await post();
    const second = await post();

    const ours = gitlab.notes.filter((n) => n.body.includes(REVIEW_MARKER));
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.err).toContain('comment created (note 151)');
    expect(second.err).toContain('comment updated (note 151)');
    expect(ours).toHaveLength(1);
    expect(gitlab.notes).toHaveLength(151);
    expect(gitlab.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v4/projects/42/merge_requests/7/notes?per_page=100&page=1',
      'GET /api/v4/projects/42/merge_requests/7/notes?per_page=100&page=2',
      'POST /api/v4/projects/42/merge_requests/7/notes',
      'GET /api/v4/projects/42/merge_requests/7/notes?per_page=100&page=1',
      'GET /api/v4/projects/42/merge_requests/7/notes?per_page=100&page=2',
      'PUT /api/v4/projects/42/merge_requests/7/notes/151',
    ]);
  });

  it.each([
    { name: 'MARMITE_GITLAB_TOKEN as PRIVATE-TOKEN', env: {}, header: 'private-token', absent: 'job-token' },
    { name: 'CI_JOB_TOKEN as JOB-TOKEN', env: { MARMITE_GITLAB_TOKEN: '', CI_JOB_TOKEN: TOKEN }, header: 'job-token', absent: 'private-token' },
  ])('sends $name', async ({ env, header, absent }) => {
    const r = await post(env);

    expect(r.code).toBe(0);
    for (const req of gitlab.requests) {
      expect(req.headers[header]).toBe(TOKEN);
      expect(req.headers[absent]).toBeUndefined();
    }
  });

  it.each([
    { status: 401, env: { MARMITE_GITLAB_TOKEN: 'wrong-token-value' }, message: /HTTP 401: the token was refused: set MARMITE_GITLAB_TOKEN/ },
    { status: 404, env: { CI_PROJECT_ID: '43' }, message: /HTTP 404: no such project or merge request: check CI_PROJECT_ID and CI_MERGE_REQUEST_IID/ },
  ])('fails clearly on HTTP $status, never showing the token', async ({ env, message }) => {
    const r = await post(env);

    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
    expect(`${r.out}${r.err}`).not.toContain(TOKEN);
    expect(`${r.out}${r.err}`).not.toContain('wrong-token-value');
    expect(gitlab.notes).toHaveLength(0);
  });

  it('waits as Retry-After says on 429, then posts', async () => {
    gitlab.failures = [{ status: 429, retryAfter: '2' }, { status: 429, retryAfter: '1' }];

    const r = await post();

    expect(r.code).toBe(0);
    expect(r.sleeps).toEqual([2000, 1000]);
    expect(gitlab.notes.filter((n) => n.body.includes(REVIEW_MARKER))).toHaveLength(1);
  });

  it('gives up after a bounded number of 429s, with bounded waits', async () => {
    gitlab.failures = Array.from({ length: 10 }, () => ({ status: 429, retryAfter: '3600' }));

    const r = await post();

    expect(r.code).toBe(1);
    expect(r.sleeps).toEqual([60_000, 60_000, 60_000]);
    expect(r.err).toMatch(/HTTP 429: still rate limited after 3 retries/);
    expect(gitlab.notes).toHaveLength(0);
  });

  it('names the missing CI variables outside a merge-request pipeline', async () => {
    const r = await post({ CI_MERGE_REQUEST_IID: '' });

    expect(r.code).toBe(1);
    expect(r.err).toContain('CI_MERGE_REQUEST_IID not set');
  });
});
