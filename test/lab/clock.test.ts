import { describe, expect, it } from 'vitest';
import { LabClock } from '../../src/lab/index.js';

describe('LabClock', () => {
  it('fires timers in time order as it advances, each seeing its own time', () => {
    const clock = LabClock.manual(new Date('2026-01-01T00:00:00Z'));
    const t0 = clock.now();
    const fired: [string, number][] = [];
    clock.schedule(10, () => fired.push(['b', clock.now() - t0]));
    clock.schedule(5, () => {
      fired.push(['a', clock.now() - t0]);
      clock.schedule(1, () => fired.push(['a+1', clock.now() - t0]));
    });

    clock.advance(8);
    const afterEight = [...fired];
    clock.advance(5);

    expect(afterEight).toEqual([['a', 5], ['a+1', 6]]);
    expect(fired).toEqual([['a', 5], ['a+1', 6], ['b', 10]]);
    expect(clock.now() - t0).toBe(13);
  });

  it('a manual clock does not move by itself', async () => {
    const clock = LabClock.manual();
    const before = clock.now();

    await new Promise((r) => setTimeout(r, 5));

    expect(clock.now()).toBe(before);
  });

  it('a scaled clock runs ahead of real time and fires due timers on runDue', async () => {
    const clock = LabClock.scaled(1000);
    let fired = false;
    clock.schedule(1, () => (fired = true));

    await new Promise((r) => setTimeout(r, 5));
    clock.runDue();
    clock.stop();

    expect(fired).toBe(true);
  });
});
