// The month's figures from a ledger: totals, per node, per tenant, gaps, and the hourly series the
// charts draw. Every renderer (markdown, text, json, SVG) reads this, so they always agree.

import { addMoney, N, type EnergyLedger, type Money } from './ledger.js';
import { cmp, PLATFORM, type SitePrice } from './sample.js';
import { hoursInMonth, HOUR_MS, monthRange } from './time.js';

export interface NodeSummary {
  node: string;
  site: string;
  kWh: number;
  alwaysOnKWh: number;
  cost: Money;
  /** Hours the node was seen on / with readings at all. */
  onHours: number;
  coveredHours: number;
  /** Average watts over the time with readings. */
  averageWatts: number;
  /** Share of the covered time measured by the BMC (0..1). */
  measured: number;
}

export interface TenantSummary {
  tenant: string;
  kWh: number;
  cost: Money;
  /** Share of the fleet's kWh (0..1). */
  share: number;
}

export interface GapSummary {
  /** Node names, or every node of the ledger. */
  nodes: string[] | 'all';
  from: string;
  to: string;
  hours: number;
}

export interface EnergySummary {
  month: string;
  /** Longest a reading counts for; longer silences are gaps. */
  maxGapSeconds: number;
  /** Last sample integrated. */
  updatedAt?: string;
  hoursInMonth: number;
  kWh: number;
  /** kWh at the meter: IT kWh times each site's PUE. */
  meterKWh: number;
  alwaysOnKWh: number;
  alwaysOnMeterKWh: number;
  savedKWh: number;
  /** Saved as a share of always-on (0..1); 0 when nothing was counted. */
  savedShare: number;
  cost: Money;
  alwaysOnCost: Money;
  savedCost: Money;
  sites: Record<string, SitePrice>;
  nodes: NodeSummary[];
  tenants: TenantSummary[];
  gaps: GapSummary[];
  /** Per hour of the month (index 0 = first hour): watts per node, cumulative kWh actual and always-on. */
  series: { nodes: string[]; watts: number[][]; cumulativeKWh: number[]; cumulativeAlwaysOnKWh: number[] };
}

