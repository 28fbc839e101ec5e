import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import { GitError } from '../../src/git/errors.js';
import { StatusBranch, type StatusBranchOptions, type WriteStatusOptions } from '../../src/git/status-branch.js';
import { RepoSync } from '../../src/git/sync.js';
import { createBareRepo, gitCli, pushFiles, startGitServer, type GitRequestInfo, type GitServer } from '../support/git-server.js';

const BRANCH = 'marmite/status';
const author = { name: 'marmite agent', email: 'agent@marmite.invalid' };

let work: string;
let bare: string;
let server: GitServer;
let hook: ((info: GitRequestInfo) => Promise<void>) | undefined;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'marmite-git-status-'));
  bare = await createBareRepo(join(work, 'forge'), 'infra.git');
  hook = undefined;
  server = await startGitServer({ root: join(work, 'forge'), onRequest: (info) => hook?.(info) });
  // The watched branch exists in any real repository (and a HEAD to nothing hides every branch
  // from isomorphic-git's fetch).
  await pushFiles(bare, 'main', { 'marmite.yaml': 'formatVersion: 1\n' }, 'watched');
});

afterEach(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function writer(name: string, extra: Partial<StatusBranchOptions> = {}): StatusBranch {
  return new StatusBranch({ url: `${server.url}/infra.git`, cacheDir: join(work, `cache-${name}`), ...extra });
}

function write(files: WriteStatusOptions['files'], message = 'status', extra: Partial<WriteStatusOptions> = {}): WriteStatusOptions {
  return { files, message, branch: BRANCH, author, ...extra };
}

async function remoteFiles(ref = BRANCH): Promise<Record<string, string>> {
  const names = (await gitCli(['ls-tree', '-r', '--name-only', `refs/heads/${ref}`], { cwd: bare })).split('\n').filter(Boolean);
  const out: Record<string, string> = {};
  for (const name of names) out[name] = await gitCli(['show', `refs/heads/${ref}:${name}`], { cwd: bare });
  return out;
}

async function remoteHead(ref = BRANCH): Promise<string> {
  return (await gitCli(['rev-parse', `refs/heads/${ref}`], { cwd: bare })).trim();
}

/** Subjects of the branch's history, newest first. */
async function history(ref = BRANCH): Promise<string[]> {
  return (await gitCli(['log', '--format=%s', `refs/heads/${ref}`], { cwd: bare })).split('\n').filter(Boolean);
}

describe('StatusBranch.writeStatus', () => {
  it('starts the branch with an orphan commit', async () => {
    const result = await writer('a').writeStatus(write({ 'summary.md': '# ok\n', 'energy/2026-12.json': '{}' }, 'status: first'));

    expect(result).toEqual({ committed: true, commit: await remoteHead(), attempts: 1 });
    const parents = (await gitCli(['rev-list', '--parents', '-n', '1', `refs/heads/${BRANCH}`], { cwd: bare })).trim().split(' ');
    expect(parents).toEqual([result.commit]);
    expect(await remoteFiles()).toEqual({ 'summary.md': '# ok\n', 'energy/2026-12.json': '{}' });
    const meta = await gitCli(['log', '-1', '--format=%an <%ae>|%s', `refs/heads/${BRANCH}`], { cwd: bare });
    expect(meta.trim()).toBe('marmite agent <agent@marmite.invalid>|status: first');
  });

  it('does not commit when nothing changed', async () => {
    const w = writer('a');
    const first = await w.writeStatus(write({ 'summary.md': '# ok\n', 'drift.md': 'none\n' }));
    const pushesBefore = server.log.filter((r) => r.service === 'git-receive-pack').length;

    const result = await w.writeStatus(write({ 'summary.md': '# ok\n' }, 'again'));

    expect(result).toEqual({ committed: false, commit: first.commit, attempts: 1 });
    expect(server.log.filter((r) => r.service === 'git-receive-pack').length).toBe(pushesBefore);
    expect(await history()).toEqual(['status']);
  });

  it.each<{ name: string; files: Record<string, string>; remove: string[] | undefined; expected: Record<string, string> }>([
    { name: 'changed file', files: { 'summary.md': '# degraded\n' }, remove: undefined, expected: { 'summary.md': '# degraded\n', 'energy/2026-12.md': 'kWh\n', 'energy/2026-11.md': 'kWh\n' } },
    { name: 'new file', files: { 'drift.md': 'vm web\n' }, remove: undefined, expected: { 'summary.md': '# ok\n', 'drift.md': 'vm web\n', 'energy/2026-12.md': 'kWh\n', 'energy/2026-11.md': 'kWh\n' } },
    { name: 'removed file', files: {}, remove: ['energy/2026-11.md'], expected: { 'summary.md': '# ok\n', 'energy/2026-12.md': 'kWh\n' } },
    { name: 'removed folder', files: {}, remove: ['energy'], expected: { 'summary.md': '# ok\n' } },
  ])('commits a $name on top of the previous head, keeping other files', async ({ files, remove, expected }) => {
    // A writer from another process wrote the first commit: this one starts with an empty cache.
    const base = await writer('a').writeStatus(write({ 'summary.md': '# ok\n', 'energy/2026-12.md': 'kWh\n', 'energy/2026-11.md': 'kWh\n' }));

    const result = await writer('b').writeStatus(write(files, 'status: next', remove === undefined ? {} : { remove }));

    expect(result).toMatchObject({ committed: true, attempts: 1 });
    expect(await remoteFiles()).toEqual(expected);
    expect(await history()).toEqual(['status: next', 'status']);
    const parents = (await gitCli(['rev-list', '--parents', '-n', '1', `refs/heads/${BRANCH}`], { cwd: bare })).trim().split(' ');
    expect(parents).toEqual([result.commit, base.commit]);
  });

  it.each([
    { name: 'before our push starts (client-side fast-forward check)', method: 'GET' },
    { name: 'while our push is in flight (server ref lock)', method: 'POST' },
  ])('rebuilds and retries when another writer moved the branch $name', async ({ method }) => {
    const a = writer('a');
    const b = writer('b');
    await a.writeStatus(write({ 'summary.md': 'v1\n' }, 'first'));
    let fired = false;
    hook = async (info) => {
      if (fired || info.service !== 'git-receive-pack' || info.method !== method) return;
      fired = true;
      await b.writeStatus(write({ 'energy/2026-12.md': 'kWh\n' }, 'energy from b'));
    };

    const result = await a.writeStatus(write({ 'summary.md': 'v2\n' }, 'summary from a'));

    expect(fired).toBe(true);
    expect(result).toMatchObject({ committed: true, attempts: 2, commit: await remoteHead() });
    expect(await remoteFiles()).toEqual({ 'summary.md': 'v2\n', 'energy/2026-12.md': 'kWh\n' });
    expect(await history()).toEqual(['summary from a', 'energy from b', 'first']);
  });

  it('gives up with a transient error when the branch keeps moving', async () => {
    const a = writer('a', { maxAttempts: 2 });
    const b = writer('b');
    await a.writeStatus(write({ 'summary.md': 'v1\n' }));
    let intruding = false;
    let round = 0;
    hook = async (info) => {
      if (intruding || info.service !== 'git-receive-pack' || info.method !== 'GET') return;
      intruding = true;
      round += 1;
      await b.writeStatus(write({ 'drift.md': `round ${round}\n` }, `b ${round}`));
      intruding = false;
    };

    const err = await a.writeStatus(write({ 'summary.md': 'v2\n' })).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ transient: true, operation: 'write status' });
    expect((err as GitError).message).toBe(`git ${server.url}/infra.git: write status failed: branch ${BRANCH} kept moving: gave up after 2 attempts`);
    expect(await remoteFiles()).toEqual({ 'summary.md': 'v1\n', 'drift.md': 'round 2\n' });
  });

  it('a push the server refuses without contention is a terminal error', async () => {
    const a = writer('a', { maxAttempts: 2 });
    await a.writeStatus(write({ 'summary.md': 'v1\n' }));
    const hookPath = join(bare, 'hooks', 'pre-receive');
    await writeFile(hookPath, '#!/bin/sh\necho "status branch is protected" >&2\nexit 1\n');
    await chmod(hookPath, 0o755);

    const err = await a.writeStatus(write({ 'summary.md': 'v2\n' })).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ transient: false, operation: 'push' });
    expect((err as GitError).message).toMatch(new RegExp(`^git ${server.url}/infra.git: push failed: branch ${BRANCH}: refused by the server: `));
    expect(await history()).toEqual(['status']);
  });

  it.each([
    { name: 'different files', same: false },
    { name: 'the same file', same: true },
  ])('two concurrent writers of $name lose no commit', async ({ same }) => {
    const writers = [writer('a'), writer('b')];
    const rounds = 3;

    const results = await Promise.all(
      writers.map(async (w, who) => {
        const out = [];
        for (let i = 0; i < rounds; i++) {
          const file = same ? 'summary.md' : `w${who}.md`;
          out.push(await w.writeStatus(write({ [file]: `writer ${who} round ${i}\n` }, `writer ${who} round ${i}`)));
        }
        return out;
      }),
    );

    expect(results.flat().every((r) => r.committed)).toBe(true);
    const log = await history();
    expect([...log].sort()).toEqual(['writer 0 round 0', 'writer 0 round 1', 'writer 0 round 2', 'writer 1 round 0', 'writer 1 round 1', 'writer 1 round 2']);
    const files = await remoteFiles();
    if (same) {
      // Last writer wins: the file holds what the head commit wrote.
      expect(files).toEqual({ 'summary.md': `${log[0]}\n` });
    } else {
      expect(files).toEqual({ 'w0.md': 'writer 0 round 2\n', 'w1.md': 'writer 1 round 2\n' });
    }
  });

  it.each([
    { name: 'parent folder', path: '../escape.md' },
    { name: 'absolute', path: '/etc/passwd' },
    { name: 'git dir', path: '.git/config' },
  ])('refuses a $name path', async ({ path }) => {
    const err = await writer('a').writeStatus(write({ [path]: 'x' })).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ transient: false });
    expect(server.requests).toBe(0);
  });

  it('refuses to write to the watched branch', async () => {
    const err = await writer('a', { watchedBranch: 'main' }).writeStatus(write({ 'summary.md': 'x' }, 'oops', { branch: 'main' })).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(GitError);
    expect(err).toMatchObject({ transient: false, operation: 'write status' });
    expect(await history('main')).toEqual(['watched']);
  });

  it('authenticates with basic auth', async () => {
    await server.close();
    server = await startGitServer({ root: join(work, 'forge'), users: { agent: 'tok' } });

    const result = await writer('a', { username: 'agent', token: new Secret('tok') }).writeStatus(write({ 'summary.md': '# ok\n' }));

    expect(result).toMatchObject({ committed: true, commit: await remoteHead() });
  });
});

describe('status branch and watched branch', () => {
  it('a sync and snapshot of the watched branch never read the status branch, even sharing one cache', async () => {
    const cacheDir = join(work, 'cache');
    const url = `${server.url}/infra.git`;
    const sync = new RepoSync({ url, branch: 'main', cacheDir });
    const status = new StatusBranch({ url, cacheDir });
    await sync.sync();
    await status.writeStatus(write({ 'summary.md': '# ok\n', 'marmite.yaml': 'formatVersion: 99\n' }));
    const watched = await pushFiles(bare, 'main', { 'marmite.yaml': 'formatVersion: 1\n', 'sites/par.yaml': 'name: par\n' }, 'watched 2');

    const result = await sync.sync();
    const snapshot = await sync.snapshot(result.commit);

    expect(result).toMatchObject({ commit: watched, forced: false });
    expect([...snapshot.files.keys()].sort()).toEqual(['marmite.yaml', 'sites/par.yaml']);
    expect(Buffer.from(snapshot.files.get('marmite.yaml') ?? []).toString()).toBe('formatVersion: 1\n');
    expect(await history('main')).toEqual(['watched 2', 'watched']);
  });
});
