// Every name an object refers to must exist, and where a name is scoped to a site (networks,
// storages, nodes) it must exist in the right site.

import type { FieldPath, Kind } from '../../load/types.js';
import { at, maybeInBrokenFile, type CheckContext } from '../context.js';
import { sortedEntries } from '../resolve.js';

export function checkReferences(ctx: CheckContext): void {
  checkNodes(ctx);
  checkTemplates(ctx);
  checkPools(ctx);
  checkTenants(ctx);
  checkVms(ctx);
}

function unknown(
  ctx: CheckContext,
  file: string,
  path: FieldPath,
  subject: string,
  kind: Kind,
  name: string,
  detail = '',
): void {
  if (maybeInBrokenFile(ctx, kind, name)) return;
  const what = kind === 'flavors' ? 'flavor' : kind === 'templates' ? 'template' : kind;
  ctx.diags.error(file, at(ctx.repo, file, path), 'unknown-reference', `${subject}: unknown ${what} '${name}'${detail}`);
}

function known(ctx: CheckContext, names: readonly string[]): string {
  return names.length === 0 ? ' (none defined)' : ` (known: ${[...names].sort().join(', ')})`;
}

function checkNodes(ctx: CheckContext): void {
  const { desired: d } = ctx;
  for (const [name, n] of sortedEntries(d.nodes)) {
    if (!d.sites[n.site]) unknown(ctx, n.file, ['site'], `node ${name}`, 'site', n.site, known(ctx, Object.keys(d.sites)));
    n.power.windows.forEach((w, i) => {
      if (!d.windows[w]) unknown(ctx, n.file, ['power', 'windows', i], `node ${name}`, 'window', w, known(ctx, Object.keys(d.windows)));
    });
  }
}

/** A storage of a site: one of its Proxmox storages, or a Ceph pool of that site. */
export function storageExists(ctx: CheckContext, site: string, storage: string): boolean {
  const s = ctx.desired.sites[site];
  if (s?.storages[storage]) return true;
  const pool = ctx.desired.pools[storage];
  return pool !== undefined && pool.site === site && pool.proxmoxStorage;
}

function storageNames(ctx: CheckContext, site: string): string[] {
  const s = ctx.desired.sites[site];
  const pools = Object.values(ctx.desired.pools).filter((p) => p.site === site && p.proxmoxStorage).map((p) => p.name);
  return [...Object.keys(s?.storages ?? {}), ...pools];
}

function checkTemplates(ctx: CheckContext): void {
  const { desired: d } = ctx;
  for (const [name, t] of sortedEntries(d.templates)) {
    const base = ['templates', name];
    const spec = ctx.repo.templates?.value.templates[name];
    t.sites.forEach((site, i) => {
      const path = spec?.sites ? [...base, 'sites', i] : base;
      if (!d.sites[site]) {
        unknown(ctx, t.file, path, `template ${name}`, 'site', site, known(ctx, Object.keys(d.sites)));
        return;
      }
      if (!storageExists(ctx, site, t.storage) && !maybeInBrokenFile(ctx, 'pool', t.storage)) {
        ctx.diags.error(t.file, at(ctx.repo, t.file, [...base, 'storage']), 'unknown-reference', `template ${name}: storage '${t.storage}' does not exist in site ${site}${known(ctx, storageNames(ctx, site))}`);
      }
    });
    if (spec?.node !== undefined) {
      const node = d.nodes[spec.node];
      if (!node) unknown(ctx, t.file, [...base, 'node'], `template ${name}`, 'node', spec.node, known(ctx, Object.keys(d.nodes)));
      else if (!t.sites.includes(node.site)) {
        ctx.diags.error(t.file, at(ctx.repo, t.file, [...base, 'node']), 'unknown-reference', `template ${name}: node ${spec.node} is in site ${node.site}, which is not one of the template's sites (${t.sites.join(', ')})`);
      }
    }
  }
}

function checkPools(ctx: CheckContext): void {
  const { desired: d } = ctx;
  for (const [name, p] of sortedEntries(d.pools)) {
    if (!d.sites[p.site]) unknown(ctx, p.file, ['site'], `pool ${name}`, 'site', p.site, known(ctx, Object.keys(d.sites)));
    else if (!d.sites[p.site]!.ceph) {
      ctx.diags.error(p.file, at(ctx.repo, p.file, ['site']), 'unknown-reference', `pool ${name}: site ${p.site} has no ceph endpoint`);
    }
    if (p.tenant !== undefined && !d.tenants[p.tenant]) {
      unknown(ctx, p.file, ['tenant'], `pool ${name}`, 'tenant', p.tenant, known(ctx, Object.keys(d.tenants)));
    }
  }
}

