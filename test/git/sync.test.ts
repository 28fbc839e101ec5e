import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import { GitError } from '../../src/git/errors.js';
import { materialize, RepoSync, type Snapshot } from '../../src/git/sync.js';
import { createBareRepo, pushFiles, startGitServer, type FixtureFile, type GitServer } from '../support/git-server.js';

let work: string;
let bare: string;
let server: GitServer;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'marmite-git-sync-'));
  bare = await createBareRepo(join(work, 'forge'), 'infra.git');
  server = await startGitServer({ root: join(work, 'forge') });
});

afterEach(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function repoSync(extra: Partial<ConstructorParameters<typeof RepoSync>[0]> = {}): RepoSync {
  return new RepoSync({ url: `${server.url}/infra.git`, branch: 'main', cacheDir: join(work, 'cache'), ...extra });
}

function text(snapshot: Snapshot, path: string): string | undefined {
  const content = snapshot.files.get(path);
  return content === undefined ? undefined : Buffer.from(content).toString('utf8');
}

function manyFiles(n: number): Record<string, FixtureFile> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`tenants/t${i}/tenant.yaml`, `name: t${i}\n`]));
}

describe('RepoSync.sync', () => {
  it('clones the watched branch on the first call', async () => {
    const head = await pushFiles(bare, 'main', { 'marmite.yaml': 'formatVersion: 1\n' }, 'first');

    const result = await repoSync().sync();

    expect(result).toEqual({ commit: head, forced: false, received: 3 });
  });

  it('fetches only the new objects on a later call', async () => {
    const files = manyFiles(30);
    const first = await pushFiles(bare, 'main', files, 'first');
    const sync = repoSync();
    const cloned = await sync.sync();
    const requestsBefore = server.requests;
    const second = await pushFiles(bare, 'main', { ...files, 'sites/par.yaml': 'name: par\n' }, 'second');

    const result = await sync.sync();

    // The new commit, a root tree, the new sites/ tree and one blob; nothing of the 30 tenants.
    expect(result).toEqual({ commit: second, previous: first, forced: false, received: 4 });
    expect(cloned.received).toBeGreaterThan(60);
    expect(server.log.slice(requestsBefore).map((r) => `${r.method} ${r.service}`)).toEqual(['GET git-upload-pack', 'POST git-upload-pack']);
  });

  it('receives nothing when the branch did not move', async () => {
    const head = await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');
    const sync = repoSync();
    await sync.sync();

    const result = await sync.sync();

    expect(result).toEqual({ commit: head, previous: head, forced: false, received: 0 });
  });

  it('reports a force-push and takes the rewritten head', async () => {
    const old = await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');
    const sync = repoSync();
    await sync.sync();
    const rewritten = await pushFiles(bare, 'main', { 'a.yaml': 'a: 2\n' }, 'rewritten', { force: true });

    const result = await sync.sync();

    expect(result).toMatchObject({ commit: rewritten, previous: old, forced: true });
    expect(text(await sync.snapshot(result.commit), 'a.yaml')).toBe('a: 2\n');
  });

  it('head() answers from the cache, without the server', async () => {
    const commit = await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');
    const sync = repoSync();
    const before = await sync.head();
    await sync.sync();
    await server.close();

    const after = await repoSync().head();

    expect(before).toBeUndefined();
    expect(after).toBe(commit);
  });

  it('keeps using the cache across instances (agent restart)', async () => {
    const first = await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');
    await repoSync().sync();
    const second = await pushFiles(bare, 'main', { 'a.yaml': 'a: 2\n' }, 'second');

    const result = await repoSync().sync();

    expect(result).toEqual({ commit: second, previous: first, forced: false, received: 3 });
  });
});

