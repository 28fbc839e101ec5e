// The schemas are what volunteers' editors check and complete with, and what the loader enforces:
// they must be strict, documented everywhere, and match the TypeScript shapes in src/model/spec.ts.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSchemaChecker, SCHEMA_FILES, SCHEMAS_DIR } from '../../src/load/schema-check.js';
import type { Kind } from '../../src/load/types.js';
import type {
  FlavorsSpec,
  NetworkSpec,
  NodeSpec,
  PoolSpec,
  SettingsSpec,
  SiteSpec,
  StorageSpec,
  TemplatesSpec,
  TenantSpec,
  VmSpec,
  WindowSpec,
} from '../../src/model/spec.js';

type Json = Record<string, unknown>;

const load = (file: string): Json => JSON.parse(readFileSync(new URL(file, SCHEMAS_DIR), 'utf8')) as Json;
const schemas = Object.entries(SCHEMA_FILES).map(([kind, file]) => [kind as Kind, file, load(file)] as const);

/** Every subschema with the JSON path that leads to it. */
function* subschemas(node: unknown, path: string): Generator<[string, Json]> {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) yield* subschemas(item, `${path}/${i}`);
    return;
  }
  const schema = node as Json;
  yield [path, schema];
  for (const key of ['properties', 'definitions', 'patternProperties']) {
    for (const [name, sub] of Object.entries((schema[key] as Json | undefined) ?? {})) yield* subschemas(sub, `${path}/${key}/${name}`);
  }
  for (const key of ['items', 'additionalProperties', 'propertyNames', 'not']) yield* subschemas(schema[key], `${path}/${key}`);
  for (const key of ['oneOf', 'anyOf', 'allOf']) yield* subschemas(schema[key], `${path}/${key}`);
}

describe('schemas/', () => {
  it('holds exactly one schema per kind', () => {
    const files = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.schema.json'));

    expect(files.sort()).toEqual(Object.values(SCHEMA_FILES).sort());
  });

  it.each(schemas)('%s: draft-07 with an $id, a title and a description', (_kind, file, schema) => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBe(`https://marmite.example/schemas/${file}`);
    expect(typeof schema.title).toBe('string');
    expect(typeof schema.description).toBe('string');
  });

  it.each(schemas)('%s: every map is closed and every field has a description', (_kind, _file, schema) => {
    const problems: string[] = [];
    for (const [path, sub] of subschemas(schema, '#')) {
      const isObject = sub.type === 'object' || 'properties' in sub;
      if (isObject && sub.additionalProperties === undefined && !path.includes('/oneOf/') && !path.includes('/allOf/')) {
        problems.push(`${path}: no additionalProperties`);
      }
      for (const [name, prop] of Object.entries((sub.properties as Json | undefined) ?? {})) {
        if (typeof prop === 'boolean') continue; // true/false in oneOf branches: presence only
        if (typeof (prop as Json).description !== 'string') problems.push(`${path}/properties/${name}: no description`);
      }
    }

    expect(problems).toEqual([]);
  });

  it.each(schemas)('%s: no $ref inside oneOf/anyOf (the mapper groups branch errors by schema path)', (_kind, _file, schema) => {
    const refs = [...subschemas(schema, '#')].filter(([path, sub]) => /\/(oneOf|anyOf)\//.test(path) && '$ref' in sub);

    expect(refs.map(([path]) => path)).toEqual([]);
  });

  it('defines size, duration and name the same way everywhere', () => {
    const seen = new Map<string, string>();
    const differing: string[] = [];
    for (const [, file, schema] of schemas) {
      for (const [name, def] of Object.entries((schema.definitions as Json | undefined) ?? {})) {
        const text = JSON.stringify(def);
        if (seen.has(name) && seen.get(name) !== text) differing.push(`${file}: definitions/${name}`);
        seen.set(name, text);
      }
    }

    expect(differing).toEqual([]);
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });
});

// ---- the schemas match src/model/spec.ts: the key lists below are checked by tsc against the types

type Presence<T> = { [K in keyof T]-?: object extends Pick<T, K> ? 'optional' : 'required' };
type Item<T> = T extends readonly (infer U)[] ? U : never;
type Entry<T> = T extends Record<string, infer U> ? U : never;

