import { describe, expect, it } from 'vitest';
import { checkBootLead } from '../../../src/power/rules/boot-lead.js';

const OPENS = Date.parse('2026-03-02T07:00:00Z');
const MIN = 60_000;

describe('rule boot-lead', () => {
  it.each([
    { name: 'blocks: 30 min before a window, boot takes 5 min (too early)', now: OPENS - 30 * MIN, ok: false },
    { name: 'allows: 5 min before, boot takes 5 min', now: OPENS - 5 * MIN, ok: true },
    { name: 'allows: the window is already open (late, power on now)', now: OPENS + MIN, ok: true },
  ])('$name', ({ now, ok }) => {
    const r = checkBootLead('pve2', OPENS, now, 300);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.rule).toBe('boot-lead');
  });
});
