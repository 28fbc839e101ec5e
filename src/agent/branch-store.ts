// Compare-and-swap on a branch of the infra repository's forge: read a file at the branch head,
// then write a commit whose parent is exactly that head. The push is never forced, so when someone
// else moved the branch in between, the write is refused and the caller reads and decides again.
// StatusBranch retries blindly on the new head (right for reports); a lease must re-decide.

import * as nodeFs from 'node:fs';
import git from 'isomorphic-git';
import type { FsClient } from 'isomorphic-git';
import { redactUrl, toGitError } from '../git/errors.js';
import { authCallback, fetchBranchHead, httpClient, type GitRemoteOptions } from '../git/remote.js';
import { checkPath, readTreeFlat, writeTreeFlat, type TreeStore } from '../git/tree.js';

export interface BranchStoreOptions extends GitRemoteOptions {
  branch: string;
  fs?: FsClient;
  author?: { name: string; email: string };
  now?: () => number;
}

export interface BranchRead {
  /** Head of the branch on the server; undefined when the branch does not exist yet. */
  head: string | undefined;
  /** Content of the asked file at that head; undefined when absent. */
  content: string | undefined;
}

const REMOTE = 'origin';

export class BranchStore {
  readonly #opts: BranchStoreOptions;
  readonly #fs: FsClient;
  #ready: Promise<void> | undefined;

  constructor(options: BranchStoreOptions) {
    this.#opts = options;
    this.#fs = options.fs ?? nodeFs;
  }

  get url(): string {
    return redactUrl(this.#opts.url);
  }

  /** Fetches the branch and reads `path` at its head. */
  async read(path: string): Promise<BranchRead> {
    checkPath(path);
    await this.#init();
    const head = await this.#fetchHead();
    if (head === undefined) return { head, content: undefined };
    const store = this.#store();
    try {
      const { commit } = await git.readCommit({ ...store, oid: head });
      const entry = (await readTreeFlat(store, commit.tree)).get(path);
      if (entry === undefined) return { head, content: undefined };
      const { blob } = await git.readBlob({ ...store, oid: entry.oid });
      return { head, content: Buffer.from(blob).toString('utf8') };
    } catch (err) {
      throw toGitError(this.#opts.url, 'read', err);
    }
  }

  /**
   * Writes `path` (or deletes it, with `content` null) in a commit on top of `parent`. Returns
   * false when the server's branch is no longer `parent`: nothing was written.
   */
  async write(parent: string | undefined, path: string, content: string | null, message: string): Promise<boolean> {
    checkPath(path);
    await this.#init();
    const store = this.#store();
    let commit: string;
    try {
      const entries = parent === undefined ? new Map() : await readTreeFlat(store, (await git.readCommit({ ...store, oid: parent })).commit.tree);
      if (content === null) entries.delete(path);
      else entries.set(path, { mode: '100644', oid: await git.writeBlob({ ...store, blob: Buffer.from(content, 'utf8') }) });
      const tree = await writeTreeFlat(store, entries);
      const author = { ...(this.#opts.author ?? { name: 'marmite', email: 'marmite@localhost' }), timestamp: Math.floor((this.#opts.now ?? Date.now)() / 1000), timezoneOffset: 0 };
      commit = await git.writeCommit({
        ...store,
        commit: { tree, parent: parent === undefined ? [] : [parent], author, committer: author, message: `${message}\n` },
      });
      await git.writeRef({ ...store, ref: `refs/marmite/outgoing/${this.#opts.branch}`, value: commit, force: true });
    } catch (err) {
      throw toGitError(this.#opts.url, 'write status', err);
    }
    try {
      await git.push({
        fs: this.#fs,
        http: httpClient(this.#opts),
        gitdir: this.#opts.cacheDir,
        url: this.#opts.url,
        remote: REMOTE,
        ref: `refs/marmite/outgoing/${this.#opts.branch}`,
        remoteRef: `refs/heads/${this.#opts.branch}`,
        force: false,
        onAuth: authCallback(this.#opts),
      });
      return true;
    } catch (err) {
      if (err instanceof git.Errors.PushRejectedError || err instanceof git.Errors.GitPushError) return false;
      throw toGitError(this.#opts.url, 'push', err);
    }
  }

  #store(): TreeStore {
    return { fs: this.#fs, gitdir: this.#opts.cacheDir, cache: {} };
  }

  #init(): Promise<void> {
    this.#ready ??= (async () => {
      const gitdir = this.#opts.cacheDir;
      await git.init({ fs: this.#fs, gitdir, dir: gitdir, bare: true });
      await git.addRemote({ fs: this.#fs, gitdir, remote: REMOTE, url: this.#opts.url, force: true });
    })().catch((err: unknown) => {
      this.#ready = undefined;
      throw toGitError(this.#opts.url, 'fetch', err);
    });
    return this.#ready;
  }

  async #fetchHead(): Promise<string | undefined> {
    return fetchBranchHead(this.#fs, this.#opts, this.#opts.branch, REMOTE);
  }
}
