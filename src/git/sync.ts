// Keeps a local copy of the watched branch with isomorphic-git over smart HTTP: the first sync
// clones one branch without checkout, every later sync fetches only what is new. Content is read
// from the object store by commit id, never from a working tree.

import * as nodeFs from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import git from 'isomorphic-git';
import type { FsClient } from 'isomorphic-git';
import { GitError, redactUrl, toGitError } from './errors.js';
import { authCallback, httpClient, type GitRemoteOptions } from './remote.js';
import { readTreeFlat, UnsafePathError, type TreeStore } from './tree.js';

export type FileMode = 'file' | 'executable' | 'symlink';

export interface Snapshot {
  commit: string;
  /** Repository-relative path -> content; for a symlink, the link target's bytes. */
  files: Map<string, Uint8Array>;
  /** Mode of every path in `files`. Submodule entries are left out of the snapshot. */
  modes: Map<string, FileMode>;
}

export interface SyncResult {
  /** Head of the watched branch now held locally. */
  commit: string;
  /** Head before this sync; absent on the first (clone) sync. */
  previous?: string;
  /** The new head does not descend from the previous one (force-push or rewritten history). */
  forced: boolean;
  /** Objects received in this sync's packfile (0 when nothing was new). */
  received: number;
}

export interface RepoSyncOptions extends GitRemoteOptions {
  /** The watched branch, e.g. `main`. */
  branch: string;
  /** Injected file system (default node:fs). */
  fs?: FsClient;
}

const REMOTE = 'origin';

export class RepoSync {
  readonly #opts: RepoSyncOptions;
  readonly #fs: FsClient;
  readonly #localRef: string;
  #running: Promise<unknown> = Promise.resolve();

  constructor(options: RepoSyncOptions) {
    this.#opts = options;
    this.#fs = options.fs ?? nodeFs;
    this.#localRef = `refs/heads/${options.branch}`;
  }

  /** The URL with credentials removed, for logs. */
  get url(): string {
    return redactUrl(this.#opts.url);
  }

  /** Fetches the watched branch; concurrent calls run one after the other. */
  sync(): Promise<SyncResult> {
    const next = this.#running.then(
      () => this.#sync(),
      () => this.#sync(),
    );
    this.#running = next.catch(() => undefined);
    return next;
  }

  async #sync(): Promise<SyncResult> {
    const previous = await this.head();
    const operation = previous === undefined ? 'clone' : 'fetch';
    const gitdir = this.#opts.cacheDir;
    let fetched: Awaited<ReturnType<typeof git.fetch>>;
    try {
      if (previous === undefined) await this.#init();
      fetched = await git.fetch({
        fs: this.#fs,
        http: httpClient(this.#opts),
        gitdir,
        url: this.#opts.url,
        remote: REMOTE,
        // `ref` is the local branch: its head is what we tell the server we already have.
        ref: this.#localRef,
        remoteRef: this.#localRef,
        singleBranch: true,
        tags: false,
        onAuth: authCallback(this.#opts),
      });
    } catch (err) {
      if (err instanceof git.Errors.NotFoundError && err.data.what === this.#localRef) {
        throw new GitError(this.url, operation, `branch ${this.#opts.branch} does not exist on the server`, { cause: err });
      }
      throw toGitError(this.#opts.url, operation, err);
    }
    const commit = fetched.fetchHead;
    if (commit === null) {
      throw new GitError(this.url, operation, 'the repository is empty');
    }
    const forced = previous !== undefined && previous !== commit && !(await this.#descends(commit, previous));
    await git.writeRef({ fs: this.#fs, gitdir, ref: this.#localRef, value: commit, force: true });
    // isomorphic-git returns the path of the packfile it wrote, though its types leave it out.
    const packfile = (fetched as { packfile?: string }).packfile;
    const received = packfile === undefined ? 0 : await packObjectCount(join(gitdir, packfile));
    return { commit, ...(previous === undefined ? {} : { previous }), forced, received };
  }

  /** The last synced head, from the local cache only (no network); undefined before the first sync. */
  async head(): Promise<string | undefined> {
    try {
      return await git.resolveRef({ fs: this.#fs, gitdir: this.#opts.cacheDir, ref: this.#localRef });
    } catch (err) {
      if (err instanceof git.Errors.NotFoundError) return undefined;
      throw toGitError(this.#opts.url, 'read', err);
    }
  }

  async #init(): Promise<void> {
    const gitdir = this.#opts.cacheDir;
    await git.init({ fs: this.#fs, gitdir, dir: gitdir, bare: true, defaultBranch: this.#opts.branch });
    await git.addRemote({ fs: this.#fs, gitdir, remote: REMOTE, url: this.#opts.url, force: true });
  }

  async #descends(oid: string, ancestor: string): Promise<boolean> {
    try {
      return await git.isDescendent({ fs: this.#fs, gitdir: this.#opts.cacheDir, oid, ancestor, depth: -1 });
    } catch (err) {
      // A history we cannot walk back to the old head is, for us, a rewritten one.
      if (err instanceof git.Errors.NotFoundError) return false;
      throw toGitError(this.#opts.url, 'read', err);
    }
  }

  /** The whole tree of a commit, read from the object store. */
  async snapshot(commit: string): Promise<Snapshot> {
    const store: TreeStore = { fs: this.#fs, gitdir: this.#opts.cacheDir, cache: {} };
    try {
      const { commit: parsed } = await git.readCommit({ ...store, oid: commit });
      const entries = await readTreeFlat(store, parsed.tree);
      const files = new Map<string, Uint8Array>();
      const modes = new Map<string, FileMode>();
      for (const [path, entry] of entries) {
        if (entry.mode === '160000') continue;
        const { blob } = await git.readBlob({ ...store, oid: entry.oid });
        files.set(path, blob);
        modes.set(path, entry.mode === '120000' ? 'symlink' : entry.mode === '100755' ? 'executable' : 'file');
      }
      return { commit, files, modes };
    } catch (err) {
      if (err instanceof UnsafePathError) {
        throw new GitError(this.url, 'read', `commit ${commit}: ${err.message}`, { cause: err });
      }
      throw toGitError(this.#opts.url, 'read', err);
    }
  }
}

/** Number of objects a packfile holds, from its header (`PACK`, version, count). */
async function packObjectCount(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(12);
    await handle.read(header, 0, 12, 0);
    return header.readUInt32BE(8);
  } finally {
    await handle.close();
  }
}

/**
 * Writes a snapshot into `dir`, which must not exist yet. Everything is written into a sibling
 * temporary directory first and renamed into place, so `dir` never holds a partial tree.
 * Symlinks stay symlinks so the loader can judge them. Returns `dir`.
 */
export async function materialize(snapshot: Snapshot, dir: string): Promise<string> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tmp = await mkdtemp(join(parent, `.${basename(dir)}.tmp-`));
  try {
    for (const [path, content] of snapshot.files) {
      const target = join(tmp, ...path.split('/'));
      await mkdir(dirname(target), { recursive: true });
      const mode = snapshot.modes.get(path) ?? 'file';
      if (mode === 'symlink') {
        await symlink(Buffer.from(content).toString('utf8'), target);
      } else {
        // `wx` never follows or replaces anything already there.
        await writeFile(target, content, { flag: 'wx', mode: mode === 'executable' ? 0o755 : 0o644 });
      }
    }
    await rename(tmp, dir);
    return dir;
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    const detail = err instanceof Error ? err.message : String(err);
    throw new GitError(dir, 'materialize', `commit ${snapshot.commit}: ${detail}`, { cause: err });
  }
}
