// `marmite energy report [--month YYYY-MM] [--from DIR_OR_FILE] [--format text|markdown|json]`:
// the month's figures from an energy ledger the agent committed (a checkout of the status branch,
// its energy/ folder, or one energy/<yyyy-mm>.json). Without --month, the latest month found.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../core/errors.js';
import { EnergyFormatError, EnergyLedger, isMonth, renderSummaryMarkdown, renderSummaryText, summarize } from '../../energy/index.js';
import { parseUsage } from '../args.js';
import { EXIT, type Io } from '../io.js';

const USAGE = 'usage: marmite energy report [--month YYYY-MM] [--from DIR_OR_FILE] [--format text|markdown|json]';
const FORMATS = ['text', 'markdown', 'json'] as const;
type Format = (typeof FORMATS)[number];

export async function energyCommand(argv: string[], io: Io): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const file = await findLedger(resolve(io.cwd, args.from), args.month);
  if ('error' in file) {
    io.stderr(`marmite energy: ${file.error}\n`);
    return EXIT.invalid;
  }
  let ledger: EnergyLedger;
  try {
    ledger = EnergyLedger.fromJSON(await readFile(file.path, 'utf8'), file.path);
  } catch (err) {
    if (!(err instanceof EnergyFormatError)) throw err;
    io.stderr(`marmite energy: ${err.message}\n`);
    return EXIT.invalid;
  }
  if (args.month && ledger.month !== args.month) {
    io.stderr(`marmite energy: ${file.path}: holds ${ledger.month}, not ${args.month}\n`);
    return EXIT.invalid;
  }
  const summary = summarize(ledger);
  if (args.format === 'markdown') io.stdout(renderSummaryMarkdown(summary));
  else if (args.format === 'json') {
    const { series: _series, ...figures } = summary;
    io.stdout(`${JSON.stringify(figures, null, 2)}\n`);
  } else io.stdout(renderSummaryText(summary));
  return EXIT.ok;
}

function parse(argv: string[]): { month?: string; from: string; format: Format; help: boolean } {
  const parsed = parseUsage(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        month: { type: 'string', short: 'm' },
        from: { type: 'string' },
        format: { type: 'string', short: 'f', default: 'text' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  const { values, positionals } = parsed;
  const help = values.help ?? false;
  if (!help && (positionals.length !== 1 || positionals[0] !== 'report')) {
    throw new UsageError(`expected the subcommand 'report'${positionals.length > 0 ? `, got '${positionals.join(' ')}'` : ''}\n${USAGE}`);
  }
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${format}'\n${USAGE}`);
  if (values.month !== undefined && !isMonth(values.month)) throw new UsageError(`--month must be YYYY-MM, got '${values.month}'\n${USAGE}`);
  return { ...(values.month !== undefined ? { month: values.month } : {}), from: values.from ?? '.', format: format as Format, help };
}

/** A file is taken as is; in a directory (or its energy/ folder), the month's file or the latest. */
async function findLedger(from: string, month: string | undefined): Promise<{ path: string } | { error: string }> {
  const kind = await kindOf(from);
  if (kind === 'file') return { path: from };
  if (kind === 'missing') return { error: `${from}: no such file or directory` };
  for (const dir of [join(from, 'energy'), from]) {
    const names = (await kindOf(dir)) === 'dir' ? await readdir(dir) : [];
    const months = names.map((n) => /^(\d{4}-\d{2})\.json$/.exec(n)?.[1]).filter((m): m is string => m !== undefined && isMonth(m)).sort();
    if (months.length === 0) continue;
    if (month === undefined) return { path: join(dir, `${months.at(-1)!}.json`) };
    if (months.includes(month)) return { path: join(dir, `${month}.json`) };
    return { error: `${dir}: no ledger for ${month} (found ${months.join(', ')})` };
  }
  return { error: `${from}: no energy/<yyyy-mm>.json found (give a checkout of the status branch, its energy folder, or a file)` };
}

async function kindOf(path: string): Promise<'file' | 'dir' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}
