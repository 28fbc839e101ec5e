// The Dashboard client's own behaviour, on the lab: errors by kind, a second login when the JWT
// is no longer accepted, and tasks waited for before returning.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabClock } from '../../../src/lab/clock.js';
import { startCephLab, type CephLab } from '../../../src/lab/ceph/index.js';
import { createCephClient } from '../../../src/providers/ceph/client.js';

let lab: CephLab;
beforeAll(async () => {
  lab = await startCephLab({ seed: { hosts: [{ name: 'h1', osds: 2 }] }, users: { u: 'p' }, clock: LabClock.scaled(50), taskWaitMs: 20 });
});
afterAll(async () => {
  await lab.close();
  lab.clock.stop();
});

describe('ceph client', () => {
  it('reports no answer as a transient network error', async () => {
    const client = createCephClient('paris', { url: 'http://127.0.0.1:1', username: 'u', password: 'p' });
    const err = await client.health().catch((e: unknown) => e);
    await client.close();
    expect(err).toMatchObject({ name: 'CephApiError', reason: 'network', transient: true, path: '/api/auth' });
    expect((err as Error).message).toMatch(/^ceph paris: POST \/api\/auth: no answer/);
  });

  it('logs in again when its token is refused', async () => {
    const client = createCephClient('paris', { url: lab.url, username: 'u', password: 'p' });
    await client.health();
    const logins = () => lab.requests.filter((r) => r.path === '/api/auth').length;
    const before = logins();
    lab.expireSessions();
    const osds = await client.call<unknown[]>('GET', '/api/osd');
    expect(osds.status).toBe(200);
    expect(logins()).toBe(before + 1);
    await client.close();
  });

  it('waits for a 202 task and returns only once the pool shows what was asked', async () => {
    const client = createCephClient('paris', { url: lab.url, username: 'u', password: 'p' }, { taskPollMs: 10 });
    await client.createPool({ pool: 'p1', pool_type: 'replicated', pg_num: 8, size: 2, min_size: 1, application_metadata: ['rbd'], quota_max_bytes: 7 });
    const pool = await client.getPool('p1');
    await client.close();
    expect(lab.requests.some((r) => r.method === 'POST' && r.path === '/api/pool' && r.status === 202)).toBe(true);
    expect(pool).toMatchObject({ pool_name: 'p1', quota_max_bytes: 7, application_metadata: ['rbd'] });
  });
});
