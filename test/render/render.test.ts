import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/model/plan.js';
import { renderJson, renderMarkdown, renderPlan, renderText } from '../../src/render/index.js';
import { changeDiff } from '../../src/render/format.js';
import { fixturePlan } from './fixture.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it instead. */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
  }
  expect(existsSync(file), `${name} missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const empty: Plan = {
  formatVersion: 1,
  createdAt: '2026-03-02T10:00:00.000Z',
  observedAt: '2026-03-02T09:59:00.000Z',
  changes: [],
  refused: [],
  drift: [],
  summary: { create: 0, update: 0, delete: 0, other: 0, refused: 0 },
};

describe('golden renderings', () => {
  it.each([
    ['plan.txt', () => renderText(fixturePlan(), { color: false })],
    ['plan.md', () => renderMarkdown(fixturePlan())],
    ['plan.json', () => renderJson(fixturePlan())],
    ['empty.txt', () => renderText(empty, { color: false })],
    ['empty.md', () => renderMarkdown(empty)],
  ])('%s', (name, render) => {
    golden(name, render());
  });
});

describe('renderText', () => {
  it('colours only when asked', () => {
    const plan = fixturePlan();
    expect(renderText(plan, { color: false })).not.toContain('\u001b[');
    const coloured = renderText(plan, { color: true });
    expect(coloured).toContain('\u001b[32m+ create\u001b[0m');
    expect(coloured).toContain('\u001b[31m- delete\u001b[0m');
    expect(coloured).toContain('\u001b[33m~ update\u001b[0m');
    expect(coloured).toContain('\u001b[31;1mDOWNTIME\u001b[0m');
  });

  it('says so when there is nothing to do', () => {
    expect(renderText(empty)).toContain('No changes. The infrastructure matches Git.');
  });
});

describe('renderMarkdown', () => {
  it('puts destructive and downtime changes before the full list', () => {
    const md = renderMarkdown(fixturePlan());
    const loud = md.indexOf('Destructive or downtime changes');
    expect(loud).toBeGreaterThan(0);
    expect(loud).toBeLessThan(md.indexOf('### Changes'));
    expect(md.slice(loud, md.indexOf('### Changes'))).toContain('**DELETE** `vm ad28/old-wiki`');
  });

  it('folds long lists into <details>', () => {
    const plan = fixturePlan();
    const many: Plan = { ...plan, changes: Array.from({ length: 12 }, (_, i) => ({ ...plan.changes[0]!, id: `x${i}` })) };
    expect(renderMarkdown(many)).toContain('<summary>All 12 changes</summary>');
    expect(renderMarkdown(plan)).not.toContain('<details>');
  });

  it('escapes table cells so a reason cannot break the table', () => {
    const plan: Plan = { ...empty, refused: [{ subject: 'vm a/b', action: 'create', rule: 'x', reason: 'a | b\nc' }], summary: { ...empty.summary, refused: 1 } };
    expect(renderMarkdown(plan)).toContain('| a \\| b<br>c |');
  });
});

describe('renderJson', () => {
  it('round-trips the plan with a stable key order and a trailing newline', () => {
    const plan = fixturePlan();
    const json = renderJson(plan);
    expect(JSON.parse(json)).toEqual(plan);
    expect(json.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(json))).toEqual(['formatVersion', 'createdAt', 'commit', 'observedAt', 'summary', 'changes', 'refused', 'drift']);
    expect(renderJson(structuredClone(plan))).toBe(json);
  });
});

describe('changeDiff', () => {
  it.each([
    ['an update as before and after lines', { before: { cores: 2 }, after: { cores: 4 } }, [{ sign: '-', text: 'cores: 2' }, { sign: '+', text: 'cores: 4' }]],
    ['a create as added lines', { after: { cores: 2 } }, [{ sign: '+', text: 'cores: 2' }]],
    ['nothing without before and after', {}, []],
  ])('renders %s', (_label, change, expected) => {
    expect(changeDiff(change)).toEqual(expected);
  });
});

describe('renderPlan', () => {
  it.each([
    ['json', renderJson],
    ['markdown', renderMarkdown],
    ['text', (p: Plan) => renderText(p, { color: false })],
  ] as const)('routes %s', (format, fn) => {
    const plan = fixturePlan();
    expect(renderPlan(plan, format)).toBe(fn(plan));
  });
});
