import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { energyFiles, EnergyLedger, renderEnergyMarkdown, renderSummaryText, summarize } from '../../src/energy/index.js';
import { niceMax } from '../../src/energy/svg.js';
import { threeDays } from './month.js';

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

/** Compares with the golden file; UPDATE_GOLDEN=1 rewrites it instead. */
function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `${name} missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('energy report files', () => {
  const files = energyFiles(threeDays());

  it('writes the ledger, the page and its three charts under energy/', () => {
    expect(Object.keys(files).sort()).toEqual(['energy/2026-12-power.svg', 'energy/2026-12-savings.svg', 'energy/2026-12-tenants.svg', 'energy/2026-12.json', 'energy/2026-12.md']);
  });

  it.each([
    ['energy/2026-12.md', '2026-12.md'],
    ['energy/2026-12-power.svg', '2026-12-power.svg'],
    ['energy/2026-12-tenants.svg', '2026-12-tenants.svg'],
    ['energy/2026-12-savings.svg', '2026-12-savings.svg'],
  ])('%s matches its golden file', (path, name) => {
    golden(name, files[path]!);
  });

  it('prints the same figures as text', () => {
    golden('2026-12.txt', renderSummaryText(summarize(threeDays())));
  });

  it('links each chart by a path relative to the page', () => {
    // Act
    const md = files['energy/2026-12.md']!;
    const links = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]);
    // Assert
    expect(links.sort()).toEqual(['2026-12-power.svg', '2026-12-savings.svg', '2026-12-tenants.svg']);
  });

  it.each(['energy/2026-12-power.svg', 'energy/2026-12-tenants.svg', 'energy/2026-12-savings.svg'])('%s is one standalone SVG document with plain elements', (path) => {
    // Act
    const svg = files[path]!;
    // Assert
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<svg/g)).toHaveLength(1);
    expect(svg).not.toMatch(/<script|NaN|undefined|Infinity/);
    const opened = (svg.match(/<text\b/g) ?? []).length;
    expect((svg.match(/<\/text>/g) ?? []).length).toBe(opened);
  });

  it('renders an empty month without failing', () => {
    // Act
    const empty = energyFiles(EnergyLedger.empty('2027-02'));
    // Assert
    expect(empty['energy/2027-02.md']).toContain('No readings yet this month.');
    for (const text of Object.values(empty)) expect(text).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('refuses to render a month the ledger does not hold', () => {
    expect(() => renderEnergyMarkdown(threeDays(), '2026-11')).toThrow(RangeError);
  });

  it.each([
    [0, 1],
    [0.3, 0.5],
    [1, 1],
    [180, 200],
    [220, 250],
    [3100, 5000],
  ])('niceMax(%f) = %f', (v, expected) => {
    expect(niceMax(v)).toBe(expected);
  });
});
