// The agent section of the config, checked and with defaults filled in, so the loop never reads a
// raw field. Every problem names the config file and the field.

import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { AgentConfig } from '../config/load.js';
import { ConfigError } from '../core/errors.js';
import type { Secret } from '../core/secret.js';
import { parseDuration } from '../validate/units.js';

export interface AgentSettings {
  repository: { url: string; branch: string; username?: string; token?: Secret };
  pollIntervalMs: number;
  autoApply: boolean;
  listen: { host: string; port: number };
  webhookSecret?: Secret;
  stateDir: string;
  deepCheckEvery: number;
  lockTtlMs: number;
  /** Lease holder name; with host and pid it tells a restarted agent its own dead lease. */
  holder: string;
  host: string;
  concurrency: number;
}

export const DEFAULTS = {
  branch: 'main',
  pollInterval: '1m',
  listen: '127.0.0.1:9273',
  stateDir: '/var/lib/marmite',
  deepCheckEvery: 10,
  lockTtl: '10m',
  holder: 'marmite-agent',
  concurrency: 4,
} as const;

export function agentSettings(config: AgentConfig): AgentSettings {
  const a = config.agent;
  const fail = (field: string, what: string) => new ConfigError(`config ${config.file}: agent.${field}: ${what}`);
  const repo = a.repository;
  if (!repo || typeof repo.url !== 'string' || !/^https?:\/\//.test(repo.url)) {
    throw fail('repository.url', 'give the http(s) URL of the infra repository (isomorphic-git speaks smart HTTP only)');
  }
  if (/^https?:\/\/[^/]*@/.test(repo.url)) {
    throw fail('repository.url', 'put no credentials in the URL; use agent.repository.token { file: PATH }');
  }
  const seconds = (field: string, text: string) => {
    const s = parseDuration(String(text));
    if (s === undefined || s <= 0) throw fail(field, `expected a duration such as 30s, 5m or 1h, got ${JSON.stringify(text)}`);
    return s * 1000;
  };
  const listen = parseListen(a.listen ?? DEFAULTS.listen);
  if (!listen) throw fail('listen', `expected HOST:PORT such as ${DEFAULTS.listen}`);
  const deepCheckEvery = a.deepCheckEvery ?? DEFAULTS.deepCheckEvery;
  if (!Number.isInteger(deepCheckEvery) || deepCheckEvery < 1) throw fail('deepCheckEvery', 'expected a whole number >= 1');
  const concurrency = a.concurrency ?? DEFAULTS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw fail('concurrency', 'expected a whole number from 1 to 32');
  const secrets = config.agentSecrets ?? {};
  return {
    repository: {
      url: repo.url,
      branch: repo.branch ?? DEFAULTS.branch,
      ...(repo.username === undefined ? {} : { username: repo.username }),
      ...(secrets.repositoryToken === undefined ? {} : { token: secrets.repositoryToken }),
    },
    pollIntervalMs: seconds('pollInterval', a.pollInterval ?? DEFAULTS.pollInterval),
    autoApply: a.autoApply ?? false,
    listen,
    ...(secrets.webhookSecret === undefined ? {} : { webhookSecret: secrets.webhookSecret }),
    stateDir: resolve(dirname(config.file), a.stateDir ?? DEFAULTS.stateDir),
    deepCheckEvery,
    lockTtlMs: seconds('lockTtl', a.lockTtl ?? DEFAULTS.lockTtl),
    holder: a.name ?? DEFAULTS.holder,
    host: hostname(),
    concurrency,
  };
}

function parseListen(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}
