// The path table: in an infra repository a file's kind, name and tenant come from where it is,
// never from its content, so a tenant cannot describe another tenant's resources by writing a
// field. This module is the only place that knows the layout.

import type { Kind } from './types.js';

/** DNS label: what Proxmox, Ceph and tags accept everywhere a name ends up. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export interface PathMatch {
  kind: Kind;
  /** File name without extension (catalog files: `flavors`, `templates`). */
  name: string;
  tenant?: string;
  /** Path segments that must be DNS labels, with what they name (for the diagnostic). */
  names: { value: string; what: string }[];
}

interface Rule {
  kind: Kind;
  /** Segments before the file name; `*` is a name segment. */
  dirs: readonly string[];
  /** Fixed file stem, or undefined when the stem is the object's name. */
  stem?: string;
  what: string;
}

// Order matters only for the layout hint; every path matches at most one rule.
const RULES: readonly Rule[] = [
  { kind: 'settings', dirs: [], stem: 'marmite', what: 'repository settings' },
  { kind: 'site', dirs: ['sites'], what: 'site' },
  { kind: 'node', dirs: ['nodes'], what: 'node' },
  { kind: 'flavors', dirs: ['catalog'], stem: 'flavors', what: 'flavors' },
  { kind: 'templates', dirs: ['catalog'], stem: 'templates', what: 'templates' },
  { kind: 'pool', dirs: ['ceph', 'pools'], what: 'Ceph pool' },
  { kind: 'window', dirs: ['power'], what: 'power window' },
  { kind: 'tenant', dirs: ['tenants', '*'], stem: 'tenant', what: 'tenant' },
  { kind: 'vm', dirs: ['tenants', '*', 'vms'], what: 'VM' },
];

/** The valid layout, for "this file is in an unknown place" hints. */
export const LAYOUT = [
  'marmite.yaml',
  'sites/<site>.yaml',
  'nodes/<node>.yaml',
  'catalog/flavors.yaml',
  'catalog/templates.yaml',
  'ceph/pools/<pool>.yaml',
  'power/<window>.yaml',
  'tenants/<tenant>/tenant.yaml',
  'tenants/<tenant>/vms/<vm>.yaml',
] as const;

/** `.yaml` is the documented extension; `.yml` is accepted too since editors and habits differ. */
export const YAML_EXTENSIONS = ['.yaml', '.yml'] as const;

export function splitExtension(file: string): { stem: string; ext: string } {
  const dot = file.lastIndexOf('.');
  if (dot <= 0) return { stem: file, ext: '' };
  return { stem: file.slice(0, dot), ext: file.slice(dot) };
}

/** The kind of a repository-relative posix path to a YAML file, or undefined for an unknown place. */
export function classify(path: string): PathMatch | undefined {
  const segments = path.split('/');
  const fileName = segments.pop();
  if (fileName === undefined) return undefined;
  const { stem, ext } = splitExtension(fileName);
  if (!(YAML_EXTENSIONS as readonly string[]).includes(ext)) return undefined;
  for (const rule of RULES) {
    if (rule.dirs.length !== segments.length) continue;
    if (rule.stem !== undefined && rule.stem !== stem) continue;
    const names: { value: string; what: string }[] = [];
    let tenant: string | undefined;
    const fits = rule.dirs.every((dir, i) => {
      const seg = segments[i] as string;
      if (dir !== '*') return dir === seg;
      tenant = seg;
      names.push({ value: seg, what: 'tenant folder' });
      return true;
    });
    if (!fits) continue;
    // A tenant folder's own file is `tenant.yaml`: never read it as a VM or the reverse.
    if (rule.stem === undefined) names.push({ value: stem, what: `${rule.what} file` });
    const match: PathMatch = { kind: rule.kind, name: rule.stem === undefined ? stem : rule.stem, names };
    if (rule.kind === 'tenant' && tenant !== undefined) match.name = tenant;
    if (tenant !== undefined) match.tenant = tenant;
    return match;
  }
  return undefined;
}

export function isDnsLabel(value: string): boolean {
  return DNS_LABEL.test(value);
}
