// The comment's size limit: over it, the per-change details go first, then whole blocks, and the
// comment points at the artifact that keeps the full review.

import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/model/plan.js';
import { renderReviewMarkdown } from '../../src/review/markdown.js';
import type { Review } from '../../src/review/review.js';

function change(i: number): Change {
  return {
    id: `proxmox:paris/vm/t/vm-${i}:create`,
    provider: 'proxmox',
    site: 'paris',
    subject: `vm t/vm-${i}`,
    action: 'create',
    reason: `no guest at vmid ${1000 + i}`,
    downtime: false,
    after: { node: 'pve1', cores: 1, memoryMiB: 2048, description: 'x'.repeat(200) },
    dependsOn: [],
    payload: { i },
  };
}

function review(changes: number): Review {
  return {
    formatVersion: 1,
    createdAt: '2026-03-02T10:00:00.000Z',
    base: 'b'.repeat(40),
    head: 'a'.repeat(40),
    changedFiles: [],
    observed: { kind: 'assumed-empty', reason: 'test' },
    verdict: { status: 'pass', text: '✅ valid' },
    validation: { valid: true, baseValid: true, relevant: [], preexisting: [] },
    ownership: { touchedTenants: ['t'], tenantFiles: {}, platformFiles: [], crossTenant: false, approvals: [] },
    quotas: [],
    delta: { added: Array.from({ length: changes }, (_, i) => change(i)), cancelled: [], refused: [], resolved: [], transitions: [], blocked: [] },
    energy: { lines: [], totals: [] },
    nodePower: [],
    powerPlanned: false,
    platformDiffs: [],
  };
}

describe('comment size', () => {
  it.each([
    { name: 'fits: full details', changes: 3, max: 100_000, details: true, cut: false },
    { name: 'long: details folded away', changes: 40, max: 100_000, details: true, cut: false },
    { name: 'too long with details: compact list', changes: 40, max: 6_000, details: false, cut: false },
    { name: 'too long even compact: cut with a pointer', changes: 400, max: 6_000, details: false, cut: true },
  ])('$name', ({ changes, max, details, cut }) => {
    const text = renderReviewMarkdown(review(changes), { maxChars: max, artifact: 'review.md' });

    expect(text.length).toBeLessThanOrEqual(max);
    expect(text.includes('#### `+` create')).toBe(details);
    expect(text.includes('was cut to fit')).toBe(cut);
    if (cut) expect(text).toContain('the CI artifact `review.md`');
    expect((text.match(/<details/g) ?? []).length).toBe((text.match(/<\/details>/g) ?? []).length);
    expect(text.startsWith('<!-- marmite-review -->\n')).toBe(true);
  });

  it('folds the details of more than ten changes', () => {
    const text = renderReviewMarkdown(review(11));

    expect(text).toContain('<details>\n<summary>Details of the 11 changes</summary>');
  });
});
