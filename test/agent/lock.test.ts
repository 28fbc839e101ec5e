import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withApplyLock } from '../../src/agent/apply-lock.js';
import type { AgentConfig } from '../../src/config/load.js';
import { LockHeldError, SiteLock, type SiteLockOptions } from '../../src/agent/lock.js';
import { createBareRepo, pushFiles, startGitServer, type GitServer } from '../support/git-server.js';

let dir: string;
let server: GitServer;
let repo = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marmite-lock-'));
  server = await startGitServer({ root: dir });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A fresh repository per test, and a factory of lock holders on it. */
async function forge() {
  const name = `locks-${++repo}.git`;
  // The infra repository always has its watched branch (and HEAD) before any lease is taken.
  await pushFiles(await createBareRepo(dir, name), 'main', { 'marmite.yaml': 'formatVersion: 1\n' }, 'infra');
  let n = 0;
  return (holder: string, extra: Partial<SiteLockOptions> = {}) =>
    new SiteLock({ url: `${server.url}/${name}`, cacheDir: join(dir, `cache-${repo}-${++n}`), holder, host: 'mgmt1', ...extra });
}

describe('SiteLock', () => {
  it('refuses a site leased by a live holder, naming it', async () => {
    const holder = await forge();
    const a = holder('agent-a');
    const b = holder('agent-b');
    await a.acquire('paris');
    const err = await b.acquire('paris').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockHeldError);
    expect((err as LockHeldError).message).toMatch(/^site paris: locked by agent-a on mgmt1/);
    expect((err as LockHeldError).transient).toBe(true);
  });

  it('lets another holder in after a release, and leases sites independently', async () => {
    const holder = await forge();
    const a = holder('agent-a');
    const b = holder('agent-b');
    await a.acquire('paris');
    await b.acquire('lyon');
    await a.release('paris');
    expect(await b.acquire('paris')).toEqual({ site: 'paris' });
    expect((await a.current('lyon'))?.holder).toBe('agent-b');
  });

  const alive = (): boolean => true;
  const dead = (): boolean => false;
  it.each<[string, Partial<SiteLockOptions>, number, (pid: number) => boolean]>([
    ['an expired lease from another host', { host: 'mgmt2', pid: 4242 }, 11 * 60_000, alive],
    ['a lease of a dead process on this host', { pid: 4242 }, 0, dead],
  ])('takes over %s and says so', async (_name, first, later, isAlive) => {
    const holder = await forge();
    const t0 = Date.parse('2026-01-05T08:00:00Z');
    await holder('agent-a', { ...first, now: () => t0 }).acquire('paris');
    const got = await holder('agent-b', { now: () => t0 + later, isAlive }).acquire('paris');
    expect(got.takenOver?.holder).toBe('agent-a');
    expect(got.takenOver?.pid).toBe(4242);
  });

  it('does not take over a live lease of another host, even if its pid is unknown here', async () => {
    const holder = await forge();
    await holder('agent-a', { host: 'mgmt2', pid: 4242 }).acquire('paris');
    await expect(holder('agent-b', { isAlive: () => false }).acquire('paris')).rejects.toBeInstanceOf(LockHeldError);
  });

  it('gives the lease to exactly one of two holders racing for it', async () => {
    const holder = await forge();
    const results = await Promise.allSettled([holder('agent-a').acquire('paris'), holder('agent-b').acquire('paris'), holder('agent-c').acquire('paris')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockHeldError);
  });

  it('holds every site while the work runs and releases them even when it throws', async () => {
    const holder = await forge();
    const a = holder('apply by alice');
    const seen: (string | undefined)[] = [];
    const work = async () => {
      seen.push((await a.current('paris'))?.holder, (await a.current('lyon'))?.holder);
      throw new Error('apply broke');
    };
    await expect(a.hold(['paris', 'lyon', 'paris'], work)).rejects.toThrow('apply broke');
    expect(seen).toEqual(['apply by alice', 'apply by alice']);
    expect(await a.current('paris')).toBeUndefined();
    expect(await a.current('lyon')).toBeUndefined();
  });

  it('renews its own lease, pushing the expiry forward', async () => {
    const holder = await forge();
    let now = Date.parse('2026-01-05T08:00:00Z');
    const a = holder('agent-a', { now: () => now, ttlMs: 60_000 });
    await a.acquire('paris');
    now += 30_000;
    await a.renew('paris');
    const lease = await a.current('paris');
    expect(lease?.expiresAt).toBe('2026-01-05T08:01:30.000Z');
    expect(lease?.acquiredAt).toBe('2026-01-05T08:00:00.000Z');
  });
});

describe('withApplyLock', () => {
  const config = (url?: string): AgentConfig => ({ file: '/etc/marmite/agent.yaml', sites: {}, credentials: {}, agent: url ? { repository: { url } } : {} });

  it('runs unguarded, and says so, when the config names no repository', async () => {
    expect(await withApplyLock(config(), ['paris'], async () => 'done')).toEqual({ result: 'done', locked: false });
  });

  it('holds the site lease while `marmite apply` runs, and refuses while an agent holds it', async () => {
    const holder = await forge();
    const url = `${server.url}/locks-${repo}.git`;
    const seen = await withApplyLock(config(url), ['paris'], async () => (await holder('observer').current('paris'))?.holder);
    expect(seen.locked).toBe(true);
    expect(seen.result).toMatch(/^apply by /);
    await holder('marmite-agent').acquire('paris');
    await expect(withApplyLock(config(url), ['paris'], async () => 'ran')).rejects.toBeInstanceOf(LockHeldError);
  });
});
