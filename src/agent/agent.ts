// The agent: builds the cycle context once, runs one reconcile cycle at a time, on a poll
// interval and on demand (webhook), backs off after transient failures and waits for a new
// commit after terminal ones. stop() lets the current change finish, starts no new one, and
// resolves once the cycle has ended.

import { energyMetrics } from '../energy/index.js';
import { EnergySampler } from './energy-sampler.js';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { AgentConfig } from '../config/load.js';
import { createLogger, type Logger } from '../core/log.js';
import { RepoSync, StatusBranch, redactUrl } from '../git/index.js';
import type { Observed } from '../model/observed.js';
import { createProviders } from '../providers/index.js';
import type { Provider } from '../providers/provider.js';
import type { DriftRecord } from '../report/reports.js';
import { BranchStore } from './branch-store.js';
import type { AgentState, CycleContext, CycleResult } from './cycle.js';
import { SiteLock } from './lock.js';
import { agentMetrics, type Metrics } from './metrics.js';
import { reconcile } from './reconcile.js';
import { startAgentServer, type AgentServer } from './server.js';
import { agentSettings, type AgentSettings } from './settings.js';
import { DEFAULT_STATUS_BRANCH } from './stages/report.js';

export interface AgentOptions {
  log?: Logger;
  /** Replaces createProviders(config) (tests, the demo). */
  providers?: readonly Provider[];
  now?: () => Date;
  random?: () => number;
  /** First delay after a transient failure, doubled each time up to the poll interval (default 2 s). */
  backoffBaseMs?: number;
}

export class Agent {
  readonly settings: AgentSettings;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly state: AgentState = { cycle: 0, drift: [] };
  readonly #config: AgentConfig;
  readonly #options: AgentOptions;
  readonly #stop = new AbortController();
  #ctx: CycleContext | undefined;
  #running: Promise<CycleResult> | undefined;
  #server: AgentServer | undefined;
  #loop: Promise<void> | undefined;
  #wakeRequested = false;
  #wake: (() => void) | undefined;
  #firstDone = false;
  #lastTerminal = false;
  #consecutiveFailures = 0;
  #cycleListeners: ((r: CycleResult) => void)[] = [];

  constructor(config: AgentConfig, options: AgentOptions = {}) {
    this.#config = config;
    this.#options = options;
    this.settings = agentSettings(config);
    this.metrics = energyMetrics(agentMetrics());
    this.metrics.gauge('marmite_ready', 'Whether the agent is ready (first cycle done, last not failed terminally).');
    this.metrics.counter('marmite_webhooks_total', 'Webhook calls that queued a cycle.');
    this.log = options.log ?? createLogger();
  }

  /** The HTTP server's base URL once start() ran. */
  get url(): string | undefined {
    return this.#server?.url;
  }

  /** Sleeping between cycles, with no cycle queued. */
  get idle(): boolean {
    return this.#running === undefined && this.#wake !== undefined && !this.#wakeRequested;
  }

  get ready(): boolean {
    return this.#firstDone && !this.#lastTerminal;
  }

