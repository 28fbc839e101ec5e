// `marmite plan [DIR] --config F [--format text|markdown|json] [--out plan.json] [--detailed-exitcode] [--deep]`
// `marmite plan [DIR] --observed observed.json ...`: offline, against the snapshot the agent
// committed to its status branch; no agent config, no provider, no credential of any kind.
// Dry-run is this command: it observes and plans, and never writes to a cluster.

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, UsageError } from '../../core/errors.js';
import type { Observed } from '../../model/observed.js';
import { observeAll } from '../../observe/observe.js';
import { ObservedFileError, readObservedFile } from '../../review/observed.js';
import { renderJson } from '../../render/index.js';
import { plan } from '../../plan/plan.js';
import { parseUsage } from '../args.js';
import { EXIT, type Io } from '../io.js';
import { checkFormat, hasChanges, loadDesired, loadProviders, renderPlan } from '../pipeline.js';

const USAGE = 'usage: marmite plan [DIR] [--config FILE | --observed observed.json] [--format text|markdown|json] [--out plan.json] [--detailed-exitcode] [--deep]';

export async function planCommand(argv: string[], io: Io, now: () => Date = () => new Date()): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const desired = await loadDesired(args.dir, io);
  if (!desired) return EXIT.invalid;
  if (args.observed !== undefined) return planOffline(args, desired, io, now());
  let providers;
  try {
    providers = await loadProviders(args.config, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`${err.message}\n`);
      return EXIT.invalid;
    }
    throw err;
  }
  const at = now();
  const observed = await observeAll(desired, providers, { deep: args.deep, now: at });
  const result = plan(desired, observed, at);
  if (args.out) await writeFile(resolve(io.cwd, args.out), renderJson(result));
  io.stdout(renderPlan(result, args.format, io));
  if (args.detailedExitcode && hasChanges(result)) return EXIT.changes;
  return EXIT.ok;
}

async function planOffline(args: ReturnType<typeof parse>, desired: Parameters<typeof plan>[0], io: Io, at: Date): Promise<number> {
  const file = args.observed!;
  let observed: Observed | undefined;
  try {
    observed = await readObservedFile(resolve(io.cwd, file));
  } catch (err) {
    if (!(err instanceof ObservedFileError)) throw err;
    io.stderr(`${err.message}\n`);
    return EXIT.invalid;
  }
  if (!observed) {
    io.stderr(`${file}: no observed snapshot (missing or empty); fetch it from the status branch: git show origin/marmite/status:observed.json\n`);
    return EXIT.invalid;
  }
  const result = plan(desired, observed, at);
  if (args.out) await writeFile(resolve(io.cwd, args.out), renderJson(result));
  const snapshot = `observed snapshot ${file}: observed ${observed.observedAt}${observed.commit ? ` for commit ${observed.commit.slice(0, 12)}` : ''}`;
  // JSON stays machine-readable on stdout; the plan itself carries observedAt.
  if (args.format === 'json') io.stderr(`planned against the ${snapshot}\n`);
  else if (args.format === 'markdown') io.stdout(`> Planned offline against the ${snapshot}.\n\n`);
  else io.stdout(`Planned offline against the ${snapshot}.\n\n`);
  io.stdout(renderPlan(result, args.format, io));
  if (args.detailedExitcode && hasChanges(result)) return EXIT.changes;
  return EXIT.ok;
}

function parse(argv: string[]) {
  const parsed = parseUsage(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        observed: { type: 'string' },
        format: { type: 'string', short: 'f' },
        out: { type: 'string', short: 'o' },
        'detailed-exitcode': { type: 'boolean', default: false },
        deep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`expected at most one DIR\n${USAGE}`);
  if (values.observed !== undefined && values.config !== undefined) throw new UsageError(`--observed plans offline and takes no --config\n${USAGE}`);
  if (values.observed !== undefined && values.deep) throw new UsageError(`--deep reads the clusters; it has no meaning with --observed\n${USAGE}`);
  return {
    dir: positionals[0] ?? '.',
    config: values.config,
    observed: values.observed,
    format: checkFormat(values.format),
    out: values.out,
    detailedExitcode: values['detailed-exitcode'] ?? false,
    deep: values.deep ?? false,
    help: values.help ?? false,
  };
}
