import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agentMetrics } from '../../src/agent/metrics.js';
import { RULES_FILE, RUNBOOK_DIR, loadYaml, readText } from './deploy-files.js';

interface Rule {
  alert?: string;
  record?: string;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

// Series the rules use that the agent does not expose yet (asked of the agent's owner). Remove
// a name from here once agentMetrics() defines it.
const PENDING_SERIES = ['marmite_node_power_expected'];
// Series Prometheus itself makes for every scrape target.
const SCRAPE_SERIES = ['up'];
// PromQL words that look like series names in an expression.
const PROMQL_WORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

const rulesDoc = loadYaml(RULES_FILE) as { groups?: { name?: unknown; rules?: Rule[] }[] };
const rules: Rule[] = (rulesDoc.groups ?? []).flatMap((g) => g.rules ?? []);
const alerts = rules.filter((r) => r.alert !== undefined);
const exposed = new Set([...agentMetrics().render().matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

/** Series names in a PromQL expression: identifiers that are not keywords, functions or labels. */
function seriesIn(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(?:on|ignoring|by|without|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, '[]');
  const names = [...bare.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !PROMQL_WORDS.has(n) && !/^\d/.test(n)))].sort();
}

describe('seriesIn', () => {
  it.each([
    ['up{job="marmite"} == 0', ['up']],
    ['(time() - a_seconds{job="x"} > 180) or (up == 1 unless on (job, instance) a_seconds)', ['a_seconds', 'up']],
    ['rate(b_total[5m]) > 0', ['b_total']],
    ['x != ignoring(node) y', ['x', 'y']],
  ])('finds the series of %s', (expr, expected) => {
    expect(seriesIn(expr)).toEqual(expected);
  });
});

describe('docs/operations/prometheus-rules.yml', () => {
  it('is a rule file: groups with a name and rules', () => {
    expect(Array.isArray(rulesDoc.groups) && rulesDoc.groups.length > 0).toBe(true);
    for (const g of rulesDoc.groups ?? []) {
      expect(typeof g.name).toBe('string');
      expect(Array.isArray(g.rules)).toBe(true);
    }
  });

  it('names every alert once', () => {
    const names = alerts.map((a) => a.alert);
    expect(names.length).toBeGreaterThanOrEqual(5);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(alerts.map((a) => [a.alert!, a] as const))('%s has an expression, a duration and a severity', (_name, rule) => {
    expect(typeof rule.expr).toBe('string');
    expect(String(rule.for ?? '0s')).toMatch(/^(\d+[smhdwy])+$/);
    expect(['critical', 'warning', 'info']).toContain(rule.labels?.severity);
  });

  it.each(alerts.map((a) => [a.alert!, a] as const))('%s has summary, description and a runbook that exists', (name, rule) => {
    const a = rule.annotations ?? {};
    expect(typeof a.summary === 'string' && a.summary.length > 0).toBe(true);
    expect(typeof a.description === 'string' && a.description.length > 0).toBe(true);
    expect(String(a.runbook_url)).toMatch(new RegExp(`/docs/runbooks/${name}\\.md$`));
    expect(existsSync(join(RUNBOOK_DIR, `${name}.md`))).toBe(true);
  });

  it.each(alerts.map((a) => [a.alert!, a] as const))('%s uses only series the agent exposes (or up, or a pending one)', (_name, rule) => {
    const unknown = seriesIn(String(rule.expr)).filter((s) => !exposed.has(s) && !SCRAPE_SERIES.includes(s) && !PENDING_SERIES.includes(s));
    expect(unknown).toEqual([]);
  });

  it('lists as pending only series the agent does not expose yet', () => {
    expect(PENDING_SERIES.filter((s) => exposed.has(s))).toEqual([]);
  });

  it('has no runbook without an alert', () => {
    const runbooks = readdirSync(RUNBOOK_DIR).filter((f) => f.endsWith('.md') && f !== 'README.md').map((f) => f.replace(/\.md$/, ''));
    expect(runbooks.sort()).toEqual(alerts.map((a) => a.alert!).sort());
  });

  it.each(alerts.map((a) => [a.alert!] as const))('the runbook of %s has the sections an on-call volunteer looks for', (name) => {
    const text = readText(join(RUNBOOK_DIR, `${name}.md`));
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]!.trim());
    expect(headings).toEqual(expect.arrayContaining(['What it means', 'Check', 'Common causes and fixes', 'Escalate']));
  });
});
