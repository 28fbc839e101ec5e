// Readers for the deployment files, shared by the deploy tests: the systemd unit (INI-like, keys
// may repeat), the agent config example and the alert rules.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument, isScalar, isPair, visit, type Document } from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const UNIT_FILE = join(ROOT, 'deploy', 'marmite-agent.service');
export const CREDENTIALS_DROP_IN = join(ROOT, 'deploy', 'marmite-agent.service.d', 'credentials.conf');
export const EXAMPLE_CONFIG = join(ROOT, 'deploy', 'agent.example.yaml');
export const RULES_FILE = join(ROOT, 'docs', 'operations', 'prometheus-rules.yml');
export const RUNBOOK_DIR = join(ROOT, 'docs', 'runbooks');

/** section -> key -> every value given, in order (systemd lets many keys repeat). */
export type Unit = Map<string, Map<string, string[]>>;

export function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  // A trailing backslash continues a line, as systemd reads it.
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || !section) throw new Error(`unit line ${i + 1}: expected KEY=VALUE inside a [Section]: ${line}`);
    const key = line.slice(0, eq).trim();
    const values = section.get(key) ?? [];
    values.push(line.slice(eq + 1).trim());
    section.set(key, values);
  }
  return unit;
}

/** A unit with its drop-ins applied in order: repeated keys accumulate, as systemd reads them. */
export function mergeUnits(...units: Unit[]): Unit {
  const merged: Unit = new Map();
  for (const unit of units) {
    for (const [section, keys] of unit) {
      const target = merged.get(section) ?? new Map<string, string[]>();
      for (const [key, values] of keys) target.set(key, [...(target.get(key) ?? []), ...values]);
      merged.set(section, target);
    }
  }
  return merged;
}

export function unitValues(unit: Unit, section: string, key: string): string[] {
  return unit.get(section)?.get(key) ?? [];
}

/** The effective value of a single-valued key: systemd keeps the last assignment. */
export function unitValue(unit: Unit, section: string, key: string): string | undefined {
  const v = unitValues(unit, section, key);
  return v.length === 0 ? undefined : v[v.length - 1];
}

const SPAN_UNITS: Record<string, number> = { '': 1, s: 1, sec: 1, second: 1, seconds: 1, m: 60, min: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hour: 3600, hours: 3600 };

/** A systemd time span ("17min", "1h 30min", "900") in seconds; undefined when unreadable. */
export function parseTimeSpan(text: string): number | undefined {
  const parts = text.trim().split(/\s+/);
  let total = 0;
  for (const part of parts) {
    const m = /^(\d+(?:\.\d+)?)([a-z]*)$/.exec(part);
    const factor = m ? SPAN_UNITS[m[2]!] : undefined;
    if (!m || factor === undefined) return undefined;
    total += Number(m[1]) * factor;
  }
  return total;
}

/** A systemd byte size ("768M", "1G", "512K", "1048576") in bytes; undefined when unreadable. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+)([KMGT]?)$/.exec(text.trim());
  if (!m) return undefined;
  const power = ['', 'K', 'M', 'G', 'T'].indexOf(m[2]!);
  return Number(m[1]) * 1024 ** power;
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

export function loadYaml(file: string): unknown {
  return parse(readText(file));
}

export function loadYamlDocument(file: string): Document {
  return parseDocument(readText(file));
}

/** Every `{ file: X }` secret reference in the config, with the dotted path of the field. */
export function fileRefs(doc: Document): { field: string; file: string }[] {
  const out: { field: string; file: string }[] = [];
  visit(doc, {
    Pair(_key, pair, path) {
      if (!isScalar(pair.key) || pair.key.value !== 'file' || !isScalar(pair.value)) return;
      const field = path
        .filter((n) => isPair(n))
        .map((n) => (isPair(n) && isScalar(n.key) ? String(n.key.value) : '?'))
        .join('.');
      out.push({ field, file: String(pair.value.value) });
    },
  });
  return out;
}

/** Every scalar leaf of a plain YAML value, with its dotted path. */
export function scalarLeaves(value: unknown, path = ''): { path: string; value: unknown }[] {
  if (value !== null && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => scalarLeaves(v, path ? `${path}.${k}` : k));
  }
  return [{ path, value }];
}
