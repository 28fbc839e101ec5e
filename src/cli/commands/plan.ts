// `marmite plan [DIR] --config F [--format text|markdown|json] [--out plan.json] [--detailed-exitcode] [--deep]`
// Dry-run is this command: it observes and plans, and never writes to a cluster.

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, UsageError } from '../../core/errors.js';
import { observeAll } from '../../observe/observe.js';
import { renderJson } from '../../render/index.js';
import { plan } from '../../plan/plan.js';
import { EXIT, type Io } from '../io.js';
import { checkFormat, hasChanges, loadDesired, loadProviders, renderPlan } from '../pipeline.js';

const USAGE = 'usage: marmite plan [DIR] [--config FILE] [--format text|markdown|json] [--out plan.json] [--detailed-exitcode] [--deep]';

export async function planCommand(argv: string[], io: Io, now: () => Date = () => new Date()): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const desired = await loadDesired(args.dir, io);
  if (!desired) return EXIT.invalid;
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

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        format: { type: 'string', short: 'f' },
        out: { type: 'string', short: 'o' },
        'detailed-exitcode': { type: 'boolean', default: false },
        deep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`, { cause: err });
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`expected at most one DIR\n${USAGE}`);
  return {
    dir: positionals[0] ?? '.',
    config: values.config,
    format: checkFormat(values.format),
    out: values.out,
    detailedExitcode: values['detailed-exitcode'] ?? false,
    deep: values.deep ?? false,
    help: values.help ?? false,
  };
}
