import { describe, expect, it } from 'vitest';
import { agentSettings } from '../../src/agent/settings.js';
import type { AgentConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { Secret } from '../../src/core/secret.js';

const config = (agent: AgentConfig['agent']): AgentConfig => ({ file: '/etc/marmite/agent.yaml', sites: {}, credentials: {}, agent, agentSecrets: { webhookSecret: new Secret('s') } });
const repository = { url: 'https://git.example.org/infra/cloud.git' };

describe('agentSettings', () => {
  it('fills in the defaults', () => {
    const s = agentSettings(config({ repository }));
    expect(s).toMatchObject({
      repository: { url: repository.url, branch: 'main' },
      pollIntervalMs: 60_000,
      autoApply: false,
      listen: { host: '127.0.0.1', port: 9273 },
      stateDir: '/var/lib/marmite',
      deepCheckEvery: 10,
      lockTtlMs: 600_000,
      holder: 'marmite-agent',
      concurrency: 4,
    });
    expect(s.webhookSecret?.reveal()).toBe('s');
  });

  it.each([
    ['no repository', {}, /agent\.repository\.url: give the http\(s\) URL/],
    ['an ssh URL', { repository: { url: 'git@git.example.org:infra/cloud.git' } }, /agent\.repository\.url/],
    ['credentials in the URL', { repository: { url: 'https://oauth2:tok@git.example.org/x.git' } }, /put no credentials in the URL/],
    ['a bad poll interval', { repository, pollInterval: 'soon' }, /agent\.pollInterval: expected a duration/],
    ['a bad listen address', { repository, listen: '9273' }, /agent\.listen: expected HOST:PORT/],
    ['a zero deep check interval', { repository, deepCheckEvery: 0 }, /agent\.deepCheckEvery/],
  ])('refuses %s, naming the file and field', (_name, agent, message) => {
    const err = (() => {
      try {
        agentSettings(config(agent as AgentConfig['agent']));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^config \/etc\/marmite\/agent\.yaml: /);
    expect((err as Error).message).toMatch(message);
  });
});
