// Check a parsed file against its kind's JSON Schema and turn ajv's errors into messages a
// volunteer can act on, each pointing at the YAML node it is about. The schemas in schemas/ are
// the same files editors use through yaml-language-server, so there is one definition of "valid".

import { readFile } from 'node:fs/promises';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic, Position } from '../core/diagnostics.js';
import { MarmiteError } from '../core/errors.js';
import type { ParsedYaml } from './parse-yaml.js';
import type { FieldPath, Kind } from './types.js';
import { closest } from './words.js';
import { SCHEMA_FILES, schemaHash } from './schema-files.js';
import { createRequire } from 'node:module';

export { SCHEMA_FILES } from './schema-files.js';

// Resolved from this module so it works from src/ (vitest) and from dist/ after a build: both are
// two levels below the package root.
export const SCHEMAS_DIR = new URL('../../schemas/', import.meta.url);

// Patterns whose failures get their own code, so tools and tests need not read messages.
const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s?(KiB|MiB|GiB|TiB|PiB|KB|MB|GB|TB|PB)$';
const DURATION_PATTERN = '^(?=[0-9])([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$';
const NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';

export interface SchemaChecker {
  check(kind: Kind, file: string, parsed: ParsedYaml): Diagnostic[];
}


/** Compile every kind's schema once; the checker is then synchronous and reusable. */
export async function createSchemaChecker(schemasDir: URL = SCHEMAS_DIR, compiledModule?: string): Promise<SchemaChecker> {
  const texts: Record<string, string> = {};
  for (const [kind, name] of Object.entries(SCHEMA_FILES) as [Kind, string][]) {
    const url = new URL(name, schemasDir);
    try {
      texts[kind] = await readFile(url, 'utf8');
    } catch (cause) {
      // A missing schema is a packaging bug, not bad user input.
      throw new MarmiteError(`${url.pathname}: cannot load the ${kind} schema: ${String((cause as Error).message)}`, { cause });
    }
  }
  const validators = precompiled(texts, compiledModule) ?? (await compileAll(texts, schemasDir));
  return {
    check(kind, file, parsed) {
      const validate = validators.get(kind);
      if (validate === undefined || validate(parsed.value)) return [];
      return mapErrors(validate.errors ?? [], parsed).map((issue) => ({
        file,
        line: issue.pos.line,
        col: issue.pos.col,
        severity: 'error' as const,
        code: issue.code,
        message: issue.message,
      }));
    },
  };
}

/**
 * Validators generated at build time (scripts/compile-schemas.mjs), used only when they were
 * built from exactly these schema texts; otherwise undefined and the schemas are compiled here.
 */
