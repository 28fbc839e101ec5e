import { describe, expect, it } from 'vitest';
import { checkMinOffTime, checkMinOnTime } from '../../../src/power/rules/min-time.js';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const MIN = 60_000;

describe('rules min-on-time and min-off-time', () => {
  it.each([
    { name: 'min-on-time blocks: on for 10 min of 30', check: checkMinOnTime, since: NOW - 10 * MIN, ok: false, rule: 'min-on-time' },
    { name: 'min-on-time allows: on for 31 min', check: checkMinOnTime, since: NOW - 31 * MIN, ok: true, rule: 'min-on-time' },
    { name: 'min-on-time allows: last change unknown', check: checkMinOnTime, since: undefined, ok: true, rule: 'min-on-time' },
    { name: 'min-off-time blocks: off for 5 min of 30', check: checkMinOffTime, since: NOW - 5 * MIN, ok: false, rule: 'min-off-time' },
    { name: 'min-off-time allows: off for exactly 30 min', check: checkMinOffTime, since: NOW - 30 * MIN, ok: true, rule: 'min-off-time' },
  ])('$name', ({ check, since, ok, rule }) => {
    const r = check('pve2', since, NOW, 1800);
    expect(r.ok).toBe(ok);
    if (!r.ok) {
      expect(r.rule).toBe(rule);
      expect(r.reason).toMatch(/to go/);
    }
  });
});