function checkTenants(ctx: CheckContext): void {
  const { desired: d } = ctx;
  for (const [name, t] of sortedEntries(d.tenants)) {
    t.allowed.sites.forEach((s, i) => {
      if (!d.sites[s]) unknown(ctx, t.file, ['allowed', 'sites', i], `tenant ${name}`, 'site', s, known(ctx, Object.keys(d.sites)));
    });
    t.allowed.networks.forEach((n, i) => {
      const inSomeSite = t.allowed.sites.some((s) => d.sites[s]?.networks[n]);
      if (!inSomeSite && !t.allowed.sites.some((s) => maybeInBrokenFile(ctx, 'site', s))) {
        ctx.diags.error(t.file, at(ctx.repo, t.file, ['allowed', 'networks', i]), 'unknown-reference', `tenant ${name}: network '${n}' is not defined in any of its allowed sites (${t.allowed.sites.join(', ')})`);
      }
    });
  }
}

function checkVms(ctx: CheckContext): void {
  const { desired: d, repo } = ctx;
  for (const [id, vm] of sortedEntries(d.vms)) {
    const spec = repo.vms.get(id)?.value;
    if (!spec) continue;
    const subject = `vm ${id}`;
    if (!d.tenants[vm.tenant]) {
      if (!maybeInBrokenFile(ctx, 'tenant', vm.tenant)) {
        ctx.diags.error(vm.file, at(repo, vm.file, []), 'unknown-tenant', `${subject}: tenants/${vm.tenant}/tenant.yaml does not exist; every tenant folder needs one`);
      }
    }
    const siteKnown = vm.site !== '' && d.sites[vm.site] !== undefined;
    if (spec.site !== undefined && !siteKnown) unknown(ctx, vm.file, ['site'], subject, 'site', spec.site, known(ctx, Object.keys(d.sites)));

    if (spec.flavor !== undefined && !d.flavors[spec.flavor]) {
      unknown(ctx, vm.file, ['flavor'], subject, 'flavors', spec.flavor, known(ctx, Object.keys(d.flavors)));
    }
    const template = d.templates[vm.template];
    if (!template) unknown(ctx, vm.file, ['template'], subject, 'templates', vm.template, known(ctx, Object.keys(d.templates)));
    else if (siteKnown && !template.sites.includes(vm.site)) {
      ctx.diags.error(vm.file, at(repo, vm.file, ['template']), 'unknown-reference', `${subject}: template ${vm.template} is not available in site ${vm.site} (only ${template.sites.join(', ')})`);
    }

    if (siteKnown) {
      const site = d.sites[vm.site]!;
      vm.nics.forEach((nic, i) => {
        if (!site.networks[nic.network] && !maybeInBrokenFile(ctx, 'site', vm.site)) {
          ctx.diags.error(vm.file, at(repo, vm.file, ['nics', i, 'network']), 'unknown-reference', `${subject}: network '${nic.network}' does not exist in site ${vm.site}${known(ctx, Object.keys(site.networks))}`);
        }
      });
      vm.disks.forEach((disk, i) => {
        if (disk.storage === '') return; // no template to default from: reported above
        if (!storageExists(ctx, vm.site, disk.storage) && !maybeInBrokenFile(ctx, 'pool', disk.storage)) {
          const path = spec.disks?.[i]?.storage !== undefined ? ['disks', i, 'storage'] : spec.disks?.[i] ? ['disks', i] : ['template'];
          ctx.diags.error(vm.file, at(repo, vm.file, path), 'unknown-reference', `${subject}: storage '${disk.storage}' does not exist in site ${vm.site}${known(ctx, storageNames(ctx, vm.site))}`);
        }
      });
    }

    vm.schedule.windows.forEach((w, i) => {
      if (!d.windows[w]) unknown(ctx, vm.file, ['schedule', 'windows', i], subject, 'window', w, known(ctx, Object.keys(d.windows)));
    });

    const pinned: [string, FieldPath][] = [];
    if (vm.placement.node !== undefined) pinned.push([vm.placement.node, ['placement', 'node']]);
    vm.placement.nodes.forEach((n, i) => pinned.push([n, ['placement', 'nodes', i]]));
    for (const [nodeName, path] of pinned) {
      const node = d.nodes[nodeName];
      if (!node) unknown(ctx, vm.file, path, subject, 'node', nodeName, known(ctx, Object.keys(d.nodes)));
      else if (siteKnown && node.site !== vm.site) {
        ctx.diags.error(vm.file, at(repo, vm.file, path), 'unknown-reference', `${subject}: node ${nodeName} is in site ${node.site}, not in the VM's site ${vm.site}`);
      } else if (!node.roles.includes('compute')) {
        ctx.diags.error(vm.file, at(repo, vm.file, path), 'placement', `${subject}: node ${nodeName} has no 'compute' role, so it cannot host VMs`);
      }
    }
  }
}
