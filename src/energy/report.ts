// The month's energy report for volunteers: energy/<yyyy-mm>.md with its three SVG charts next to
// it (linked by relative path, so GitLab shows them on the status branch), plus a plain-text form
// for the terminal. Everything is derived from summarize(), so the report, the charts and the
// CLI agree.

import type { EnergyLedger } from './ledger.js';
import { fixed, formatHours, formatKWh, formatMoney, formatPercent } from './format.js';
import { PLATFORM } from './sample.js';
import { summarize, type EnergySummary, type GapSummary } from './summary.js';
import { renderPowerSvg, renderSavingsSvg, renderTenantsSvg } from './svg.js';

export const SHARING_RULE =
  "Each running VM's share of its node is half its share of the node's usable cores and half its share of usable memory (reserved, not used: a VM keeps its node on whether busy or not). " +
  "The node's watts are split by these shares; the rest (unreserved capacity, the host's own overhead, guests not managed by marmite, and whatever a node draws while off) is the platform's.";

export const BASELINE_RULE =
  '"Always on" is the same fleet with every node on the whole month: a node counts its measured or modelled watts while it was on, and its idle watts while it was off (its VMs ran elsewhere and are counted there).';

/** Paths of a month's files on the status branch. */
export function energyPaths(month: string): { json: string; markdown: string; power: string; tenants: string; savings: string } {
  return {
    json: `energy/${month}.json`,
    markdown: `energy/${month}.md`,
    power: `energy/${month}-power.svg`,
    tenants: `energy/${month}-tenants.svg`,
    savings: `energy/${month}-savings.svg`,
  };
}

/** Every file of the ledger's month, ready for StatusBranch.writeStatus. */
export function energyFiles(ledger: EnergyLedger): Record<string, string> {
  const summary = summarize(ledger);
  const p = energyPaths(ledger.month);
  return {
    [p.json]: ledger.toJSON(),
    [p.markdown]: renderSummaryMarkdown(summary),
    [p.power]: renderPowerSvg(summary),
    [p.tenants]: renderTenantsSvg(summary),
    [p.savings]: renderSavingsSvg(summary),
  };
}

export function renderEnergyMarkdown(ledger: EnergyLedger, month = ledger.month): string {
  if (month !== ledger.month) throw new RangeError(`energy report: the ledger holds ${ledger.month}, not ${month}`);
  return renderSummaryMarkdown(summarize(ledger));
}