const settings = { formatVersion: 'required', timezone: 'optional', prune: 'optional', deletionGuard: 'optional', statusBranch: 'optional', vmidRange: 'optional' } satisfies Presence<SettingsSpec>;
const range = { from: 'required', to: 'required' } satisfies Presence<NonNullable<SettingsSpec['vmidRange']>>;
const site = { displayName: 'optional', timezone: 'optional', proxmox: 'required', ceph: 'optional', electricity: 'optional', quorum: 'optional', networks: 'optional', storages: 'optional' } satisfies Presence<SiteSpec>;
const endpoint = { endpoint: 'required', credential: 'required' } satisfies Presence<SiteSpec['proxmox']>;
const node = { site: 'required', pveNode: 'optional', description: 'optional', capacity: 'required', roles: 'optional', bmc: 'optional', power: 'required' } satisfies Presence<NodeSpec>;
const capacity = { cores: 'required', memory: 'required', reserved: 'optional' } satisfies Presence<NodeSpec['capacity']>;
const bmc = { driver: 'required', address: 'optional', credential: 'optional', cipherSuite: 'optional', wattsSensor: 'optional', mac: 'optional', broadcast: 'optional' } satisfies Presence<NonNullable<NodeSpec['bmc']>>;
const power = { policy: 'required', windows: 'optional', idleWatts: 'required', maxWatts: 'required', bootTime: 'optional', shutdownTime: 'optional', minOnTime: 'optional', minOffTime: 'optional' } satisfies Presence<NodeSpec['power']>;
const flavor = { cores: 'required', memory: 'required', disk: 'optional', description: 'optional' } satisfies Presence<Entry<FlavorsSpec['flavors']>>;
const template = { vmid: 'required', description: 'optional', ostype: 'optional', disk: 'required', storage: 'required', sites: 'optional', node: 'optional', cloudInit: 'optional' } satisfies Presence<Entry<TemplatesSpec['templates']>>;
const pool = { site: 'required', tenant: 'optional', size: 'optional', minSize: 'optional', pgNum: 'optional', application: 'optional', quota: 'optional', proxmoxStorage: 'optional', description: 'optional' } satisfies Presence<PoolSpec>;
const window = { description: 'optional', timezone: 'optional', periods: 'required' } satisfies Presence<WindowSpec>;
const tenant = { displayName: 'required', description: 'optional', contacts: 'required', members: 'optional', quotas: 'required', allowed: 'required', vmidRange: 'optional' } satisfies Presence<TenantSpec>;
const quotas = { vcpus: 'required', memory: 'required', disk: 'required', vms: 'required', cephBytes: 'optional' } satisfies Presence<TenantSpec['quotas']>;
const vm = { vmid: 'required', description: 'optional', site: 'optional', flavor: 'optional', cores: 'optional', memory: 'optional', template: 'required', state: 'optional', disks: 'optional', nics: 'required', cloudInit: 'optional', schedule: 'optional', ha: 'optional', protected: 'optional', placement: 'optional' } satisfies Presence<VmSpec>;
const disk = { size: 'required', storage: 'optional', slot: 'optional' } satisfies Presence<Item<NonNullable<VmSpec['disks']>>>;
const nic = { network: 'required', firewall: 'optional', mac: 'optional' } satisfies Presence<Item<VmSpec['nics']>>;
const cloudInit = { user: 'optional', sshKeys: 'optional', ip: 'optional', nameserver: 'optional' } satisfies Presence<NonNullable<VmSpec['cloudInit']>>;
const placement = { node: 'optional', nodes: 'optional', antiAffinity: 'optional' } satisfies Presence<NonNullable<VmSpec['placement']>>;
const network = { bridge: 'required', vlan: 'optional', description: 'optional' } satisfies Presence<NetworkSpec>;
const storage = { type: 'required', shared: 'optional', description: 'optional' } satisfies Presence<StorageSpec>;

const shapes: [string, string, Record<string, string>][] = [
  ['marmite.schema.json', '', settings],
  ['marmite.schema.json', '/properties/vmidRange', range],
  ['site.schema.json', '', site],
  ['site.schema.json', '/properties/proxmox', endpoint],
  ['site.schema.json', '/properties/ceph', endpoint],
  ['site.schema.json', '/properties/networks/additionalProperties', network],
  ['site.schema.json', '/properties/storages/additionalProperties', storage],
  ['node.schema.json', '', node],
  ['node.schema.json', '/properties/capacity', capacity],
  ['node.schema.json', '/properties/bmc', bmc],
  ['node.schema.json', '/properties/power', power],
  ['flavors.schema.json', '/properties/flavors/additionalProperties', flavor],
  ['templates.schema.json', '/properties/templates/additionalProperties', template],
  ['pool.schema.json', '', pool],
  ['window.schema.json', '', window],
  ['window.schema.json', '/properties/periods/items/oneOf/0', { days: 'required', hours: 'required' }],
  ['window.schema.json', '/properties/periods/items/oneOf/1', { schedule: 'required', duration: 'required' }],
  ['tenant.schema.json', '', tenant],
  ['tenant.schema.json', '/properties/quotas', quotas],
  ['tenant.schema.json', '/properties/vmidRange', range],
  ['vm.schema.json', '', vm],
  ['vm.schema.json', '/properties/disks/items', disk],
  ['vm.schema.json', '/properties/nics/items', nic],
  ['vm.schema.json', '/properties/cloudInit', cloudInit],
  ['vm.schema.json', '/properties/placement', placement],
];

describe('schemas match src/model/spec.ts', () => {
  it.each(shapes)('%s#%s', (file, pointer, shape) => {
    let sub: unknown = load(file);
    for (const seg of pointer.split('/').slice(1)) sub = (sub as Json)[seg];
    const schema = sub as Json;

    expect(Object.keys((schema.properties as Json | undefined) ?? {}).sort()).toEqual(Object.keys(shape).sort());
    expect(((schema.required as string[] | undefined) ?? []).slice().sort()).toEqual(
      Object.entries(shape)
        .filter(([, presence]) => presence === 'required')
        .map(([key]) => key)
        .sort(),
    );
  });
});

describe('createSchemaChecker', () => {
  it('fails with the schema file named when schemas/ is missing', async () => {

    await expect(createSchemaChecker(new URL('file:///nonexistent/schemas/'))).rejects.toThrow(/\/nonexistent\/schemas\/marmite\.schema\.json: cannot load the settings schema/);
  });
});
