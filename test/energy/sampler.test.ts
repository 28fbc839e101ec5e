import { describe, expect, it } from 'vitest';
import { EnergySampler, type EnergyStore } from '../../src/agent/energy-sampler.js';
import { agentMetrics } from '../../src/agent/metrics.js';
import { createLogger } from '../../src/core/log.js';
import { EnergyLedger, energyMetrics } from '../../src/energy/index.js';
import { desired, hour, observed, sameLedger } from './fixtures.js';

/** The status branch as a map; `down` makes every read fail like an unreachable forge. */
function store(files: Record<string, string> = {}): EnergyStore & { files: Record<string, string>; down: boolean; reads: string[] } {
  return {
    files,
    down: false,
    reads: [],
    async read(path: string) {
      this.reads.push(path);
      if (this.down) throw Object.assign(new Error('forge down'), { transient: true });
      return { content: this.files[path] };
    },
  };
}

function sampler(s: EnergyStore, writeEverySeconds?: number) {
  const metrics = energyMetrics(agentMetrics());
  return { metrics, sampler: new EnergySampler({ store: s, metrics, log: createLogger({ level: 'silent' }), ...(writeEverySeconds ? { writeEverySeconds } : {}) }) };
}

/** Runs cycles at these times, committing what is due like the report stage does. */
async function cycles(sam: EnergySampler, s: ReturnType<typeof store>, times: string[]): Promise<boolean[]> {
  const due: boolean[] = [];
  for (const at of times) {
    const out = await sam.sample(desired(), observed({ at }));
    due.push(out.due);
    if (out.due) {
      Object.assign(s.files, out.files);
      sam.written(out.at);
    }
  }
  return due;
}

const minutes = (from: string, count: number, step: number) => Array.from({ length: count }, (_, i) => new Date(Date.parse(from) + i * step * 60_000).toISOString());

describe('EnergySampler', () => {
  it('writes the month at the first cycle, then once an hour', async () => {
    // Arrange
    const s = store();
    const { sampler: sam } = sampler(s);
    // Act: a cycle every 10 minutes for 2 hours
    const due = await cycles(sam, s, minutes('2026-12-03T10:00:00Z', 13, 10));
    // Assert
    expect(due).toEqual([true, false, false, false, false, false, true, false, false, false, false, false, true]);
    expect(Object.keys(s.files).sort()).toEqual(['energy/2026-12-power.svg', 'energy/2026-12-savings.svg', 'energy/2026-12-tenants.svg', 'energy/2026-12.json', 'energy/2026-12.md']);
  });

  it('continues the month from the status branch after a restart', async () => {
    // Arrange: one agent runs an hour and writes, another (restarted) continues
    const times = minutes('2026-12-03T10:00:00Z', 13, 10);
    const s = store();
    await cycles(sampler(s, 1).sampler, s, times.slice(0, 7));
    const straight = store();
    await cycles(sampler(straight, 1).sampler, straight, times);
    // Act
    await cycles(sampler(s, 1).sampler, s, times.slice(7));
    // Assert
    expect(sameLedger(s.files['energy/2026-12.json']!, straight.files['energy/2026-12.json']!)).toEqual([]);
    expect(s.reads).toContain('energy/2026-12.json');
  });

  it('closes a month and keeps its files until they are committed', async () => {
    // Arrange
    const s = store();
    const { sampler: sam } = sampler(s);
    await cycles(sam, s, ['2026-11-30T23:50:00Z']);
    // Act: the month's last write fails, the next cycle tries again
    const first = await sam.sample(desired(), observed({ at: '2026-12-01T00:00:00Z' }));
    const retry = await sam.sample(desired(), observed({ at: '2026-12-01T00:10:00Z' }));
    sam.written(retry.at);
    const after = await sam.sample(desired(), observed({ at: '2026-12-01T00:20:00Z' }));
    // Assert
    expect(first.due).toBe(true);
    expect(Object.keys(retry.files)).toContain('energy/2026-11.json');
    expect(Object.keys(retry.files)).toContain('energy/2026-12.md');
    expect(hour(EnergyLedger.fromJSON(retry.files['energy/2026-11.json']!), 'par-cpu-1', '2026-11-30T23').seconds).toBe(600);
    expect(after.due).toBe(false);
  });

  it('carries last month over when this month has no file yet', async () => {
    // Arrange
    const s = store();
    await cycles(sampler(s).sampler, s, ['2026-11-30T23:55:00Z']);
    // Act: restarted just after midnight
    const out = await sampler(s).sampler.sample(desired(), observed({ at: '2026-12-01T00:05:00Z' }));
    // Assert
    expect(s.reads).toContain('energy/2026-11.json');
    expect(hour(EnergyLedger.fromJSON(out.files['energy/2026-12.json']!), 'par-cpu-1', '2026-12-01T00').seconds).toBe(300);
    expect(hour(EnergyLedger.fromJSON(out.files['energy/2026-11.json']!), 'par-cpu-1', '2026-11-30T23').seconds).toBe(300);
  });

  it('skips the sample while the status branch cannot be read, and publishes power anyway', async () => {
    // Arrange
    const s = store();
    s.down = true;
    const { sampler: sam, metrics } = sampler(s);
    // Act
    const out = await sam.sample(desired(), observed({ at: '2026-12-03T10:00:00Z' }));
    s.down = false;
    const next = await sam.sample(desired(), observed({ at: '2026-12-03T10:10:00Z' }));
    // Assert
    expect(out).toEqual({ files: {}, due: false, at: '2026-12-03T10:00:00.000Z' });
    expect(metrics.get('marmite_node_power_watts', { site: 'paris', node: 'par-cpu-1' })).toBe(180);
    expect(next.due).toBe(true);
  });

  it('starts afresh over an unreadable ledger', async () => {
    // Arrange
    const s = store({ 'energy/2026-12.json': 'not json' });
    // Act
    const out = await sampler(s).sampler.sample(desired(), observed({ at: '2026-12-03T10:00:00Z' }));
    // Assert
    expect(EnergyLedger.fromJSON(out.files['energy/2026-12.json']!).state.lastSampleAt).toBe('2026-12-03T10:00:00.000Z');
  });
});
