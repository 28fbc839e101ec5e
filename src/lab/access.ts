// Users, groups, ACLs and roles of a simulated cluster, plus the privileges the lab's API token
// lacks (so tests can see PVE's 403 "Permission check failed").

import { pveFail } from './errors.js';

export interface SimUser {
  userid: string;
  comment?: string;
  email?: string;
  enable: boolean;
  expire: number;
  firstname?: string;
  lastname?: string;
  groups: Set<string>;
}

export interface SimAcl {
  path: string;
  type: 'user' | 'group' | 'token';
  ugid: string;
  roleid: string;
  propagate: boolean;
}

const BUILTIN_ROLES: Record<string, string> = {
  Administrator: 'Datastore.Allocate,Datastore.AllocateSpace,Datastore.Audit,Group.Allocate,Mapping.Audit,Mapping.Modify,Mapping.Use,Permissions.Modify,Pool.Allocate,Pool.Audit,Realm.Allocate,Realm.AllocateUser,SDN.Allocate,SDN.Audit,SDN.Use,Sys.Audit,Sys.Console,Sys.Incoming,Sys.Modify,Sys.PowerMgmt,Sys.Syslog,User.Modify,VM.Allocate,VM.Audit,VM.Backup,VM.Clone,VM.Config.CDROM,VM.Config.CPU,VM.Config.Cloudinit,VM.Config.Disk,VM.Config.HWType,VM.Config.Memory,VM.Config.Network,VM.Config.Options,VM.Console,VM.Migrate,VM.Monitor,VM.PowerMgmt,VM.Snapshot,VM.Snapshot.Rollback',
  NoAccess: '',
  PVEAdmin: 'Datastore.Allocate,Datastore.AllocateSpace,Datastore.Audit,Group.Allocate,Pool.Allocate,Pool.Audit,Sys.Audit,Sys.Console,Sys.PowerMgmt,User.Modify,VM.Allocate,VM.Audit,VM.Backup,VM.Clone,VM.Config.CDROM,VM.Config.CPU,VM.Config.Cloudinit,VM.Config.Disk,VM.Config.HWType,VM.Config.Memory,VM.Config.Network,VM.Config.Options,VM.Console,VM.Migrate,VM.Monitor,VM.PowerMgmt,VM.Snapshot,VM.Snapshot.Rollback',
  PVEAuditor: 'Datastore.Audit,Mapping.Audit,Pool.Audit,SDN.Audit,Sys.Audit,VM.Audit',
  PVEPoolAdmin: 'Pool.Allocate,Pool.Audit',
  PVEPoolUser: 'Pool.Audit',
  PVEVMAdmin: 'VM.Allocate,VM.Audit,VM.Backup,VM.Clone,VM.Config.CDROM,VM.Config.CPU,VM.Config.Cloudinit,VM.Config.Disk,VM.Config.HWType,VM.Config.Memory,VM.Config.Network,VM.Config.Options,VM.Console,VM.Migrate,VM.Monitor,VM.PowerMgmt,VM.Snapshot,VM.Snapshot.Rollback',
  PVEVMUser: 'VM.Audit,VM.Backup,VM.Config.CDROM,VM.Config.Cloudinit,VM.Console,VM.PowerMgmt',
  PVEDatastoreUser: 'Datastore.AllocateSpace,Datastore.Audit',
};

export class AccessControl {
  readonly users = new Map<string, SimUser>();
  readonly groups = new Map<string, { groupid: string; comment?: string }>();
  acls: SimAcl[] = [];
  private readonly revoked: { path: string; priv: string }[] = [];

  constructor() {
    this.users.set('root@pam', { userid: 'root@pam', enable: true, expire: 0, groups: new Set(), comment: 'Built-in Superuser' });
  }

  roles(): { roleid: string; privs: string; special: number }[] {
    return Object.entries(BUILTIN_ROLES).map(([roleid, privs]) => ({ roleid, privs, special: 1 }));
  }

  // -- the lab token's own privileges --

  /** Takes a privilege on a path (and below it) away from the lab's token. */
  revoke(path: string, priv: string): void {
    this.revoked.push({ path, priv });
  }

  restoreAll(): void {
    this.revoked.length = 0;
  }

  /** The first (path, privilege) the token lacks among those asked for, if any. */
  missing(path: string, privs: string[]): string | undefined {
    for (const priv of privs) {
      if (this.revoked.some((r) => r.priv === priv && (path === r.path || path.startsWith(r.path.endsWith('/') ? r.path : `${r.path}/`) || r.path === '/'))) return priv;
    }
    return undefined;
  }