describe('RepoSync errors', () => {
  const users = { alice: 's3cret-token' };

  it.each([
    { name: 'right token', token: 's3cret-token', error: undefined },
    { name: 'wrong token', token: 'nope-token', error: 401 },
    { name: 'no token', token: undefined, error: 401 },
  ])('basic auth with $name', async ({ token, error }) => {
    await server.close();
    server = await startGitServer({ root: join(work, 'forge'), users });
    const head = await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');
    const sync = repoSync({ username: 'alice', ...(token === undefined ? {} : { token: new Secret(token) }) });

    const outcome = await sync.sync().then(
      (r) => r,
      (e: unknown) => e,
    );

    if (error === undefined) {
      expect(outcome).toMatchObject({ commit: head });
      return;
    }
    expect(outcome).toBeInstanceOf(GitError);
    const err = outcome as GitError;
    expect(err).toMatchObject({ transient: false, status: error, operation: 'clone' });
    expect(err.message).toBe(`git ${server.url}/infra.git: clone failed: HTTP 401 Unauthorized`);
    expect(err.message).not.toContain('nope-token');
  });

  it.each([
    { name: 'unknown repository', path: '/missing.git', branch: 'main', status: 404 as number | undefined, detail: 'HTTP 404 Not Found' },
    { name: 'unknown branch', path: '/infra.git', branch: 'nope', status: undefined, detail: 'branch nope does not exist on the server' },
  ])('$name is a terminal error', async ({ path, branch, status, detail }) => {
    await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');

    const err = await repoSync({ url: `${server.url}${path}`, branch }).sync().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ transient: false, status });
    expect((err as GitError).message).toBe(`git ${server.url}${path}: clone failed: ${detail}`);
  });

  it('a server error (5xx) is a transient error', async () => {
    await server.close();
    server = await startGitServer({
      root: join(work, 'forge'),
      onRequest: () => {
        throw new Error('forge is restarting');
      },
    });

    const err = await repoSync().sync().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ transient: true, status: 500 });
    expect((err as GitError).message).toBe(`git ${server.url}/infra.git: clone failed: HTTP 500 Internal Server Error`);
  });

  it.each([
    { name: 'an open repository', users: undefined, revealed: false },
    { name: 'a repository behind basic auth', users: { alice: 'tok' }, revealed: true },
  ])('reveals the token only when the server asks, for $name', async ({ users, revealed }) => {
    await server.close();
    server = await startGitServer({ root: join(work, 'forge'), ...(users === undefined ? {} : { users }) });
    await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');
    let reveals = 0;
    class CountingSecret extends Secret {
      override reveal(): string {
        reveals += 1;
        return super.reveal();
      }
    }

    await repoSync({ username: 'alice', token: new CountingSecret('tok') }).sync();

    expect(reveals > 0).toBe(revealed);
  });

  it('a server that is down is a transient error', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });

    const err = await repoSync({ url: `http://127.0.0.1:${port}/infra.git` }).sync().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ transient: true, operation: 'clone' });
    expect((err as GitError).message).toMatch(/^git http:\/\/127\.0\.0\.1:\d+\/infra\.git: clone failed: request failed: ECONNREFUSED/);
  });

  it('strips credentials written into the URL from messages', async () => {
    const url = server.url.replace('http://', 'http://bob:hunter2@');

    const err = await repoSync({ url: `${url}/missing.git` }).sync().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toMatch(new RegExp(`^git ${server.url}/missing.git: clone failed: HTTP 404`));
    expect((err as GitError).message).not.toContain('hunter2');
  });

  it('an empty repository is a terminal error', async () => {
    const err = await repoSync().sync().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ transient: false });
    expect((err as GitError).message).toBe(`git ${server.url}/infra.git: clone failed: the repository is empty`);
  });
});

describe('snapshot and materialize', () => {
  const files: Record<string, FixtureFile> = {
    'marmite.yaml': 'formatVersion: 1\n',
    'tenants/ad28/tenant.yaml': 'name: ad28\n',
    'tenants/ad28/vms/web.yaml': 'flavor: small\n',
    'tenants/ad28/vms/db.yaml': 'flavor: large\n',
    'nodes/n1.yaml': 'site: par\n',
    'nodes/link.yaml': { symlink: 'n1.yaml' },
  };

  it('reads the whole tree of a commit from the object store', async () => {
    const head = await pushFiles(bare, 'main', files, 'first');
    const sync = repoSync();
    await sync.sync();

    const snapshot = await sync.snapshot(head);

    expect(snapshot.commit).toBe(head);
    expect([...snapshot.files.keys()].sort()).toEqual(Object.keys(files).sort());
    expect(text(snapshot, 'tenants/ad28/vms/web.yaml')).toBe('flavor: small\n');
    expect(snapshot.modes.get('nodes/link.yaml')).toBe('symlink');
    expect(text(snapshot, 'nodes/link.yaml')).toBe('n1.yaml');
    expect(snapshot.modes.get('nodes/n1.yaml')).toBe('file');
  });

  it('reads an older commit after the branch moved on', async () => {
    const first = await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');
    await pushFiles(bare, 'main', { 'a.yaml': 'a: 2\n', 'b.yaml': 'b: 1\n' }, 'second');
    const sync = repoSync();
    await sync.sync();

    const snapshot = await sync.snapshot(first);

    expect([...snapshot.files.keys()]).toEqual(['a.yaml']);
    expect(text(snapshot, 'a.yaml')).toBe('a: 1\n');
  });

  it('an unknown commit is a terminal error', async () => {
    await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');
    const sync = repoSync();
    await sync.sync();

    const err = await sync.snapshot('0123456789abcdef0123456789abcdef01234567').catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ transient: false, operation: 'read' });
  });

  it('materializes a snapshot into a new directory, symlinks kept', async () => {
    const head = await pushFiles(bare, 'main', files, 'first');
    const sync = repoSync();
    await sync.sync();
    const dir = join(work, 'out', 'tree');

    const written = await materialize(await sync.snapshot(head), dir);

    expect(written).toBe(dir);
    expect(await readFile(join(dir, 'tenants/ad28/vms/db.yaml'), 'utf8')).toBe('flavor: large\n');
    expect((await lstat(join(dir, 'nodes/link.yaml'))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(dir, 'nodes/link.yaml'))).toBe('n1.yaml');
    // Only the result is left: the temporary directory was renamed into place.
    expect(await readdir(join(work, 'out'))).toEqual(['tree']);
  });

  it('refuses to materialize over a directory that has content', async () => {
    const head = await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n' }, 'first');
    const sync = repoSync();
    await sync.sync();
    const dir = join(work, 'out', 'tree');
    await materialize(await sync.snapshot(head), dir);

    const err = await materialize(await sync.snapshot(head), dir).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ operation: 'materialize' });
    expect(await readdir(join(work, 'out'))).toEqual(['tree']);
  });
});
