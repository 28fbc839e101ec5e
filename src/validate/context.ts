// The loaded objects indexed by kind and name, and what every check receives. Checks point back
// at the YAML through `at`, so each diagnostic carries the file:line:col of the field concerned.

import { Diagnostics, START, type Position } from '../core/diagnostics.js';
import type { Desired } from '../model/desired.js';
import type {
  FlavorsSpec,
  NodeSpec,
  PoolSpec,
  SettingsSpec,
  SiteSpec,
  TemplatesSpec,
  TenantSpec,
  VmSpec,
  WindowSpec,
} from '../model/spec.js';
import type { FieldPath, Kind, LoadedObject } from '../load/types.js';

export const FLAVORS_FILE = 'catalog/flavors.yaml';
export const TEMPLATES_FILE = 'catalog/templates.yaml';

export interface Repo {
  settings?: LoadedObject<SettingsSpec>;
  sites: Map<string, LoadedObject<SiteSpec>>;
  nodes: Map<string, LoadedObject<NodeSpec>>;
  flavors?: LoadedObject<FlavorsSpec>;
  templates?: LoadedObject<TemplatesSpec>;
  pools: Map<string, LoadedObject<PoolSpec>>;
  windows: Map<string, LoadedObject<WindowSpec>>;
  tenants: Map<string, LoadedObject<TenantSpec>>;
  /** Keyed by `<tenant>/<vm>`. */
  vms: Map<string, LoadedObject<VmSpec>>;
  byFile: Map<string, LoadedObject>;
}

export interface ValidateOptions {
  /** Reference instant for "does this window ever open"; defaults to the current time. */
  now?: Date;
  /**
   * Files the loader could not hand on (YAML or schema errors, already reported): references to
   * objects such a file would define are not reported again as unknown.
   */
  brokenFiles?: ReadonlySet<string>;
}

export interface CheckContext {
  repo: Repo;
  desired: Desired;
  diags: Diagnostics;
  now: Date;
  brokenFiles: ReadonlySet<string>;
}

/** Builds the index; a second object of the same kind and name is reported and left out. */
export function indexObjects(objects: readonly LoadedObject[], diags: Diagnostics): Repo {
  const repo: Repo = {
    sites: new Map(),
    nodes: new Map(),
    pools: new Map(),
    windows: new Map(),
    tenants: new Map(),
    vms: new Map(),
    byFile: new Map(),
  };
  const sorted = [...objects].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const o of sorted) {
    repo.byFile.set(o.file, o);
    const first = (existing: LoadedObject | undefined): boolean => {
      if (!existing) return true;
      diags.error(o.file, START, 'duplicate-name', `${o.kind} ${o.name}: also defined in ${existing.file}`);
      return false;
    };
    switch (o.kind) {
      case 'settings':
        if (first(repo.settings)) repo.settings = o as LoadedObject<SettingsSpec>;
        break;
      case 'flavors':
        if (first(repo.flavors)) repo.flavors = o as LoadedObject<FlavorsSpec>;
        break;
      case 'templates':
        if (first(repo.templates)) repo.templates = o as LoadedObject<TemplatesSpec>;
        break;
      case 'vm': {
        const id = `${o.tenant ?? ''}/${o.name}`;
        if (first(repo.vms.get(id))) repo.vms.set(id, o as LoadedObject<VmSpec>);
        break;
      }
      case 'tenant': {
        // The tenant's name is its folder, never a field or the file name (`tenant.yaml`).
        const name = o.tenant ?? o.name;
        if (first(repo.tenants.get(name))) repo.tenants.set(name, o as LoadedObject<TenantSpec>);
        break;
      }
      default: {
        const map = mapFor(repo, o.kind);
        if (map && first(map.get(o.name))) map.set(o.name, o);
      }
    }
  }
  return repo;
}

function mapFor(repo: Repo, kind: Kind): Map<string, LoadedObject> | undefined {
  switch (kind) {
    case 'site':
      return repo.sites as Map<string, LoadedObject>;
    case 'node':
      return repo.nodes as Map<string, LoadedObject>;
    case 'pool':
      return repo.pools as Map<string, LoadedObject>;
    case 'window':
      return repo.windows as Map<string, LoadedObject>;
    default:
      return undefined;
  }
}

/** Position of a field in a file of the repository, or the file's start when it is unknown. */
export function at(repo: Repo, file: string, path: FieldPath): Position {
  return repo.byFile.get(file)?.locate(path) ?? START;
}

export function atKey(repo: Repo, file: string, path: FieldPath): Position {
  return repo.byFile.get(file)?.locateKey(path) ?? START;
}

const DEFINING_DIR: Partial<Record<Kind, string>> = {
  site: 'sites',
  node: 'nodes',
  pool: 'ceph/pools',
  window: 'power',
};

/**
 * Whether an object of this kind and name may exist in a file the loader rejected, in which case
 * a reference to it is not reported (the loader already reported that file).
 */
export function maybeInBrokenFile(ctx: Pick<CheckContext, 'brokenFiles'>, kind: Kind, name: string): boolean {
  if (ctx.brokenFiles.size === 0) return false;
  const candidates: string[] = [];
  const dir = DEFINING_DIR[kind];
  if (dir) candidates.push(`${dir}/${name}.yaml`, `${dir}/${name}.yml`);
  if (kind === 'flavors') candidates.push(FLAVORS_FILE, 'catalog/flavors.yml');
  if (kind === 'templates') candidates.push(TEMPLATES_FILE, 'catalog/templates.yml');
  if (kind === 'tenant') candidates.push(`tenants/${name}/tenant.yaml`, `tenants/${name}/tenant.yml`);
  return candidates.some((f) => ctx.brokenFiles.has(f));
}
