// Energy-aware packing: the VMs that must run go onto as few nodes as possible. Nodes that are on
// anyway (always-on, windows open, held on by a rule) come first; more nodes are switched on only
// when the VMs do not fit, the most energy-efficient first (mean watts per usable GiB). Memory is
// never overcommitted (usable memory is the headroom); vCPUs are, as Proxmox does, so a VM only
// needs no more cores than the node has usable. Anti-affinity groups and allowed nodes hold.
//
// Two passes: the first decides which nodes to open (first-fit decreasing, ignoring where VMs are
// now); the second assigns each VM, keeping it where it is when that node stays open, so a stable
// fleet sees no migrations.

export interface PackNode {
  name: string;
  /** On whatever the packing decides (always-on, window open, held on by a rule). */
  open: boolean;
  /** May be switched on for VMs (on-demand, not forbidden by a rule). */
  canOpen: boolean;
  /** May receive VMs (a compute node whose state is known). */
  target: boolean;
  /** 0 always-on, 1 windows, 2 on-demand: nodes that are on anyway are filled first. */
  rank: number;
  /** Lower is better: watts per usable GiB. */
  efficiency: number;
  usableMiB: number;
  usableCores: number;
}

export interface PackItem {
  key: string;
  memoryMiB: number;
  cores: number;
  /** Node where it is now, if any. */
  current?: string;
  allowed?: ReadonlySet<string>;
  group?: string;
}

export interface PackResult {
  /** Nodes on after packing. */
  open: Set<string>;
  /** Why a node that was not open anyway is opened: the VMs that needed it. */
  openedFor: Map<string, string[]>;
  placement: Map<string, string>;
  /** Movable items that fit nowhere (they stay where they are, and hold their node on). */
  unplaced: string[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Bins {
  readonly usedMiB = new Map<string, number>();
  readonly groups = new Map<string, Set<string>>();

  constructor(private readonly nodes: Map<string, PackNode>) {}

  add(item: PackItem, node: string): void {
    this.usedMiB.set(node, (this.usedMiB.get(node) ?? 0) + item.memoryMiB);
    if (item.group) {
      const set = this.groups.get(item.group) ?? new Set<string>();
      set.add(node);
      this.groups.set(item.group, set);
    }
  }

  fits(item: PackItem, node: string): boolean {
    const n = this.nodes.get(node);
    if (!n || !n.target) return false;
    if (item.allowed && !item.allowed.has(node)) return false;
    if (item.group && this.groups.get(item.group)?.has(node)) return false;
    if (n.usableCores < item.cores) return false;
    return (this.usedMiB.get(node) ?? 0) + item.memoryMiB <= n.usableMiB;
  }
}

function bySize(a: PackItem, b: PackItem): number {
  return b.memoryMiB - a.memoryMiB || b.cores - a.cores || cmp(a.key, b.key);
}

/**
 * `sticky` items stay on their node and hold it open (pinned VMs, VMs starting in place, local
 * disks); `fixed` items only take room (guests that are not moved and do not decide power);
 * `movable` items are placed.
 */
export function pack(nodes: readonly PackNode[], sticky: readonly PackItem[], fixed: readonly PackItem[], movable: readonly PackItem[]): PackResult {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const order = [...nodes].sort((a, b) => a.rank - b.rank || a.efficiency - b.efficiency || cmp(a.name, b.name));
  const open = new Set(nodes.filter((n) => n.open).map((n) => n.name));
  const openedFor = new Map<string, string[]>();
  const openFor = (node: string, key: string): void => {
    if (!open.has(node)) open.add(node);
    else if (!openedFor.has(node)) return;
    const list = openedFor.get(node) ?? [];
    list.push(key);
    openedFor.set(node, list);
  };

  const base = (): Bins => {
    const bins = new Bins(byName);
    for (const i of [...sticky, ...fixed]) if (i.current !== undefined) bins.add(i, i.current);
    return bins;
  };
  for (const i of sticky) if (i.current !== undefined && (byName.get(i.current)?.open || byName.get(i.current)?.canOpen)) openFor(i.current, i.key);

  const items = [...movable].sort(bySize);
  const firstFit = (bins: Bins, item: PackItem): string | undefined => order.find((n) => open.has(n.name) && bins.fits(item, n.name))?.name;
  const openNew = (bins: Bins, item: PackItem): string | undefined => order.find((n) => !open.has(n.name) && n.canOpen && bins.fits(item, n.name))?.name;

  // Pass 1: which nodes must be on for these VMs.
  const trial = base();
  for (const item of items) {
    const node = firstFit(trial, item) ?? openNew(trial, item);
    if (node === undefined) continue;
    if (!open.has(node)) openFor(node, item.key);
    trial.add(item, node);
  }

  // Pass 2: where each VM goes; it stays put when its node is open and still has room.
  const bins = base();
  const placement = new Map<string, string>();
  const unplaced: string[] = [];
  const stay = items.filter((i) => i.current !== undefined && open.has(i.current));
  const move = items.filter((i) => !(i.current !== undefined && open.has(i.current)));
  const stayed = new Set<string>();
  for (const item of stay) {
    if (bins.fits(item, item.current!)) {
      bins.add(item, item.current!);
      placement.set(item.key, item.current!);
      stayed.add(item.key);
    }
  }
  for (const item of [...move, ...stay.filter((i) => !stayed.has(i.key))].sort(bySize)) {
    let node = firstFit(bins, item);
    if (node === undefined) {
      node = openNew(bins, item);
      if (node !== undefined) openFor(node, item.key);
    }
    if (node === undefined) {
      unplaced.push(item.key);
      if (item.current !== undefined && byName.get(item.current) && (byName.get(item.current)!.open || byName.get(item.current)!.canOpen)) {
        openFor(item.current, item.key);
        bins.add(item, item.current);
        placement.set(item.key, item.current);
      }
      continue;
    }
    bins.add(item, node);
    placement.set(item.key, node);
  }
  // A node opened in pass 1 that pass 2 left empty is not needed after all; the others are on
  // for the VMs that ended up there.
  const on = new Map<string, string[]>();
  const note = (node: string, key: string): void => {
    const list = on.get(node);
    if (list) list.push(key);
    else on.set(node, [key]);
  };
  for (const i of sticky) if (i.current !== undefined && open.has(i.current)) note(i.current, i.key);
  for (const [key, node] of placement) note(node, key);
  for (const node of [...openedFor.keys()]) {
    const keys = on.get(node);
    if (keys === undefined) {
      open.delete(node);
      openedFor.delete(node);
    } else openedFor.set(node, keys.sort());
  }
  return { open, openedFor, placement, unplaced: unplaced.sort() };
}
