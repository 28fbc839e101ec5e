import { describe, expect, it } from 'vitest';
import { pack, type PackItem, type PackNode } from '../../src/power/packing.js';

const GiB = 1024;

function n(name: string, o: Partial<PackNode> = {}): PackNode {
  return { name, open: false, canOpen: true, target: true, rank: 2, efficiency: 2, usableMiB: 64 * GiB, usableCores: 16, ...o };
}

function vm(key: string, gib: number, o: Partial<PackItem> = {}): PackItem {
  return { key, memoryMiB: gib * GiB, cores: 2, ...o };
}

describe('pack', () => {
  it.each<{ name: string; nodes: PackNode[]; sticky?: PackItem[]; movable: PackItem[]; open: string[]; placement?: Record<string, string>; unplaced?: string[] }>([
    {
      name: 'fewest nodes: four 16 GiB VMs fill one 64 GiB node',
      nodes: [n('a'), n('b'), n('c')],
      movable: [vm('v1', 16), vm('v2', 16), vm('v3', 16), vm('v4', 16)],
      open: ['a'],
    },
    {
      name: 'headroom: five 16 GiB VMs need a second node',
      nodes: [n('a'), n('b'), n('c')],
      movable: [vm('v1', 16), vm('v2', 16), vm('v3', 16), vm('v4', 16), vm('v5', 16)],
      open: ['a', 'b'],
    },
    {
      name: 'efficiency: the node with fewer watts per GiB is switched on',
      nodes: [n('a', { efficiency: 3 }), n('b', { efficiency: 1.5 })],
      movable: [vm('v1', 8)],
      open: ['b'],
      placement: { v1: 'b' },
    },
    {
      name: 'always-on first: a node that is on anyway takes the VMs',
      nodes: [n('core', { open: true, canOpen: false, rank: 0, efficiency: 5 }), n('eco', { efficiency: 1 })],
      movable: [vm('v1', 8), vm('v2', 8)],
      open: ['core'],
    },
    {
      name: 'anti-affinity: two VMs of one group go to two nodes',
      nodes: [n('a'), n('b')],
      movable: [vm('db1', 8, { group: 't/db' }), vm('db2', 8, { group: 't/db' })],
      open: ['a', 'b'],
      placement: { db1: 'a', db2: 'b' },
    },
    {
      name: 'allowed nodes: a VM limited to b opens b',
      nodes: [n('a', { open: true, rank: 0 }), n('b')],
      movable: [vm('v1', 8, { allowed: new Set(['b']) })],
      open: ['a', 'b'],
      placement: { v1: 'b' },
    },
    {
      name: 'pins: a sticky VM holds its node on, and others fill it first',
      nodes: [n('a'), n('b', { efficiency: 9 })],
      sticky: [vm('pinned', 8, { current: 'b' })],
      movable: [vm('v1', 8)],
      open: ['b'],
      placement: { v1: 'b' },
    },
    {
      name: 'headroom: a VM bigger than any node fits nowhere and stays',
      nodes: [n('a', { open: true, rank: 0 }), n('b')],
      movable: [vm('big', 80, { current: 'a' })],
      open: ['a'],
      unplaced: ['big'],
    },
    {
      name: 'cores: a VM needing more cores than a node has usable skips it',
      nodes: [n('small', { usableCores: 4, efficiency: 1 }), n('large', { usableCores: 32 })],
      movable: [vm('wide', 8, { cores: 8 })],
      open: ['large'],
    },
    {
      name: 'stability: a VM stays on its open node instead of moving to a better one',
      nodes: [n('a', { open: true, rank: 0 }), n('b', { open: true, rank: 0, efficiency: 1 })],
      movable: [vm('v1', 8, { current: 'a' })],
      open: ['a', 'b'],
      placement: { v1: 'a' },
    },
    {
      name: 'no target: an unknown node receives nothing',
      nodes: [n('ghost', { target: false, efficiency: 0.1 }), n('b')],
      movable: [vm('v1', 8)],
      open: ['b'],
    },
  ])('$name', ({ nodes, sticky, movable, open, placement, unplaced }) => {
    const r = pack(nodes, sticky ?? [], [], movable);
    expect([...r.open].sort()).toEqual(open);
    if (placement) for (const [k, v] of Object.entries(placement)) expect(r.placement.get(k)).toBe(v);
    expect(r.unplaced).toEqual(unplaced ?? []);
  });

  it('says which VMs a switched-on node is for', () => {
    const r = pack([n('a', { open: true, rank: 0, usableMiB: 8 * GiB }), n('b')], [], [], [vm('v1', 8), vm('v2', 8)]);
    expect(r.openedFor.get('b')).toEqual(['v2']);
    expect(r.openedFor.has('a')).toBe(false);
  });

  it('is deterministic whatever the input order', () => {
    const items = [vm('v1', 4), vm('v2', 12), vm('v3', 4), vm('v4', 30), vm('v5', 20)];
    const a = pack([n('a'), n('b'), n('c')], [], [], items);
    const b = pack([n('c'), n('a'), n('b')], [], [], [...items].reverse());
    expect([...b.placement].sort()).toEqual([...a.placement].sort());
  });
});
