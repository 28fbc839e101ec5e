// How marmite reaches a repository: the URL, HTTP basic credentials, and an HTTP client with a
// timeout so a forge that stops answering cannot hang the agent loop.

import git from 'isomorphic-git';
import nodeHttp from 'isomorphic-git/http/node';
import type { AuthCallback, FsClient, HttpClient } from 'isomorphic-git';
import type { Secret } from '../core/secret.js';
import { GitTransportError, toGitError } from './errors.js';

export interface GitRemoteOptions {
  /** http(s) URL of the repository, e.g. https://gitlab.example.org/infra/cloud.git */
  url: string;
  /** HTTP basic user; GitLab accepts any name with a token, so `oauth2` is the default. */
  username?: string;
  /** Token or password. Revealed only inside isomorphic-git's onAuth callback. */
  token?: Secret;
  /** Local git directory this process owns (created when missing), e.g. /var/lib/marmite/repo. */
  cacheDir: string;
  /** Socket inactivity timeout per HTTP request, in milliseconds (default 60 s). */
  timeoutMs?: number;
  /** Replaces the HTTP client (tests count or break requests with it). */
  http?: HttpClient;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** Basic-auth callback, or undefined when no token is configured (anonymous access). */
export function authCallback(options: Pick<GitRemoteOptions, 'username' | 'token'>): AuthCallback | undefined {
  const token = options.token;
  if (token === undefined) return undefined;
  const username = options.username ?? 'oauth2';
  return () => ({ username, password: token.reveal() });
}

/** isomorphic-git's node client with a socket timeout; transport failures become GitTransportError. */
export function httpClient(options: Pick<GitRemoteOptions, 'http' | 'timeoutMs'>): HttpClient {
  if (options.http) return options.http;
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async request(req) {
      try {
        return await nodeHttp.request({ ...req, fetchOptions: { ...req.fetchOptions, timeout } });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        const what = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
        throw new GitTransportError(`request failed: ${what}`, { cause: err });
      }
    },
  };
}

/**
 * Fetches one branch of the remote into a bare cache (as `refs/remotes/<remote>/<branch>`) and
 * returns its head; undefined when the branch does not exist there, or the repository is empty.
 */
export async function fetchBranchHead(fs: FsClient, options: GitRemoteOptions, branch: string, remote = 'origin'): Promise<string | undefined> {
  try {
    const fetched = await git.fetch({
      fs,
      http: httpClient(options),
      gitdir: options.cacheDir,
      url: options.url,
      remote,
      // Our last known head of the branch is what we already have.
      ref: `refs/remotes/${remote}/${branch}`,
      remoteRef: `refs/heads/${branch}`,
      singleBranch: true,
      tags: false,
      onAuth: authCallback(options),
    });
    return fetched.fetchHead ?? undefined;
  } catch (err) {
    if (err instanceof git.Errors.NotFoundError && (err.data.what === `refs/heads/${branch}` || err.data.what === 'HEAD')) return undefined;
    throw toGitError(options.url, 'fetch', err);
  }
}
