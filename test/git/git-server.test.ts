import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBareRepo, gitCli, pushFiles, startGitServer, type GitServer } from '../support/git-server.js';

// The test server must behave like a forge for the real git client too, since other tests use it.
let work: string;
let bare: string;
let server: GitServer;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'marmite-git-server-'));
  bare = await createBareRepo(join(work, 'forge'), 'infra.git');
  await pushFiles(bare, 'main', { 'a.yaml': 'a: 1\n', 'dir/link': { symlink: '../a.yaml' } }, 'first');
});

afterEach(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe('startGitServer', () => {
  it('serves clone and push to the real git client', async () => {
    server = await startGitServer({ root: join(work, 'forge') });
    const clone = join(work, 'clone');

    await gitCli(['clone', '--quiet', `${server.url}/infra.git`, clone]);
    await gitCli(['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '--quiet', '--allow-empty', '-m', 'second'], { cwd: clone });
    await gitCli(['push', '--quiet', 'origin', 'main'], { cwd: clone });

    expect(await readFile(join(clone, 'a.yaml'), 'utf8')).toBe('a: 1\n');
    expect((await gitCli(['log', '--format=%s', 'main'], { cwd: bare })).trim().split('\n')).toEqual(['second', 'first']);
    expect(server.requests).toBe(server.log.length);
    expect(server.log.map((r) => r.status)).not.toContain(500);
  });

  it.each([
    { name: 'no credentials', credentials: '', ok: false },
    { name: 'a wrong password', credentials: 'alice:nope@', ok: false },
    { name: 'the right password', credentials: 'alice:pw@', ok: true },
  ])('with users, a request with $name is answered accordingly', async ({ credentials, ok }) => {
    server = await startGitServer({ root: join(work, 'forge'), users: { alice: 'pw' } });
    const url = server.url.replace('http://', `http://${credentials}`);

    const outcome = await gitCli(['ls-remote', `${url}/infra.git`, 'refs/heads/main']).then(
      (out) => out.split('\t')[1]?.trim(),
      () => 'refused',
    );

    expect(outcome).toBe(ok ? 'refs/heads/main' : 'refused');
    expect(server.log[0]?.status).toBe(401);
  });
});
