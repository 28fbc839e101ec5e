// One simulated Proxmox VE cluster: nodes with capacity and power state, qemu guests with their
// config, pending changes and locks, templates, pools, storages, HA resources and tasks. Every
// operation enforces the constraints real PVE enforces and fails with PVE's own words.

import type { LabClock } from './clock.js';
import { PveError, paramError, pveFail } from './errors.js';
import {
  appliesHot, coresOf, diskSizeBytes, diskStorage, diskVolume, digestOf, formatSize, hotplugFeatures,
  isCdrom, isDiskKey, memoryMiB, parseSize, randomMac, setDiskSize, withMac, type GuestConfig,
} from './guest-config.js';
import { TaskRegistry, type SimTask, type TaskOutcome } from './tasks.js';
import type { LabNodeSeed, LabSiteSeed, LabStorageSeed } from './types.js';
import { AccessControl } from './access.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface SimNode {
  name: string;
  nodeid: number;
  cores: number;
  memoryMiB: number;
  status: 'online' | 'offline';
  /** What the node is doing on its way to the other power state. */
  transition?: 'booting' | 'shutting-down' | 'rebooting';
  onlineSince: number;
  bootSeconds: number;
  shutdownSeconds: number;
  idleWatts: number;
  maxWatts: number;
  mac: string;
}

export interface SimStorage extends LabStorageSeed {
  totalBytes: number;
}

export interface SimGuest {
  vmid: number;
  node: string;
  config: GuestConfig;
  pending: GuestConfig;
  pendingDelete: Set<string>;
  status: 'running' | 'stopped';
  startedAt?: number;
}

export interface SimPool {
  poolid: string;
  comment?: string;
  vms: Set<number>;
  storages: Set<string>;
}

export interface SimHaResource {
  sid: string;
  state: string;
  group?: string;
  comment?: string;
  max_restart: number;
  max_relocate: number;
}

export type ParamValues = Record<string, unknown>;

export interface ClusterOptions {
  seed: LabSiteSeed;
  clock: LabClock;
  /** `user@realm!token` the tasks are owned by. */
  taskUser: string;
  /** Asked when a task starts: an error text makes it fail (fault injection). */
  taskFault?: (type: string, id: string, node: string) => TaskOutcome | undefined;
}

// Simulated durations, in seconds of the virtual clock.
// The HA manager waits for the fencing of a lost node before it recovers its guests.
const HA_FENCE_SECONDS = 120;

export const DURATIONS = { clone: 30, create: 3, start: 5, stop: 2, shutdown: 10, reboot: 15, resize: 2, destroy: 3, config: 1, migrateOffline: 5, migratePerGiB: 20 } as const;

export class SimCluster {
  readonly site: string;
  readonly nodes = new Map<string, SimNode>();
  readonly storages = new Map<string, SimStorage>();
  readonly guests = new Map<number, SimGuest>();
  readonly pools = new Map<string, SimPool>();
  readonly ha = new Map<string, SimHaResource>();
  readonly access = new AccessControl();
  readonly tasks: TaskRegistry;
  private readonly clock: LabClock;
  private readonly taskUser: string;
  private readonly quorumSeed: { expectedVotes?: number; qdevice?: boolean };
  private macSeq = 0x100;
  private diskSeq = new Map<number, number>();

  constructor(options: ClusterOptions) {
    this.site = options.seed.name;
    this.clock = options.clock;
    this.taskUser = options.taskUser;
    this.quorumSeed = options.seed.quorum ?? {};
    this.tasks = new TaskRegistry(options.clock, options.taskFault);
    options.seed.nodes.forEach((n, i) => this.nodes.set(n.name, this.makeNode(n, i + 1)));
    for (const s of options.seed.storages) {
      this.storages.set(s.name, { ...s, totalBytes: (s.totalGiB ?? (s.shared ? 2048 : 512)) * GiB });
    }
    for (const t of options.seed.templates) this.seedTemplate(t);
  }

  private makeNode(n: LabNodeSeed, nodeid: number): SimNode {
    return {
      name: n.name,
      nodeid,
      cores: n.cores,
      memoryMiB: n.memoryMiB,
      status: n.online === false ? 'offline' : 'online',
      onlineSince: this.clock.now() - 86400,
      bootSeconds: n.bootSeconds ?? 120,
      shutdownSeconds: n.shutdownSeconds ?? 30,
      idleWatts: n.idleWatts ?? 60,
      maxWatts: n.maxWatts ?? 250,
      mac: n.mac ?? `52:54:00:${[nodeid >> 8, nodeid & 0xff, 0x01].map((b) => b.toString(16).padStart(2, '0')).join(':')}`,
    };
  }

