// The API methods the lab implements, keyed by "METHOD /schema/path". Each handler gets the
// parameters already checked against the schema and returns the `data` of the response.

import { SimCluster, type ParamValues, type SimGuest } from './cluster.js';
import { PveError, pveFail } from './errors.js';
import { coresOf, memoryMiB } from './guest-config.js';
import { pveSchema, type PveSchemaProp } from './pve-schema.js';

export interface RouteContext {
  cluster: SimCluster;
  p: ParamValues;
  /** The node the API call was addressed to (path parameter), if any. */
  node?: string;
  now: number;
}

export type Handler = (ctx: RouteContext) => unknown;

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const bool = (b: boolean) => (b ? 1 : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => Number(v);

function nodeName(ctx: RouteContext): string {
  return String(ctx.p['node']);
}

function vmid(ctx: RouteContext): number {
  return num(ctx.p['vmid']);
}

/** Config values typed as GET config declares them: integers as numbers, booleans as 0/1. */
function typedConfig(values: Record<string, string>): Record<string, unknown> {
  const props = pveSchema().method('/nodes/{node}/qemu/{vmid}/config', 'GET')?.returns?.properties ?? {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const prop: PveSchemaProp | undefined = props[k] ?? props[k.replace(/\d+$/, '[n]')];
    const type = prop?.type;
    if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(v)) out[k] = Number(v);
    else if (type === 'boolean' && (v === '0' || v === '1')) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

function guestResource(c: SimCluster, g: SimGuest, now: number): Record<string, unknown> {
  const status = c.guestStatus(g);
  const running = status === 'running';
  const r: Record<string, unknown> = {
    id: `qemu/${g.vmid}`,
    type: 'qemu',
    vmid: g.vmid,
    name: g.config['name'] ?? `VM ${g.vmid}`,
    node: g.node,
    status,
    maxmem: memoryMiB(g.config) * MiB,
    maxcpu: coresOf(g.config),
    maxdisk: c.rootDiskBytes(g),
    disk: 0,
    mem: running ? Math.round(memoryMiB(g.config) * MiB * 0.45) : 0,
    cpu: running ? 0.03 : 0,
    uptime: running && g.startedAt !== undefined ? Math.floor(now - g.startedAt) : 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    template: bool(g.config['template'] === '1'),
  };
  if (g.config['tags'] !== undefined) r['tags'] = g.config['tags'];
  if (g.config['lock'] !== undefined) r['lock'] = g.config['lock'];
  const pool = c.poolOf(g.vmid);
  if (pool) r['pool'] = pool;
  const ha = c.haState(g.vmid);
  if (ha) r['hastate'] = ha;
  return r;
}

function nodeResource(c: SimCluster, name: string, now: number): Record<string, unknown> {
  const n = c.node(name);
  const online = n.status === 'online';
  const r: Record<string, unknown> = {
    id: `node/${n.name}`,
    type: 'node',
    node: n.name,
    status: n.status,
    maxcpu: n.cores,
    maxmem: n.memoryMiB * MiB,
    maxdisk: 100 * GiB,
    level: '',
    'cgroup-mode': 2,
  };
  if (online) {
    r['cpu'] = c.nodeCpu(n);
    r['mem'] = c.nodeMemBytes(n);
    r['disk'] = 8 * GiB;
    r['uptime'] = Math.floor(now - n.onlineSince);
  }
  return r;
}

function storageResources(c: SimCluster): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const usage = c.storageUsage();
  const used = (storage: string, node: string, shared: boolean) => usage.get(storage)?.get(shared ? '*' : node) ?? 0;
  for (const n of c.nodes.values()) {
    for (const s of c.storages.values()) {
      out.push({
        id: `storage/${n.name}/${s.name}`,
        type: 'storage',
        storage: s.name,
        node: n.name,
        status: n.status === 'online' ? 'available' : 'unknown',
        plugintype: s.type,
        shared: bool(s.shared),
        content: 'images,rootdir',
        disk: used(s.name, n.name, s.shared),
        maxdisk: s.totalBytes,
      });
    }
  }
  return out;
}

function taskStatus(t: ReturnType<SimCluster['tasks']['list']>[number]): Record<string, unknown> {
  const r: Record<string, unknown> = {
    upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user, status: t.status,
  };
  if (t.exitstatus !== undefined) r['exitstatus'] = t.exitstatus;
  return r;
}

function task(c: SimCluster, ctx: RouteContext) {
  const upid = String(ctx.p['upid']);
  const t = c.tasks.get(upid);
  if (!t || t.node !== nodeName(ctx)) throw pveFail(`no such task`);
  return t;
}

function poolView(c: SimCluster, poolid: string, type?: string): Record<string, unknown> {
  const p = c.pool(poolid);
  const members: Record<string, unknown>[] = [];
  if (!type || type === 'qemu') {
    for (const id of [...p.vms].sort((a, b) => a - b)) {
      const g = c.guests.get(id);
      if (g) members.push(guestResource(c, g, 0));
    }
  }
  if (!type || type === 'storage') {
    for (const s of p.storages) members.push({ id: `storage/${s}`, type: 'storage', storage: s, node: [...c.nodes.keys()][0] ?? '' });
  }
  const out: Record<string, unknown> = { poolid, members };
  if (p.comment !== undefined) out['comment'] = p.comment;
  return out;
}

function userView(c: SimCluster, userid: string, full: boolean): Record<string, unknown> {
  const u = c.access.user(userid);
  const out: Record<string, unknown> = { userid: u.userid, enable: bool(u.enable), expire: u.expire };
  for (const k of ['comment', 'email', 'firstname', 'lastname'] as const) if (u[k] !== undefined) out[k] = u[k];
  if (u.groups.size || full) out['groups'] = [...u.groups].sort().join(',');
  out['realm-type'] = userid.split('@')[1] ?? 'pve';
  return out;
}

function haView(r: ReturnType<SimCluster['haResource']>, withDigest: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { sid: r.sid, type: r.sid.split(':')[0], state: r.state, max_restart: r.max_restart, max_relocate: r.max_relocate };
  if (r.group) out['group'] = r.group;
  if (r.comment) out['comment'] = r.comment;
  if (withDigest) out['digest'] = '0000000000000000000000000000000000000000';
  return out;
}

export const routes: Record<string, Handler> = {
  'GET /version': () => ({ version: '8.4.1', release: '8.4', repoid: '2a5fa54a8503f96d', console: 'html5' }),

  // ---- cluster ----
  'GET /cluster/status': ({ cluster: c }) => [
    { type: 'cluster', id: 'cluster', name: c.site, nodes: c.nodes.size, quorate: bool(c.quorate()), version: c.nodes.size + 2 },
    ...[...c.nodes.values()].map((n, i) => ({
      type: 'node', id: `node/${n.name}`, name: n.name, nodeid: n.nodeid, online: bool(n.status === 'online'), ip: `10.0.0.${10 + n.nodeid}`, local: bool(i === 0), level: '',
    })),
  ],
  'GET /cluster/resources': ({ cluster: c, p, now }) => {
    const type = str(p['type']);
    const out: Record<string, unknown>[] = [];
    if (!type || type === 'vm') for (const g of [...c.guests.values()].sort((a, b) => a.vmid - b.vmid)) out.push(guestResource(c, g, now));
    if (!type || type === 'node') for (const n of c.nodes.keys()) out.push(nodeResource(c, n, now));
    if (!type || type === 'storage') out.push(...storageResources(c));
    if (!type) for (const pool of c.pools.keys()) out.push({ id: `/pool/${pool}`, type: 'pool', pool });
    return out;
  },
  'GET /cluster/nextid': ({ cluster: c, p }) => c.nextId(p['vmid'] === undefined ? undefined : num(p['vmid'])),
  'GET /cluster/tasks': ({ cluster: c }) =>
    c.tasks.list().slice(-200).reverse().map((t) => {
      const r: Record<string, unknown> = { upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user };
      if (t.status === 'stopped') {
        r['status'] = t.exitstatus;
        r['endtime'] = t.endtime;
      }
      return r;
    }),
  'GET /cluster/ha/resources': ({ cluster: c, p }) =>
    [...c.ha.values()].filter((r) => !p['type'] || r.sid.startsWith(`${String(p['type'])}:`)).map((r) => haView(r, false)),
  'POST /cluster/ha/resources': ({ cluster: c, p }) => (c.addHa(p), null),
  'GET /cluster/ha/resources/{sid}': ({ cluster: c, p }) => haView(c.haResource(String(p['sid'])), true),
  'PUT /cluster/ha/resources/{sid}': ({ cluster: c, p }) => (c.updateHa(String(p['sid']), p), null),
  'DELETE /cluster/ha/resources/{sid}': ({ cluster: c, p }) => (c.removeHa(String(p['sid'])), null),

  // ---- storage ----
  'POST /storage': ({ cluster: c, p }) => {
    c.addStorage(p);
    return { storage: String(p['storage']), type: String(p['type']) };
  },
  'GET /storage': ({ cluster: c, p }) =>
    [...c.storages.values()].filter((s) => !p['type'] || s.type === p['type']).map((s) => ({
      storage: s.name, type: s.type, shared: bool(s.shared), content: 'images,rootdir', digest: '0000000000000000000000000000000000000000',
      ...(s.pool ? { pool: s.pool } : {}),
    })),
  'GET /nodes/{node}/storage': ({ cluster: c, p }) =>
    [...c.storages.values()].filter((s) => !p['storage'] || s.name === p['storage']).map((s) => {
      const used = c.storageUsedBytes(s.name, String(p['node']));
      return {
        storage: s.name, type: s.type, shared: bool(s.shared), content: 'images,rootdir', active: 1, enabled: 1,
        total: s.totalBytes, used, avail: s.totalBytes - used, used_fraction: used / s.totalBytes,
      };
    }),

  // ---- nodes ----
  'GET /nodes': ({ cluster: c, now }) =>
    [...c.nodes.keys()].map((n) => {
      const r = nodeResource(c, n, now);
      delete r['maxdisk'];
      delete r['disk'];
      delete r['type'];
      delete r['cgroup-mode'];
      r['id'] = `node/${n}`;
      return r;
    }),
  'GET /nodes/{node}/status': ({ cluster: c, p, now }) => {
    const n = c.node(String(p['node']));
    const mem = c.nodeMemBytes(n);
    return {
      cpu: c.nodeCpu(n),
      cpuinfo: { cores: n.cores, cpus: n.cores, sockets: 1, model: 'Simulated CPU (marmite lab)', mhz: '2400.000', hvm: '1', flags: '', 'user_hz': 100 },
      memory: { total: n.memoryMiB * MiB, used: mem, free: n.memoryMiB * MiB - mem },
      swap: { total: 0, used: 0, free: 0 },
      rootfs: { total: 100 * GiB, used: 8 * GiB, avail: 92 * GiB, free: 92 * GiB },
      loadavg: ['0.10', '0.08', '0.05'],
      uptime: Math.floor(now - n.onlineSince),
      pveversion: 'pve-manager/8.4.1/2a5fa54a8503f96d',
      kversion: 'Linux 6.8.12-9-pve #1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9',
      'boot-info': { mode: 'efi', secureboot: 0 },
      'current-kernel': { sysname: 'Linux', release: '6.8.12-9-pve', version: '#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9', machine: 'x86_64' },
      idle: 0,
      wait: 0,
    };
  },
  'POST /nodes/{node}/status': ({ cluster: c, p }) => (c.nodeCommand(String(p['node']), p['command'] as 'shutdown' | 'reboot'), null),
  'POST /nodes/{node}/wakeonlan': ({ cluster: c, p }) => c.wakeOnLan(String(p['node'])),
  'GET /nodes/{node}/config': ({ cluster: c, p }) => ({ wakeonlan: `mac=${c.node(String(p['node'])).mac}`, digest: '0000000000000000000000000000000000000000' }),
  'PUT /nodes/{node}/config': ({ cluster: c, p }) => {
    const wol = str(p['wakeonlan']);
    if (wol !== undefined) c.node(String(p['node'])).mac = /(?:^|mac=)([0-9A-Fa-f:]{17})/.exec(wol)?.[1] ?? c.node(String(p['node'])).mac;
    return null;
  },
  'GET /nodes/{node}/tasks': ({ cluster: c, p }) =>
    c.tasks.list().filter((t) => t.node === p['node']).reverse().map((t) => {
      const r: Record<string, unknown> = { upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user };
      if (t.status === 'stopped') {
        r['status'] = t.exitstatus;
        r['endtime'] = t.endtime;
      }
      return r;
    }),
  'GET /nodes/{node}/tasks/{upid}/status': (ctx) => taskStatus(task(ctx.cluster, ctx)),
  'GET /nodes/{node}/tasks/{upid}/log': (ctx) => {
    const t = task(ctx.cluster, ctx);
    const lines = [`task started by ${t.user}`, ...t.log];
    const start = ctx.p['start'] === undefined ? 0 : num(ctx.p['start']);
    const limit = ctx.p['limit'] === undefined ? 50 : num(ctx.p['limit']);
    return lines.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
  },

  // ---- qemu ----
  'GET /nodes/{node}/qemu': ({ cluster: c, p, now }) =>
    [...c.guests.values()].filter((g) => g.node === p['node']).map((g) => {
      const r = guestResource(c, g, now);
      const out: Record<string, unknown> = {
        vmid: g.vmid, name: r['name'], status: g.status, cpus: r['maxcpu'], maxmem: r['maxmem'], maxdisk: r['maxdisk'], mem: r['mem'], cpu: r['cpu'], uptime: r['uptime'],
        netin: 0, netout: 0, diskread: 0, diskwrite: 0,
      };
      if (g.config['template'] === '1') out['template'] = 1;
      if (g.config['tags'] !== undefined) out['tags'] = g.config['tags'];
      if (g.config['lock'] !== undefined) out['lock'] = g.config['lock'];
      if (g.status === 'running') out['pid'] = 10000 + g.vmid;
      return out;
    }),
  'POST /nodes/{node}/qemu': (ctx) => ctx.cluster.createVm(nodeName(ctx), ctx.p).upid,
  'GET /nodes/{node}/qemu/{vmid}': ({ cluster: c, p }) => {
    c.guestOn(String(p['node']), num(p['vmid']));
    return ['config', 'pending', 'status', 'clone', 'migrate', 'resize'].map((subdir) => ({ subdir }));
  },
  'DELETE /nodes/{node}/qemu/{vmid}': (ctx) => ctx.cluster.destroyVm(nodeName(ctx), vmid(ctx), ctx.p).upid,
  'GET /nodes/{node}/qemu/{vmid}/config': (ctx) => {
    const g = ctx.cluster.guestOn(nodeName(ctx), vmid(ctx));
    const values = ctx.p['current'] === true ? { ...g.config } : { ...g.config, ...g.pending };
    if (ctx.p['current'] !== true) for (const k of g.pendingDelete) delete values[k];
    return { ...typedConfig(values), digest: ctx.cluster.digest(g) };
  },
  'PUT /nodes/{node}/qemu/{vmid}/config': (ctx) => (ctx.cluster.updateConfig(nodeName(ctx), vmid(ctx), ctx.p, false), null),
  'POST /nodes/{node}/qemu/{vmid}/config': (ctx) => ctx.cluster.updateConfig(nodeName(ctx), vmid(ctx), ctx.p, true)?.upid ?? null,
  'GET /nodes/{node}/qemu/{vmid}/pending': (ctx) => {
    const g = ctx.cluster.guestOn(nodeName(ctx), vmid(ctx));
    const keys = new Set([...Object.keys(g.config), ...Object.keys(g.pending), ...g.pendingDelete]);
    // The schema types both as strings (unlike GET config).
    const cur = g.config;
    const pend = g.pending;
    return [...keys].sort().map((key) => {
      const r: Record<string, unknown> = { key };
      if (key in cur) r['value'] = cur[key];
      if (key in pend) r['pending'] = pend[key];
      if (g.pendingDelete.has(key)) r['delete'] = 1;
      return r;
    });
  },
  'PUT /nodes/{node}/qemu/{vmid}/resize': (ctx) => ctx.cluster.resize(nodeName(ctx), vmid(ctx), String(ctx.p['disk']), String(ctx.p['size']), ctx.p).upid,
  'POST /nodes/{node}/qemu/{vmid}/clone': (ctx) => ctx.cluster.cloneVm(nodeName(ctx), vmid(ctx), ctx.p).upid,
  'GET /nodes/{node}/qemu/{vmid}/status': () => [{ subdir: 'current' }, { subdir: 'start' }, { subdir: 'stop' }, { subdir: 'shutdown' }, { subdir: 'reboot' }],
  'GET /nodes/{node}/qemu/{vmid}/status/current': (ctx) => {
    const c = ctx.cluster;
    const g = c.guestOn(nodeName(ctx), vmid(ctx));
    const r = guestResource(c, g, ctx.now);
    const out: Record<string, unknown> = {
      vmid: g.vmid, name: r['name'], status: g.status, qmpstatus: g.status, cpus: r['maxcpu'], maxmem: r['maxmem'], maxdisk: r['maxdisk'], mem: r['mem'], cpu: r['cpu'],
      uptime: r['uptime'], netin: 0, netout: 0, diskread: 0, diskwrite: 0, agent: bool(g.config['agent'] === '1'),
      ha: c.haState(g.vmid) ? { managed: 1, state: c.haState(g.vmid) } : { managed: 0 },
    };
    if (g.config['template'] === '1') out['template'] = 1;
    if (g.config['tags'] !== undefined) out['tags'] = g.config['tags'];
    if (g.config['lock'] !== undefined) out['lock'] = g.config['lock'];
    if (g.status === 'running') {
      out['pid'] = 10000 + g.vmid;
      out['running-machine'] = 'pc-i440fx-8.1+pve0';
      out['running-qemu'] = '8.1.5';
    }
    return out;
  },
  'POST /nodes/{node}/qemu/{vmid}/status/start': (ctx) => ctx.cluster.startVm(nodeName(ctx), vmid(ctx), ctx.p).upid,
  'POST /nodes/{node}/qemu/{vmid}/status/stop': (ctx) => ctx.cluster.stopVm(nodeName(ctx), vmid(ctx), 'stop', ctx.p).upid,
  'POST /nodes/{node}/qemu/{vmid}/status/shutdown': (ctx) => ctx.cluster.stopVm(nodeName(ctx), vmid(ctx), 'shutdown', ctx.p).upid,
  'POST /nodes/{node}/qemu/{vmid}/status/reboot': (ctx) => ctx.cluster.rebootVm(nodeName(ctx), vmid(ctx)).upid,
  'GET /nodes/{node}/qemu/{vmid}/migrate': (ctx) => ctx.cluster.migratePrecondition(nodeName(ctx), vmid(ctx), str(ctx.p['target'])),
  'POST /nodes/{node}/qemu/{vmid}/migrate': (ctx) => ctx.cluster.migrateVm(nodeName(ctx), vmid(ctx), ctx.p).upid,

  // ---- pools ----
  'GET /pools': ({ cluster: c, p }) => {
    const poolid = str(p['poolid']);
    if (poolid) return [poolView(c, poolid, str(p['type']))];
    return [...c.pools.values()].map((pool) => (pool.comment === undefined ? { poolid: pool.poolid } : { poolid: pool.poolid, comment: pool.comment }));
  },
  'POST /pools': ({ cluster: c, p }) => (c.createPool(String(p['poolid']), str(p['comment'])), null),
  'PUT /pools': ({ cluster: c, p }) => (c.updatePool(String(p['poolid']), p), null),
  'DELETE /pools': ({ cluster: c, p }) => (c.deletePool(String(p['poolid'])), null),
  'GET /pools/{poolid}': ({ cluster: c, p }) => {
    const v = poolView(c, String(p['poolid']), str(p['type']));
    delete v['poolid'];
    return v;
  },
  'PUT /pools/{poolid}': ({ cluster: c, p }) => (c.updatePool(String(p['poolid']), p), null),
  'DELETE /pools/{poolid}': ({ cluster: c, p }) => (c.deletePool(String(p['poolid'])), null),

  // ---- access ----
  'GET /access/users': ({ cluster: c, p }) =>
    [...c.access.users.keys()].sort().map((u) => userView(c, u, p['full'] === true)).filter((u) => p['enabled'] === undefined || u['enable'] === bool(p['enabled'] === true)),
  'POST /access/users': ({ cluster: c, p }) => (c.access.createUser(p), null),
  'GET /access/users/{userid}': ({ cluster: c, p }) => {
    const v = userView(c, String(p['userid']), false);
    delete v['userid'];
    delete v['realm-type'];
    if (typeof v['groups'] === 'string') v['groups'] = (v['groups'] as string).split(',').filter((s) => s !== '');
    return v;
  },
  'PUT /access/users/{userid}': ({ cluster: c, p }) => (c.access.updateUser(String(p['userid']), p), null),
  'DELETE /access/users/{userid}': ({ cluster: c, p }) => (c.access.deleteUser(String(p['userid'])), null),
  'GET /access/groups': ({ cluster: c }) =>
    [...c.access.groups.values()].map((g) => {
      const r: Record<string, unknown> = { groupid: g.groupid, users: c.access.groupMembers(g.groupid).join(',') };
      if (g.comment !== undefined) r['comment'] = g.comment;
      return r;
    }),
  'POST /access/groups': ({ cluster: c, p }) => (c.access.createGroup(String(p['groupid']), str(p['comment'])), null),
  'GET /access/groups/{groupid}': ({ cluster: c, p }) => {
    const g = c.access.group(String(p['groupid']));
    const r: Record<string, unknown> = { members: c.access.groupMembers(g.groupid) };
    if (g.comment !== undefined) r['comment'] = g.comment;
    return r;
  },
  'PUT /access/groups/{groupid}': ({ cluster: c, p }) => {
    const g = c.access.group(String(p['groupid']));
    if (typeof p['comment'] === 'string') g.comment = p['comment'];
    return null;
  },
  'DELETE /access/groups/{groupid}': ({ cluster: c, p }) => (c.access.deleteGroup(String(p['groupid'])), null),
  'GET /access/acl': ({ cluster: c }) => c.access.acls.map((a) => ({ path: a.path, type: a.type, ugid: a.ugid, roleid: a.roleid, propagate: bool(a.propagate) })),
  'PUT /access/acl': ({ cluster: c, p }) => (c.access.updateAcl(p), null),
  'GET /access/roles': ({ cluster: c }) => c.access.roles(),
};

export function unknownMethod(method: string, path: string): PveError {
  return new PveError(501, `Method '${method} ${path}' not implemented`);
}
