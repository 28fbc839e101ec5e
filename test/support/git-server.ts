// A real smart-HTTP git server for tests: node:http on 127.0.0.1 running `git http-backend` as a
// CGI per request, plus helpers that arrange the "forge" side with the real git CLI.

import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitRequestInfo {
  method: string;
  /** URL path, e.g. `/infra.git/info/refs`. */
  path: string;
  /** `git-upload-pack` or `git-receive-pack` (from the query or the path). */
  service: string | undefined;
  status?: number;
}

export interface GitServerOptions {
  /** Directory holding the bare repositories. */
  root: string;
  /** Basic-auth user -> password; when given, every request must authenticate. */
  users?: Record<string, string>;
  /** Awaited before the CGI runs: lets a test act "between" a client's requests. */
  onRequest?: (info: GitRequestInfo) => void | Promise<void>;
}

export interface GitServer {
  /** http://127.0.0.1:PORT */
  url: string;
  close(): Promise<void>;
  /** Requests received so far. */
  readonly requests: number;
  /** Every request received, in order, with the status answered. */
  readonly log: readonly GitRequestInfo[];
}

/** Git's author and committer, and no user or system config that could change behaviour. */
export const GIT_ENV: Record<string, string> = {
  GIT_AUTHOR_NAME: 'Forge Tester',
  GIT_AUTHOR_EMAIL: 'forge@example.org',
  GIT_COMMITTER_NAME: 'Forge Tester',
  GIT_COMMITTER_EMAIL: 'forge@example.org',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
};

/** Runs the git CLI (argv, no shell) and returns stdout. */
export async function gitCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<string> {
  const { stdout } = await run('git', args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), ...GIT_ENV, ...options.env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

let backendPath: Promise<string> | undefined;

function httpBackend(): Promise<string> {
  backendPath ??= gitCli(['--exec-path']).then((dir) => join(dir.trim(), 'git-http-backend'));
  return backendPath;
}

function checkAuth(req: IncomingMessage, users: Record<string, string>): string | undefined {
  const header = req.headers.authorization;
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  return Object.hasOwn(users, user) && users[user] === decoded.slice(colon + 1) ? user : undefined;
}

function serviceOf(path: string, query: URLSearchParams): string | undefined {
  const fromQuery = query.get('service');
  if (fromQuery) return fromQuery;
  const m = /\/(git-upload-pack|git-receive-pack)$/.exec(path);
  return m?.[1];
}

/** Splits CGI output into headers and the rest of the body. */
function parseCgiHeaders(head: string): { status: number; headers: [string, string][] } {
  let status = 200;
  const headers: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
    else headers.push([name, value]);
  }
  return { status, headers };
}

async function runCgi(req: IncomingMessage, res: ServerResponse, root: string, user: string | undefined, info: GitRequestInfo, query: string): Promise<void> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...GIT_ENV,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: info.path,
    QUERY_STRING: query,
    REQUEST_METHOD: info.method,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    GATEWAY_INTERFACE: 'CGI/1.1',
  };
  if (user !== undefined) env.REMOTE_USER = user;
  if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = req.headers['content-length'];
  if (req.headers['content-encoding'] !== undefined) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
  if (req.headers['git-protocol'] !== undefined) env.GIT_PROTOCOL = String(req.headers['git-protocol']);

  const child = spawn(await httpBackend(), [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined); // the CGI may exit before reading everything

  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let pending = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const text = pending.toString('latin1');
    const crlf = text.indexOf('\r\n\r\n');
    const lf = text.indexOf('\n\n');
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) return;
    const { status, headers } = parseCgiHeaders(text.slice(0, end));
    info.status = status;
    res.statusCode = status;
    for (const [name, value] of headers) res.setHeader(name, value);
    headersDone = true;
    res.write(pending.subarray(end));
  });
  await new Promise<void>((resolve) => {
    child.on('close', (code) => {
      if (!headersDone) {
        info.status = 500;
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain');
        res.write(`git http-backend exited ${code}: ${stderr}`);
      }
      res.end();
      resolve();
    });
  });
}

