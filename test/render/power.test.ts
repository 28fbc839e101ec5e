import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { renderMarkdown, renderText } from '../../src/render/index.js';

const plan: Plan = {
  formatVersion: 1,
  createdAt: '2026-03-06T22:00:00.000Z',
  observedAt: '2026-03-06T21:59:00.000Z',
  changes: [],
  refused: [],
  drift: [],
  summary: { create: 0, update: 0, delete: 0, other: 0, refused: 0 },
  power: {
    nodesOn: { paris: ['par-ceph-1'] },
    transitions: [{ site: 'paris', node: 'par-cpu-1', to: 'on', at: '2026-03-09T06:55:00.000Z', reason: 'window office-hours opens at mon 08:00' }],
    blocked: [{ site: 'paris', node: 'par-ceph-2', to: 'off', rule: 'ceph-pgs', reason: 'pool vms would lose a replica below min_size' }],
    timeline: [],
    horizonHours: 168,
  },
};

describe('the power part of a rendered plan', () => {
  it.each([
    ['text', renderText(plan, { color: false })],
    ['markdown', renderMarkdown(plan)],
  ])('%s shows the blocked transition with its rule and the coming ones', (_format, out) => {
    expect(out).toContain('par-ceph-2');
    expect(out).toContain('ceph-pgs');
    expect(out).toContain('pool vms would lose a replica below');
    expect(out).toContain('par-cpu-1');
    expect(out).toContain('2026-03-09T06:55:00.000Z');
  });
});
