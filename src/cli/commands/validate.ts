// `marmite validate [DIR] [--format text|json]`: every problem of an infra repository in one run.
// Exit 0 when valid (warnings allowed), 1 when invalid, 2 on bad usage or a missing DIR.

import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, type Diagnostic } from '../../core/diagnostics.js';
import { UsageError } from '../../core/errors.js';
import type { Desired } from '../../model/desired.js';
import { validateRepository } from '../../validate/index.js';
import { parseUsage } from '../args.js';
import { EXIT, type Io } from '../io.js';

const USAGE = 'usage: marmite validate [DIR] [--format text|json]';
const FORMATS = ['text', 'json'] as const;
type Format = (typeof FORMATS)[number];

export interface ValidateSummary {
  dir: string;
  valid: boolean;
  errors: number;
  warnings: number;
  /** Counts of the validated state; only when valid. */
  counts?: { sites: number; nodes: number; tenants: number; vms: number; pools: number; windows: number };
}

export async function validateCommand(argv: string[], io: Io): Promise<number> {
  const { dir, format, help } = parse(argv);
  if (help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const abs = resolvePath(io.cwd, dir);
  if (!(await isDirectory(abs))) throw new UsageError(`${dir}: not a directory`);

  const { desired, diagnostics } = await validateRepository(abs);
  const summary = summarize(dir, diagnostics, desired);
  io.stdout(format === 'json' ? renderJson(summary, diagnostics) : renderText(summary, diagnostics));
  return summary.valid ? EXIT.ok : EXIT.invalid;
}

function parse(argv: string[]): { dir: string; format: Format; help: boolean } {
  const parsed = parseUsage(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { format: { type: 'string', short: 'f', default: 'text' }, help: { type: 'boolean', short: 'h', default: false } },
    }),
  );
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`expected at most one DIR, got ${positionals.length}\n${USAGE}`);
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${format}'\n${USAGE}`);
  }
  return { dir: positionals[0] ?? '.', format: format as Format, help: values.help ?? false };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

function summarize(dir: string, diagnostics: Diagnostic[], desired: Desired | undefined): ValidateSummary {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const summary: ValidateSummary = { dir, valid: errors === 0 && desired !== undefined, errors, warnings };
  if (desired && summary.valid) {
    summary.counts = {
      sites: Object.keys(desired.sites).length,
      nodes: Object.keys(desired.nodes).length,
      tenants: Object.keys(desired.tenants).length,
      vms: Object.keys(desired.vms).length,
      pools: Object.keys(desired.pools).length,
      windows: Object.keys(desired.windows).length,
    };
  }
  return summary;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function summaryLine(s: ValidateSummary): string {
  const warnings = s.warnings > 0 ? `, ${plural(s.warnings, 'warning')}` : '';
  if (s.valid && s.counts) {
    const c = s.counts;
    return `${s.dir}: valid (${plural(c.nodes, 'node')}, ${plural(c.tenants, 'tenant')}, ${c.vms} VM${c.vms === 1 ? '' : 's'})${warnings}`;
  }
  return `${s.dir}: invalid: ${plural(s.errors, 'error')}${warnings}`;
}

function renderText(s: ValidateSummary, diagnostics: Diagnostic[]): string {
  return [...diagnostics.map(formatDiagnostic), summaryLine(s)].join('\n') + '\n';
}

function renderJson(s: ValidateSummary, diagnostics: Diagnostic[]): string {
  const out = {
    valid: s.valid,
    diagnostics: diagnostics.map((d) => ({ file: d.file, line: d.line, column: d.col, severity: d.severity, code: d.code, message: d.message })),
    summary: s,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
