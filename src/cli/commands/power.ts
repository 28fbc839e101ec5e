// `marmite power timeline [DIR] [--days 7] [--format text|svg|json] [--observed observed.json]`
// The coming days' on/off schedule per node, from Git alone (every node online, nothing placed
// yet) or from an observed state. Reads files only; never talks to a cluster.

import { readFile, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../../core/diagnostics.js';
import { UsageError } from '../../core/errors.js';
import type { Desired } from '../../model/desired.js';
import type { Observed, ObservedSite } from '../../model/observed.js';
import type { PowerTimelineEntry } from '../../model/power.js';
import { nodeWatts, monthlyEnergy } from '../../power/energy-model.js';
import { powerTimeline, type TimelineResult } from '../../power/timeline.js';
import { localTime } from '../../power/windows.js';
import { validateRepository } from '../../validate/index.js';
import { parseUsage } from '../args.js';
import { EXIT, type Io } from '../io.js';

const USAGE = 'usage: marmite power timeline [DIR] [--days 7] [--format text|svg|json] [--observed observed.json]';
const FORMATS = ['text', 'svg', 'json'] as const;
type Format = (typeof FORMATS)[number];
const HOUR = 3_600_000;
/** The timeline knows when nodes are on, not how busy: the estimate assumes a light load. */
const TYPICAL_LOAD = 0.3;

interface Args {
  dir: string;
  days: number;
  format: Format;
  observed?: string;
  help: boolean;
}

export async function powerCommand(argv: string[], io: Io, now: () => Date = () => new Date()): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const abs = resolvePath(io.cwd, args.dir);
  if (!(await isDirectory(abs))) throw new UsageError(`${args.dir}: not a directory`);
  const { desired, diagnostics } = await validateRepository(abs);
  if (!desired) {
    io.stderr(`${diagnostics.map(formatDiagnostic).join('\n')}\n${args.dir}: invalid, no timeline\n`);
    return EXIT.invalid;
  }
  const observed = args.observed ? await readObserved(resolvePath(io.cwd, args.observed)) : allOnline(desired, now());
  const from = Math.floor(now().getTime() / HOUR) * HOUR;
  const hours = args.days * 24;
  const result = powerTimeline(desired, observed, new Date(from), hours);
  if (args.format === 'json') io.stdout(`${JSON.stringify({ from: new Date(from).toISOString(), hours, timeline: result.timeline, transitions: result.transitions }, null, 2)}\n`);
  else if (args.format === 'svg') io.stdout(renderSvg(desired, result, from, hours));
  else io.stdout(renderText(desired, result, from, hours));
  return EXIT.ok;
}

