// One contract for the Ceph Dashboard REST API, run unchanged (by ceph.test.ts) against a real
// single-host Ceph cluster and against the lab's Ceph API: statuses, bodies, tasks and read-back.
// A difference in behaviour between the two fails it.

import { expect, it } from 'vitest';
import { createCephClient } from '../../../src/providers/ceph/client.js';
import { CephApiError } from '../../../src/providers/ceph/errors.js';
import type { CephTarget } from './targets.js';

const ACCEPT = 'application/vnd.ceph.api.v1.0+json';

interface Raw {
  status: number;
  body: unknown;
}

async function api(t: CephTarget, method: string, path: string, options: { body?: unknown; token?: string; accept?: boolean } = {}): Promise<Raw> {
  const headers: Record<string, string> = {};
  if (options.accept !== false) headers.Accept = ACCEPT;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  const res = await fetch(t.url + path, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await res.text();
  return { status: res.status, body: text.trim() === '' ? undefined : JSON.parse(text) };
}

async function login(t: CephTarget): Promise<string> {
  const res = await api(t, 'POST', '/api/auth', { body: { username: t.username, password: t.password } });
  expect(res.status).toBe(201);
  return (res.body as { token: string }).token;
}

/** Waits for the task named by a 202 answer (or nothing on a 2xx) and returns its record. */
async function settle(t: CephTarget, token: string, res: Raw): Promise<{ success: boolean } | undefined> {
  if (res.status !== 202) return undefined;
  const task = res.body as { name: string; metadata: unknown };
  for (;;) {
    const list = (await api(t, 'GET', `/api/task?name=${encodeURIComponent(task.name)}`, { token })).body as {
      executing_tasks: { metadata: unknown }[];
      finished_tasks: { metadata: unknown; success: boolean }[];
    };
    const same = (m: unknown) => JSON.stringify(m) === JSON.stringify(task.metadata);
    if (!list.executing_tasks.some((x) => same(x.metadata))) return list.finished_tasks.find((x) => same(x.metadata));
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Drops the per-request id of CherryPy's error bodies. */
function withoutRequestId(body: unknown): unknown {
  const { request_id: _ignored, ...rest } = body as Record<string, unknown>;
  return rest;
}

/** The contract, for one target (its getter works inside tests). */
export function contract(name: string, target: () => CephTarget): void {
  // Not marked `marmite`: the provider tests may share this cluster and must not see it as ours.
  const pool = `contract-${name.replace(/\W+/g, '-')}`;
  let cached: string | undefined;
  // A Dashboard login takes about half a second: one token per target.
  const session = async (t: CephTarget) => (cached ??= await login(t));

  it('refuses a wrong password with 400 and the exact body', async () => {
    const res = await api(target(), 'POST', '/api/auth', { body: { username: target().username, password: 'wrong' } });
    expect(res).toEqual({ status: 400, body: { detail: 'Invalid credentials', code: 'invalid_credentials', component: 'auth' } });
  });

  it('maps a wrong password to a terminal CephApiError', async () => {
    const t = target();
    const client = createCephClient('test', { url: t.url, username: t.username, password: 'wrong' });
    const err = await client.health().catch((e: unknown) => e);
    await client.close();
    expect(err).toBeInstanceOf(CephApiError);
    expect(err).toMatchObject({ status: 400, reason: 'invalid-credentials', transient: false });
  });

  it.each([
    ['no token', { accept: true, token: false }, 401, { status: '401 Unauthorized', detail: 'You are not authorized to access that resource' }],
    ['no Accept header', { accept: false, token: true }, 415, { status: '415 Unsupported Media Type', detail: 'Unable to find version in request header' }],
    ['neither (the token is checked first)', { accept: false, token: false }, 401, { status: '401 Unauthorized', detail: 'You are not authorized to access that resource' }],
  ])('answers a request with %s', async (_label, opts, status, body) => {
    const t = target();
    const token = opts.token ? await session(t) : undefined;
    const res = await api(t, 'GET', '/api/pool', { accept: opts.accept, ...(token ? { token } : {}) });
    expect(res.status).toBe(status);
    expect(withoutRequestId(res.body)).toEqual(body);
  });

  it('answers 404 for an unknown pool, on read and on edit', async () => {
    const t = target();
    const token = await session(t);
    const get = await api(t, 'GET', '/api/pool/no-such-pool', { token });
    const put = await api(t, 'PUT', '/api/pool/no-such-pool', { token, body: { quota_max_bytes: 1 } });
    const expected = { status: '404 Not Found', detail: "The path 'No such pool' was not found." };
    expect([get.status, withoutRequestId(get.body)]).toEqual([404, expected]);
    expect([put.status, withoutRequestId(put.body)]).toEqual([404, expected]);
  });

  it('answers 400 for an unknown pool type', async () => {
    const t = target();
    const token = await session(t);
    const res = await api(t, 'POST', '/api/pool', { token, body: { pool: `${pool}-bad`, pool_type: 'foo', pg_num: 8 } });
    expect(res).toEqual({ status: 400, body: { detail: "[errno -22] unknown pool type 'foo'", code: '22', component: 'pool' } });
  });

  it('answers a generic 500 for a non-integer pg_num (the reason is only in the task), a transient error to the client', async () => {
    const t = target();
    const token = await session(t);
    const res = await api(t, 'POST', '/api/pool', { token, body: { pool: `${pool}-abc`, pool_type: 'replicated', pg_num: 'abc' } });
    const task = (await api(t, 'GET', '/api/task?name=pool/create', { token })).body as { finished_tasks: { metadata: { pool_name: string }; success: boolean }[] };
    const client = createCephClient('test', { url: t.url, username: t.username, password: t.password });
    const err = await client.call('POST', '/api/pool', { pool: `${pool}-abc`, pool_type: 'replicated', pg_num: 'abc' }).catch((e: unknown) => e);
    await client.close();

    expect(res.status).toBe(500);
    expect(withoutRequestId(res.body)).toEqual({
      status: '500 Internal Server Error',
      detail: 'The server encountered an unexpected condition which prevented it from fulfilling the request.',
    });
    expect(task.finished_tasks.find((x) => x.metadata.pool_name === `${pool}-abc`)?.success).toBe(false);
    expect(err).toMatchObject({ status: 500, reason: 'server', transient: true });
    expect((await api(t, 'GET', `/api/pool/${pool}-abc`, { token })).status).toBe(404);
  });

  it('creates a pool with a quota as a task, then reads it back', async () => {
    const t = target();
    const token = await session(t);
    const res = await api(t, 'POST', '/api/pool', {
      token,
      body: { pool, pool_type: 'replicated', pg_num: 8, size: 2, min_size: 1, application_metadata: ['rbd', 'contract'], quota_max_bytes: 1048576, quota_max_objects: 100 },
    });
    // The server waits 2 s: a create (PGs being made) is usually still running and answers 202.
    expect([201, 202]).toContain(res.status);
    if (res.status === 202) expect(res.body).toEqual({ name: 'pool/create', metadata: { pool_name: pool } });
    expect(await settle(t, token, res)).toMatchObject(res.status === 202 ? { success: true } : {});

    const read = await api(t, 'GET', `/api/pool/${pool}?stats=true`, { token });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      pool_name: pool,
      type: 'replicated',
      size: 2,
      min_size: 1,
      pg_num: 8,
      quota_max_bytes: 1048576,
      quota_max_objects: 100,
      application_metadata: ['contract', 'rbd'],
      stats: { objects: { latest: 0 } },
    });
  });

  it('changes a quota and the application set with one PUT, read back', async () => {
    const t = target();
    const token = await session(t);
    const res = await api(t, 'PUT', `/api/pool/${pool}`, { token, body: { quota_max_bytes: 2097152, application_metadata: ['rbd', 'contract', 'contract.h.abc'] } });
    expect([200, 202]).toContain(res.status);
    await settle(t, token, res);
    const read = await api(t, 'GET', `/api/pool/${pool}?attrs=quota_max_bytes,quota_max_objects,application_metadata`, { token });
    expect(read.body).toMatchObject({ pool_name: pool, quota_max_bytes: 2097152, quota_max_objects: 100, application_metadata: ['contract', 'contract.h.abc', 'rbd'] });
  });

  it('sets and clears noout per OSD, shown in the OSD flags and in health', async () => {
    const t = target();
    const token = await session(t);
    const on = await api(t, 'PUT', '/api/osd/flags/individual', { token, body: { flags: { noout: true }, ids: [0, 1] } });
    const flagsOn = (await api(t, 'GET', '/api/osd/flags/individual', { token })).body as { osd: number; flags: string[] }[];
    const healthOn = (await api(t, 'GET', '/api/health/minimal', { token })).body as { health: { status: string; checks: { type: string }[] } };
    const off = await api(t, 'PUT', '/api/osd/flags/individual', { token, body: { flags: { noout: false }, ids: [0, 1] } });
    const flagsOff = (await api(t, 'GET', '/api/osd/flags/individual', { token })).body as { osd: number; flags: string[] }[];
    const healthOff = (await api(t, 'GET', '/api/health/minimal', { token })).body as { health: { checks: { type: string }[] } };

    expect(on).toEqual({ status: 200, body: { added: ['noout'], removed: [], ids: [0, 1] } });
    expect(flagsOn.map((o) => [o.osd, o.flags.includes('noout')])).toEqual([[0, true], [1, true], [2, false]]);
    expect(healthOn.health.status).toBe('HEALTH_WARN');
    expect(healthOn.health.checks.map((c) => c.type)).toContain('OSD_FLAGS');
    expect(off).toEqual({ status: 200, body: { added: [], removed: ['noout'], ids: [0, 1] } });
    expect(flagsOff.every((o) => !o.flags.includes('noout'))).toBe(true);
    expect(healthOff.health.checks.map((c) => c.type)).not.toContain('OSD_FLAGS');
  });

  it('accepts an unknown OSD id silently (so callers must check ids themselves)', async () => {
    const t = target();
    const token = await session(t);
    const res = await api(t, 'PUT', '/api/osd/flags/individual', { token, body: { flags: { noout: false }, ids: [99] } });
    expect(res).toEqual({ status: 200, body: { added: [], removed: ['noout'], ids: [99] } });
  });

  it('replaces the whole cluster flag set: a partial list fails half-applied', async () => {
    const t = target();
    const token = await session(t);
    const before = (await api(t, 'GET', '/api/osd/flags', { token })).body as string[];
    const added = await api(t, 'PUT', '/api/osd/flags', { token, body: { flags: [...before, 'noout'] } });
    const partial = await api(t, 'PUT', '/api/osd/flags', { token, body: { flags: ['noout'] } });
    const afterPartial = (await api(t, 'GET', '/api/osd/flags', { token })).body as string[];
    const restored = await api(t, 'PUT', '/api/osd/flags', { token, body: { flags: before } });

    expect(added).toEqual({ status: 200, body: [...before, 'noout'].sort() });
    expect(partial.status).toBe(400);
    expect(partial.body).toMatchObject({ code: 'SendCommandError', component: null });
    expect(afterPartial).toEqual([...before, 'noout'].sort());
    expect(restored).toEqual({ status: 200, body: [...before].sort() });
  });

  it('reports health and OSDs with their host', async () => {
    const t = target();
    const token = await session(t);
    const health = (await api(t, 'GET', '/api/health/minimal', { token })).body as { health: { status: string; checks: unknown[] } };
    const osds = (await api(t, 'GET', '/api/osd', { token })).body as { id: number; up: number; in: number; state: string[]; host: { name: string } }[];
    expect(health.health.status).toMatch(/^HEALTH_(OK|WARN)$/);
    expect(osds.map((o) => [o.id, o.up, o.in, o.state.includes('up')])).toEqual([[0, 1, 1, true], [1, 1, 1, true], [2, 1, 1, true]]);
    expect(new Set(osds.map((o) => typeof o.host.name))).toEqual(new Set(['string']));
  });

  it('refuses a delete while pool deletion is disabled, then deletes the empty pool', async () => {
    const t = target();
    const token = await session(t);
    await t.setPoolDeletion(false);
    const refused = await api(t, 'DELETE', `/api/pool/${pool}`, { token });
    await t.setPoolDeletion(true);
    try {
      const deleted = await api(t, 'DELETE', `/api/pool/${pool}`, { token });
      expect([204, 202]).toContain(deleted.status);
      await settle(t, token, deleted);
      const gone = await api(t, 'GET', `/api/pool/${pool}`, { token });
      const unknown = await api(t, 'DELETE', '/api/pool/no-such-pool', { token });

      expect(refused).toEqual({
        status: 400,
        body: {
          detail:
            '[errno -1] pool deletion is disabled; you must first set the mon_allow_pool_delete config option to true before you can destroy a pool',
          code: '1',
          component: 'pool',
        },
      });
      expect(gone.status).toBe(404);
      expect(unknown.status).toBe(204);
    } finally {
      await t.setPoolDeletion(false);
    }
  });

  it('maps disabled pool deletion to a terminal CephApiError with its reason', async () => {
    const t = target();
    const client = createCephClient('test', { url: t.url, username: t.username, password: t.password }, { taskPollMs: 100 });
    const err = await client.deletePool('device_health_metrics').catch((e: unknown) => e);
    await client.close();
    expect(err).toMatchObject({ status: 400, reason: 'pool-deletion-disabled', transient: false });
  });
}