  /** Runs one cycle now; concurrent callers share the cycle already running. */
  runOnce(trigger = 'manual'): Promise<CycleResult> {
    this.#running ??= this.#cycle(trigger).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Asks for a cycle as soon as possible: at once when idle, or exactly one more after the current one. */
  trigger(reason: string): void {
    this.log.debug({ reason }, 'cycle requested');
    this.#wakeRequested = true;
    this.#wake?.();
  }

  /** Resolves with the next cycle's result (tests and the benchmark wait on it). */
  nextCycle(): Promise<CycleResult> {
    return new Promise((resolve) => this.#cycleListeners.push(resolve));
  }

  /** Starts the HTTP server and the loop. */
  async start(): Promise<void> {
    this.#server = await startAgentServer({
      host: this.settings.listen.host,
      port: this.settings.listen.port,
      metrics: this.metrics,
      log: this.log,
      ready: () => this.ready,
      ...(this.settings.webhookSecret ? { webhookSecret: this.settings.webhookSecret } : {}),
      branch: this.settings.repository.branch,
      onPush: () => {
        this.metrics.inc('marmite_webhooks_total');
        this.trigger('webhook');
      },
    });
    this.log.info({ url: this.#server.url, repository: redactUrl(this.settings.repository.url), branch: this.settings.repository.branch }, 'agent listening');
    this.#loop = this.#run();
  }

  /** Stops: no new change starts, the current cycle ends, the server closes. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#wake?.();
    await this.#loop;
    await this.#running?.catch(() => undefined);
    await this.#server?.close();
    if (this.#ctx) await rm(this.#ctx.workDir, { recursive: true, force: true });
    this.log.info({}, 'agent stopped');
  }

  async #run(): Promise<void> {
    let trigger = 'start';
    while (!this.#stop.signal.aborted) {
      this.#wakeRequested = false;
      const result = await this.runOnce(trigger);
      if (this.#stop.signal.aborted) break;
      if (this.#wakeRequested) {
        trigger = 'webhook';
        continue;
      }
      trigger = await this.#sleep(this.#delayAfter(result));
    }
  }

  #delayAfter(result: CycleResult): number {
    const poll = this.settings.pollIntervalMs;
    if (result.outcome !== 'failed' || !result.transient) return poll;
    const base = this.#options.backoffBaseMs ?? 2000;
    const random = this.#options.random ?? Math.random;
    const exp = Math.min(poll, base * 2 ** Math.min(this.#consecutiveFailures - 1, 20));
    // Full jitter on the upper half, so agents that failed together do not retry together.
    return Math.round(exp / 2 + (exp / 2) * random());
  }

  /** Waits `ms` or until trigger()/stop(); says which. */
  #sleep(ms: number): Promise<string> {
    if (this.#wakeRequested) return Promise.resolve('webhook');
    return new Promise((resolve) => {
      const timer = setTimeout(() => done('poll'), ms);
      const done = (why: string) => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(why);
      };
      this.#wake = () => done('webhook');
    });
  }

  async #cycle(trigger: string): Promise<CycleResult> {
    const ctx = await this.#context();
    const started = Date.now();
    this.log.info({ cycle: this.state.cycle + 1, trigger }, 'cycle started');
    const result = await reconcile(ctx, this.state, trigger);
    this.#record(result, (Date.now() - started) / 1000);
    for (const l of this.#cycleListeners.splice(0)) l(result);
    return result;
  }

  #record(result: CycleResult, seconds: number): void {
    const m = this.metrics;
    const outcome = result.outcome === 'refused' ? 'invalid' : result.outcome === 'failed' ? 'failed' : result.outcome === 'stopped' ? 'stopped' : 'success';
    if (result.outcome !== 'waiting') m.inc('marmite_cycles_total', { outcome });
    m.set('marmite_cycle_duration_seconds', {}, seconds);
    const nowSec = Date.now() / 1000;
    if (result.outcome === 'failed') {
      this.#consecutiveFailures += 1;
      this.#lastTerminal = !result.transient;
    } else if (result.outcome !== 'waiting' && result.outcome !== 'stopped') {
      this.#consecutiveFailures = 0;
      this.#lastTerminal = false;
      m.set('marmite_last_success_timestamp_seconds', {}, nowSec);
    }
    m.set('marmite_consecutive_failures', {}, this.#consecutiveFailures);
    if (result.record.applied?.changeSet) m.set('marmite_last_applied_commit_timestamp_seconds', {}, nowSec);
    if (result.record.plan) m.set('marmite_drift_items', {}, result.record.drift.length);
    if (result.record.observed) publishNodes(m, result.record.observed);
    this.#firstDone = true;
    m.set('marmite_ready', {}, this.ready ? 1 : 0);
    const fields = {
      cycle: result.record.number,
      outcome: result.outcome,
      seconds: Math.round(seconds * 1000) / 1000,
      head: result.record.fetched?.commit,
      applied: result.record.validated?.commit,
      changes: result.record.plan?.changes.length,
      drift: result.record.drift.length,
      reportCommitted: result.reportCommitted,
      ...memoryFields(),
    };
    if (result.error) this.log.warn({ ...fields, reason: result.error.reason, transient: result.transient, error: result.error.message }, 'cycle failed');
    else this.log.info(fields, 'cycle finished');
  }

  /** Built on the first cycle: caches, clients, and drift carried over from the status branch. */
  async #context(): Promise<CycleContext> {
    if (this.#ctx) return this.#ctx;
    const s = this.settings;
    const remote = {
      url: s.repository.url,
      ...(s.repository.username ? { username: s.repository.username } : {}),
      ...(s.repository.token ? { token: s.repository.token } : {}),
    };
    await mkdir(s.stateDir, { recursive: true, mode: 0o700 });
    const workDir = await mkdtemp(join(s.stateDir, 'work-'));
    // One reader of the status branch serves the drift history and the energy ledger.
    const statusRead = new BranchStore({ ...remote, branch: DEFAULT_STATUS_BRANCH, cacheDir: join(s.stateDir, 'status-read.git') });
    const ctx: CycleContext = {
      settings: s,
      repo: new RepoSync({ ...remote, branch: s.repository.branch, cacheDir: join(s.stateDir, 'repo.git') }),
      status: new StatusBranch({ ...remote, cacheDir: join(s.stateDir, 'status.git'), watchedBranch: s.repository.branch }),
      lock: new SiteLock({ ...remote, cacheDir: join(s.stateDir, 'locks.git'), holder: s.holder, host: s.host, ttlMs: s.lockTtlMs }),
      providers: this.#options.providers ?? createProviders(this.#config),
      log: this.log,
      metrics: this.metrics,
      now: this.#options.now ?? (() => new Date()),
      signal: this.#stop.signal,
      workDir,
      energy: new EnergySampler({ store: statusRead, metrics: this.metrics, log: this.log }),
    };
    this.state.drift = await previousDrift(statusRead, this.log);
    this.#ctx = ctx;
    return ctx;
  }
}

/** drift.json from the status branch, so "since" survives a restart; empty when unreadable. */
async function previousDrift(store: BranchStore, log: Logger): Promise<DriftRecord[]> {
  try {
    const { content } = await store.read('drift.json');
    const parsed = content === undefined ? [] : (JSON.parse(content) as unknown);
    return Array.isArray(parsed) ? (parsed as DriftRecord[]) : [];
  } catch (err) {
    log.warn({ error: err instanceof Error ? err.message : String(err) }, 'previous drift not readable; drift starts fresh');
    return [];
  }
}

function memoryFields(): { rssMiB: number; heapUsedMiB: number; externalMiB: number } {
  const m = process.memoryUsage();
  const mib = (b: number) => Math.round(b / 1048576);
  return { rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed), externalMiB: mib(m.external + m.arrayBuffers) };
}

function publishNodes(m: Metrics, observed: Observed): void {
  m.reset('marmite_node_power_on');
  for (const site of Object.values(observed.sites)) {
    for (const n of site.nodes) m.set('marmite_node_power_on', { site: site.name, node: n.name }, n.status === 'online' ? 1 : 0);
  }
}