function parse(argv: string[]): Args {
  const parsed = parseUsage(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        days: { type: 'string', default: '7' },
        format: { type: 'string', short: 'f', default: 'text' },
        observed: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  const { values, positionals } = parsed;
  if (values.help) return { dir: '.', days: 7, format: 'text', help: true };
  const [sub, ...rest] = positionals;
  if (sub !== 'timeline') throw new UsageError(`expected the subcommand 'timeline'${sub === undefined ? '' : `, got '${sub}'`}\n${USAGE}`);
  if (rest.length > 1) throw new UsageError(`expected at most one DIR\n${USAGE}`);
  const days = Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 31) throw new UsageError(`--days must be a whole number of days from 1 to 31, got '${values.days}'\n${USAGE}`);
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${format}'\n${USAGE}`);
  return { dir: rest[0] ?? '.', days, format: format as Format, ...(values.observed === undefined ? {} : { observed: values.observed }), help: false };
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function readObserved(path: string): Promise<Observed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${path}: cannot read the observed state: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    const o = JSON.parse(text) as Observed;
    if (typeof o !== 'object' || o === null || typeof o.sites !== 'object') throw new Error('no sites');
    return o;
  } catch (err) {
    throw new UsageError(`${path}: not an observed.json (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

/** Git alone: every node online, nothing placed; the simulation places the VMs itself. */
function allOnline(desired: Desired, at: Date): Observed {
  const sites: Record<string, ObservedSite> = {};
  for (const s of Object.keys(desired.sites).sort()) {
    sites[s] = {
      name: s,
      reachable: true,
      quorate: true,
      deep: false,
      guests: [],
      power: [],
      nodes: Object.values(desired.nodes)
        .filter((n) => n.site === s)
        .map((n) => ({ site: s, name: n.pveNode, status: 'online' as const, maxcpu: n.capacity.cores, maxmemMiB: n.capacity.memoryMiB, cpu: 0, memUsedMiB: 0 })),
    };
  }
  return { formatVersion: 1, observedAt: at.toISOString(), sites };
}

/** Share of the hour [h, h + 1h) a node is on. */
function onShare(e: PowerTimelineEntry, h: number): number {
  let on = 0;
  for (const p of e.periods) {
    if (p.state !== 'on') continue;
    const s = Math.max(Date.parse(p.from), h);
    const t = Math.min(Date.parse(p.to), h + HOUR);
    if (t > s) on += t - s;
  }
  return on / HOUR;
}

function onHours(e: PowerTimelineEntry): number {
  return e.periods.filter((p) => p.state === 'on').reduce((sum, p) => sum + (Date.parse(p.to) - Date.parse(p.from)) / HOUR, 0);
}

function label(at: number, tz: string): string {
  const l = localTime(at, tz);
  return `${l.weekday} ${String(l.day).padStart(2, '0')}/${String(l.month).padStart(2, '0')} ${String(l.hour).padStart(2, '0')}h`;
}

function weekly(desired: Desired, e: PowerTimelineEntry, hours: number): string {
  const node = desired.nodes[e.node]!;
  const site = desired.sites[e.site]!;
  const h = onHours(e);
  const energy = monthlyEnergy(nodeWatts(node, TYPICAL_LOAD), (h / hours) * 730, site.electricity);
  return `${Math.round((h / hours) * 100)}% on, ~${energy.kWhPerMonth} kWh ${energy.costPerMonth} ${energy.currency}/month`;
}

export function renderText(desired: Desired, r: TimelineResult, from: number, hours: number): string {
  const lines: string[] = [`Power timeline from ${new Date(from).toISOString()} for ${hours / 24} day(s): one character per hour, # on, . off, : partly on`];
  const width = Math.max(...Object.keys(desired.nodes).map((n) => n.length), 4);
  for (const site of [...new Set(r.timeline.map((e) => e.site))]) {
    const tz = desired.sites[site]!.timezone;
    lines.push('', `site ${site} (${tz})`);
    for (let day = 0; day * 24 < hours; day++) {
      const start = from + day * 24 * HOUR;
      const span = Math.min(24, hours - day * 24);
      lines.push(`  ${''.padEnd(width)}  ${label(start, tz)}`);
      for (const e of r.timeline.filter((x) => x.site === site)) {
        let row = '';
        for (let k = 0; k < span; k++) {
          const share = onShare(e, start + k * HOUR);
          row += share >= 1 ? '#' : share <= 0 ? '.' : ':';
        }
        lines.push(`  ${e.node.padEnd(width)}  ${row}${day === 0 ? `  ${weekly(desired, e, hours)}` : ''}`);
      }
    }
  }
  const next = r.transitions.filter((t) => Date.parse(t.at) >= from).slice(0, 40);
  if (next.length > 0) {
    lines.push('', 'transitions:');
    for (const t of next) lines.push(`  ${t.at}  ${t.node.padEnd(width)}  ${t.to === 'on' ? 'on ' : 'off'}  ${t.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A Gantt-like chart: one row per node, on periods as bars, a line at each day. */
export function renderSvg(desired: Desired, r: TimelineResult, from: number, hours: number): string {
  const left = 150;
  const px = 6;
  const rowH = 18;
  const top = 30;
  const width = left + hours * px + 20;
  const height = top + r.timeline.length * rowH + 30;
  const x = (t: number): number => left + ((t - from) / HOUR) * px;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>marmite power timeline from ${new Date(from).toISOString()}</title>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  const tz = desired.settings.timezone;
  for (let day = 0; day * 24 <= hours; day++) {
    const t = from + day * 24 * HOUR;
    out.push(`<line x1="${x(t)}" y1="${top - 12}" x2="${x(t)}" y2="${height - 20}" stroke="#cccccc"/>`);
    if (day * 24 < hours) out.push(`<text x="${x(t) + 3}" y="${top - 4}" fill="#555555">${esc(label(t, tz))}</text>`);
  }
  r.timeline.forEach((e, i) => {
    const y = top + i * rowH;
    out.push(`<text x="4" y="${y + 13}">${esc(`${e.site}/${e.node}`)}</text>`);
    out.push(`<rect x="${left}" y="${y + 3}" width="${hours * px}" height="${rowH - 6}" fill="#eeeeee"/>`);
    for (const p of e.periods) {
      if (p.state !== 'on') continue;
      const x1 = x(Date.parse(p.from));
      const w = x(Date.parse(p.to)) - x1;
      out.push(`<rect x="${x1.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="#2e8b57"><title>${esc(`${e.node} on ${p.from} to ${p.to}`)}</title></rect>`);
    }
  });
  out.push(`<text x="4" y="${height - 6}" fill="#555555">green: on; grey: off (${esc(tz)})</text>`, '</svg>');
  return `${out.join('\n')}\n`;
}
