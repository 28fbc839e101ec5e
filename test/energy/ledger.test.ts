import { describe, expect, it } from 'vitest';
import { advance, EnergyFormatError, EnergyLedger, nodeHour, summarize, type EnergySample } from '../../src/energy/index.js';
import { hour, sameLedger, sample } from './fixtures.js';

const PRICE = 0.22 * 1.5;

/** Samples of constant watts every `stepMinutes` from `from` (inclusive) to `to` (inclusive). */
function every(from: string, to: string, stepMinutes: number, nodes: Parameters<typeof sample>[1]): EnergySample[] {
  const out: EnergySample[] = [];
  for (let t = Date.parse(from); t <= Date.parse(to); t += stepMinutes * 60_000) out.push(sample(new Date(t).toISOString(), nodes));
  return out;
}

function feed(ledger: EnergyLedger, samples: EnergySample[]): EnergyLedger {
  let current = ledger;
  for (const s of samples) current = advance(current, s).current;
  return current;
}

describe('EnergyLedger: integration', () => {
  it('integrates a constant reading into kWh per hour, priced with the PUE', () => {
    // Arrange
    const ledger = EnergyLedger.empty('2026-12');
    // Act: 100 W from 10:00 to 12:00, a sample every 5 minutes
    feed(ledger, every('2026-12-03T10:00:00Z', '2026-12-03T12:00:00Z', 5, { n1: { watts: 100 } }));
    // Assert
    expect(Object.keys(ledger.state.nodes.n1!.hours)).toEqual(['2026-12-03T10', '2026-12-03T11']);
    expect(hour(ledger, 'n1', '2026-12-03T10').kWh).toBeCloseTo(0.1, 12);
    expect(hour(ledger, 'n1', '2026-12-03T11').seconds).toBeCloseTo(3600, 9);
    expect(hour(ledger, 'n1', '2026-12-03T11').cost).toBeCloseTo(0.1 * PRICE, 12);
    expect(ledger.state.tenants.platform!.paris!['2026-12-03T10']![0]).toBeCloseTo(0.1, 12);
  });

  it.each([
    ['10:55 to 11:05', '2026-12-03T10:55:00Z', '2026-12-03T11:05:00Z', { '2026-12-03T10': 300, '2026-12-03T11': 300 }],
    ['10:50 to 11:00', '2026-12-03T10:50:00Z', '2026-12-03T11:00:00Z', { '2026-12-03T10': 600 }],
    ['10:59:30 to 11:10:30', '2026-12-03T10:59:30Z', '2026-12-03T11:10:30Z', { '2026-12-03T10': 30, '2026-12-03T11': 630 }],
  ])('splits an interval at the hour: %s', (_name, a, b, expected) => {
    // Arrange
    const ledger = EnergyLedger.empty('2026-12');
    // Act: the reading at `a` holds until `b`
    feed(ledger, [sample(a, { n1: { watts: 360 } }), sample(b, { n1: { watts: 0 } })]);
    // Assert
    const seconds = Object.fromEntries(Object.entries(ledger.state.nodes.n1!.hours).map(([h, row]) => [h, nodeHour(row).seconds]));
    expect(seconds).toEqual(expected);
  });

  it('holds the previous reading until the next sample (a node switched off counts from then)', () => {
    // Arrange
    const ledger = EnergyLedger.empty('2026-12');
    // Act: on at 200 W for 10 minutes, then off
    feed(ledger, [sample('2026-12-03T10:00:00Z', { n1: { watts: 200 } }), sample('2026-12-03T10:10:00Z', { n1: { watts: 0, state: 'off' } }), sample('2026-12-03T10:20:00Z', { n1: { watts: 0, state: 'off' } })]);
    // Assert
    const h = hour(ledger, 'n1', '2026-12-03T10');
    expect(h.kWh).toBeCloseTo(200 / 6 / 1000, 12);
    expect(h.onSeconds).toBe(600);
    expect(h.seconds).toBe(1200);
  });

  it('keeps tenant kWh adding up to the node kWh', () => {
    // Arrange
    const ledger = EnergyLedger.empty('2026-12');
    const tenants = { a: 30, b: 45.5, platform: 74.5 };
    // Act
    feed(ledger, every('2026-12-03T10:03:00Z', '2026-12-03T13:07:00Z', 7, { n1: { watts: 150, tenants } }));
    // Assert
    const s = summarize(ledger);
    expect(s.tenants.reduce((a, t) => a + t.kWh, 0)).toBeCloseTo(s.kWh, 12);
    expect(s.tenants.map((t) => t.tenant)).toEqual(['b', 'a', 'platform']);
  });
});

