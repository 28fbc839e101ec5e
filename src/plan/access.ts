// Tenant access on each site where the tenant has VMs: a resource pool holding its guests, a
// group of its members, and an ACL giving the group PVEVMUser on the pool. Only what is missing
// or different becomes an `ensure` change; an unobserved access list is planned in full (ensure
// is idempotent, and a create into a missing pool would fail).

import type { Tenant } from '../model/desired.js';
import type { ObservedAccess } from '../model/observed.js';
import type { Change } from '../model/plan.js';
import { tenantPoolId } from './vm-target.js';

export const TENANT_ROLE = 'PVEVMUser';

export function poolComment(tenant: Tenant): string {
  return `${tenant.displayName} (managed by marmite)`;
}

export function accessChangeId(site: string, kind: 'pool' | 'group' | 'acl', tenant: string): string {
  return `proxmox:${site}/${kind}/${tenantPoolId(tenant)}:ensure`;
}

export function accessChanges(site: string, tenant: Tenant, access: ObservedAccess | undefined): Change[] {
  const id = tenantPoolId(tenant.name);
  const comment = poolComment(tenant);
  const users = [...new Set(tenant.members.map((m) => m.user))].sort();
  const changes: Change[] = [];

  const pool = access?.pools.find((p) => p.poolid === id);
  if (!pool || (pool.comment ?? '') !== comment) {
    changes.push({
      id: accessChangeId(site, 'pool', tenant.name),
      provider: 'proxmox',
      site,
      subject: `pool ${id}`,
      action: 'ensure',
      reason: pool ? 'pool comment differs' : `tenant ${tenant.name} has VMs on site ${site} but no resource pool`,
      downtime: false,
      ...(pool ? { before: { comment: pool.comment ?? '' } } : {}),
      after: { comment },
      dependsOn: [],
      payload: { kind: 'pool', poolid: id, comment },
    });
  }

  const group = access?.groups.find((g) => g.groupid === id);
  const observedUsers = group ? [...group.users].sort() : [];
  if (!group || observedUsers.join(',') !== users.join(',')) {
    changes.push({
      id: accessChangeId(site, 'group', tenant.name),
      provider: 'proxmox',
      site,
      subject: `group ${id}`,
      action: 'ensure',
      reason: group ? 'group members differ from the tenant members' : `tenant ${tenant.name} has no group on site ${site}`,
      downtime: false,
      ...(group ? { before: { users: observedUsers } } : {}),
      after: { users },
      dependsOn: [],
      payload: { kind: 'group', groupid: id, users },
    });
  }

  const path = `/pool/${id}`;
  const acl = access?.acls.find((a) => a.path === path && a.type === 'group' && a.ugid === id && a.roleid === TENANT_ROLE && a.propagate);
  if (!acl) {
    const dependsOn = changes.map((c) => c.id);
    changes.push({
      id: accessChangeId(site, 'acl', tenant.name),
      provider: 'proxmox',
      site,
      subject: `acl ${path}`,
      action: 'ensure',
      reason: `group ${id} lacks role ${TENANT_ROLE} on ${path}`,
      downtime: false,
      after: { group: id, role: TENANT_ROLE },
      dependsOn,
      payload: { kind: 'acl', path, group: id, role: TENANT_ROLE },
    });
  }
  return changes;
}
