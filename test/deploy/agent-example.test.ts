import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isScalar, visit } from 'yaml';
import { agentSettings } from '../../src/agent/settings.js';
import { loadAgentConfig, type AgentConfig } from '../../src/config/load.js';
import { EXAMPLE_CONFIG, fileRefs, loadYaml, loadYamlDocument, scalarLeaves } from './deploy-files.js';

// Values that look like a credential written inline by mistake.
const SECRET_SHAPES: [string, RegExp][] = [
  ['a UUID (Proxmox token secret)', /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i],
  ['a GitLab token', /\bgl(?:pat|dt|oas|rt|ptt|cbt)-[\w-]{10,}/],
  ['a PEM block', /-----BEGIN /],
  ['a long random-looking string', /^(?=.*\d)(?=.*[a-zA-Z])[\w+/=-]{24,}$/],
  ['credentials in a URL', /^[a-z]+:\/\/[^/\s]*:[^/\s]*@/],
];
// Fields whose value must be a reference ({ file } or { env }), never a string.
const SECRET_FIELDS = /(?:^|\.)(?:tokenSecret|password|token|webhookSecret)$/;

function secretShape(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return SECRET_SHAPES.find(([, re]) => re.test(value))?.[0];
}

describe('secretShape', () => {
  it.each([
    ['5e1f7c2a-9b3d-4c8e-a1f0-123456789abc', 'a UUID (Proxmox token secret)'],
    ['glpat-AbCdEf123456789xyz', 'a GitLab token'],
    ['Zq8v3Lk29sPdX7mN4bT6wR1yH5jC0gFe', 'a long random-looking string'],
    ['https://bot:hunter2@gitlab.example.org/infra.git', 'credentials in a URL'],
    ['https://pve.paris.example.org:8006', undefined],
    ['/etc/marmite/ca/pve-paris.pem', undefined],
    ['marmite@pve!agent', undefined],
  ])('classifies %s', (value, expected) => {
    expect(secretShape(value)).toBe(expected);
  });
});

describe('deploy/agent.example.yaml, as written', () => {
  const leaves = scalarLeaves(loadYaml(EXAMPLE_CONFIG));

  it.each(leaves.map((l) => [l.path, l.value] as const))('%s holds no secret', (_path, value) => {
    expect(secretShape(value)).toBeUndefined();
  });

  it('gives every secret field as a reference, never a literal', () => {
    const doc = loadYaml(EXAMPLE_CONFIG);
    const literal = scalarLeaves(doc).filter((l) => SECRET_FIELDS.test(l.path));
    expect(literal.map((l) => l.path)).toEqual([]);
    const refs = scalarLeaves(doc).filter((l) => /\.(?:file|env)$/.test(l.path) && SECRET_FIELDS.test(l.path.replace(/\.(?:file|env)$/, '')));
    expect(refs.length).toBeGreaterThanOrEqual(8);
  });

  it('names secret files flat, so they resolve both in /etc/marmite and in the credentials directory', () => {
    const nested = fileRefs(loadYamlDocument(EXAMPLE_CONFIG)).filter((r) => r.file.includes('/'));
    expect(nested).toEqual([]);
  });
});

describe('deploy/agent.example.yaml, loaded with dummy secrets', () => {
  let dir: string;
  let config: AgentConfig;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    // Arrange: a copy of the example beside dummy secret files (0600) and CA files.
    dir = await mkdtemp(join(tmpdir(), 'marmite-deploy-'));
    const doc = loadYamlDocument(EXAMPLE_CONFIG);
    for (const { file } of fileRefs(doc)) {
      const value = randomUUID();
      secrets.set(file, value);
      await writeFile(join(dir, file), `${value}\n`, { mode: 0o600 });
    }
    const caFiles: string[] = [];
    visit(doc, {
      Pair(_k, pair) {
        if (isScalar(pair.key) && pair.key.value === 'caFile' && isScalar(pair.value)) {
          const local = join(dir, `ca-${caFiles.length}.pem`);
          caFiles.push(local);
          pair.value.value = local;
        }
      },
    });
    for (const f of caFiles) await writeFile(f, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    await writeFile(join(dir, 'agent.yaml'), doc.toString());
    // Act
    config = await loadAgentConfig(join(dir, 'agent.yaml'), {});
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('describes two sites with their Proxmox token read from its file', () => {
    expect(Object.keys(config.sites).sort()).toEqual(['lyon', 'paris']);
    for (const site of ['paris', 'lyon']) {
      const p = config.sites[site]!.proxmox!;
      expect(p.tokenId).toBe('marmite@pve!agent');
      expect(p.tokenSecret.reveal()).toBe(secrets.get(`pve-${site}.token`));
      expect(p.ca).toContain('BEGIN CERTIFICATE');
    }
  });

  it('maps each BMC credential name to a user and a password file', () => {
    expect(Object.keys(config.credentials).sort()).toEqual(['idrac-lyon', 'idrac-paris', 'ilo-lyon']);
    expect(config.credentials['idrac-paris']!.password.reveal()).toBe(secrets.get('idrac-paris.password'));
  });

  it('gives the agent settings the agent accepts', () => {
    const s = agentSettings(config);
    expect(s.repository.branch).toBe('main');
    expect(s.repository.token?.reveal()).toBe(secrets.get('gitlab.token'));
    expect(s.webhookSecret?.reveal()).toBe(secrets.get('webhook.secret'));
    expect(s.pollIntervalMs).toBe(60_000);
    expect(s.autoApply).toBe(false);
    expect(s.listen).toEqual({ host: '127.0.0.1', port: 9273 });
    expect(s.stateDir).toBe('/var/lib/marmite');
  });
});