describe('EnergyLedger: gaps', () => {
  it('counts a reading for at most maxGapSeconds and records the rest as a gap', () => {
    // Arrange
    const ledger = EnergyLedger.empty('2026-12');
    // Act: the agent was down from 10:00 to 11:00
    feed(ledger, [sample('2026-12-03T10:00:00Z', { n1: { watts: 400 } }), sample('2026-12-03T11:00:00Z', { n1: { watts: 400 } }), sample('2026-12-03T11:05:00Z', { n1: { watts: 400 } })]);
    // Assert
    expect(hour(ledger, 'n1', '2026-12-03T10').seconds).toBe(900);
    expect(hour(ledger, 'n1', '2026-12-03T11').seconds).toBe(300);
    expect(ledger.state.gaps).toEqual([{ node: 'n1', from: '2026-12-03T10:15:00.000Z', to: '2026-12-03T11:00:00.000Z' }]);
  });

  it('merges a gap that lasts over several samples (a node without readings)', () => {
    // Arrange
    const ledger = EnergyLedger.empty('2026-12', { maxGapSeconds: 600 });
    const both = { n1: { watts: 100 }, n2: { watts: 50 } };
    // Act: n2 unreadable from 10:05 to 10:45
    feed(ledger, [
      sample('2026-12-03T10:00:00Z', both),
      ...['10:05', '10:15', '10:25', '10:35', '10:45'].map((t) => sample(`2026-12-03T${t}:00Z`, { n1: { watts: 100 } }, ['n2'])),
      sample('2026-12-03T10:50:00Z', both),
    ]);
    // Assert
    expect(ledger.state.gaps).toEqual([{ node: 'n2', from: '2026-12-03T10:10:00.000Z', to: '2026-12-03T10:50:00.000Z' }]);
    expect(hour(ledger, 'n2', '2026-12-03T10').seconds).toBe(600);
    expect(summarize(ledger).gaps).toEqual([{ nodes: ['n2'], from: '2026-12-03T10:10:00.000Z', to: '2026-12-03T10:50:00.000Z', hours: 40 / 60 }]);
  });

  it('says "all" for a gap every node shares', () => {
    // Arrange
    const ledger = EnergyLedger.empty('2026-12');
    const both = { n1: { watts: 100 }, n2: { watts: 50 } };
    // Act
    feed(ledger, [sample('2026-12-03T10:00:00Z', both), sample('2026-12-03T14:00:00Z', both)]);
    // Assert
    expect(summarize(ledger).gaps).toEqual([{ nodes: 'all', from: '2026-12-03T10:15:00.000Z', to: '2026-12-03T14:00:00.000Z', hours: 3.75 }]);
  });

  it('forgets a node removed from the desired state without a gap', () => {
    // Arrange
    const ledger = EnergyLedger.empty('2026-12');
    // Act
    feed(ledger, [sample('2026-12-03T10:00:00Z', { n1: { watts: 100 }, old: { watts: 100 } }), sample('2026-12-03T10:05:00Z', { n1: { watts: 100 } }), sample('2026-12-03T11:00:00Z', { n1: { watts: 100 } })]);
    // Assert
    expect(Object.keys(ledger.state.carried)).toEqual(['n1']);
    expect(ledger.state.gaps.map((g) => g.node)).toEqual(['n1']);
    expect(hour(ledger, 'old', '2026-12-03T10').seconds).toBe(300);
  });
});

describe('EnergyLedger: always-on baseline', () => {
  it('compares with every node on: measured watts while on, idle watts while off', () => {
    // Arrange
    const ledger = EnergyLedger.empty('2026-12');
    // Act: n1 on at 200 W, n2 off (idle would be 100 W), for one hour
    feed(ledger, every('2026-12-03T10:00:00Z', '2026-12-03T11:00:00Z', 5, { n1: { watts: 200 }, n2: { watts: 0, state: 'off', alwaysOnWatts: 100 } }));
    // Assert
    const s = summarize(ledger);
    expect(s.kWh).toBeCloseTo(0.2, 12);
    expect(s.alwaysOnKWh).toBeCloseTo(0.3, 12);
    expect(s.savedKWh).toBeCloseTo(0.1, 12);
    expect(s.savedShare).toBeCloseTo(1 / 3, 12);
    expect(s.savedCost.EUR).toBeCloseTo(0.1 * PRICE, 12);
    expect(s.meterKWh).toBeCloseTo(0.3, 12);
    expect(s.alwaysOnMeterKWh).toBeCloseTo(0.45, 12);
  });
});

