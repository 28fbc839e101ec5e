import { describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/apply/execute.js';
import { MarmiteError } from '../../src/core/errors.js';
import type { Change, Plan } from '../../src/model/plan.js';
import type { ApplyOutcome, Provider } from '../../src/providers/provider.js';

// The executor is core scheduling logic; the provider here is a recording test double, while the
// real provider is exercised against the lab in test/providers/.
function change(id: string, extra: Partial<Change> = {}): Change {
  return { id, provider: 'rec', site: 's', subject: `vm ${id}`, action: 'update', reason: 'test', downtime: false, dependsOn: [], payload: {}, ...extra };
}

function plan(changes: Change[]): Plan {
  return { formatVersion: 1, createdAt: '2026-01-01T00:00:00.000Z', observedAt: '2026-01-01T00:00:00.000Z', changes, refused: [], drift: [], summary: { create: 0, update: changes.length, delete: 0, other: 0, refused: 0 } };
}

class RecordingProvider implements Provider {
  readonly name = 'rec';
  calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly behaviour: Record<string, (attempt: number) => ApplyOutcome | Error> = {},
    private readonly fingerprints: Record<string, string | undefined> = {},
  ) {}
  async observe() {
    return {};
  }
  async fingerprint(c: Change) {
    return this.fingerprints[c.id];
  }
  async apply(c: Change): Promise<ApplyOutcome> {
    this.calls.push(c.id);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 2));
    this.inFlight -= 1;
    const attempt = this.calls.filter((x) => x === c.id).length;
    const r = this.behaviour[c.id]?.(attempt) ?? 'configured';
    if (r instanceof Error) throw r;
    return r;
  }
}

const noSleep = { sleep: async () => {}, random: () => 0.5 };

describe('applyPlan', () => {
  it('runs dependants after their dependency and reports every result in plan order', async () => {
    const p = new RecordingProvider({ a: () => 'created' });
    const cs = await applyPlan(plan([change('b', { dependsOn: ['a'], subject: 'vm x' }), change('a', { subject: 'vm y' })]), [p], noSleep);
    expect(p.calls).toEqual(['a', 'b']);
    expect(cs.results.map((r) => [r.id, r.outcome])).toEqual([
      ['b', 'configured'],
      ['a', 'created'],
    ]);
    expect(cs.counts).toMatchObject({ created: 1, configured: 1, failed: 0 });
  });

  it.each([
    ['terminal error', new MarmiteError('vm a: boom'), 1],
    ['transient error that persists', new MarmiteError('vm a: 503', { transient: true }), 3],
  ])('a %s fails the change and skips only its dependants', async (_name, error, attempts) => {
    const p = new RecordingProvider({ a: () => error });
    const cs = await applyPlan(
      plan([change('a'), change('b', { dependsOn: ['a'], subject: 'vm b' }), change('c', { subject: 'vm c' })]),
      [p],
      { ...noSleep, attempts: 3 },
    );
    const byId = Object.fromEntries(cs.results.map((r) => [r.id, r]));
    expect(byId['a']).toMatchObject({ outcome: 'failed', attempts, error: error.message });
    expect(byId['b']?.outcome).toBe('skipped');
    expect(byId['c']?.outcome).toBe('configured');
  });

  it('retries a transient error until it succeeds', async () => {
    const p = new RecordingProvider({ a: (n) => (n < 3 ? new MarmiteError('vm a: 595', { transient: true }) : 'configured') });
    const events: string[] = [];
    const cs = await applyPlan(plan([change('a')]), [p], { ...noSleep, onEvent: (e) => events.push(e.type) });
    expect(cs.results[0]).toMatchObject({ outcome: 'configured', attempts: 3 });
    expect(events.filter((e) => e === 'retry')).toHaveLength(2);
  });

  it.each([
    ['differs', 'other'],
    ['is gone', undefined],
  ])('refuses a stale plan when the object fingerprint %s', async (_name, current) => {
    const p = new RecordingProvider({}, { a: current });
    const cs = await applyPlan(plan([change('a', { fingerprint: 'planned' })]), [p], noSleep);
    expect(cs.results[0]?.outcome).toBe('failed');
    expect(cs.results[0]?.error).toMatch(/^vm a: changed since the plan was made/);
    expect(p.calls).toEqual([]);
  });

  it('checks the fingerprint only before the first write to a subject', async () => {
    const p = new RecordingProvider({}, { a: 'planned', b: 'planned' });
    const cs = await applyPlan(
      plan([change('a', { fingerprint: 'planned', subject: 'vm same' }), change('b', { fingerprint: 'stale-after-a', subject: 'vm same' })]),
      [p],
      noSleep,
    );
    expect(cs.results.map((r) => r.outcome)).toEqual(['configured', 'configured']);
  });

  it('keeps to the concurrency bound and serialises changes of one subject', async () => {
    const p = new RecordingProvider();
    const changes = Array.from({ length: 10 }, (_, i) => change(`c${i}`, { subject: `vm ${i % 5}` }));
    await applyPlan(plan(changes), [p], { ...noSleep, concurrency: 3 });
    expect(p.maxInFlight).toBeLessThanOrEqual(3);
    expect(p.calls).toHaveLength(10);
    for (let s = 0; s < 5; s++) expect(p.calls.indexOf(`c${s}`)).toBeLessThan(p.calls.indexOf(`c${s + 5}`));
  });

  it('fails a change routed to a provider that is not configured', async () => {
    const cs = await applyPlan(plan([change('a', { provider: 'ceph' })]), [new RecordingProvider()], noSleep);
    expect(cs.results[0]).toMatchObject({ outcome: 'failed', error: "vm a: no provider 'ceph' is configured" });
  });

  it('starts nothing new once stopped, and says so', async () => {
    const ac = new AbortController();
    ac.abort();
    const p = new RecordingProvider();
    const cs = await applyPlan(plan([change('a'), change('b', { subject: 'vm b' })]), [p], { ...noSleep, signal: ac.signal });
    expect(p.calls).toEqual([]);
    expect(cs.counts.skipped).toBe(2);
  });
});