export function summarize(ledger: EnergyLedger): EnergySummary {
  const s = ledger.state;
  const hours = hoursInMonth(s.month);
  const { start } = monthRange(s.month);
  const names = Object.keys(s.nodes).sort(cmp);
  const watts = names.map(() => new Array<number>(hours).fill(0));
  const actualByHour = new Array<number>(hours).fill(0);
  const alwaysOnByHour = new Array<number>(hours).fill(0);
  const nodes: NodeSummary[] = [];
  // Every site's currency appears, even at zero, so an empty month still says "0.00 EUR".
  const cost: Money = zeroMoney(s.sites);
  const alwaysOnCost: Money = zeroMoney(s.sites);
  let meterKWh = 0;
  let alwaysOnMeterKWh = 0;

  names.forEach((name, i) => {
    const n = s.nodes[name]!;
    const sum: NodeSummary = { node: name, site: n.site, kWh: 0, alwaysOnKWh: 0, cost: {}, onHours: 0, coveredHours: 0, averageWatts: 0, measured: 0 };
    let seconds = 0;
    let bmcSeconds = 0;
    for (const [hour, row] of Object.entries(n.hours)) {
      const index = Math.round((Date.parse(`${hour}:00:00Z`) - start) / HOUR_MS);
      if (index >= 0 && index < hours) {
        watts[i]![index] = row[N.seconds] > 0 ? (row[N.kWh] * 3_600_000) / row[N.seconds] : 0;
        actualByHour[index]! += row[N.kWh];
        alwaysOnByHour[index]! += row[N.alwaysOnKWh];
      }
      sum.kWh += row[N.kWh];
      sum.alwaysOnKWh += row[N.alwaysOnKWh];
      sum.onHours += row[N.onSeconds] / 3600;
      seconds += row[N.seconds];
      bmcSeconds += row[N.bmcSeconds];
      addMoney(sum.cost, n.currency, row[N.cost]);
      addMoney(cost, n.currency, row[N.cost]);
      addMoney(alwaysOnCost, n.currency, row[N.alwaysOnCost]);
    }
    sum.coveredHours = seconds / 3600;
    sum.averageWatts = seconds > 0 ? (sum.kWh * 3_600_000) / seconds : 0;
    sum.measured = seconds > 0 ? bmcSeconds / seconds : 0;
    meterKWh += sum.kWh * (s.sites[n.site]?.pue ?? 1);
    alwaysOnMeterKWh += sum.alwaysOnKWh * (s.sites[n.site]?.pue ?? 1);
    nodes.push(sum);
  });

  const kWh = nodes.reduce((a, n) => a + n.kWh, 0);
  const alwaysOnKWh = nodes.reduce((a, n) => a + n.alwaysOnKWh, 0);
  const tenants = Object.keys(s.tenants)
    .map((tenant): TenantSummary => {
      const t: TenantSummary = { tenant, kWh: 0, cost: {}, share: 0 };
      for (const [site, rows] of Object.entries(s.tenants[tenant]!)) {
        const currency = s.sites[site]?.currency ?? '';
        for (const [kWh, amount] of Object.values(rows)) {
          t.kWh += kWh;
          addMoney(t.cost, currency, amount);
        }
      }
      t.share = kWh > 0 ? t.kWh / kWh : 0;
      return t;
    })
    // Tenants by consumption; the platform's overhead last, where volunteers expect the remainder.
    .sort((a, b) => Number(a.tenant === PLATFORM) - Number(b.tenant === PLATFORM) || b.kWh - a.kWh || cmp(a.tenant, b.tenant));

  const savedCost: Money = {};
  for (const c of new Set([...Object.keys(cost), ...Object.keys(alwaysOnCost)])) savedCost[c] = (alwaysOnCost[c] ?? 0) - (cost[c] ?? 0);

  return {
    month: s.month,
    maxGapSeconds: s.maxGapSeconds,
    ...(s.lastSampleAt !== undefined ? { updatedAt: s.lastSampleAt } : {}),
    hoursInMonth: hours,
    kWh,
    meterKWh,
    alwaysOnKWh,
    alwaysOnMeterKWh,
    savedKWh: alwaysOnKWh - kWh,
    savedShare: alwaysOnKWh > 0 ? (alwaysOnKWh - kWh) / alwaysOnKWh : 0,
    cost,
    alwaysOnCost,
    savedCost,
    sites: s.sites,
    nodes,
    tenants,
    gaps: groupGaps(ledger, names),
    series: { nodes: names, watts, cumulativeKWh: cumulative(actualByHour), cumulativeAlwaysOnKWh: cumulative(alwaysOnByHour) },
  };
}

/** Gaps shared by several nodes are one line; a gap of every node (agent down) says so. */
function groupGaps(ledger: EnergyLedger, names: string[]): GapSummary[] {
  const groups = new Map<string, GapSummary>();
  for (const g of ledger.state.gaps) {
    const key = `${g.from}|${g.to}`;
    const group = groups.get(key) ?? { nodes: [], from: g.from, to: g.to, hours: (Date.parse(g.to) - Date.parse(g.from)) / HOUR_MS };
    (group.nodes as string[]).push(g.node);
    groups.set(key, group);
  }
  const all = new Set(names);
  return [...groups.values()]
    .map((g) => {
      const nodes = [...new Set(g.nodes as string[])].sort(cmp);
      return { ...g, nodes: all.size > 1 && nodes.length === all.size && nodes.every((n) => all.has(n)) ? ('all' as const) : nodes };
    })
    .sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to));
}

function zeroMoney(sites: Record<string, SitePrice>): Money {
  return Object.fromEntries(Object.values(sites).map((p) => [p.currency, 0]));
}

function cumulative(values: number[]): number[] {
  let total = 0;
  return values.map((v) => (total += v));
}
