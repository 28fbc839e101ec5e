// Site leases, so two agents (or an agent and a manual `marmite apply`) never apply to the same
// site at once.
//
// Why a branch of the forge: it is the one service every marmite process already reaches with
// write access, and git's non-forced push is a compare-and-swap on the ref. A lease is the file
// `locks/<site>.json` on the branch `marmite/locks`: {holder, host, pid, instance, acquiredAt,
// expiresAt}. To acquire, read the file at the branch head, decide, and push a commit whose parent
// is that head; a refused push means someone else wrote in between, so read and decide again.
// The holder renews the lease while it applies and deletes it after. A holder that died leaves its
// lease behind: on the same host a dead pid is noticed at once; from elsewhere the lease is taken
// over once it expires (TTL, default 10 minutes). A takeover is returned so it can be reported.
// Leases live on their own branch: the loader never reads it, and the status branch stays reports.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { MarmiteError } from '../core/errors.js';
import type { GitRemoteOptions } from '../git/remote.js';
import { BranchStore } from './branch-store.js';

export const LOCK_BRANCH = 'marmite/locks';

export interface Lease {
  holder: string;
  host: string;
  pid: number;
  /** Random per SiteLock object: two holders in one process are still told apart. */
  instance: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface SiteLockOptions extends GitRemoteOptions {
  /** Who holds the lease, e.g. `marmite-agent` or `apply by alice`. */
  holder: string;
  ttlMs?: number;
  branch?: string;
  now?: () => number;
  host?: string;
  pid?: number;
  /** Whether a pid on this host is still running (default: signal 0). */
  isAlive?: (pid: number) => boolean;
  /** Compare-and-swap attempts before giving up on a contended branch (default 5). */
  maxAttempts?: number;
}

export interface Acquired {
  site: string;
  /** The expired or dead lease this acquisition replaced. */
  takenOver?: Lease;
}

/** The site is leased by someone else; transient: it is retried after a backoff. */
export class LockHeldError extends MarmiteError {
  override name = 'LockHeldError';
  constructor(
    readonly site: string,
    readonly lease: Lease,
  ) {
    super(`site ${site}: locked by ${lease.holder} on ${lease.host} (pid ${lease.pid}) until ${lease.expiresAt}`, { transient: true });
  }
}

export const DEFAULT_LOCK_TTL_MS = 10 * 60 * 1000;

type Decision = { write: Lease | null; result?: Acquired } | { noop: true };

export class SiteLock {
  readonly #store: BranchStore;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #me: Pick<Lease, 'holder' | 'host' | 'pid' | 'instance'>;
  readonly #isAlive: (pid: number) => boolean;
  readonly #maxAttempts: number;

  constructor(options: SiteLockOptions) {
    this.#store = new BranchStore({ ...options, branch: options.branch ?? LOCK_BRANCH, ...(options.now ? { now: options.now } : {}) });
    this.#ttl = options.ttlMs ?? DEFAULT_LOCK_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#me = { holder: options.holder, host: options.host ?? hostname(), pid: options.pid ?? process.pid, instance: randomUUID() };
    this.#isAlive = options.isAlive ?? pidAlive;
    this.#maxAttempts = options.maxAttempts ?? 5;
  }

  /** Takes or renews the lease of `site`; throws LockHeldError when a live holder has it. */
  acquire(site: string): Promise<Acquired> {
    return this.#update(site, `lock ${site} for ${this.#me.holder}`, (current) => {
      const now = this.#now();
      const fresh = this.#lease(now, current && this.#mine(current) ? current.acquiredAt : undefined);
      if (current === undefined || this.#mine(current)) return { write: fresh, result: { site } };
      if (Date.parse(current.expiresAt) <= now || (current.host === this.#me.host && !this.#isAlive(current.pid))) {
        return { write: fresh, result: { site, takenOver: current } };
      }
      throw new LockHeldError(site, current);
    }).then((r) => r ?? { site });
  }

  /** Pushes the expiry forward; throws LockHeldError when the lease was lost meanwhile. */
  async renew(site: string): Promise<void> {
    await this.#update(site, `renew lock ${site}`, (current) => {
      if (current !== undefined && !this.#mine(current)) throw new LockHeldError(site, current);
      return { write: this.#lease(this.#now(), current?.acquiredAt) };
    });
  }

  /** Deletes the lease when it is still ours. */
  async release(site: string): Promise<void> {
    await this.#update(site, `unlock ${site}`, (current) => (current !== undefined && this.#mine(current) ? { write: null } : { noop: true }));
  }

  /** The lease of `site` as the forge has it now. */
  async current(site: string): Promise<Lease | undefined> {
    const { content } = await this.#store.read(leasePath(site));
    return content === undefined ? undefined : parseLease(content);
  }

  /**
   * Runs `fn` while holding every site's lease (taken in name order, renewed every third of the
   * TTL, released afterwards even when `fn` throws). `onTakeover` hears of replaced leases.
   */
  async hold<T>(sites: readonly string[], fn: () => Promise<T>, hooks: { onTakeover?: (a: Acquired) => void; onRenewError?: (err: unknown) => void } = {}): Promise<T> {
    const held: string[] = [];
    try {
      for (const site of [...new Set(sites)].sort()) {
        const acquired = await this.acquire(site);
        held.push(site);
        if (acquired.takenOver) hooks.onTakeover?.(acquired);
      }
      const timer = setInterval(() => {
        for (const site of held) this.renew(site).catch((err: unknown) => hooks.onRenewError?.(err));
      }, Math.max(1000, Math.floor(this.#ttl / 3)));
      timer.unref();
      try {
        return await fn();
      } finally {
        clearInterval(timer);
      }
    } finally {
      for (const site of held.reverse()) await this.release(site).catch((err: unknown) => hooks.onRenewError?.(err));
    }
  }

  #mine(lease: Lease): boolean {
    return lease.instance === this.#me.instance;
  }

  #lease(now: number, acquiredAt?: string): Lease {
    return { ...this.#me, acquiredAt: acquiredAt ?? new Date(now).toISOString(), expiresAt: new Date(now + this.#ttl).toISOString() };
  }

  async #update(site: string, message: string, decide: (current: Lease | undefined) => Decision): Promise<Acquired | undefined> {
    const path = leasePath(site);
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      const { head, content } = await this.#store.read(path);
      const decision = decide(content === undefined ? undefined : parseLease(content));
      if ('noop' in decision) return undefined;
      const body = decision.write === null ? null : `${JSON.stringify(decision.write, null, 2)}\n`;
      if (await this.#store.write(head, path, body, `marmite: ${message}`)) return decision.result;
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 40 * attempt)));
    }
    throw new MarmiteError(`site ${site}: lock branch ${LOCK_BRANCH} kept moving: gave up after ${this.#maxAttempts} attempts`, { transient: true });
  }
}

export function leasePath(site: string): string {
  return `locks/${site}.json`;
}

function parseLease(text: string): Lease | undefined {
  try {
    const v = JSON.parse(text) as Partial<Lease>;
    if (typeof v.holder === 'string' && typeof v.expiresAt === 'string' && typeof v.pid === 'number') return v as Lease;
  } catch {
    // An unreadable lease protects nothing: treat it as absent and overwrite it.
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