describe('EnergyLedger: month boundary', () => {
  it('closes the month at midnight UTC and continues the next one from the same reading', () => {
    // Arrange
    const nov = EnergyLedger.empty('2026-11');
    feed(nov, [sample('2026-11-30T23:50:00Z', { n1: { watts: 120 } })]);
    // Act
    const r = advance(nov, sample('2026-12-01T00:05:00Z', { n1: { watts: 120 } }));
    // Assert
    expect(r.closed?.month).toBe('2026-11');
    expect(r.current.month).toBe('2026-12');
    expect(hour(nov, 'n1', '2026-11-30T23').seconds).toBe(600);
    expect(hour(r.current, 'n1', '2026-12-01T00').seconds).toBe(300);
    expect(r.delta.nodes.n1!.kWh).toBeCloseTo((120 * 900) / 3_600_000, 12);
  });

  it('notes the gap in the new month when the agent was down across midnight', () => {
    // Arrange
    const nov = EnergyLedger.empty('2026-11');
    feed(nov, [sample('2026-11-30T23:50:00Z', { n1: { watts: 120 } })]);
    // Act
    const r = advance(nov, sample('2026-12-01T02:00:00Z', { n1: { watts: 120 } }));
    // Assert
    expect(nov.state.gaps).toEqual([]);
    expect(hour(nov, 'n1', '2026-11-30T23').seconds).toBe(600);
    expect(hour(r.current, 'n1', '2026-12-01T00').seconds).toBe(300);
    expect(r.current.state.gaps).toEqual([{ node: 'n1', from: '2026-12-01T00:05:00.000Z', to: '2026-12-01T02:00:00.000Z' }]);
  });

  it.each([['the same month', '2026-12'], ['an earlier month', '2026-11'], ['not a month', '2026-13']])('refuses to roll to %s', (_name, month) => {
    expect(() => EnergyLedger.empty('2026-12').rollTo(month)).toThrow(EnergyFormatError);
  });
});

describe('EnergyLedger: serialisation', () => {
  const samples = every('2026-12-03T09:58:00Z', '2026-12-03T13:01:00Z', 3, { n1: { watts: 210, tenants: { a: 60, platform: 150 } }, n2: { watts: 0, state: 'off', alwaysOnWatts: 90, tenants: { platform: 0 } } });

  it('round-trips through JSON with stable key order', () => {
    // Arrange
    const ledger = feed(EnergyLedger.empty('2026-12'), samples);
    // Act
    const text = ledger.toJSON();
    const again = EnergyLedger.fromJSON(text).toJSON();
    // Assert
    expect(again).toBe(text);
    expect(text.endsWith('\n')).toBe(true);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['carried', 'columns', 'formatVersion', 'gaps', 'lastSampleAt', 'maxGapSeconds', 'month', 'nodes', 'sites', 'tenants']);
  });

  it('continues the month after a reload exactly as without one', () => {
    // Arrange
    const straight = feed(EnergyLedger.empty('2026-12'), samples);
    const before = feed(EnergyLedger.empty('2026-12'), samples.slice(0, 25));
    // Act: the agent restarts and reads its ledger back
    const resumed = feed(EnergyLedger.fromJSON(before.toJSON()), samples.slice(25));
    // Assert
    expect(sameLedger(resumed.toJSON(), straight.toJSON())).toEqual([]);
    expect(resumed.state.lastSampleAt).toBe(straight.state.lastSampleAt);
  });

  it('ignores a sample at the same time or earlier (a replayed cycle)', () => {
    // Arrange
    const ledger = feed(EnergyLedger.empty('2026-12'), samples);
    const text = ledger.toJSON();
    // Act
    const same = ledger.record(samples.at(-1)!);
    const earlier = ledger.record(samples[3]!);
    // Assert
    expect(ledger.toJSON()).toBe(text);
    expect(same.nodes).toEqual({});
    expect(earlier.nodes).toEqual({});
  });

  it.each([
    ['not JSON', '{'],
    ['another format version', JSON.stringify({ formatVersion: 2, month: '2026-12' })],
    ['a bad month', JSON.stringify({ formatVersion: 1, month: 'december', sites: {}, nodes: {}, tenants: {}, carried: {}, gaps: [] })],
    ['nodes not an object', JSON.stringify({ formatVersion: 1, month: '2026-12', sites: {}, nodes: [], tenants: {}, carried: {}, gaps: [] })],
    ['gaps missing', JSON.stringify({ formatVersion: 1, month: '2026-12', sites: {}, nodes: {}, tenants: {}, carried: {} })],
  ])('refuses %s, naming the file', (_name, text) => {
    expect(() => EnergyLedger.fromJSON(text, 'energy/2026-12.json')).toThrow(/^energy\/2026-12\.json: /);
  });
});
