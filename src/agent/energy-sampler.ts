// The agent's side of energy accounting: each cycle's observation becomes a sample on the month's
// ledger, which is loaded from the status branch the first time (a restarted agent continues its
// month). The month's files are handed to the report stage at most once per `writeEverySeconds`
// of sample time, and always when a month closes, so the status branch grows by a commit an hour,
// not one a minute.

import type { Logger } from '../core/log.js';
import { advance, EnergyLedger, energyFiles, energyPaths, monthOf, publishEnergy, publishPower, sampleEnergy, summarize } from '../energy/index.js';
import type { Desired } from '../model/desired.js';
import type { Observed } from '../model/observed.js';
import type { Metrics } from './metrics.js';

/** Reads a file at the status branch's head (BranchStore has this shape). */
export interface EnergyStore {
  read(path: string): Promise<{ content: string | undefined }>;
}

export interface EnergySamplerOptions {
  store: EnergyStore;
  metrics: Metrics;
  log: Logger;
  /** Least sample time between two writes of the month's files (default 3600). */
  writeEverySeconds?: number;
  maxGapSeconds?: number;
}

export interface EnergyOutput {
  /** Files to commit now (empty when not due). */
  files: Record<string, string>;
  due: boolean;
  /** Sample time, to pass to written() once the files are committed. */
  at: string;
}

export class EnergySampler {
  readonly #opts: EnergySamplerOptions;
  #ledger: EnergyLedger | undefined;
  /** Files of closed months not yet committed. */
  #pending: Record<string, string> = {};
  #lastWritten: number | undefined;

  constructor(options: EnergySamplerOptions) {
    this.#opts = options;
  }

  /** Records the cycle's observation; never throws (energy must not fail a cycle). */
  async sample(desired: Desired, observed: Observed): Promise<EnergyOutput> {
    const sample = sampleEnergy(desired, observed, observed.observedAt);
    const { metrics, log } = this.#opts;
    publishPower(metrics, sample);
    const ledger = await this.#load(monthOf(sample.at));
    if (!ledger) return { files: {}, due: false, at: sample.at };
    const { current, closed, delta } = advance(ledger, sample);
    this.#ledger = current;
    if (closed) Object.assign(this.#pending, energyFiles(closed));
    publishEnergy(metrics, delta, summarize(current));
    const at = Date.parse(sample.at);
    const every = (this.#opts.writeEverySeconds ?? 3600) * 1000;
    const due = Object.keys(this.#pending).length > 0 || this.#lastWritten === undefined || at - this.#lastWritten >= every;
    if (closed) log.info({ month: closed.month }, 'energy month closed');
    return { files: due ? { ...this.#pending, ...energyFiles(current) } : {}, due, at: sample.at };
  }

  /** The files sample() said were due are committed. */
  written(at: string): void {
    this.#pending = {};
    this.#lastWritten = Date.parse(at);
  }

  /** The ledger in memory, else this month's (or last month's, to carry it over) from the branch. */
  async #load(month: string): Promise<EnergyLedger | undefined> {
    if (this.#ledger) return this.#ledger;
    const { store, log } = this.#opts;
    const options = this.#opts.maxGapSeconds === undefined ? {} : { maxGapSeconds: this.#opts.maxGapSeconds };
    try {
      for (const m of [month, previousMonth(month)]) {
        const path = energyPaths(m).json;
        const { content } = await store.read(path);
        if (content === undefined) continue;
        try {
          this.#ledger = EnergyLedger.fromJSON(content, path);
        } catch (err) {
          // Unreadable: a fresh ledger overwrites it at the next write; say so loudly.
          log.error({ path, error: err instanceof Error ? err.message : String(err) }, 'energy ledger unreadable; starting the month afresh');
          this.#ledger = EnergyLedger.empty(month, options);
        }
        return this.#ledger;
      }
      this.#ledger = EnergyLedger.empty(month, options);
      return this.#ledger;
    } catch (err) {
      // Status branch unreachable: skip this sample rather than overwrite the month with a blank one.
      log.warn({ month, error: err instanceof Error ? err.message : String(err) }, 'energy ledger not readable yet; sample skipped');
      return undefined;
    }
  }
}

function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 2, 1)).toISOString().slice(0, 7);
}
