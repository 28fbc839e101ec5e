// The month's energy ledger: samples integrated into kWh per node and per tenant for each UTC
// hour, priced per site (price x PUE: each IT kWh costs PUE kWh at the meter), next to what the
// same fleet would have used always on. Plain JSON state, committed as energy/<yyyy-mm>.json and
// read back when the agent restarts, so a month is continued, never restarted.
//
// Integration rule: a reading holds until the next sample (left rectangle). Power readings are
// polled states and the big changes are steps (a node switching on or off), which a trapezoid
// would smear over a whole poll interval; holding also keeps tenant shares adding up exactly to
// the node. A reading never holds for more than `maxGapSeconds`: beyond that (agent down, site
// unreachable) the time is not counted and is recorded as a gap instead.

import { MarmiteError } from '../core/errors.js';
import { stableStringify } from '../model/marker.js';
import { cmp, type EnergySample, type NodeReading, type SitePrice } from './sample.js';
import { isMonth, monthOf, monthRange, splitByHour } from './time.js';

/** Amounts per currency (a fleet normally has one). */
export type Money = Record<string, number>;

/**
 * One node's hour, as a compact row (the month file holds one per node and hour):
 * [seconds covered, seconds on, seconds measured by the BMC, kWh, always-on kWh, cost, always-on
 * cost], costs in the node's currency, at the meter (price x PUE).
 */
export type NodeRow = [number, number, number, number, number, number, number];
export const NODE_COLUMNS = ['seconds', 'onSeconds', 'bmcSeconds', 'kWh', 'alwaysOnKWh', 'cost', 'alwaysOnCost'] as const;
export const N = { seconds: 0, onSeconds: 1, bmcSeconds: 2, kWh: 3, alwaysOnKWh: 4, cost: 5, alwaysOnCost: 6 } as const;

export interface NodeHour {
  seconds: number;
  onSeconds: number;
  bmcSeconds: number;
  kWh: number;
  alwaysOnKWh: number;
  cost: number;
  alwaysOnCost: number;
}

/** A row with its columns named. */
export function nodeHour(row: NodeRow): NodeHour {
  return Object.fromEntries(NODE_COLUMNS.map((c, i) => [c, row[i]!])) as unknown as NodeHour;
}

/** A tenant's hour on one site: [kWh, cost in the site's currency]. */
export type TenantRow = [number, number];
export const TENANT_COLUMNS = ['kWh', 'cost'] as const;

/** Time a node's consumption is not known for. */
export interface Gap {
  node: string;
  from: string;
  to: string;
}

/** A node's last reading, held until the next sample (at most maxGapSeconds after `at`). */
export interface Carried {
  at: string;
  /** Integrated up to here. */
  countedUntil: string;
  reading: NodeReading;
  price: SitePrice;
}

export interface LedgerState {
  formatVersion: 1;
  month: string;
  maxGapSeconds: number;
  lastSampleAt?: string;
  /** Names the row columns, so the file explains itself. */
  columns: { node: readonly string[]; tenant: readonly string[] };
  sites: Record<string, SitePrice>;
  nodes: Record<string, { site: string; currency: string; hours: Record<string, NodeRow> }>;
  /** tenant -> site -> hour -> row. */
  tenants: Record<string, Record<string, Record<string, TenantRow>>>;
  gaps: Gap[];
  carried: Record<string, Carried>;
}

/** What one sample added: the agent turns it into counter increments. */
export interface EnergyDelta {
  nodes: Record<string, { site: string; kWh: number; alwaysOnKWh: number }>;
  tenants: Record<string, number>;
  cost: Money;
  alwaysOnCost: Money;
}

export const DEFAULT_MAX_GAP_SECONDS = 900;

export class EnergyFormatError extends MarmiteError {
  override name = 'EnergyFormatError';
}

export class EnergyLedger {
  readonly state: LedgerState;

  private constructor(state: LedgerState) {
    this.state = state;
  }

  static empty(month: string, options: { maxGapSeconds?: number } = {}): EnergyLedger {
    if (!isMonth(month)) throw new EnergyFormatError(`energy ledger: month must be YYYY-MM, got '${month}'`);
    return new EnergyLedger({
      formatVersion: 1,
      month,
      maxGapSeconds: options.maxGapSeconds ?? DEFAULT_MAX_GAP_SECONDS,
      columns: { node: NODE_COLUMNS, tenant: TENANT_COLUMNS },
      sites: {},
      nodes: {},
      tenants: {},
      gaps: [],
      carried: {},
    });
  }