export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  const log: GitRequestInfo[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const info: GitRequestInfo = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), service: serviceOf(url.pathname, url.searchParams) };
    log.push(info);
    let user: string | undefined;
    if (options.users !== undefined) {
      user = checkAuth(req, options.users);
      if (user === undefined) {
        info.status = 401;
        req.resume();
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
        res.end('authentication required\n');
        return;
      }
    }
    Promise.resolve()
      .then(() => options.onRequest?.(info))
      .then(() => runCgi(req, res, options.root, user, info, url.search.replace(/^\?/, '')))
      .catch((err: unknown) => {
        info.status = 500;
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(String(err));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return log.length;
    },
    log,
    // Idempotent, so a test may stop the server early and the shared teardown still works.
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      });
      return closing;
    },
  };
}

/** `git init --bare <root>/<name>` accepting pushes over HTTP, HEAD on main. Returns its path. */
export async function createBareRepo(root: string, name: string): Promise<string> {
  const path = join(root, name);
  await gitCli(['init', '--quiet', '--bare', path]);
  await gitCli(['config', 'http.receivepack', 'true'], { cwd: path });
  await gitCli(['symbolic-ref', 'HEAD', 'refs/heads/main'], { cwd: path });
  return path;
}

/** File content for writeTreeDir: text, or a symlink to `target`. */
export type FixtureFile = string | { symlink: string };

/** Writes `files` (path -> content) under `dir`, creating directories and symlinks. */
export async function writeTreeDir(dir: string, files: Record<string, FixtureFile>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(dir, ...path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    if (typeof content === 'string') await writeFile(target, content);
    else await symlink(content.symlink, target);
  }
}

async function headOf(bare: string, branch: string): Promise<string | undefined> {
  try {
    return (await gitCli(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], { cwd: bare })).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Commits the exact content of `dir` (a tree, not a checkout) into a bare repo's branch. */
async function commitDirectory(bare: string, dir: string, message: string, parent: string | undefined): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), 'marmite-index-'));
  try {
    const env = { GIT_DIR: bare, GIT_WORK_TREE: dir, GIT_INDEX_FILE: join(scratch, 'index') };
    await gitCli(['add', '--all', '.'], { cwd: dir, env });
    const tree = (await gitCli(['write-tree'], { cwd: dir, env })).trim();
    const args = ['commit-tree', tree, '-m', message, ...(parent === undefined ? [] : ['-p', parent])];
    return (await gitCli(args, { cwd: dir, env })).trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The forge side of a push: `dir`'s content becomes a new commit on `branch` whose parent is the
 * branch's current head. The ref moves with compare-and-swap like a real push. Returns the commit.
 */
export async function pushDirectory(bare: string, branch: string, dir: string, message: string): Promise<string> {
  const parent = await headOf(bare, branch);
  const commit = await commitDirectory(bare, dir, message, parent);
  await gitCli(['update-ref', `refs/heads/${branch}`, commit, parent ?? '0'.repeat(40)], { cwd: bare });
  return commit;
}

/** Rewritten history: `dir`'s content as a parentless commit that replaces `branch` outright. */
export async function forcePushDirectory(bare: string, branch: string, dir: string, message: string): Promise<string> {
  const commit = await commitDirectory(bare, dir, message, undefined);
  await gitCli(['update-ref', `refs/heads/${branch}`, commit], { cwd: bare });
  return commit;
}

/** Writes `files` into a fresh directory and pushes it as a commit on `branch`. */
export async function pushFiles(bare: string, branch: string, files: Record<string, FixtureFile>, message: string, options: { force?: boolean } = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'marmite-tree-'));
  try {
    await writeTreeDir(dir, files);
    return await (options.force ? forcePushDirectory(bare, branch, dir, message) : pushDirectory(bare, branch, dir, message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
