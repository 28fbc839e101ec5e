import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

describe('marmite agent (command line)', () => {
  it.each([
    ['a missing config', async () => ['agent', '--once', '--config', '/nonexistent/agent.yaml'], 1, /config \/nonexistent\/agent\.yaml: cannot read it/],
    [
      'a config without a repository',
      async () => {
        const dir = await mkdtemp(join(tmpdir(), 'marmite-agent-cmd-'));
        await writeFile(join(dir, 'agent.yaml'), 'sites: {}\nagent:\n  autoApply: true\n');
        return ['agent', '--once', '--config', join(dir, 'agent.yaml')];
      },
      1,
      /agent\.repository\.url: give the http\(s\) URL/,
    ],
    ['an unknown option', async () => ['agent', '--loop'], 2, /Unknown option '--loop'/],
    ['an argument', async () => ['agent', 'extra'], 2, /unexpected argument extra/],
  ])('refuses %s', async (_name, argv, code, message) => {
    const io = bufferIo();
    expect(await main(await argv(), io)).toBe(code);
    expect(io.err()).toMatch(message);
  });

  it('is listed in the usage', async () => {
    const io = bufferIo();
    await main(['--help'], io);
    expect(io.out()).toMatch(/^ {2}agent +the reconcile loop/m);
  });
});