  /** Reads energy/<yyyy-mm>.json back; `source` names it in errors. */
  static fromJSON(text: string, source = 'energy ledger'): EnergyLedger {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new EnergyFormatError(`${source}: not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const s = parsed as Partial<LedgerState> | null;
    if (!s || typeof s !== 'object' || s.formatVersion !== 1) throw new EnergyFormatError(`${source}: formatVersion must be 1`);
    if (typeof s.month !== 'string' || !isMonth(s.month)) throw new EnergyFormatError(`${source}: month must be YYYY-MM`);
    for (const key of ['sites', 'nodes', 'tenants', 'carried'] as const) {
      if (!s[key] || typeof s[key] !== 'object' || Array.isArray(s[key])) throw new EnergyFormatError(`${source}: ${key} must be an object`);
    }
    if (!Array.isArray(s.gaps)) throw new EnergyFormatError(`${source}: gaps must be a list`);
    return new EnergyLedger({
      ...(s as LedgerState),
      columns: { node: NODE_COLUMNS, tenant: TENANT_COLUMNS },
      maxGapSeconds: typeof s.maxGapSeconds === 'number' ? s.maxGapSeconds : DEFAULT_MAX_GAP_SECONDS,
    });
  }

  get month(): string {
    return this.state.month;
  }

  /**
   * Stable key order, one line per row, kWh and money to 1e-6 and seconds to the millisecond:
   * an unchanged ledger gives an unchanged file, and a month of a dozen nodes stays well under a
   * megabyte although it is committed every hour.
   */
  toJSON(): string {
    const s = this.state;
    const nodes = mapValues(s.nodes, (n) => ({ ...n, hours: mapValues(n.hours, (r) => r.map((v, i) => round(v, i < N.kWh ? 3 : 6))) }));
    const tenants = mapValues(s.tenants, (bySite) => mapValues(bySite, (hours) => mapValues(hours, (r) => r.map((v) => round(v, 6)))));
    return `${formatJson(JSON.parse(stableStringify({ ...s, nodes, tenants })), '')}\n`;
  }

  /**
   * Integrates the time since the previous sample that falls in this month. A sample at or before
   * the last one changes nothing, so replaying a cycle is harmless.
   */
  record(sample: EnergySample): EnergyDelta {
    const delta: EnergyDelta = { nodes: {}, tenants: {}, cost: {}, alwaysOnCost: {} };
    const at = Date.parse(sample.at);
    const s = this.state;
    if (s.lastSampleAt !== undefined && at <= Date.parse(s.lastSampleAt)) return delta;
    const previous = s.lastSampleAt === undefined ? undefined : Date.parse(s.lastSampleAt);
    const present = (name: string) => name in sample.nodes || sample.unknown.includes(name);

    for (const name of Object.keys(s.carried).sort(cmp)) {
      const c = s.carried[name]!;
      const from = Date.parse(c.countedUntil);
      const heldUntil = Date.parse(c.at) + s.maxGapSeconds * 1000;
      const to = Math.max(from, Math.min(at, heldUntil));
      this.#integrate(name, c, from, to, delta);
      c.countedUntil = new Date(to).toISOString();
      if (heldUntil < at && present(name)) this.#gap(name, Math.max(heldUntil, previous ?? heldUntil), at);
      if (!present(name)) delete s.carried[name]; // gone from the desired state
    }
    for (const name of sample.unknown) {
      if (!(name in s.carried) && previous !== undefined) this.#gap(name, previous, at);
    }
    for (const [name, reading] of Object.entries(sample.nodes)) {
      const price = sample.sites[reading.site] ?? { pricePerKWh: 0, currency: '', pue: 1 };
      s.carried[name] = { at: sample.at, countedUntil: sample.at, reading, price };
    }
    Object.assign(s.sites, sample.sites);
    s.lastSampleAt = sample.at;
    return delta;
  }

  /** The next month's ledger, carrying the last readings so the hours across midnight count. */
  rollTo(month: string): EnergyLedger {
    if (!isMonth(month) || month <= this.month) throw new EnergyFormatError(`energy ledger ${this.month}: cannot roll to '${month}'`);
    const next = EnergyLedger.empty(month, { maxGapSeconds: this.state.maxGapSeconds });
    const copy = structuredClone({ sites: this.state.sites, carried: this.state.carried });
    Object.assign(next.state, copy);
    if (this.state.lastSampleAt !== undefined) next.state.lastSampleAt = this.state.lastSampleAt;
    return next;
  }

  #integrate(name: string, c: Carried, from: number, to: number, delta: EnergyDelta): void {
    const { start, end } = monthRange(this.month);
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    if (b <= a) return;
    const r = c.reading;
    const perKWh = c.price.pricePerKWh * c.price.pue;
    const currency = c.price.currency;
    const node = (this.state.nodes[name] ??= { site: r.site, currency, hours: {} });
    node.site = r.site;
    node.currency = currency;
    const d = (delta.nodes[name] ??= { site: r.site, kWh: 0, alwaysOnKWh: 0 });
    for (const { hour, seconds } of splitByHour(a, b)) {
      const row = (node.hours[hour] ??= [0, 0, 0, 0, 0, 0, 0]);
      const kWh = kwh(r.watts, seconds);
      const alwaysOnKWh = kwh(r.alwaysOnWatts, seconds);
      row[N.seconds] += seconds;
      if (r.state === 'on') row[N.onSeconds] += seconds;
      if (r.source === 'bmc') row[N.bmcSeconds] += seconds;
      row[N.kWh] += kWh;
      row[N.alwaysOnKWh] += alwaysOnKWh;
      row[N.cost] += kWh * perKWh;
      row[N.alwaysOnCost] += alwaysOnKWh * perKWh;
      d.kWh += kWh;
      d.alwaysOnKWh += alwaysOnKWh;
      addMoney(delta.cost, currency, kWh * perKWh);
      addMoney(delta.alwaysOnCost, currency, alwaysOnKWh * perKWh);
      for (const [tenant, watts] of Object.entries(r.tenants)) {
        const share = kwh(watts, seconds);
        const bySite = (this.state.tenants[tenant] ??= {});
        const t = ((bySite[r.site] ??= {})[hour] ??= [0, 0]);
        t[0] += share;
        t[1] += share * perKWh;
        delta.tenants[tenant] = (delta.tenants[tenant] ?? 0) + share;
      }
    }
  }

  /** Records [from, to) as unknown for a node, clipped to the month, merged with the gap it continues. */
  #gap(node: string, from: number, to: number): void {
    const { start, end } = monthRange(this.month);
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    if (b <= a) return;
    const fromIso = new Date(a).toISOString();
    const toIso = new Date(b).toISOString();
    const gaps = this.state.gaps;
    const open = gaps.findLast((g) => g.node === node);
    if (open && open.to === fromIso) open.to = toIso;
    else gaps.push({ node, from: fromIso, to: toIso });
  }
}

/**
 * Records a sample on the current month's ledger; when the sample is in a later month, the current
 * ledger is closed at the month's end and the next one continues from the same readings.
 */
export function advance(ledger: EnergyLedger, sample: EnergySample): { current: EnergyLedger; closed?: EnergyLedger; delta: EnergyDelta } {
  const month = monthOf(sample.at);
  if (month <= ledger.month) return { current: ledger, delta: ledger.record(sample) };
  const next = ledger.rollTo(month);
  const before = ledger.record(sample);
  const after = next.record(sample);
  return { current: next, closed: ledger, delta: mergeDelta(before, after) };
}

function mergeDelta(a: EnergyDelta, b: EnergyDelta): EnergyDelta {
  const out = structuredClone(a);
  for (const [name, n] of Object.entries(b.nodes)) {
    const o = (out.nodes[name] ??= { site: n.site, kWh: 0, alwaysOnKWh: 0 });
    o.kWh += n.kWh;
    o.alwaysOnKWh += n.alwaysOnKWh;
  }
  for (const [t, v] of Object.entries(b.tenants)) out.tenants[t] = (out.tenants[t] ?? 0) + v;
  for (const [c, v] of Object.entries(b.cost)) addMoney(out.cost, c, v);
  for (const [c, v] of Object.entries(b.alwaysOnCost)) addMoney(out.alwaysOnCost, c, v);
  return out;
}

function kwh(watts: number, seconds: number): number {
  return (watts * seconds) / 3_600_000;
}

export function addMoney(money: Money, currency: string, amount: number): void {
  money[currency] = (money[currency] ?? 0) + amount;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}

/** JSON with one-space indentation, except arrays of numbers and strings, kept on one line. */
function formatJson(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(value);
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${indent} ${formatJson(v, `${indent} `)}`).join(',\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${indent} ${JSON.stringify(k)}: ${formatJson(v, `${indent} `)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
