import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/load/parse-yaml.js';
import { createSchemaChecker, SCHEMAS_DIR, type SchemaChecker } from '../../src/load/schema-check.js';
import { standaloneSchemas } from '../../src/load/schema-compile.js';
import { SCHEMA_FILES } from '../../src/load/schema-files.js';
import type { Kind } from '../../src/load/types.js';

// The build ships validators compiled ahead of time; they must say exactly what the run-time
// compiled ones say, for valid and broken files alike.
const texts = Object.fromEntries(Object.entries(SCHEMA_FILES).map(([k, n]) => [k, readFileSync(new URL(n, SCHEMAS_DIR), 'utf8')]));

const CASES: [Kind, string][] = [
  ['vm', readFileSync('examples/small/tenants/banque-alimentaire/vms/web.yaml', 'utf8')],
  ['vm', 'vmid: "2801"\ntemplate: debian-12\nflavor: small\ncores: 2\nnics: [{ network: lan, colour: red }]\ndisks: [{ size: 40 Go }]\n'],
  ['node', 'site: paris\ncapacity: { cores: -1, memory: 4GB }\npower: { policy: sometimes, idleWatts: 10, maxWatts: 5, bootTime: 5 minutes }\n'],
  ['window', 'periods:\n  - days: [monday]\n    hours: 8-19\n  - schedule: "0 8 * * *"\n'],
  ['tenant', 'displayName: X\ncontacts: [{ name: a, email: not-an-email }]\nquotas: { vcpus: 1 }\nallowed: { sites: [Paris], networks: [] }\n'],
  ['settings', 'formatVersion: 2\nprune: maybe\n'],
];

describe('precompiled schemas', () => {
  let runtime: SchemaChecker;
  let compiled: SchemaChecker;
  let compiledFile: string;

  beforeAll(async () => {
    compiledFile = join(mkdtempSync(join(tmpdir(), 'marmite-schemas-')), 'schemas.compiled.cjs');
    writeFileSync(compiledFile, standaloneSchemas(texts));
    runtime = await createSchemaChecker();
    compiled = await createSchemaChecker(SCHEMAS_DIR, compiledFile);
  });

  it.each(CASES.map(([kind, text], i) => [i, kind, text] as const))('case %i (%s) gives the same diagnostics both ways', (_i, kind, text) => {
    const parsed = parseYaml('x.yaml', text).parsed!;
    const expected = runtime.check(kind, 'x.yaml', parsed);
    expect(compiled.check(kind, 'x.yaml', parsed)).toEqual(expected);
  });

  it('broken cases do produce diagnostics, so the comparison means something', () => {
    const counts = CASES.slice(1).map(([kind, text]) => runtime.check(kind, 'x.yaml', parseYaml('x.yaml', text).parsed!).length);
    expect(counts.every((n) => n > 0)).toBe(true);
  });

  it('is ignored when built from other schema texts', async () => {
    const stale = join(mkdtempSync(join(tmpdir(), 'marmite-schemas-')), 'schemas.compiled.cjs');
    writeFileSync(stale, standaloneSchemas({ ...texts, vm: texts['vm']!.replace('"additionalProperties": false', '"additionalProperties": true') }));
    const checker = await createSchemaChecker(SCHEMAS_DIR, stale);
    const parsed = parseYaml('x.yaml', 'vmid: 2801\ntemplate: t\nflavor: small\nnics: []\nunknownField: 1\n').parsed!;
    expect(checker.check('vm', 'x.yaml', parsed).map((d) => d.code)).toContain('schema-unknown-field');
  });
});
