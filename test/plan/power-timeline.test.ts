import { describe, expect, it } from 'vitest';
import type { Observed } from '../../src/model/observed.js';
import { plan } from '../../src/plan/plan.js';
import { emptyObserved, realistic } from '../power/fixture.js';

// The 7-day power timeline is most of the power planner's cost on a large fleet; it is computed
// when nodes can be switched (some site reports power) or when asked (merge-request review).
describe('the power timeline in a plan', () => {
  const now = new Date('2026-03-02T10:00:00Z');
  const withoutPower = (o: Observed): Observed => ({ ...o, sites: Object.fromEntries(Object.entries(o.sites).map(([k, s]) => [k, (({ power: _p, ...rest }) => rest)(s)])) });

  it.each([
    ['power observed, auto', false, undefined, true],
    ['no power observed, auto', true, undefined, false],
    ['no power observed, always', true, 'always' as const, true],
  ])('%s', async (_name, stripPower, timeline, expected) => {
    const d = await realistic();
    const observed = stripPower ? withoutPower(emptyObserved(d)) : emptyObserved(d);

    const p = plan(d, observed, now, timeline ? { timeline } : {});

    expect((p.power?.timeline.length ?? 0) > 0).toBe(expected);
  });

  it('gives the same energy figures with or without the timeline', async () => {
    const d = await realistic();
    const observed = withoutPower(emptyObserved(d));
    const energy = (p: ReturnType<typeof plan>) => p.changes.map((c) => [c.id, c.energy?.kWhPerMonth]);

    expect(energy(plan(d, observed, now))).toEqual(energy(plan(d, observed, now, { timeline: 'always' })));
  });
});
