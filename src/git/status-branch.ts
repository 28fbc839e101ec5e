// Writes the agent's reports to the status branch. Commits are built in the object store, only
// when the content changed, and pushed as a compare-and-swap: a push whose parent is not the
// remote head is refused, and we rebuild on the new head and try again. Two agents writing the
// same branch therefore never drop each other's commits.

import * as nodeFs from 'node:fs';
import git from 'isomorphic-git';
import type { FsClient } from 'isomorphic-git';
import { GitError, redactUrl, toGitError } from './errors.js';
import { authCallback, fetchBranchHead, httpClient, type GitRemoteOptions } from './remote.js';
import { checkPath, readTreeFlat, UnsafePathError, writeTreeFlat, type TreeEntry, type TreeStore } from './tree.js';

export interface StatusAuthor {
  name: string;
  email: string;
}

export interface WriteStatusOptions {
  /** Path -> content. Other files already on the branch are kept. */
  files: Record<string, string | Uint8Array>;
  /** Paths (files, or directories with everything under them) to delete from the branch. */
  remove?: string[];
  message: string;
  /** e.g. `marmite/status`; never the watched branch. */
  branch: string;
  author: StatusAuthor;
}

export interface WriteStatusResult {
  committed: boolean;
  /** The branch head after the write: our new commit, or the unchanged head. */
  commit?: string;
  /** Push attempts used (1 without contention). */
  attempts: number;
}

export interface StatusBranchOptions extends GitRemoteOptions {
  fs?: FsClient;
  /** Bounded retries when another writer moved the branch under us (default 5). */
  maxAttempts?: number;
  /** The branch the agent reconciles from: writing status there is refused. */
  watchedBranch?: string;
  /** The clock for commit times (default Date.now). */
  now?: () => number;
}

const REMOTE = 'origin';

/** A push the remote did not take; `parent` is the head our commit was built on. */
interface Refused {
  parent: string | undefined;
  /** Refused by the server itself (ref lock, hook), not by the client's fast-forward check. */
  byServer: boolean;
  detail: string;
  cause: unknown;
}

export class StatusBranch {
  readonly #opts: StatusBranchOptions;
  readonly #fs: FsClient;
  #running: Promise<unknown> = Promise.resolve();

  constructor(options: StatusBranchOptions) {
    this.#opts = options;
    this.#fs = options.fs ?? nodeFs;
  }

