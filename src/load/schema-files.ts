// The schema file of each kind, and the hash that ties a precompiled validator module to the
// exact schema texts it was built from (scripts/compile-schemas.mjs).

import { createHash } from 'node:crypto';
import type { Kind } from './types.js';

export const SCHEMA_FILES: Record<Kind, string> = {
  settings: 'marmite.schema.json',
  site: 'site.schema.json',
  node: 'node.schema.json',
  flavors: 'flavors.schema.json',
  templates: 'templates.schema.json',
  pool: 'pool.schema.json',
  window: 'window.schema.json',
  tenant: 'tenant.schema.json',
  vm: 'vm.schema.json',
};

export function schemaHash(texts: Record<string, string>): string {
  const h = createHash('sha256');
  for (const kind of Object.keys(texts).sort()) h.update(`${kind}\0${texts[kind]}\0`);
  return h.digest('hex');
}
