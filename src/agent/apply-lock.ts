// The site lease for a manual `marmite apply`, so it never runs at the same time as an agent (or
// another apply) on the same site. Uses the agent config's repository section; without one there
// is no shared place to hold a lease, and the caller is told so.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../config/load.js';
import { SiteLock, type Acquired } from './lock.js';
import { DEFAULTS } from './settings.js';
import { parseDuration } from '../validate/units.js';

export interface ApplyLockHooks {
  /** A lease of a dead or expired holder was replaced. */
  onTakeover?: (acquired: Acquired) => void;
  onRenewError?: (err: unknown) => void;
}

/**
 * Runs `fn` holding the leases of `sites`; `locked` is false when the config names no repository
 * (then `fn` runs unguarded and the caller should warn). Throws LockHeldError (transient) when an
 * agent or another apply holds one of the sites.
 */
export async function withApplyLock<T>(config: AgentConfig, sites: readonly string[], fn: () => Promise<T>, hooks: ApplyLockHooks = {}): Promise<{ result: T; locked: boolean }> {
  const repo = config.agent.repository;
  if (!repo?.url || sites.length === 0) return { result: await fn(), locked: false };
  const cacheDir = await mkdtemp(join(tmpdir(), 'marmite-apply-lock-'));
  try {
    const ttl = parseDuration(config.agent.lockTtl ?? DEFAULTS.lockTtl) ?? 600;
    const lock = new SiteLock({
      url: repo.url,
      ...(repo.username ? { username: repo.username } : {}),
      ...(config.agentSecrets?.repositoryToken ? { token: config.agentSecrets.repositoryToken } : {}),
      cacheDir,
      holder: `apply by ${safeUser()}`,
      ttlMs: ttl * 1000,
    });
    return { result: await lock.hold(sites, fn, hooks), locked: true };
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown user';
  }
}
