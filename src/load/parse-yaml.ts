// Parse one file into a plain value while keeping the YAML nodes, so every later diagnostic can
// point at the line and column of the field it is about.

import jsYaml from 'js-yaml';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Node as YamlNode, Pair } from 'yaml';
import type { Diagnostic, Position } from '../core/diagnostics.js';
import { START } from '../core/diagnostics.js';
import type { FieldPath } from './types.js';

/**
 * Aliases a file may expand. Hand-written objects use a handful; the bound stops "billion laughs"
 * files that expand a few lines into gigabytes.
 */
export const MAX_ALIAS_COUNT = 100;

export interface ParsedYaml {
  value: unknown;
  locate(path: FieldPath): Position;
  locateKey(path: FieldPath): Position;
}

export interface ParseResult {
  /** Absent when the file has errors: a file is used whole or not at all. */
  parsed?: ParsedYaml;
  diagnostics: Diagnostic[];
}

const YAML_CODES: Record<string, string> = {
  DUPLICATE_KEY: 'yaml-duplicate-key',
};

const INDENT_HINT = 'check the indentation: a nested field is indented with spaces under its parent';
/** yaml's messages are written for programmers; these say what to do about the common ones. */
const YAML_HINTS: Record<string, string> = {
  BAD_INDENT: INDENT_HINT,
  BLOCK_AS_IMPLICIT_KEY: INDENT_HINT,
  MULTILINE_IMPLICIT_KEY: INDENT_HINT,
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MISSING_CHAR: 'a bracket or quote is not closed',
  UNEXPECTED_TOKEN: INDENT_HINT,
};

/**
 * Two parsers, one meaning. The `yaml` package keeps every node's position and says precisely
 * what is wrong, but parses a small file ten times slower than js-yaml, and a repository of
 * 5,000 VMs must validate in about a second. So a file written in the plain subset of YAML that
 * both read the same way (no anchors, aliases, tags, directives, document markers, merge keys,
 * tabs, complex keys or exotic number forms) is read by js-yaml with the YAML 1.2 core schema;
 * anything else, and anything js-yaml rejects, takes the full path, which alone produces
 * diagnostics. Positions are only ever needed for a diagnostic, so the fast path computes them
 * lazily with the full parser on first use. test/load/parse-yaml-paths.test.ts checks that both
 * paths give the same value for every file of the examples.
 */
const NEEDS_FULL_PARSER = /^[ \t]*%|^(?:---|\.\.\.)|(?:^|[\s[\]{},:-])[&*!?]|<<|\t|\b0[box]|\d_\d|\.(?:inf|nan)\b/im;

export function parseYaml(file: string, text: string): ParseResult {
  const value = fastValue(text);
  if (value === undefined) return parseYamlFull(file, text);
  let full: ParsedYaml | undefined;
  // Only reached when a later stage reports on this file; a parse the fast path accepted and the
  // full parser does not is a divergence, and the file start is then the honest position.
  const located = (): ParsedYaml | undefined => (full ??= parseYamlFull(file, text).parsed);
  return {
    parsed: {
      value,
      locate: (path) => located()?.locate(path) ?? START,
      locateKey: (path) => located()?.locateKey(path) ?? START,
    },
    diagnostics: [],
  };
}