function precompiled(texts: Record<string, string>, modulePath = './schemas.compiled.cjs'): Map<Kind, ValidateFunction> | undefined {
  let mod: Record<string, unknown>;
  try {
    mod = createRequire(import.meta.url)(modulePath) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (mod.schemaHash !== schemaHash(texts)) return undefined;
  const out = new Map<Kind, ValidateFunction>();
  for (const kind of Object.keys(SCHEMA_FILES) as Kind[]) {
    const fn = mod[kind];
    if (typeof fn !== 'function') return undefined;
    out.set(kind, fn as ValidateFunction);
  }
  return out;
}

async function compileAll(texts: Record<string, string>, schemasDir: URL): Promise<Map<Kind, ValidateFunction>> {
  // Loaded only here: with the precompiled validators, ajv's compiler is never needed.
  const { newAjv } = await import('./schema-compile.js');
  const ajv = newAjv();
  const validators = new Map<Kind, ValidateFunction>();
  for (const [kind, name] of Object.entries(SCHEMA_FILES) as [Kind, string][]) {
    try {
      validators.set(kind, ajv.compile(JSON.parse(texts[kind]!) as object));
    } catch (cause) {
      throw new MarmiteError(`${new URL(name, schemasDir).pathname}: cannot compile the ${kind} schema: ${String((cause as Error).message)}`, { cause });
    }
  }
  return validators;
}

interface Issue {
  pos: Position;
  code: string;
  message: string;
}

/** ajv errors -> one readable issue per problem, deduplicated, in document order of the errors. */
export function mapErrors(errors: readonly ErrorObject[], parsed: ParsedYaml): Issue[] {
  // A bad map key yields the inner error (with `propertyName`) and a vaguer summary: keep the first.
  const useful = errors.filter((e) => e.keyword !== 'propertyNames');
  const issues = condense(useful).map((e) => (e instanceof ChoiceIssue ? e.toIssue(parsed) : describe(e, parsed)));
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.pos.line}:${i.pos.col}:${i.code}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---- oneOf / anyOf: collapse the branches' errors into the branch the author most likely meant.

class ChoiceIssue {
  constructor(
    readonly error: ErrorObject,
    readonly message: string,
    /** A field that should not be there (flavor next to cores): pointed at instead of its map. */
    readonly extra?: ErrorObject,
  ) {}
  toIssue(parsed: ParsedYaml): Issue {
    if (this.extra !== undefined) {
      const path = toFieldPath(this.extra.instancePath, parsed.value);
      return { pos: parsed.locateKey(path), code: 'schema-choice', message: `${where(path)}${this.message}` };
    }
    const path = toFieldPath(this.error.instancePath, parsed.value);
    return { pos: parsed.locate(path), code: 'schema-choice', message: `${where(path)}${this.message}` };
  }
}

const SHAPE_KEYWORDS = new Set(['type', 'const', 'enum', 'false schema']);

function condense(errors: readonly ErrorObject[]): (ErrorObject | ChoiceIssue)[] {
  const choices = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const outer = choices.filter((c) => !choices.some((o) => o !== c && within(c, o)));
  const consumed = new Set<ErrorObject>();
  const out: (ErrorObject | ChoiceIssue)[] = [];
  for (const choice of outer) {
    const members = errors.filter((e) => within(e, choice));
    members.forEach((m) => consumed.add(m));
    consumed.add(choice);
    out.push(...resolveChoice(choice, members));
  }
  for (const e of errors) if (!consumed.has(e)) out.push(e);
  return out;
}

/**
 * Whether `e` comes from a branch of `choice`: below it in the schema and in the data (list items
 * share one schema path, so the data path tells their errors apart).
 */
function within(e: ErrorObject, choice: ErrorObject): boolean {
  const data = e.instancePath === choice.instancePath || e.instancePath.startsWith(`${choice.instancePath}/`);
  return data && e.schemaPath.startsWith(`${choice.schemaPath}/`);
}

function resolveChoice(choice: ErrorObject, members: ErrorObject[]): (ErrorObject | ChoiceIssue)[] {
  const branches = new Map<number, ErrorObject[]>();
  for (const m of members) {
    const index = Number(m.schemaPath.slice(choice.schemaPath.length + 1).split('/')[0]);
    branches.set(index, [...(branches.get(index) ?? []), m]);
  }
  const custom = (choice.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
  if (custom !== undefined) {
    // In the branch closest to what was written, a field forbidden there is the likely culprit.
    const closestBranch = [...branches.values()].sort((a, b) => a.length - b.length)[0] ?? [];
    return [new ChoiceIssue(choice, custom, closestBranch.find((e) => e.keyword === 'false schema'))];
  }
  const passing = (choice.params as { passingSchemas?: unknown }).passingSchemas;
  if (passing === null || passing === undefined) {
    // A branch whose errors say "this is not even the right shape" was not what the author meant.
    const plausible = [...branches.values()].filter(
      (errs) => !errs.some((e) => e.instancePath === choice.instancePath && SHAPE_KEYWORDS.has(e.keyword)),
    );
    const fewest = Math.min(...plausible.map((errs) => errs.length));
    const best = plausible.filter((errs) => errs.length === fewest);
    if (best.length === 1 && best[0] !== undefined) return condense(best[0]);
  }
  return [new ChoiceIssue(choice, `expected ${alternatives(choice.schema)}`)];
}

/** "a map with days and hours, or a map with schedule and duration" from the branch schemas. */
function alternatives(schema: unknown): string {
  const branches = Array.isArray(schema) ? (schema as Record<string, unknown>[]) : [];
  const words = branches.map((b) => {
    if ('const' in b) return JSON.stringify(b.const);
    const required = Array.isArray(b.required) ? (b.required as string[]) : [];
    if (required.length > 0) return `a map with ${required.join(' and ')}`;
    return typeof b.type === 'string' ? noun(b.type) : 'another form';
  });
  return words.join(', or ');
}

// ---- one ajv error -> one issue

function describe(e: ErrorObject, parsed: ParsedYaml): Issue {
  const path = toFieldPath(e.instancePath, parsed.value);
  const at = where(path);
  const params = e.params as Record<string, unknown>;
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  const shown = show(e.data);
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    // An error about a map's key (propertyNames): point at the key, quote the key.
    const pos = parsed.locateKey([...path, propertyName]);
    return { pos, code: patternCode(e), message: `${at}${JSON.stringify(propertyName)} is ${patternHint(parent) ?? 'not an allowed name'}` };
  }
  const pos = parsed.locate(path);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {});
      const guess = closest(key, known);
      const hint =
        key === '<<'
          ? '; YAML merge keys are not supported, write the fields out'
          : guess !== undefined
            ? `; did you mean "${guess}"?`
            : known.length > 0
              ? `; fields allowed here: ${known.join(', ')}`
              : '';
      return { pos: parsed.locateKey([...path, key]), code: 'schema-unknown-field', message: `${at}unknown field "${key}"${hint}` };
    }
    case 'required': {
      const missing = String(params.missingProperty);
      const doc = firstSentence((parent.properties as Record<string, { description?: string }> | undefined)?.[missing]?.description);
      return { pos, code: 'schema-missing-field', message: `${at}missing field "${missing}"${doc ? ` (${doc})` : ''}` };
    }
    case 'type': {
      if (path.length === 0) return { pos, code: 'schema-type', message: `the file must hold a map of fields (key: value), not ${article(e.data)}` };
      return { pos, code: 'schema-type', message: `${at}expected ${noun(String(params.type))}, got ${article(e.data)}${e.data === null ? '' : ` ${shown}`}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => String(v));
      const guess = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      const hint = guess !== undefined ? `; did you mean "${guess}"?` : `; write one of: ${allowed.join(', ')}`;
      return { pos, code: 'schema-value', message: `${at}${shown} is not allowed${hint}` };
    }
    case 'const':
      return { pos, code: 'schema-value', message: `${at}must be ${JSON.stringify(params.allowedValue)}, not ${shown}` };
    case 'pattern':
      return { pos, code: patternCode(e), message: `${at}${shown} is ${patternHint(parent) ?? `not in the expected form (${String(params.pattern)})`}` };
    case 'format':
      return { pos, code: 'schema-format', message: `${at}${shown} is not ${params.format === 'email' ? 'an e-mail address' : `a valid ${String(params.format)}`}` };
    case 'minimum':
    case 'exclusiveMinimum':
      return { pos, code: 'schema-range', message: `${at}${shown} is too small; the smallest allowed is ${String(params.limit)}${e.keyword === 'exclusiveMinimum' ? ' (excluded)' : ''}` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { pos, code: 'schema-range', message: `${at}${shown} is too large; the largest allowed is ${String(params.limit)}${e.keyword === 'exclusiveMaximum' ? ' (excluded)' : ''}` };
    case 'minItems':
      return { pos, code: 'schema-range', message: `${at}needs at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` };
    case 'maxItems':
      return { pos, code: 'schema-range', message: `${at}has more than ${String(params.limit)} items` };
    case 'minLength':
      return { pos, code: 'schema-range', message: params.limit === 1 ? `${at}must not be empty` : `${at}needs at least ${String(params.limit)} characters` };
    case 'maxLength':
      return { pos, code: 'schema-range', message: `${at}is longer than ${String(params.limit)} characters` };
    case 'uniqueItems': {
      const i = Math.max(Number(params.i), Number(params.j));
      const item = Array.isArray(e.data) ? show(e.data[i]) : 'an item';
      return { pos: parsed.locate([...path, i]), code: 'schema-duplicate', message: `${at}${item} is listed twice` };
    }
    case 'false schema':
      return { pos: parsed.locateKey(path), code: 'schema-unknown-field', message: `${at}not allowed here` };
    default:
      return { pos, code: 'schema', message: `${at}${e.message ?? 'is not valid'}` };
  }
}

function patternCode(e: ErrorObject): string {
  const pattern = (e.params as { pattern?: string }).pattern;
  if (pattern === SIZE_PATTERN) return 'schema-size';
  if (pattern === DURATION_PATTERN) return 'schema-duration';
  if (pattern === NAME_PATTERN) return 'schema-name';
  return 'schema-format';
}

function patternHint(parent: Record<string, unknown>): string | undefined {
  return typeof parent.patternErrorMessage === 'string' ? parent.patternErrorMessage : undefined;
}

// ---- paths and words

/** JSON pointer -> field path, numbers for list positions (checked against the data). */
export function toFieldPath(pointer: string, value: unknown): FieldPath {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let cur: unknown = value;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      out.push(Number(seg));
      cur = cur[Number(seg)];
    } else {
      out.push(seg);
      cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}

/** `disks[0].size`, `networks["lan 2"].vlan` */
export function formatFieldPath(path: FieldPath): string {
  let s = '';
  for (const seg of path) {
    if (typeof seg === 'number') s += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) s += s === '' ? seg : `.${seg}`;
    else s += `[${JSON.stringify(seg)}]`;
  }
  return s;
}

function where(path: FieldPath): string {
  return path.length === 0 ? '' : `${formatFieldPath(path)}: `;
}

function noun(type: string): string {
  const nouns: Record<string, string> = {
    integer: 'a whole number',
    number: 'a number',
    string: 'text',
    boolean: 'true or false',
    array: 'a list',
    object: 'a map (key: value)',
    null: 'nothing',
  };
  return type
    .split(',')
    .map((t) => nouns[t] ?? t)
    .join(' or ');
}

function article(data: unknown): string {
  if (data === null || data === undefined) return 'nothing';
  if (Array.isArray(data)) return 'a list';
  if (typeof data === 'object') return 'a map';
  if (typeof data === 'string') return 'text';
  if (typeof data === 'boolean') return 'true/false';
  return Number.isInteger(data) ? 'a whole number' : 'a number';
}

function show(data: unknown): string {
  if (data === null || data === undefined) return 'nothing';
  if (typeof data === 'object') return Array.isArray(data) ? 'a list' : 'a map';
  const s = JSON.stringify(data);
  return s.length > 60 ? `${s.slice(0, 57)}..."` : s;
}

function firstSentence(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const m = /^(.*?[.!?])(\s|$)/.exec(text);
  return (m?.[1] ?? text).replace(/\.$/, '');
}
