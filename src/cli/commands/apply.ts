// `marmite apply [DIR | --plan plan.json] --config F [--auto-approve]`: executes exactly a plan,
// either one saved by `plan --out` or one computed now, after a confirmation on a terminal.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { applyPlan } from '../../apply/execute.js';
import { ConfigError, UsageError } from '../../core/errors.js';
import type { Plan } from '../../model/plan.js';
import { observeAll } from '../../observe/observe.js';
import { plan as computePlan } from '../../plan/plan.js';
import type { Provider } from '../../providers/provider.js';
import { changeSetLine, renderChangeSetText } from '../../render/change-set.js';
import { parseUsage } from '../args.js';
import { EXIT, type Io } from '../io.js';
import { loadConfig, loadDesired, renderPlan } from '../pipeline.js';
import type { AgentConfig } from '../../config/load.js';
import { createProviders } from '../../providers/index.js';
import { withApplyLock } from '../../agent/apply-lock.js';
import { LockHeldError } from '../../agent/lock.js';

const USAGE = 'usage: marmite apply [DIR | --plan plan.json] [--config FILE] [--auto-approve] [--concurrency N]';

export interface ApplyCommandDeps {
  now?: () => Date;
  /** Asks the user; defaults to a readline prompt on the terminal. */
  confirm?: (question: string) => Promise<boolean>;
}

export async function applyCommand(argv: string[], io: Io, deps: ApplyCommandDeps = {}): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const now = deps.now ?? (() => new Date());

  let providers: Provider[];
  let config: AgentConfig;
  try {
    config = await loadConfig(args.config, io);
    providers = createProviders(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
      return EXIT.invalid;
    }
    throw err;
  }

  let plan: Plan;
  if (args.planFile) {
    const loaded = await readPlanFile(resolve(io.cwd, args.planFile));
    if (typeof loaded === 'string') {
      io.stderr(`${loaded}\n`);
      return EXIT.invalid;
    }
    plan = loaded;
  } else {
    const desired = await loadDesired(args.dir, io);
    if (!desired) return EXIT.invalid;
    const at = now();
    plan = computePlan(desired, await observeAll(desired, providers, { deep: false, now: at }), at);
  }

  io.stdout(renderPlan(plan, 'text', io));
  if (plan.changes.length === 0) return EXIT.ok;
  if (!args.autoApprove) {
    if (!io.isTTY && !deps.confirm) {
      io.stderr('apply: not on a terminal; review the plan and pass --auto-approve to apply it\n');
      return EXIT.invalid;
    }
    const confirm = deps.confirm ?? askOnTerminal;
    if (!(await confirm(`Apply these ${plan.changes.length} changes? Only 'yes' is accepted: `))) {
      io.stderr('apply: cancelled, nothing changed\n');
      return EXIT.invalid;
    }
  }

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // The site lease keeps this apply and any agent (or another apply) off the same site at once.
    const sites = [...new Set(plan.changes.map((c) => c.site))].sort();
    const { result: changeSet, locked } = await withApplyLock(
      config,
      sites,
      () =>
        applyPlan(plan, providers, {
          concurrency: args.concurrency,
          signal: stop.signal,
          now,
          onEvent: (e) => {
            if (e.type === 'done') io.stdout(`${changeSetLine(e.result)}\n`);
            else if (e.type === 'retry') io.stdout(`  ${e.change.subject}: retrying in ${e.delayMs} ms after: ${e.error}\n`);
            else if (e.type === 'progress' && io.isTTY) io.stdout(`  ${e.change.subject}: ${e.message}\n`);
          },
        }),
      { onTakeover: (a) => io.stderr(`apply: took over the expired lease of site ${a.site}\n`) },
    );
    if (!locked) io.stderr('apply: the config names no agent.repository, so this apply holds no site lease\n');
    io.stdout(renderChangeSetText(changeSet));
    return changeSet.counts.failed > 0 || changeSet.counts.skipped > 0 ? EXIT.invalid : EXIT.ok;
  } catch (err) {
    if (err instanceof LockHeldError) {
      io.stderr(`apply: ${err.message}\n`);
      return EXIT.invalid;
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The plan file, or a message naming the file and what is wrong with it. */
export async function readPlanFile(file: string): Promise<Plan | string> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    return `${file}: not a readable plan file: ${err instanceof Error ? err.message : String(err)}`;
  }
  const p = raw as Partial<Plan>;
  if (p === null || typeof p !== 'object' || p.formatVersion !== 1) return `${file}: formatVersion: expected 1 (a plan written by marmite plan --out)`;
  if (!Array.isArray(p.changes)) return `${file}: changes: expected a list`;
  for (const [i, c] of p.changes.entries()) {
    if (!c || typeof c.id !== 'string' || typeof c.provider !== 'string' || !Array.isArray(c.dependsOn) || typeof c.payload !== 'object') {
      return `${file}: changes[${i}]: not a change (id, provider, dependsOn and payload are required)`;
    }
  }
  return p as Plan;
}

async function askOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await rl.question(question)).trim() === 'yes';
  } finally {
    rl.close();
  }
}

function parse(argv: string[]) {
  const parsed = parseUsage(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        plan: { type: 'string' },
        'auto-approve': { type: 'boolean', default: false },
        concurrency: { type: 'string', default: '4' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`expected at most one DIR\n${USAGE}`);
  if (values.plan && positionals.length > 0) throw new UsageError(`give either DIR or --plan, not both\n${USAGE}`);
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new UsageError(`--concurrency must be a whole number from 1 to 32\n${USAGE}`);
  return {
    dir: positionals[0] ?? '.',
    planFile: values.plan,
    config: values.config,
    autoApprove: values['auto-approve'] ?? false,
    concurrency,
    help: values.help ?? false,
  };
}
