// Who must approve a merge request, from the paths it changes. A tenant owns only the VM files
// of its folder (tenants/<t>/vms/); everything else is the platform team's, tenant.yaml included,
// since it holds the tenant's quotas. Names come from CODEOWNERS when the repository has one, so
// the comment says the same thing GitLab's approval rules enforce.

import type { ChangedFile } from './git.js';

export interface CodeownersRule {
  pattern: string;
  owners: string[];
  regex: RegExp;
}

export interface Approval {
  /** Who: CODEOWNERS owners, or plain words when there is no CODEOWNERS. */
  who: string[];
  /** Why, in words a volunteer understands. */
  why: string;
  files: string[];
}

export interface Ownership {
  /** Tenants whose folder (VMs or tenant.yaml) the merge request touches. */
  touchedTenants: string[];
  /** Per tenant, the changed VM files of its own folder. */
  tenantFiles: Record<string, string[]>;
  /** Changed files owned by the platform team. */
  platformFiles: string[];
  /** More than one tenant's VM folder is touched. */
  crossTenant: boolean;
  approvals: Approval[];
}

export const CODEOWNERS_PATHS = ['CODEOWNERS', '.gitlab/CODEOWNERS', 'docs/CODEOWNERS', '.github/CODEOWNERS'];

const TENANT_VM = /^tenants\/([^/]+)\/vms\/./;
const TENANT_ANY = /^tenants\/([^/]+)\//;

/** The tenant whose VM folder holds `path`, or undefined for a platform file. */
export function tenantOfVmPath(path: string): string | undefined {
  return TENANT_VM.exec(path)?.[1];
}

/** GitLab/GitHub CODEOWNERS: `pattern owner...`; `#` comments and `[Section]` headers are skipped. */
export function parseCodeowners(text: string): CodeownersRule[] {
  const rules: CodeownersRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '' || line.startsWith('[') || line.startsWith('^[')) continue;
    const [pattern, ...owners] = line.split(/\s+/);
    if (!pattern) continue;
    rules.push({ pattern, owners, regex: patternRegex(pattern) });
  }
  return rules;
}

/**
 * gitignore-style patterns as CODEOWNERS uses them: a leading `/` anchors at the root, otherwise
 * the pattern matches at any depth; a trailing `/` (or a directory name) covers what is inside.
 */
function patternRegex(pattern: string): RegExp {
  const anchored = pattern.startsWith('/');
  let p = pattern.replace(/^\/+/, '');
  const dir = p.endsWith('/');
  p = p.replace(/\/+$/, '');
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === '*' && p[i + 1] === '*') {
      re += '.*';
      i++;
      if (p[i + 1] === '/') i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const prefix = anchored ? '^' : '^(?:.*/)?';
  return new RegExp(`${prefix}${re}${dir ? '/.*' : '(?:/.*)?'}$`);
}

/** Owners of a path: the last matching rule wins, as in GitLab and GitHub. */
export function ownersFor(rules: readonly CodeownersRule[], path: string): string[] | undefined {
  let found: string[] | undefined;
  for (const r of rules) if (r.regex.test(path)) found = r.owners;
  return found;
}

export function ownership(changed: readonly ChangedFile[], rules: readonly CodeownersRule[] | undefined): Ownership {
  const tenantFiles: Record<string, string[]> = {};
  const platformFiles: string[] = [];
  const touched = new Set<string>();
  for (const f of changed) {
    const t = tenantOfVmPath(f.path);
    const anyTenant = TENANT_ANY.exec(f.path)?.[1];
    if (anyTenant) touched.add(anyTenant);
    if (t === undefined) platformFiles.push(f.path);
    else (tenantFiles[t] ??= []).push(f.path);
  }
  const tenants = Object.keys(tenantFiles).sort();
  const crossTenant = tenants.length > 1;
  const approvals: Approval[] = [];
  const union = (paths: readonly string[]): string[] | undefined => {
    if (!rules) return undefined;
    const all = new Set<string>();
    for (const p of paths) for (const o of ownersFor(rules, p) ?? []) all.add(o);
    return all.size === 0 ? undefined : [...all];
  };
  for (const t of tenants) {
    const files = tenantFiles[t]!;
    approvals.push({ who: union(files) ?? [`tenant ${t}`], why: `changes VMs of tenant ${t}`, files });
  }
  if (platformFiles.length > 0 || crossTenant) {
    const why = [
      ...(platformFiles.length > 0 ? ['changes platform files (settings, sites, nodes, catalog, pools, power windows or a tenant.yaml with its quotas)'] : []),
      ...(crossTenant ? [`touches the folders of ${tenants.length} tenants (${tenants.join(', ')}): a change across tenants needs the platform team`] : []),
    ].join('; ');
    const who = union(platformFiles.length > 0 ? platformFiles : ['marmite.yaml']) ?? ['the platform team'];
    approvals.push({ who, why, files: platformFiles });
  }
  return { touchedTenants: [...touched].sort(), tenantFiles, platformFiles, crossTenant, approvals };
}