/** The file's value when it is in the plain subset and js-yaml reads it; undefined otherwise. */
export function fastValue(text: string): Record<string, unknown> | undefined {
  if (NEEDS_FULL_PARSER.test(text)) return undefined;
  let value: unknown;
  try {
    value = jsYaml.load(text, { schema: jsYaml.CORE_SCHEMA, json: false });
  } catch {
    return undefined;
  }
  // The core schema yields only null, booleans, numbers, strings, lists and maps, and the pattern
  // above sends .inf and .nan to the full parser: the value is plain JSON data as it stands.
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

export function parseYamlFull(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter();
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number | undefined): Position => {
    if (offset === undefined) return START;
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };
  const report = (severity: Diagnostic['severity'], pos: Position, code: string, message: string) =>
    diagnostics.push({ file, ...pos, severity, code, message });

  const docs = parseAllDocuments(text, {
    lineCounter,
    version: '1.2',
    schema: 'core',
    uniqueKeys: true,
    prettyErrors: false,
    // YAML 1.2 core: `yes`/`on`/`no` stay text instead of turning into booleans behind the
    // author's back, and `<<` is an ordinary (hence unknown) key rather than a merge.
    merge: false,
  });
  const list = Array.isArray(docs) ? docs : [];
  if (list.length === 0) {
    report('error', START, 'empty-file', 'file has no content (only comments or blank lines)');
    return { diagnostics };
  }
  // A trailing `---` with nothing after it is harmless; a second object is not.
  for (const extra of list.slice(1).filter((d) => !isEmpty(d.contents) || d.errors.length > 0)) {
    report(
      'error',
      at(extra.range[0]),
      'yaml-multiple-documents',
      'a file holds exactly one object; remove this `---` and the text after it, or move it to its own file',
    );
  }
  const doc = list[0] as Document.Parsed;
  const reported = new Set<number>();
  for (const err of doc.errors) {
    // One mistake often trips several checks at the same place; the first says it best.
    if (reported.has(err.pos[0])) continue;
    reported.add(err.pos[0]);
    const hint = YAML_HINTS[err.code];
    const message =
      err.code === 'DUPLICATE_KEY'
        ? `field ${JSON.stringify(keyAt(text, err.pos[0]))} appears twice in this map; keep only one`
        : `${cleanMessage(err.message)}${hint === undefined ? '' : ` (${hint})`}`;
    report('error', at(err.pos[0]), YAML_CODES[err.code] ?? 'yaml-syntax', message);
  }
  for (const warn of doc.warnings) {
    // An unknown tag (`!vault x`) means the author expects something marmite does not do; reading
    // it as plain text would hide that.
    if (warn.code === 'TAG_RESOLVE_FAILED') {
      report('error', at(warn.pos[0]), 'yaml-tag', `${cleanMessage(warn.message)}; tags are not supported, write the plain value`);
    } else {
      report('warning', at(warn.pos[0]), 'yaml-warning', cleanMessage(warn.message));
    }
  }
  // A list or map used as a key (`? [a, b]`) cannot become a field name.
  visit(doc, {
    Pair(_, pair) {
      if (pair.key !== null && !isScalar(pair.key) && !isAlias(pair.key)) {
        report('error', at((pair.key as YamlNode).range?.[0]), 'yaml-complex-key', 'a field name must be plain text, not a list or map');
      }
    },
  });
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  if (isEmpty(doc.contents)) {
    report('error', START, 'empty-file', 'file has no content (only comments or blank lines)');
    return { diagnostics };
  }

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // yaml throws a ReferenceError for too many aliases; anything else here is also a bad file.
    const code = err instanceof ReferenceError ? 'yaml-alias-limit' : 'yaml-syntax';
    const message =
      code === 'yaml-alias-limit'
        ? `too many aliases (*name); a file may expand at most ${MAX_ALIAS_COUNT}`
        : cleanMessage(String((err as Error).message));
    report('error', at(doc.contents?.range?.[0]), code, message);
    return { diagnostics };
  }

  const pos = (node: YamlNode | null | undefined): Position => at(node?.range?.[0]);
  const parsed: ParsedYaml = {
    value,
    locate: (path) => {
      const found = walk(doc, path);
      return pos(found.value ?? found.key ?? found.parent);
    },
    locateKey: (path) => {
      const found = walk(doc, path);
      return pos(found.key ?? found.value ?? found.parent);
    },
  };
  // Explicit tags such as !!binary, !!set or .inf give values JSON has no word for; later stages
  // and the JSON plan must only ever see plain data.
  const odd = firstNonJson(value, []);
  if (odd !== undefined) {
    report('error', parsed.locate(odd), 'yaml-unsupported-value', 'only text, numbers, true/false, lists and maps are allowed here; remove the !! tag or write a plain value');
    return { diagnostics };
  }
  return { parsed, diagnostics };
}

/** Path of the first value that is not plain JSON data, if any. */
function firstNonJson(value: unknown, path: (string | number)[]): FieldPath | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = firstNonJson(item, [...path, i]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      const found = firstNonJson(item, [...path, key]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return path;
}

interface Found {
  /** Value node at the path, when the whole path exists. */
  value?: YamlNode | null;
  /** Key node of the last step, when it is a map entry that exists. */
  key?: YamlNode | null;
  /** Deepest node on the path that exists. */
  parent: YamlNode | null;
}

function walk(doc: Document.Parsed, path: FieldPath): Found {
  // `raw` is the node as written (an alias stays the alias, so positions point where it is used);
  // `node` is what it stands for, which the next step looks into.
  let raw = (doc.contents as YamlNode | null) ?? null;
  let node = deref(doc, raw);
  let key: YamlNode | null = null;
  for (const step of path) {
    let next: YamlNode | null | undefined;
    key = null;
    if (isMap(node)) {
      const pair = (node.items as Pair<unknown, unknown>[]).find((p) => isPair(p) && keyText(p.key) === String(step));
      if (pair === undefined) return { parent: raw };
      key = (pair.key as YamlNode | null) ?? null;
      next = pair.value as YamlNode | null;
      if (next === null || next === undefined) return { key, parent: key ?? raw };
    } else if (isSeq(node) && typeof step === 'number') {
      next = node.items[step] as YamlNode | null | undefined;
      if (next === null || next === undefined) return { parent: raw };
    } else {
      return { parent: raw };
    }
    raw = next;
    node = deref(doc, next);
  }
  return key === null ? { value: raw, parent: raw } : { value: raw, key, parent: raw };
}

function isEmpty(contents: unknown): boolean {
  return contents === null || (isScalar(contents) && contents.value === null);
}

function deref(doc: Document.Parsed, node: unknown): YamlNode | null {
  if (isAlias(node)) return (node.resolve(doc) as YamlNode | undefined) ?? null;
  return (node as YamlNode | null) ?? null;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

/** The key written at `offset` (yaml's error range covers only its first character). */
function keyAt(text: string, offset: number): string {
  const m = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:\n]*)/.exec(text.slice(offset));
  return (m?.[1] ?? '').trim().replace(/^["']|["']$/g, '');
}

/** yaml's messages end with "at line N, column M" which the diagnostic already says. */
function cleanMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
}
