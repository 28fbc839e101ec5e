// One ajv setup for both ways the schemas are compiled: at run time, and ahead of time into a
// standalone module by the build (scripts/compile-schemas.mjs), so both enforce the same rules.

import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { SCHEMA_FILES, schemaHash } from './schema-files.js';
import type { Kind } from './types.js';

// ajv's CommonJS modules have a default export; under NodeNext the namespace may wrap it.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const standaloneCode = ((standaloneModule as unknown as { default?: unknown }).default ?? standaloneModule) as unknown as (
  ajv: Ajv,
  refs: Record<string, string>,
) => string;

export function newAjv(source = false): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, verbose: true, ...(source ? { code: { source: true } } : {}) });
  addFormats(ajv);
  // Annotations for editors (vscode-json-languageservice reads them); the mapper reads them too.
  ajv.addKeyword({ keyword: 'patternErrorMessage', schemaType: 'string' });
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  return ajv;
}

/** CommonJS source exporting one validator per kind and the hash of the schema texts. */
export function standaloneSchemas(texts: Record<string, string>): string {
  const ajv = newAjv(true);
  const refs: Record<string, string> = {};
  for (const kind of Object.keys(SCHEMA_FILES) as Kind[]) {
    const schema = JSON.parse(texts[kind]!) as { $id: string };
    ajv.addSchema(schema);
    refs[kind] = schema.$id;
  }
  return `${standaloneCode(ajv, refs)}\nexports.schemaHash = ${JSON.stringify(schemaHash(texts))};\n`;
}