  /** Commits and pushes `files` when they differ from the branch; writes from this object are serialised. */
  writeStatus(options: WriteStatusOptions): Promise<WriteStatusResult> {
    const next = this.#running.then(
      () => this.#write(options),
      () => this.#write(options),
    );
    this.#running = next.catch(() => undefined);
    return next;
  }

  async #write(options: WriteStatusOptions): Promise<WriteStatusResult> {
    const maxAttempts = this.#opts.maxAttempts ?? 5;
    const changes = this.#checkInput(options);
    await this.#init();
    let refused: Refused | undefined;
    // Whether every refusal so far came with no visible movement of the branch.
    let onlyStill = true;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (refused !== undefined) await backoff(attempt);
      const head = await this.#fetchHead(options.branch);
      if (refused !== undefined && head !== refused.parent) onlyStill = false;
      const built = await this.#build(options, changes, head);
      if (built === undefined) return { committed: false, ...(head === undefined ? {} : { commit: head }), attempts: attempt };
      refused = await this.#push(options.branch, built, head);
      if (refused === undefined) return { committed: true, commit: built, attempts: attempt };
    }
    const subject = redactUrl(this.#opts.url);
    if (onlyStill && refused?.byServer) {
      // The server kept refusing while nobody moved the branch: a hook or a protection rule,
      // which waiting cannot fix.
      throw new GitError(subject, 'push', `branch ${options.branch}: refused by the server: ${refused.detail}`, { cause: refused.cause });
    }
    throw new GitError(subject, 'write status', `branch ${options.branch} kept moving: gave up after ${maxAttempts} attempts`, {
      transient: true,
      cause: refused?.cause,
    });
  }

  #checkInput(options: WriteStatusOptions): { files: [string, Uint8Array][]; remove: string[] } {
    try {
      const files = Object.entries(options.files).map(([path, content]): [string, Uint8Array] => {
        checkPath(path);
        return [path, typeof content === 'string' ? Buffer.from(content, 'utf8') : content];
      });
      const remove = options.remove ?? [];
      remove.forEach(checkPath);
      checkPath(options.branch);
      if (options.branch === this.#opts.watchedBranch) {
        throw new Error('the status branch must not be the watched branch: a report would trigger a reconcile');
      }
      return { files, remove };
    } catch (err) {
      throw new GitError(redactUrl(this.#opts.url), 'write status', `branch ${options.branch}: ${(err as Error).message}`, { cause: err });
    }
  }

  async #init(): Promise<void> {
    const gitdir = this.#opts.cacheDir;
    await git.init({ fs: this.#fs, gitdir, dir: gitdir, bare: true });
    // fetch maps refs/heads/* to refs/remotes/origin/* through the remote's refspec.
    await git.addRemote({ fs: this.#fs, gitdir, remote: REMOTE, url: this.#opts.url, force: true });
  }

  /** The remote head of the status branch, fetched into the cache; undefined when it does not exist. */
  async #fetchHead(branch: string): Promise<string | undefined> {
    // Absent on the server: its first commit will be an orphan.
    return fetchBranchHead(this.#fs, this.#opts, branch, REMOTE);
  }


  /** The new commit on top of `head`, or undefined when the tree would not change. */
  async #build(
    options: WriteStatusOptions,
    changes: { files: [string, Uint8Array][]; remove: string[] },
    head: string | undefined,
  ): Promise<string | undefined> {
    const store: TreeStore = { fs: this.#fs, gitdir: this.#opts.cacheDir, cache: {} };
    try {
      let baseTree: string | undefined;
      let entries = new Map<string, TreeEntry>();
      if (head !== undefined) {
        baseTree = (await git.readCommit({ ...store, oid: head })).commit.tree;
        entries = await readTreeFlat(store, baseTree);
      }
      for (const gone of changes.remove) {
        for (const path of [...entries.keys()]) {
          if (path === gone || path.startsWith(`${gone}/`)) entries.delete(path);
        }
      }
      for (const [path, content] of changes.files) {
        // A new file replaces a directory of the same name, as a fresh write would.
        for (const key of [...entries.keys()]) if (key.startsWith(`${path}/`)) entries.delete(key);
        entries.set(path, { mode: '100644', oid: await git.writeBlob({ ...store, blob: content }) });
      }
      const tree = await writeTreeFlat(store, entries);
      if (tree === baseTree) return undefined;
      if (head === undefined && entries.size === 0) return undefined;
      const when = { timestamp: Math.floor((this.#opts.now ?? Date.now)() / 1000), timezoneOffset: 0 };
      const person = { ...options.author, ...when };
      const commit = await git.writeCommit({
        ...store,
        commit: { tree, parent: head === undefined ? [] : [head], author: person, committer: person, message: ensureNewline(options.message) },
      });
      return commit;
    } catch (err) {
      if (err instanceof UnsafePathError) {
        throw new GitError(redactUrl(this.#opts.url), 'write status', `branch ${options.branch}: ${err.message}`, { cause: err });
      }
      throw toGitError(this.#opts.url, 'write status', err);
    }
  }

  /** Pushes without force; returns why the remote refused, or undefined when it took the commit. */
  async #push(branch: string, commit: string, parent: string | undefined): Promise<Refused | undefined> {
    // A private ref, so a cache shared with RepoSync never has its branches touched.
    const outgoing = `refs/marmite/outgoing/${branch}`;
    try {
      await git.writeRef({ fs: this.#fs, gitdir: this.#opts.cacheDir, ref: outgoing, value: commit, force: true });
      await git.push({
        fs: this.#fs,
        http: httpClient(this.#opts),
        gitdir: this.#opts.cacheDir,
        url: this.#opts.url,
        remote: REMOTE,
        ref: outgoing,
        remoteRef: `refs/heads/${branch}`,
        force: false,
        onAuth: authCallback(this.#opts),
      });
      return undefined;
    } catch (err) {
      // Refused by isomorphic-git's fast-forward check (the branch moved before we pushed) or by
      // the server's ref lock (it moved while we pushed): rebuild on the new head and retry.
      if (err instanceof git.Errors.PushRejectedError) {
        return { parent, byServer: false, detail: 'not a fast-forward', cause: err };
      }
      if (err instanceof git.Errors.GitPushError) {
        return { parent, byServer: true, detail: err.data.prettyDetails.trim().replace(/^- /, ''), cause: err };
      }
      throw toGitError(this.#opts.url, 'push', err);
    }
  }
}

/** Random pause so writers that collided do not collide again in lockstep. */
function backoff(attempt: number): Promise<void> {
  const ms = Math.floor(Math.random() * 50 * 2 ** Math.min(attempt, 5));
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function ensureNewline(message: string): string {
  return message.endsWith('\n') ? message : `${message}\n`;
}