  // -- users --

  createUser(p: Record<string, unknown>): void {
    const userid = String(p['userid']);
    if (this.users.has(userid)) throw pveFail(`create user failed: user '${userid}' already exists`);
    const groups = splitList(p['groups']);
    for (const g of groups) if (!this.groups.has(g)) throw pveFail(`create user failed: no such group '${g}'`);
    this.users.set(userid, {
      userid,
      comment: str(p['comment']),
      email: str(p['email']),
      firstname: str(p['firstname']),
      lastname: str(p['lastname']),
      enable: p['enable'] !== false,
      expire: typeof p['expire'] === 'number' ? p['expire'] : 0,
      groups: new Set(groups),
    });
  }

  user(userid: string): SimUser {
    const u = this.users.get(userid);
    if (!u) throw pveFail(`no such user ('${userid}')`);
    return u;
  }

  updateUser(userid: string, p: Record<string, unknown>): void {
    const u = this.user(userid);
    for (const k of ['comment', 'email', 'firstname', 'lastname'] as const) if (typeof p[k] === 'string') u[k] = p[k];
    if (typeof p['enable'] === 'boolean') u.enable = p['enable'];
    if (typeof p['expire'] === 'number') u.expire = p['expire'];
    if (p['groups'] !== undefined) {
      const groups = splitList(p['groups']);
      for (const g of groups) if (!this.groups.has(g)) throw pveFail(`update user failed: no such group '${g}'`);
      if (p['append'] !== true) u.groups.clear();
      for (const g of groups) u.groups.add(g);
    }
  }

  deleteUser(userid: string): void {
    this.user(userid);
    this.users.delete(userid);
    this.acls = this.acls.filter((a) => !(a.type === 'user' && a.ugid === userid));
  }

  // -- groups --

  createGroup(groupid: string, comment?: string): void {
    if (this.groups.has(groupid)) throw pveFail(`create group failed: group '${groupid}' already exists`);
    this.groups.set(groupid, comment === undefined ? { groupid } : { groupid, comment });
  }

  group(groupid: string): { groupid: string; comment?: string } {
    const g = this.groups.get(groupid);
    if (!g) throw pveFail(`group '${groupid}' does not exist`);
    return g;
  }

  groupMembers(groupid: string): string[] {
    return [...this.users.values()].filter((u) => u.groups.has(groupid)).map((u) => u.userid).sort();
  }

  deleteGroup(groupid: string): void {
    this.group(groupid);
    this.groups.delete(groupid);
    for (const u of this.users.values()) u.groups.delete(groupid);
    this.acls = this.acls.filter((a) => !(a.type === 'group' && a.ugid === groupid));
  }

  // -- ACLs --

  updateAcl(p: Record<string, unknown>): void {
    const path = String(p['path']);
    if (!/^\/(access|nodes|pool|sdn|storage|vms|mapping)?(\/[^/]+)*$/.test(path)) throw pveFail(`invalid ACL path '${path}'`);
    const roles = splitList(p['roles']);
    for (const r of roles) if (!(r in BUILTIN_ROLES)) throw pveFail(`role '${r}' does not exist`);
    const targets: { type: SimAcl['type']; ugid: string }[] = [
      ...splitList(p['users']).map((u) => ({ type: 'user' as const, ugid: u })),
      ...splitList(p['groups']).map((g) => ({ type: 'group' as const, ugid: g })),
      ...splitList(p['tokens']).map((t) => ({ type: 'token' as const, ugid: t })),
    ];
    for (const t of targets) {
      if (t.type === 'user' && !this.users.has(t.ugid)) throw pveFail(`user '${t.ugid}' does not exist`);
      if (t.type === 'group' && !this.groups.has(t.ugid)) throw pveFail(`group '${t.ugid}' does not exist`);
    }
    const propagate = p['propagate'] !== false;
    for (const t of targets) {
      for (const roleid of roles) {
        this.acls = this.acls.filter((a) => !(a.path === path && a.type === t.type && a.ugid === t.ugid && a.roleid === roleid));
        if (p['delete'] !== true) this.acls.push({ path, ...t, roleid, propagate });
      }
    }
  }

  purgePath(path: string): void {
    this.acls = this.acls.filter((a) => a.path !== path);
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function splitList(v: unknown): string[] {
  return typeof v === 'string' ? v.split(/[,;\s]+/).filter((s) => s !== '') : [];
}