  private seedTemplate(t: LabSiteSeed['templates'][number]): void {
    if (!this.nodes.has(t.node)) throw new Error(`lab site ${this.site}: template ${t.name} is on unknown node ${t.node}`);
    const config: GuestConfig = {
      name: t.name,
      ostype: t.ostype ?? 'l26',
      cores: '1',
      memory: '2048',
      scsihw: 'virtio-scsi-single',
      scsi0: `${t.storage}:base-${t.vmid}-disk-0,size=${t.diskGiB}G`,
      ide2: `${t.storage}:vm-${t.vmid}-cloudinit,media=cdrom`,
      net0: `virtio=${this.nextMac()},bridge=vmbr0`,
      boot: 'order=scsi0',
      serial0: 'socket',
      vga: 'serial0',
      agent: '1',
      template: '1',
      vmgenid: '00000000-0000-4000-8000-000000000001',
    };
    this.guests.set(t.vmid, { vmid: t.vmid, node: t.node, config, pending: {}, pendingDelete: new Set(), status: 'stopped' });
  }

  // ---- lookups ---------------------------------------------------------------------------

  node(name: string): SimNode {
    const n = this.nodes.get(name);
    if (!n) throw new PveError(500, `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`);
    return n;
  }

  /** PVE looks for the config in the node's own directory, so a wrong node reads as "does not exist". */
  guestOn(node: string, vmid: number): SimGuest {
    const g = this.guests.get(vmid);
    if (!g || g.node !== node) throw pveFail(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    return g;
  }

  private assertUnlocked(g: SimGuest, skiplock = false): void {
    const lock = g.config['lock'];
    if (lock && !skiplock) throw pveFail(`VM is locked (${lock})`);
  }

  private assertFreeVmid(vmid: number): void {
    const g = this.guests.get(vmid);
    if (g) throw pveFail(`unable to create VM ${vmid} - VM ${vmid} already exists on node '${g.node}'`);
  }

  private requireOnline(node: string, what: string): SimNode {
    const n = this.node(node);
    if (n.status !== 'online') throw pveFail(`${what}: node '${node}' is not online`);
    return n;
  }

  nextMac(): string {
    return randomMac(this.macSeq++);
  }

  private newDiskName(vmid: number): string {
    const n = this.diskSeq.get(vmid) ?? 0;
    this.diskSeq.set(vmid, n + 1);
    return `vm-${vmid}-disk-${n}`;
  }

  private isTemplate(g: SimGuest): boolean {
    return g.config['template'] === '1';
  }

  runningMemoryMiB(node: string, except?: number): number {
    let sum = 0;
    for (const g of this.guests.values()) if (g.node === node && g.status === 'running' && g.vmid !== except) sum += memoryMiB(g.config);
    return sum;
  }

  // ---- metrics the API shows --------------------------------------------------------------

  nodeCpu(n: SimNode): number {
    if (n.status !== 'online') return 0;
    let load = 0.01;
    for (const g of this.guests.values()) if (g.node === n.name && g.status === 'running') load += coresOf(g.config) * 0.1;
    return Math.min(1, Math.round((load / n.cores) * 10000) / 10000);
  }

  nodeMemBytes(n: SimNode): number {
    if (n.status !== 'online') return 0;
    return 1024 * MiB + this.runningMemoryMiB(n.name) * MiB;
  }

  /** Electrical draw now: the idle/max model of DESIGN.md, 0 when off. */
  powerWatts(node: string): number {
    const n = this.node(node);
    if (n.status !== 'online' && n.transition !== 'booting') return 0;
    return n.idleWatts + (n.maxWatts - n.idleWatts) * this.nodeCpu(n);
  }

  guestStatus(g: SimGuest): string {
    return this.node(g.node).status === 'online' ? g.status : 'unknown';
  }

  rootDiskBytes(g: SimGuest): number {
    for (const [k, v] of Object.entries(g.config)) if (isDiskKey(k) && !isCdrom(v)) return diskSizeBytes(v);
    return 0;
  }

  poolOf(vmid: number): string | undefined {
    for (const p of this.pools.values()) if (p.vms.has(vmid)) return p.poolid;
    return undefined;
  }

  digest(g: SimGuest): string {
    return digestOf(g.config, g.pending, g.pendingDelete);
  }

  /** Corosync's rule: the votes present (online nodes plus a QDevice, assumed up) exceed half the expected votes. */
  quorate(): boolean {
    const qdevice = this.quorumSeed.qdevice ? 1 : 0;
    const expected = this.quorumSeed.expectedVotes ?? this.nodes.size + qdevice;
    const online = [...this.nodes.values()].filter((n) => n.status === 'online').length;
    return (online + qdevice) * 2 > expected;
  }

  /** Without quorum pmxcfs is read-only, so every write that touches cluster config fails. */
  assertQuorate(): void {
    if (!this.quorate()) throw pveFail('cluster not ready - no quorum?');
  }

  /** POST /storage: a new storage entry in the cluster's storage.cfg. */
  addStorage(p: ParamValues): void {
    this.assertQuorate();
    const name = String(p['storage']);
    if (this.storages.has(name)) throw pveFail(`create storage failed: storage ID '${name}' already defined`);
    const type = String(p['type']);
    // Network storages are shared by nature; PVE marks them so whatever the request says.
    const shared = ['rbd', 'cephfs', 'nfs', 'cifs', 'glusterfs', 'iscsi', 'iscsidirect', 'pbs'].includes(type) || p['shared'] === true;
    this.storages.set(name, {
      name,
      type,
      shared,
      ...(typeof p['pool'] === 'string' ? { pool: p['pool'] } : {}),
      totalBytes: (shared ? 2048 : 512) * GiB,
    });
  }

  /**
   * Bytes used per storage and node in one pass over the guests (shared storages under '*'):
   * /cluster/resources lists every storage of every node, and a pass per entry made a cluster of
   * thousands of guests answer in seconds.
   */
  storageUsage(): Map<string, Map<string, number>> {
    const table = new Map<string, Map<string, number>>();
    for (const g of this.guests.values()) {
      for (const [k, v] of Object.entries(g.config)) {
        if (!(isDiskKey(k) || /^unused\d+$/.test(k)) || isCdrom(v)) continue;
        const storage = diskStorage(v);
        const where = this.storages.get(storage)?.shared ? '*' : g.node;
        const row = table.get(storage) ?? new Map<string, number>();
        row.set(where, (row.get(where) ?? 0) + diskSizeBytes(v));
        table.set(storage, row);
      }
    }
    return table;
  }

  storageUsedBytes(storage: string, node?: string): number {
    let used = 0;
    for (const g of this.guests.values()) {
      if (node && !this.storages.get(storage)?.shared && g.node !== node) continue;
      for (const [k, v] of Object.entries(g.config)) if ((isDiskKey(k) || /^unused\d+$/.test(k)) && !isCdrom(v) && diskStorage(v) === storage) used += diskSizeBytes(v);
    }
    return used;
  }

  // ---- node power -------------------------------------------------------------------------

  /** POST /nodes/{node}/status: the node stops its guests and goes off after shutdownSeconds. */
  nodeCommand(node: string, command: 'shutdown' | 'reboot'): void {
    const n = this.requireOnline(node, 'node power');
    if (n.transition) return;
    n.transition = command === 'shutdown' ? 'shutting-down' : 'rebooting';
    this.clock.schedule(n.shutdownSeconds, () => {
      this.setNodeOffline(node, false);
      if (command === 'reboot') this.bootNode(node);
      else n.transition = undefined;
    });
  }

  /** POST /nodes/{node}/wakeonlan: boots an offline node after its boot time; returns the MAC used. */
  wakeOnLan(node: string): string {
    const n = this.node(node);
    if (n.status === 'offline' && n.transition !== 'booting') this.bootNode(node);
    return n.mac.toLowerCase();
  }

  private bootNode(node: string): void {
    const n = this.node(node);
    n.transition = 'booting';
    this.clock.schedule(n.bootSeconds, () => {
      n.status = 'online';
      n.transition = undefined;
      n.onlineSince = this.clock.now();
      for (const g of this.guests.values()) if (g.node === node && g.config['onboot'] === '1' && !this.isTemplate(g)) this.applyStart(g);
    });
  }

  /**
   * Takes a node off the network; nothing keeps running on it. After a crash (not a clean
   * shutdown) the HA manager fences the node and restarts its HA guests elsewhere.
   */
  setNodeOffline(node: string, crash = true): void {
    const n = this.node(node);
    n.status = 'offline';
    n.transition = undefined;
    const orphans: SimGuest[] = [];
    for (const g of this.guests.values()) {
      if (g.node !== node) continue;
      if (crash && this.haManaged(g.vmid)?.state === 'started') orphans.push(g);
      if (g.status === 'running') {
        g.status = 'stopped';
        g.startedAt = undefined;
      }
    }
    if (orphans.length) this.clock.schedule(HA_FENCE_SECONDS, () => this.recoverHa(node, orphans));
  }

  private recoverHa(from: string, guests: SimGuest[]): void {
    if (this.node(from).status === 'online' || !this.quorate()) return;
    for (const g of guests) {
      if (g.node !== from) continue;
      const target = [...this.nodes.values()].find(
        (n) => n.status === 'online' && n.memoryMiB - this.runningMemoryMiB(n.name) >= memoryMiB(g.config) && n.cores >= coresOf(g.config),
      );
      if (!target) continue;
      g.node = target.name;
      this.applyStart(g);
    }
  }

  setNodeOnline(node: string): void {
    const n = this.node(node);
    n.status = 'online';
    n.transition = undefined;
    n.onlineSince = this.clock.now();
  }

  // ---- create, clone, destroy -------------------------------------------------------------

  nextId(wanted?: number): string {
    if (wanted !== undefined) {
      if (this.guests.has(wanted)) throw paramError({ vmid: `VM ${wanted} already exists` });
      return String(wanted);
    }
    let id = 100;
    while (this.guests.has(id)) id++;
    return String(id);
  }

  createVm(node: string, p: ParamValues): SimTask {
    const vmid = Number(p['vmid']);
    this.requireOnline(node, `unable to create VM ${vmid}`);
    this.assertFreeVmid(vmid);
    if (typeof p['pool'] === 'string') this.pool(p['pool']);
    const config: GuestConfig = {};
    const reserved = new Set(['node', 'vmid', 'pool', 'start', 'storage', 'unique', 'archive', 'force', 'live-restore', 'bwlimit']);
    for (const [k, v] of Object.entries(p)) if (!reserved.has(k) && v !== undefined) config[k] = wire(v);
    for (const [k, v] of Object.entries(config)) {
      if (/^net\d+$/.test(k)) config[k] = withMac(v, () => this.nextMac());
      if (isDiskKey(k)) config[k] = this.allocateDisk(vmid, v);
    }
    config['lock'] = 'create';
    const g: SimGuest = { vmid, node, config, pending: {}, pendingDelete: new Set(), status: 'stopped' };
    this.guests.set(vmid, g);
    if (typeof p['pool'] === 'string') this.addToPool(p['pool'], [vmid], false);
    return this.tasks.start(node, 'qmcreate', String(vmid), this.taskUser, {
      seconds: DURATIONS.create,
      finish: () => {
        delete g.config['lock'];
        if (p['start'] === true) this.applyStart(g);
      },
      cleanup: () => this.forget(vmid),
    });
  }

  /** `STORAGE:SIZE` allocates a new volume; anything else is an existing volume. */
  private allocateDisk(vmid: number, value: string): string {
    const [vol, ...opts] = value.split(',');
    const m = /^([^:]+):(\d+(?:\.\d+)?)$/.exec(vol ?? '');
    if (m && !opts.some((o) => o.startsWith('media=cdrom'))) {
      const storage = m[1]!;
      if (!this.storages.has(storage)) throw pveFail(`storage '${storage}' does not exist`);
      return [`${storage}:${this.newDiskName(vmid)}`, ...opts.filter((o) => !o.startsWith('size=')), `size=${formatSize(Math.round(Number(m[2]) * GiB))}`].join(',');
    }
    const ci = /^([^:]+):cloudinit$/.exec(vol ?? '');
    if (ci) return `${ci[1]}:vm-${vmid}-cloudinit,media=cdrom`;
    return value;
  }

  cloneVm(node: string, vmid: number, p: ParamValues): SimTask {
    const src = this.guestOn(node, vmid);
    const newid = Number(p['newid']);
    const target = typeof p['target'] === 'string' ? p['target'] : node;
    const storage = typeof p['storage'] === 'string' ? p['storage'] : undefined;
    if (storage && !this.storages.has(storage)) throw pveFail(`storage '${storage}' does not exist`);
    this.requireOnline(node, `clone failed`);
    if (this.guests.has(newid)) throw pveFail(`VM ${newid} already exists on node '${this.guests.get(newid)!.node}'`);
    this.assertUnlocked(src);
    if (target !== node) {
      if (this.node(target).status !== 'online') throw pveFail(`target node '${target}' is not online`);
      // As PVE's clone: each disk lands on `storage` when given, else on its own storage, and
      // the clone may go to another node only when every one of those is shared.
      const local = Object.entries(src.config).filter(([k, v]) => isDiskKey(k) && !isCdrom(v) && !this.storages.get(storage ?? diskStorage(v))?.shared);
      if (local.length) throw pveFail(`can't clone VM to node '${target}' (VM uses local storage)`);
    }
    const template = this.isTemplate(src);
    const full = p['full'] === true || !template;
    if (storage && !full) throw paramError({ storage: 'Option storage only allowed in combination with full clone' });
    const pool = typeof p['pool'] === 'string' ? p['pool'] : undefined;
    if (pool && !this.pools.has(pool)) throw pveFail(`pool '${pool}' does not exist`);

    const config: GuestConfig = {};
    for (const [k, v] of Object.entries(src.config)) {
      if (k === 'template' || k === 'lock' || k === 'vmgenid') continue;
      if (/^net\d+$/.test(k)) config[k] = v.replace(/^([a-z0-9-]+)=([0-9A-Fa-f:]{17})/, (_, model: string) => `${model}=${this.nextMac()}`);
      else if (isDiskKey(k) && isCdrom(v) && v.includes('cloudinit')) config[k] = `${diskStorage(v)}:vm-${newid}-cloudinit,media=cdrom`;
      else if (isDiskKey(k) && !isCdrom(v)) {
        const opts = v.split(',').slice(1);
        const vol = `${storage ?? diskStorage(v)}:${full ? '' : `${diskVolume(v).split(':')[1]}/`}${this.newDiskName(newid)}`;
        config[k] = [vol, ...opts].join(',');
      } else if (!/^unused\d+$/.test(k)) config[k] = v;
    }
    config['name'] = typeof p['name'] === 'string' ? p['name'] : `Copy-of-VM-${src.config['name'] ?? vmid}`;
    if (typeof p['description'] === 'string') config['description'] = p['description'];
    config['vmgenid'] = `00000000-0000-4000-8000-${String(newid).padStart(12, '0')}`;
    config['lock'] = 'clone';
    const g: SimGuest = { vmid: newid, node: target, config, pending: {}, pendingDelete: new Set(), status: 'stopped' };
    this.guests.set(newid, g);
    if (pool) this.addToPool(pool, [newid], false);
    // A normal VM is locked while it is copied; templates serve several linked clones at once.
    if (!template) src.config['lock'] = 'clone';
    return this.tasks.start(node, 'qmclone', String(vmid), this.taskUser, {
      seconds: DURATIONS.clone,
      finish: () => {
        delete g.config['lock'];
        if (!template) delete src.config['lock'];
      },
      cleanup: () => {
        if (!template) delete src.config['lock'];
        this.forget(newid);
      },
    });
  }

  private forget(vmid: number): void {
    this.guests.delete(vmid);
    for (const p of this.pools.values()) p.vms.delete(vmid);
  }

  destroyVm(node: string, vmid: number, p: ParamValues): SimTask {
    const g = this.guestOn(node, vmid);
    this.assertUnlocked(g, p['skiplock'] === true);
    if (g.config['protection'] === '1') throw pveFail(`can't remove VM ${vmid} - protection mode enabled`);
    if (g.status === 'running') throw pveFail(`VM ${vmid} is running - destroy failed`);
    const sid = `vm:${vmid}`;
    if (this.ha.has(sid) && p['purge'] !== true) throw pveFail(`unable to remove VM ${vmid} - used in HA resources and purge parameter not set.`);
    return this.tasks.start(node, 'qmdestroy', String(vmid), this.taskUser, {
      seconds: DURATIONS.destroy,
      finish: () => {
        this.forget(vmid);
        if (p['purge'] === true) {
          this.ha.delete(sid);
          this.access.purgePath(`/vms/${vmid}`);
        }
      },
    });
  }

  // ---- config -------------------------------------------------------------------------------

  /** PUT (sync) and POST (async) config: hot-pluggable changes apply, the rest waits in pending. */
  updateConfig(node: string, vmid: number, p: ParamValues, asTask: boolean): SimTask | null {
    const g = this.guestOn(node, vmid);
    this.assertUnlocked(g, p['skiplock'] === true);
    if (typeof p['digest'] === 'string' && p['digest'] !== this.digest(g)) throw pveFail('checksum mismatch (file change by other user?)');
    const control = new Set(['node', 'vmid', 'digest', 'delete', 'revert', 'skiplock', 'force', 'background_delay']);
    const sets = Object.entries(p).filter(([k, v]) => !control.has(k) && v !== undefined);
    const deletes = typeof p['delete'] === 'string' ? p['delete'].split(/[,;\s]+/).filter((s) => s !== '') : [];
    const reverts = typeof p['revert'] === 'string' ? p['revert'].split(/[,;\s]+/).filter((s) => s !== '') : [];
    const errors: Record<string, string> = {};
    for (const [k] of sets) if (deletes.includes(k)) errors[k] = `conflicting options: cannot set and delete '${k}' at the same time`;
    if (Object.keys(errors).length) throw paramError(errors);
    if (sets.some(([k]) => k === 'cores') || sets.some(([k]) => k === 'sockets')) {
      const cores = Number(sets.find(([k]) => k === 'cores')?.[1] ?? g.config['cores'] ?? 1) * Number(sets.find(([k]) => k === 'sockets')?.[1] ?? g.config['sockets'] ?? 1);
      const n = this.node(node);
      if (cores > n.cores) throw pveFail(`MAX ${n.cores} vcpus allowed per VM on this node`);
    }
    const apply = () => {
      for (const k of reverts) {
        delete g.pending[k];
        g.pendingDelete.delete(k);
      }
      const running = g.status === 'running';
      const hot = hotplugFeatures(g.config);
      for (const k of deletes) {
        if (running && !appliesHot(k, hot)) g.pendingDelete.add(k);
        else this.deleteKey(g, k);
      }
      for (const [k, v] of sets) {
        let value = wire(v);
        if (/^net\d+$/.test(k)) value = withMac(value, () => this.nextMac());
        if (isDiskKey(k)) value = this.allocateDisk(vmid, value);
        if (running && !appliesHot(k, hot)) g.pending[k] = value;
        else {
          g.config[k] = value;
          delete g.pending[k];
        }
        g.pendingDelete.delete(k);
      }
    };
    if (!asTask) {
      apply();
      return null;
    }
    return this.tasks.start(node, 'qmconfig', String(vmid), this.taskUser, { seconds: DURATIONS.config, finish: apply });
  }

  /** Removing a disk from its slot keeps the volume as unusedN, as PVE does. */
  private deleteKey(g: SimGuest, key: string): void {
    const v = g.config[key];
    if (v === undefined) return;
    delete g.config[key];
    delete g.pending[key];
    if (isDiskKey(key) && !isCdrom(v)) {
      let i = 0;
      while (g.config[`unused${i}`] !== undefined) i++;
      g.config[`unused${i}`] = diskVolume(v);
    }
  }

  private applyPending(g: SimGuest): void {
    for (const k of g.pendingDelete) this.deleteKey(g, k);
    g.pendingDelete.clear();
    for (const [k, v] of Object.entries(g.pending)) g.config[k] = v;
    g.pending = {};
  }

  resize(node: string, vmid: number, disk: string, size: string, p: ParamValues): SimTask {
    const g = this.guestOn(node, vmid);
    this.assertUnlocked(g, p['skiplock'] === true);
    if (typeof p['digest'] === 'string' && p['digest'] !== this.digest(g)) throw pveFail('checksum mismatch (file change by other user?)');
    const value = g.config[disk];
    if (value === undefined) throw pveFail(`disk '${disk}' does not exist`);
    if (isCdrom(value)) throw pveFail(`you can't resize a cdrom`);
    const current = diskSizeBytes(value);
    const grow = size.startsWith('+');
    const bytes = grow ? current + parseSize(size.slice(1)) : parseSize(size);
    if (bytes < current) throw pveFail(`shrinking disks is not supported`);
    return this.tasks.start(node, 'resize', String(vmid), this.taskUser, {
      seconds: DURATIONS.resize,
      finish: () => {
        g.config[disk] = setDiskSize(g.config[disk] ?? value, bytes);
      },
    });
  }

  // ---- power of guests ----------------------------------------------------------------------

  private haManaged(vmid: number): SimHaResource | undefined {
    return this.ha.get(`vm:${vmid}`);
  }

  startVm(node: string, vmid: number, p: ParamValues): SimTask {
    const g = this.guestOn(node, vmid);
    this.assertUnlocked(g, p['skiplock'] === true);
    const ha = this.haManaged(vmid);
    if (ha) {
      ha.state = 'started';
      return this.tasks.start(node, 'hastart', String(vmid), this.taskUser, { seconds: DURATIONS.start, finish: () => void this.tryStart(g) });
    }
    return this.tasks.start(node, 'qmstart', String(vmid), this.taskUser, { seconds: DURATIONS.start, finish: () => this.tryStart(g) });
  }

  private tryStart(g: SimGuest): string[] {
    if (this.isTemplate(g)) throw new Error(`you can't start a vm if it's a template`);
    if (g.status === 'running') throw new Error(`VM ${g.vmid} already running`);
    this.applyStart(g, true);
    return [];
  }

  /** Starts a guest if the node can hold it; `strict` throws PVE's start errors. */
  private applyStart(g: SimGuest, strict = false): void {
    const n = this.node(g.node);
    try {
      if (n.status !== 'online') throw new Error(`node '${n.name}' is not online`);
      this.applyPending(g);
      const cores = coresOf(g.config);
      if (cores > n.cores) throw new Error(`MAX ${n.cores} vcpus allowed per VM on this node`);
      const need = memoryMiB(g.config);
      const free = n.memoryMiB - this.runningMemoryMiB(n.name, g.vmid);
      if (need > free) throw new Error(`start failed: not enough memory on node '${n.name}' (VM ${g.vmid} needs ${need} MiB, ${free} MiB free)`);
      g.status = 'running';
      g.startedAt = this.clock.now();
    } catch (err) {
      if (strict) throw err;
    }
  }

  stopVm(node: string, vmid: number, kind: 'stop' | 'shutdown', p: ParamValues): SimTask {
    const g = this.guestOn(node, vmid);
    this.assertUnlocked(g, p['skiplock'] === true);
    const ha = this.haManaged(vmid);
    if (ha) ha.state = 'stopped';
    const type = ha ? 'hastop' : kind === 'stop' ? 'qmstop' : 'qmshutdown';
    return this.tasks.start(node, type, String(vmid), this.taskUser, {
      seconds: kind === 'stop' ? DURATIONS.stop : DURATIONS.shutdown,
      finish: () => {
        if (g.status !== 'running' && kind === 'shutdown') throw new Error(`VM ${vmid} not running`);
        g.status = 'stopped';
        g.startedAt = undefined;
        this.applyPending(g);
      },
    });
  }

  rebootVm(node: string, vmid: number): SimTask {
    const g = this.guestOn(node, vmid);
    this.assertUnlocked(g);
    if (g.status !== 'running') throw pveFail(`VM ${vmid} not running`);
    return this.tasks.start(node, 'qmreboot', String(vmid), this.taskUser, {
      seconds: DURATIONS.reboot,
      finish: () => {
        g.status = 'stopped';
        this.applyStart(g, true);
      },
    });
  }

  // ---- migration ----------------------------------------------------------------------------

  localDisks(g: SimGuest): { volid: string; size: number; cdrom: boolean; is_unused: boolean }[] {
    const out: { volid: string; size: number; cdrom: boolean; is_unused: boolean }[] = [];
    for (const [k, v] of Object.entries(g.config)) {
      if (!isDiskKey(k) && !/^unused\d+$/.test(k)) continue;
      const storage = this.storages.get(diskStorage(v));
      if (!storage || storage.shared || v === 'none') continue;
      out.push({ volid: diskVolume(v), size: diskSizeBytes(v), cdrom: isCdrom(v), is_unused: /^unused/.test(k) });
    }
    return out;
  }

  migratePrecondition(node: string, vmid: number, target?: string): Record<string, unknown> {
    const g = this.guestOn(node, vmid);
    const local = this.localDisks(g);
    const others = [...this.nodes.values()].filter((n) => n.name !== node && n.status === 'online').map((n) => n.name);
    const result: Record<string, unknown> = {
      running: g.status === 'running' ? 1 : 0,
      local_disks: local.map((d) => ({ ...d, cdrom: d.cdrom ? 1 : 0, is_unused: d.is_unused ? 1 : 0 })),
      local_resources: [],
      'mapped-resources': [],
      'mapped-resource-info': {},
    };
    if (g.status !== 'running') {
      result['allowed_nodes'] = target ? others.filter((n) => n === target) : others;
      result['not_allowed_nodes'] = {};
    }
    return result;
  }

  migrateVm(node: string, vmid: number, p: ParamValues): SimTask {
    const g = this.guestOn(node, vmid);
    const target = String(p['target']);
    if (target === node) throw pveFail(`target is local node.`);
    const t = this.node(target);
    if (t.status !== 'online') throw pveFail(`target node '${target}' is not online`);
    this.assertUnlocked(g);
    const running = g.status === 'running';
    if (running && p['online'] !== true) throw pveFail(`can't migrate running VM without --online`);
    const local = this.localDisks(g).filter((d) => !d.cdrom);
    if (local.length && p['with-local-disks'] !== true) throw pveFail(`can't migrate local disk '${local[0]!.volid}': use --with-local-disks to migrate`);
    const seconds = running ? Math.max(DURATIONS.migrateOffline, (memoryMiB(g.config) / 1024) * DURATIONS.migratePerGiB) : DURATIONS.migrateOffline;
    g.config['lock'] = 'migrate';
    return this.tasks.start(node, 'qmigrate', String(vmid), this.taskUser, {
      seconds,
      finish: () => {
        delete g.config['lock'];
        if (this.node(target).status !== 'online') throw new Error(`migration aborted: target node '${target}' went offline`);
        if (running) {
          const free = t.memoryMiB - this.runningMemoryMiB(target);
          if (memoryMiB(g.config) > free) throw new Error(`migration problems: not enough memory on node '${target}'`);
        }
        g.node = target;
      },
      cleanup: () => delete g.config['lock'],
    });
  }

  // ---- pools --------------------------------------------------------------------------------

  createPool(poolid: string, comment?: string): void {
    if (this.pools.has(poolid)) throw pveFail(`create pool failed: pool '${poolid}' already exists`);
    this.pools.set(poolid, { poolid, comment, vms: new Set(), storages: new Set() });
  }

  pool(poolid: string): SimPool {
    const p = this.pools.get(poolid);
    if (!p) throw pveFail(`pool '${poolid}' does not exist`);
    return p;
  }

  updatePool(poolid: string, p: ParamValues): void {
    const pool = this.pool(poolid);
    if (typeof p['comment'] === 'string') pool.comment = p['comment'];
    const vms = typeof p['vms'] === 'string' ? p['vms'].split(/[,;\s]+/).filter((s) => s !== '').map(Number) : [];
    const storages = typeof p['storage'] === 'string' ? p['storage'].split(/[,;\s]+/).filter((s) => s !== '') : [];
    if (p['delete'] === true) {
      for (const v of vms) {
        if (!pool.vms.has(v)) throw pveFail(`VM ${v} is not a pool member`);
        pool.vms.delete(v);
      }
      for (const s of storages) pool.storages.delete(s);
      return;
    }
    this.addToPool(poolid, vms, p['allow-move'] === true);
    for (const s of storages) {
      if (!this.storages.has(s)) throw pveFail(`no such storage '${s}'`);
      pool.storages.add(s);
    }
  }

  private addToPool(poolid: string, vms: number[], allowMove: boolean): void {
    const pool = this.pool(poolid);
    for (const v of vms) {
      if (!this.guests.has(v)) throw pveFail(`no such VM ID '${v}'`);
      const current = this.poolOf(v);
      if (current && current !== poolid) {
        if (!allowMove) throw pveFail(`VM ${v} belongs already to pool '${current}' and 'allow-move' is not set`);
        this.pools.get(current)!.vms.delete(v);
      }
      pool.vms.add(v);
    }
  }

  deletePool(poolid: string): void {
    const pool = this.pool(poolid);
    if (pool.vms.size || pool.storages.size) throw pveFail(`pool '${poolid}' is not empty`);
    this.pools.delete(poolid);
  }

  // ---- HA -----------------------------------------------------------------------------------

  haSid(raw: string): string {
    return /^\d+$/.test(raw) ? `vm:${raw}` : raw;
  }

  addHa(p: ParamValues): void {
    const sid = this.haSid(String(p['sid']));
    if (this.ha.has(sid)) throw pveFail(`resource ID '${sid}' already defined`);
    const vmid = Number(sid.split(':')[1]);
    if (!this.guests.has(vmid)) throw pveFail(`unable to find VM '${vmid}'`);
    this.ha.set(sid, {
      sid,
      state: typeof p['state'] === 'string' ? p['state'] : 'started',
      group: typeof p['group'] === 'string' ? p['group'] : undefined,
      comment: typeof p['comment'] === 'string' ? p['comment'] : undefined,
      max_restart: typeof p['max_restart'] === 'number' ? p['max_restart'] : 1,
      max_relocate: typeof p['max_relocate'] === 'number' ? p['max_relocate'] : 1,
    });
  }

  haResource(sidRaw: string): SimHaResource {
    const sid = this.haSid(sidRaw);
    const r = this.ha.get(sid);
    if (!r) throw pveFail(`no such resource '${sid}'`);
    return r;
  }

  updateHa(sidRaw: string, p: ParamValues): void {
    const r = this.haResource(sidRaw);
    if (typeof p['state'] === 'string') r.state = p['state'];
    if (typeof p['group'] === 'string') r.group = p['group'];
    if (typeof p['comment'] === 'string') r.comment = p['comment'];
    if (typeof p['max_restart'] === 'number') r.max_restart = p['max_restart'];
    if (typeof p['max_relocate'] === 'number') r.max_relocate = p['max_relocate'];
    const deletes = typeof p['delete'] === 'string' ? p['delete'].split(',') : [];
    for (const d of deletes) if (d === 'group' || d === 'comment') delete r[d];
  }

  removeHa(sidRaw: string): void {
    const r = this.haResource(sidRaw);
    this.ha.delete(r.sid);
  }

  haState(vmid: number): string | undefined {
    return this.ha.get(`vm:${vmid}`)?.state;
  }

  // ---- behind-the-back edits (drift tests) --------------------------------------------------

  /** Edits a guest's config as an admin would in the GUI: undefined deletes the key. No checks. */
  editGuestConfig(vmid: number, changes: Record<string, string | undefined>): void {
    const g = this.guests.get(vmid);
    if (!g) throw new Error(`lab site ${this.site}: no guest ${vmid}`);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) delete g.config[k];
      else g.config[k] = v;
    }
  }

  /** Sets a guest's power state directly (a VM crashed or was started by hand). */
  setGuestStatus(vmid: number, status: 'running' | 'stopped'): void {
    const g = this.guests.get(vmid);
    if (!g) throw new Error(`lab site ${this.site}: no guest ${vmid}`);
    g.status = status;
    g.startedAt = status === 'running' ? this.clock.now() : undefined;
  }

  /** Moves a guest to another node without a migration (a manual `qm migrate` done elsewhere). */
  moveGuest(vmid: number, node: string): void {
    const g = this.guests.get(vmid);
    if (!g) throw new Error(`lab site ${this.site}: no guest ${vmid}`);
    this.node(node);
    g.node = node;
  }

  guestConfig(vmid: number): GuestConfig | undefined {
    const g = this.guests.get(vmid);
    return g ? { ...g.config } : undefined;
  }
}

/** Parameter values back to the strings PVE keeps in config files (booleans as 0/1). */
export function wire(v: unknown): string {
  if (v === true) return '1';
  if (v === false) return '0';
  return String(v);
}
