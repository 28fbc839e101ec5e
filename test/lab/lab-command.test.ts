import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bufferIo } from '../../src/cli/io.js';
import { openLab, parseLabArgs } from '../../src/cli/commands/lab.js';
import { UsageError } from '../../src/core/errors.js';
import { seedFromDesired, type Lab } from '../../src/lab/index.js';
import { validateRepository } from '../../src/validate/index.js';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/small');

let lab: Lab | undefined;
let tmp: string | undefined;
afterEach(async () => {
  await lab?.close();
  lab = undefined;
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

describe('seedFromDesired', () => {
  it('one site per site, nodes by their Proxmox name, templates on their node', async () => {
    const { desired } = await validateRepository(EXAMPLE);
    expect(desired).toBeDefined();

    const seed = seedFromDesired(desired!);

    expect(seed.sites.map((s) => s.name)).toEqual(Object.keys(desired!.sites).sort());
    for (const site of seed.sites) {
      const nodes = Object.values(desired!.nodes).filter((n) => n.site === site.name);
      expect(site.nodes.map((n) => n.name).sort()).toEqual(nodes.map((n) => n.pveNode).sort());
      for (const t of site.templates) expect(site.nodes.map((n) => n.name)).toContain(t.node);
      for (const t of site.templates) expect(site.storages.map((s) => s.name)).toContain(t.storage);
    }
  });
});

describe('marmite lab', () => {
  it.each([
    [[], '--seed DIR is required'],
    [['--seed', 'x', '--port', 'abc'], '--port must be a port number'],
    [['--seed', 'x', '--speed', '0'], '--speed must be a positive number'],
    [['--seed', 'x', '--bogus'], 'Unknown option'],
  ])('usage error for %j', (argv, message) => {
    expect(() => parseLabArgs(argv)).toThrow(UsageError);
    expect(() => parseLabArgs(argv)).toThrow(message);
  });

  it('serves the repository and writes an agent config with a 0600 secret file', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'marmite-lab-cmd-'));
    const io = bufferIo({ cwd: tmp });
    const file = join(tmp, 'agent.yaml');

    lab = await openLab(parseLabArgs(['--seed', EXAMPLE, '--port', '0', '--write-config', file]), io);
    const config = parse(await readFile(file, 'utf8')) as { sites: Record<string, { proxmox: { url: string; tokenId: string; tokenSecret: { file: string } } }> };
    const site = Object.keys(lab!.sites)[0]!;
    const secretFile = join(tmp, config.sites[site]!.proxmox.tokenSecret.file);
    const secret = (await readFile(secretFile, 'utf8')).trim();
    const mode = (await stat(secretFile)).mode & 0o777;
    const res = await fetch(`${config.sites[site]!.proxmox.url}/api2/json/version`, {
      headers: { Authorization: `PVEAPIToken=${config.sites[site]!.proxmox.tokenId}=${secret}` },
    });

    expect(io.out()).toContain(`site ${site}: http://127.0.0.1:`);
    expect(mode).toBe(0o600);
    expect(res.status).toBe(200);
  });

  it('refuses an invalid repository', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'marmite-lab-cmd-'));
    const io = bufferIo({ cwd: tmp });

    lab = await openLab(parseLabArgs(['--seed', tmp]), io);

    expect(lab).toBeUndefined();
    expect(io.err()).toContain('is not a valid repository');
  });
});
