import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMetrics } from '../../src/agent/metrics.js';
import { sameSecret, startAgentServer, type AgentServer } from '../../src/agent/server.js';
import { Secret } from '../../src/core/secret.js';
import { memoryLogger } from './world.js';

let server: AgentServer;
const pushes: ({ commit?: string } | undefined)[] = [];
let ready = false;

beforeAll(async () => {
  server = await startAgentServer({
    host: '127.0.0.1',
    port: 0,
    metrics: agentMetrics(),
    log: memoryLogger().log,
    ready: () => ready,
    webhookSecret: new Secret('right-secret'),
    branch: 'main',
    onPush: (info) => pushes.push(info),
  });
});

afterAll(async () => {
  await server?.close();
});

const post = (headers: Record<string, string>, body = '{"ref":"refs/heads/main"}') => fetch(`${server.url}/webhook`, { method: 'POST', headers, body });

describe('the agent HTTP server', () => {
  it.each([
    ['a push to the watched branch', { 'X-Gitlab-Token': 'right-secret', 'X-Gitlab-Event': 'Push Hook' }, undefined, 202, 1],
    ['a push event naming its commit', { 'X-Gitlab-Token': 'right-secret', 'X-Gitlab-Event': 'Push Hook' }, `{"ref":"refs/heads/main","after":"${'a'.repeat(40)}"}`, 202, 1],
    ['a push to another branch', { 'X-Gitlab-Token': 'right-secret', 'X-Gitlab-Event': 'Push Hook' }, '{"ref":"refs/heads/marmite/status"}', 202, 0],
    ['another event', { 'X-Gitlab-Token': 'right-secret', 'X-Gitlab-Event': 'Merge Request Hook' }, undefined, 202, 0],
    ['no token', { 'X-Gitlab-Event': 'Push Hook' }, undefined, 401, 0],
    ['a wrong token', { 'X-Gitlab-Token': 'right-secreT', 'X-Gitlab-Event': 'Push Hook' }, undefined, 403, 0],
    ['a longer token', { 'X-Gitlab-Token': 'right-secret-and-more', 'X-Gitlab-Event': 'Push Hook' }, undefined, 403, 0],
  ])('answers %s', async (_name, headers, body, status, queued) => {
    pushes.length = 0;
    const res = await post(headers, body);
    await res.text();
    expect(res.status).toBe(status);
    expect(pushes).toHaveLength(queued);
  });

  it('hands the pushed commit on', async () => {
    pushes.length = 0;
    await (await post({ 'X-Gitlab-Token': 'right-secret', 'X-Gitlab-Event': 'Push Hook' }, `{"ref":"refs/heads/main","after":"${'b'.repeat(40)}"}`)).text();
    expect(pushes).toEqual([{ commit: 'b'.repeat(40) }]);
  });

  it.each([
    [false, 503],
    [true, 200],
  ])('answers /readyz with ready=%s by %i', async (isReady, status) => {
    ready = isReady;
    const res = await fetch(`${server.url}/readyz`);
    await res.text();
    expect(res.status).toBe(status);
  });

  it('lists the agent series on /metrics before any cycle', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toContain('# TYPE marmite_cycles_total counter');
  });

  it.each([
    ['equal', 'abc', 'abc', true],
    ['different', 'abc', 'abd', false],
    ['a prefix', 'ab', 'abc', false],
    ['empty', '', 'abc', false],
  ])('compares secrets: %s', (_name, a, b, same) => {
    expect(sameSecret(a, b)).toBe(same);
  });
});
