// Reads the agent config and resolves its secret references. A config problem is reported with
// the file and the field, and nothing starts with a half-read config.

import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { Secret } from '../core/secret.js';
import type { AgentConfigFile, SecretRef } from './types.js';

export const DEFAULT_CONFIG_PATH = '/etc/marmite/agent.yaml';

export interface ResolvedProxmoxSite {
  url: string;
  tokenId: string;
  tokenSecret: Secret;
  ca?: string;
}

export interface ResolvedCephSite {
  url: string;
  username: string;
  password: Secret;
  ca?: string;
}

export interface AgentConfig {
  file: string;
  sites: Record<string, { proxmox?: ResolvedProxmoxSite; ceph?: ResolvedCephSite }>;
  credentials: Record<string, { username: string; password: Secret }>;
  agent: NonNullable<AgentConfigFile['agent']>;
  /** The agent section's secrets, resolved (absent when the section names none). */
  agentSecrets?: { repositoryToken?: Secret; webhookSecret?: Secret };
}

/** --config, then MARMITE_CONFIG, then the default path. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv, cwd: string): string {
  return resolve(cwd, flag ?? env['MARMITE_CONFIG'] ?? DEFAULT_CONFIG_PATH);
}

export async function loadAgentConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`config ${file}: cannot read it`, { cause });
  }
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`config ${file}:${e.linePos?.[0].line ?? 1}: ${e.message.split('\n')[0]}`);
  }
  const raw = doc.toJS() as unknown;
  const base = dirname(file);
  const cfg = expectObject(raw, file, '(top level)') as unknown as AgentConfigFile;
  const sitesRaw = expectObject(cfg.sites ?? {}, file, 'sites');

  const sites: AgentConfig['sites'] = {};
  for (const [name, value] of Object.entries(sitesRaw)) {
    const site = expectObject(value, file, `sites.${name}`) as AgentConfigFile['sites'][string];
    const out: AgentConfig['sites'][string] = {};
    if (site.proxmox) {
      const p = site.proxmox;
      const field = `sites.${name}.proxmox`;
      if (typeof p.url !== 'string' || !/^https?:\/\/[^/]+:\d+\/?$/.test(p.url)) {
        throw new ConfigError(`config ${file}: ${field}.url: give the URL with its port, e.g. https://pve1.example.org:8006`);
      }
      if (typeof p.tokenId !== 'string' || !/^[^@!\s]+@[^@!\s]+![A-Za-z0-9_.-]+$/.test(p.tokenId)) {
        throw new ConfigError(`config ${file}: ${field}.tokenId: expected user@realm!tokenname`);
      }
      out.proxmox = {
        url: p.url.replace(/\/$/, ''),
        tokenId: p.tokenId,
        tokenSecret: await readSecret(p.tokenSecret, base, env, file, `${field}.tokenSecret`),
        ...(p.caFile ? { ca: await readFile(resolve(base, p.caFile), 'utf8') } : {}),
      };
    }
    if (site.ceph) {
      const c = site.ceph;
      const field = `sites.${name}.ceph`;
      if (typeof c.url !== 'string' || !/^https?:\/\/[^/]+:\d+\/?$/.test(c.url)) {
        throw new ConfigError(`config ${file}: ${field}.url: give the Ceph Dashboard URL with its port, e.g. https://ceph1.example.org:8443`);
      }
      if (typeof c.username !== 'string' || c.username === '') throw new ConfigError(`config ${file}: ${field}.username is required`);
      out.ceph = {
        url: c.url.replace(/\/$/, ''),
        username: c.username,
        password: await readSecret(c.password, base, env, file, `${field}.password`),
        ...(c.caFile ? { ca: await readFile(resolve(base, c.caFile), 'utf8') } : {}),
      };
    }
    sites[name] = out;
  }

  const credentials: AgentConfig['credentials'] = {};
  for (const [name, value] of Object.entries(expectObject(cfg.credentials ?? {}, file, 'credentials'))) {
    const c = expectObject(value, file, `credentials.${name}`) as { username?: unknown; password?: SecretRef };
    if (typeof c.username !== 'string') throw new ConfigError(`config ${file}: credentials.${name}.username is required`);
    credentials[name] = { username: c.username, password: await readSecret(c.password, base, env, file, `credentials.${name}.password`) };
  }

  const agent = expectObject(cfg.agent ?? {}, file, 'agent') as NonNullable<AgentConfigFile['agent']>;
  const agentSecrets: NonNullable<AgentConfig['agentSecrets']> = {};
  if (agent.repository?.token !== undefined) {
    agentSecrets.repositoryToken = await readSecret(agent.repository.token, base, env, file, 'agent.repository.token');
  }
  if (agent.webhookSecret !== undefined) {
    agentSecrets.webhookSecret = await readSecret(agent.webhookSecret, base, env, file, 'agent.webhookSecret');
  }
  return { file, sites, credentials, agent, agentSecrets };
}

function expectObject(value: unknown, file: string, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(`config ${file}: ${field}: expected a map`);
  }
  return value as Record<string, unknown>;
}

async function readSecret(ref: SecretRef | undefined, base: string, env: NodeJS.ProcessEnv, file: string, field: string): Promise<Secret> {
  if (ref?.env) {
    const v = env[ref.env];
    if (!v) throw new ConfigError(`config ${file}: ${field}: environment variable ${ref.env} is not set`);
    return new Secret(v.trim());
  }
  if (ref?.file) {
    const path = resolve(base, ref.file);
    try {
      const info = await stat(path);
      // Group or world readable secrets are refused, as ssh does for keys.
      if ((info.mode & 0o077) !== 0) {
        throw new ConfigError(`config ${file}: ${field}: ${path} must not be readable by group or others (chmod 600)`);
      }
      return new Secret((await readFile(path, 'utf8')).trim());
    } catch (cause) {
      if (cause instanceof ConfigError) throw cause;
      throw new ConfigError(`config ${file}: ${field}: cannot read ${path}`, { cause });
    }
  }
  throw new ConfigError(`config ${file}: ${field}: give { file: PATH } or { env: NAME }; secrets are never written inline`);
}
