import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configPath, loadAgentConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';

async function configDir(yaml: string, secretMode = 0o600) {
  const dir = await mkdtemp(join(tmpdir(), 'marmite-config-'));
  await writeFile(join(dir, 'token'), '0f2e5b6a-1111-4222-8333-944445555666\n');
  await chmod(join(dir, 'token'), secretMode);
  await writeFile(join(dir, 'agent.yaml'), yaml);
  return join(dir, 'agent.yaml');
}

const site = (secret: string, url = 'https://127.0.0.1:8006') =>
  `sites:\n  paris:\n    proxmox:\n      url: ${url}\n      tokenId: marmite@pve!agent\n      tokenSecret: ${secret}\n`;

describe('loadAgentConfig', () => {
  it('reads a token secret from a 0600 file, and never shows it', async () => {
    const file = await configDir(site('{ file: token }'));
    const cfg = await loadAgentConfig(file, {});
    expect(cfg.sites['paris']?.proxmox?.tokenSecret.reveal()).toBe('0f2e5b6a-1111-4222-8333-944445555666');
    expect(JSON.stringify(cfg)).not.toContain('0f2e5b6a');
  });

  it('reads a secret from the environment', async () => {
    const file = await configDir(site('{ env: PVE_TOKEN }'));
    const cfg = await loadAgentConfig(file, { PVE_TOKEN: 'abc' });
    expect(cfg.sites['paris']?.proxmox?.tokenSecret.reveal()).toBe('abc');
  });

  it.each([
    ['an inline secret', site('"0f2e5b6a-1111-4222-8333-944445555666"'), 0o600, /sites\.paris\.proxmox\.tokenSecret: give \{ file: PATH \}/],
    ['a secret file readable by others', site('{ file: token }'), 0o644, /must not be readable by group or others/],
    ['a missing environment variable', site('{ env: NOPE }'), 0o600, /environment variable NOPE is not set/],
    ['a URL without its port', site('{ file: token }', 'https://pve.example.org'), 0o600, /url: give the URL with its port/],
    ['a bad token id', site('{ file: token }').replace('marmite@pve!agent', 'marmite'), 0o600, /tokenId: expected user@realm!tokenname/],
    ['broken YAML', 'sites: [\n', 0o600, /agent\.yaml:\d+:/],
  ])('refuses %s with the file and field', async (_name, yaml, mode, message) => {
    const file = await configDir(yaml, mode);
    const err = await loadAgentConfig(file, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain(file);
  });

  it.each([
    ['the flag first', 'a.yaml', { MARMITE_CONFIG: '/x/b.yaml' }, '/w/a.yaml'],
    ['then MARMITE_CONFIG', undefined, { MARMITE_CONFIG: '/x/b.yaml' }, '/x/b.yaml'],
    ['then the default', undefined, {}, '/etc/marmite/agent.yaml'],
  ])('finds the config: %s', (_name, flag, env, expected) => {
    expect(configPath(flag, env, '/w')).toBe(expected);
  });
});
