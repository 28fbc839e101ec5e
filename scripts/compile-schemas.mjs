#!/usr/bin/env node
// Build step (after tsc): compiles the JSON Schemas in schemas/ into standalone ajv validators,
// dist/load/schemas.compiled.cjs, so `marmite validate` does not spend a quarter of a second
// generating code at every start. The module carries a hash of the schema texts; the loader
// compiles at run time instead whenever the hash does not match (a schema edited without a
// rebuild), so a stale build never validates against old rules.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { SCHEMA_FILES } = await import(new URL('../dist/load/schema-files.js', import.meta.url).href);
const { standaloneSchemas } = await import(new URL('../dist/load/schema-compile.js', import.meta.url).href);

const texts = Object.fromEntries(Object.entries(SCHEMA_FILES).map(([kind, name]) => [kind, readFileSync(`${root}/schemas/${name}`, 'utf8')]));
mkdirSync(`${root}/dist/load`, { recursive: true });
writeFileSync(`${root}/dist/load/schemas.compiled.cjs`, standaloneSchemas(texts));
console.log(`compiled ${Object.keys(texts).length} schemas into dist/load/schemas.compiled.cjs`);
