// One marmite comment per merge request, kept up to date through GitLab's notes API: list the
// notes (every page), find ours by its hidden marker, update it, or create it the first time.
// A pipeline never adds a second comment. The token goes in a header only, never in a message.

import { MarmiteError } from '../core/errors.js';
import { REVIEW_MARKER } from './review.js';

export class GitlabError extends MarmiteError {
  override name = 'GitlabError';
  constructor(
    message: string,
    readonly status: number | undefined,
    options: { cause?: unknown; transient?: boolean } = {},
  ) {
    super(message, options);
  }
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;

export interface GitlabTarget {
  apiUrl: string; // CI_API_V4_URL
  projectId: string; // CI_PROJECT_ID (number or url-encoded path)
  mrIid: string; // CI_MERGE_REQUEST_IID
  token: { kind: 'private' | 'job'; value: string };
}

export interface PostOptions {
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  /** Retries after a 429 before giving up. */
  maxRetries?: number;
  /** Longest wait honoured from a Retry-After header. */
  maxWaitMs?: number;
}

export interface PostResult {
  action: 'created' | 'updated';
  noteId: number;
}

/** Where the target comes from in GitLab CI; undefined fields are named in the error. */
export function gitlabTargetFromEnv(env: NodeJS.ProcessEnv): GitlabTarget {
  const missing = ['CI_API_V4_URL', 'CI_PROJECT_ID', 'CI_MERGE_REQUEST_IID'].filter((k) => !env[k]);
  const own = env['MARMITE_GITLAB_TOKEN'];
  const job = env['CI_JOB_TOKEN'];
  if (!own && !job) missing.push('MARMITE_GITLAB_TOKEN (or CI_JOB_TOKEN)');
  if (missing.length > 0) {
    throw new GitlabError(`gitlab: cannot post the review: ${missing.join(', ')} not set (run in a merge-request pipeline)`, undefined);
  }
  return {
    apiUrl: env['CI_API_V4_URL']!.replace(/\/+$/, ''),
    projectId: env['CI_PROJECT_ID']!,
    mrIid: env['CI_MERGE_REQUEST_IID']!,
    token: own ? { kind: 'private', value: own } : { kind: 'job', value: job! },
  };
}

interface Note {
  id: number;
  body: string;
  system?: boolean;
}

export async function postReviewNote(target: GitlabTarget, body: string, options: PostOptions = {}): Promise<PostResult> {
  const client = new NotesClient(target, options);
  const existing = await client.findOurs();
  if (existing) {
    await client.request('PUT', `${client.notesPath}/${existing.id}`, { body });
    return { action: 'updated', noteId: existing.id };
  }
  const created = (await client.request('POST', client.notesPath, { body })) as Note;
  return { action: 'created', noteId: created.id };
}

class NotesClient {
  readonly notesPath: string;
  private readonly fetch: FetchLike;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxRetries: number;
  private readonly maxWaitMs: number;
  private readonly subject: string;

  constructor(
    private readonly target: GitlabTarget,
    options: PostOptions,
  ) {
    this.notesPath = `/projects/${encodeURIComponent(target.projectId)}/merge_requests/${encodeURIComponent(target.mrIid)}/notes`;
    this.fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.maxRetries = options.maxRetries ?? 3;
    this.maxWaitMs = options.maxWaitMs ?? 60_000;
    this.subject = `gitlab merge request !${target.mrIid} of project ${target.projectId}`;
  }

  async findOurs(): Promise<Note | undefined> {
    for (let page: string | undefined = '1'; page; ) {
      const { json, next } = await this.send('GET', `${this.notesPath}?per_page=100&page=${page}`);
      const notes = json as Note[];
      const ours = notes.find((n) => !n.system && typeof n.body === 'string' && n.body.includes(REVIEW_MARKER));
      if (ours) return ours;
      page = next;
    }
    return undefined;
  }

  async request(method: 'POST' | 'PUT', path: string, body: unknown): Promise<unknown> {
    return (await this.send(method, path, body)).json;
  }

  private async send(method: string, path: string, body?: unknown): Promise<{ json: unknown; next: string | undefined }> {
    const header = this.target.token.kind === 'private' ? 'PRIVATE-TOKEN' : 'JOB-TOKEN';
    const headers: Record<string, string> = { [header]: this.target.token.value, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = `${this.target.apiUrl}${path}`;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      } catch (cause) {
        throw new GitlabError(`${this.subject}: ${method} notes failed: cannot reach ${this.target.apiUrl} (${this.redact(cause instanceof Error ? cause.message : String(cause))})`, undefined, { cause, transient: true });
      }
      if (res.status === 429 && attempt < this.maxRetries) {
        await res.body?.cancel();
        await this.sleep(this.retryAfter(res.headers.get('retry-after'), attempt));
        continue;
      }
      if (!res.ok) throw await this.failure(method, res);
      const text = await res.text();
      const next = res.headers.get('x-next-page') || undefined;
      return { json: text === '' ? {} : (JSON.parse(text) as unknown), next };
    }
  }

  /** Seconds or an HTTP date, as RFC 9110 allows; bounded so a job never hangs on one header. */
  private retryAfter(value: string | null, attempt: number): number {
    const fallback = 1000 * 2 ** attempt;
    if (!value) return Math.min(fallback, this.maxWaitMs);
    const seconds = Number(value);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
    return Math.min(Math.max(0, Number.isFinite(ms) ? ms : fallback), this.maxWaitMs);
  }

  private async failure(method: string, res: Response): Promise<GitlabError> {
    const detail = this.redact((await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ').trim());
    const what = `${this.subject}: ${method} notes failed with HTTP ${res.status}`;
    const hint =
      res.status === 401
        ? 'the token was refused: set MARMITE_GITLAB_TOKEN to a project access token with the api scope (CI_JOB_TOKEN cannot always write notes)'
        : res.status === 403
          ? 'the token may not write notes on this merge request: give it the api scope and at least the Reporter role'
          : res.status === 404
            ? 'no such project or merge request: check CI_PROJECT_ID and CI_MERGE_REQUEST_IID (the job must run in a merge-request pipeline)'
            : res.status === 429
              ? `still rate limited after ${this.maxRetries} retries`
              : detail;
    return new GitlabError(`${what}: ${hint}`, res.status, { transient: res.status === 429 || res.status >= 500 });
  }

  private redact(text: string): string {
    const token = this.target.token.value;
    return token === '' ? text : text.split(token).join('[token]');
  }
}