export function renderSummaryMarkdown(s: EnergySummary): string {
  const p = energyPaths(s.month);
  const file = (path: string) => path.slice('energy/'.length);
  const lines: string[] = [`# Energy, ${s.month}`, ''];
  lines.push(coverage(s), '');
  lines.push('| | this month | always on | saved |', '|---|---:|---:|---:|');
  lines.push(`| energy used by the servers | ${formatKWh(s.kWh)} | ${formatKWh(s.alwaysOnKWh)} | **${formatKWh(s.savedKWh)} (${formatPercent(s.savedShare)})** |`);
  lines.push(`| at the meter (with cooling, x PUE) | ${formatKWh(s.meterKWh)} | ${formatKWh(s.alwaysOnMeterKWh)} | ${formatKWh(s.alwaysOnMeterKWh - s.meterKWh)} |`);
  lines.push(`| cost | ${formatMoney(s.cost)} | ${formatMoney(s.alwaysOnCost)} | **${formatMoney(s.savedCost)}** |`);
  lines.push('', BASELINE_RULE, '');
  lines.push(`![Power per node](${file(p.power)})`, '', `![Energy against always on](${file(p.savings)})`, '');

  lines.push('## Per tenant', '', `![Energy per tenant](${file(p.tenants)})`, '');
  if (s.tenants.length === 0) lines.push('Nothing recorded yet.', '');
  else {
    lines.push('| tenant | energy | share | cost |', '|---|---:|---:|---:|');
    for (const t of s.tenants) lines.push(`| ${t.tenant === PLATFORM ? '_platform (shared overhead)_' : t.tenant} | ${formatKWh(t.kWh)} | ${formatPercent(t.share)} | ${formatMoney(t.cost)} |`);
    lines.push('');
  }
  lines.push(`How it is shared: ${SHARING_RULE}`, '');

  lines.push('## Per node', '');
  if (s.nodes.length === 0) lines.push('Nothing recorded yet.', '');
  else {
    lines.push('| site | node | on | average power | energy | always on | cost | measured by its BMC |', '|---|---|---:|---:|---:|---:|---:|---:|');
    for (const n of s.nodes) {
      lines.push(`| ${n.site} | ${n.node} | ${formatHours(n.onHours)} of ${formatHours(n.coveredHours)} | ${fixed(n.averageWatts, 0)} W | ${formatKWh(n.kWh)} | ${formatKWh(n.alwaysOnKWh)} | ${formatMoney(n.cost)} | ${formatPercent(n.measured)} |`);
    }
    lines.push('', 'Nodes without a power reading from their BMC are modelled: idle watts plus (busy - idle) x CPU load while on, nothing while off.', '');
  }

  lines.push('## Prices', '');
  const sites = Object.entries(s.sites);
  if (sites.length === 0) lines.push('No site seen yet.', '');
  else {
    lines.push('| site | price per kWh | PUE | cost of a kWh used by the servers |', '|---|---:|---:|---:|');
    for (const [name, e] of sites) lines.push(`| ${name} | ${fixed(e.pricePerKWh, 4)} ${e.currency} | ${fixed(e.pue, 2)} | ${fixed(e.pricePerKWh * e.pue, 4)} ${e.currency} |`);
    lines.push('');
  }

  lines.push('## Data gaps', '');
  if (s.gaps.length === 0) lines.push(`None: no node went more than ${fixed(s.maxGapSeconds / 60, 0)} minutes without a reading.`, '');
  else {
    lines.push(`Times with no reading (agent stopped, site or BMC unreachable), after the last reading had counted for ${fixed(s.maxGapSeconds / 60, 0)} minutes; they are not in the figures above.`, '');
    lines.push('| from (UTC) | to (UTC) | length | nodes |', '|---|---|---:|---|');
    for (const g of s.gaps) lines.push(`| ${when(g.from)} | ${when(g.to)} | ${formatHours(g.hours)} | ${gapNodes(g)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

/** The terminal form of the same figures (`marmite energy report`). */
export function renderSummaryText(s: EnergySummary): string {
  const lines: string[] = [`Energy ${s.month}`, coverage(s), ''];
  const rows: [string, string][] = [
    ['used by the servers', formatKWh(s.kWh)],
    ['at the meter (x PUE)', formatKWh(s.meterKWh)],
    ['cost', formatMoney(s.cost)],
    ['always on would be', `${formatKWh(s.alwaysOnKWh)}, ${formatMoney(s.alwaysOnCost)}`],
    ['saved', `${formatKWh(s.savedKWh)} (${formatPercent(s.savedShare)}), ${formatMoney(s.savedCost)}`],
  ];
  lines.push(...table(rows.map(([a, b]) => [a, b])), '');
  if (s.tenants.length > 0) {
    lines.push('Tenants:');
    lines.push(...table(s.tenants.map((t) => [`  ${t.tenant}`, formatKWh(t.kWh), formatPercent(t.share), formatMoney(t.cost)])), '');
  }
  if (s.nodes.length > 0) {
    lines.push('Nodes:');
    lines.push(...table(s.nodes.map((n) => [`  ${n.site}/${n.node}`, `on ${formatHours(n.onHours)}`, `${fixed(n.averageWatts, 0)} W avg`, formatKWh(n.kWh), formatMoney(n.cost), `${formatPercent(n.measured)} measured`])), '');
  }
  if (s.gaps.length > 0) {
    lines.push('Data gaps:');
    for (const g of s.gaps) lines.push(`  ${when(g.from)} .. ${when(g.to)} UTC (${formatHours(g.hours)}): ${gapNodes(g)}`);
    lines.push('');
  }
  return lines.join('\n');
}

function coverage(s: EnergySummary): string {
  if (s.updatedAt === undefined) return 'No readings yet this month.';
  const covered = Math.max(0, ...s.nodes.map((n) => n.coveredHours));
  return `Figures up to ${when(s.updatedAt)} UTC, ${formatHours(covered)} of readings out of the month's ${s.hoursInMonth} h (hours are UTC).`;
}

/** `2026-12-02 02:05`: UTC, to the minute. */
function when(iso: string): string {
  return iso.slice(0, 16).replace('T', ' ');
}

function gapNodes(g: GapSummary): string {
  return g.nodes === 'all' ? 'all nodes' : g.nodes.join(', ');
}

/** Left-aligned first column, right-aligned others, two spaces apart. */
function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

