import { describe, expect, it } from 'vitest';
import { checkQuorum, expectedVotes, type QuorumFacts } from '../../../src/power/rules/quorum.js';

describe('rule quorum', () => {
  it.each<{ name: string; facts: QuorumFacts; ok: boolean }>([
    { name: 'blocks: 3 nodes, 1 would stay', facts: { nodes: 3, onlineAfter: 1, quorum: { qdevice: false } }, ok: false },
    { name: 'allows: 3 nodes, 2 stay', facts: { nodes: 3, onlineAfter: 2, quorum: { qdevice: false } }, ok: true },
    { name: 'allows: 6 nodes + qdevice, expected 7, 3 stay (4 votes)', facts: { nodes: 6, onlineAfter: 3, quorum: { qdevice: true, expectedVotes: 7 } }, ok: true },
    { name: 'blocks: 6 nodes + qdevice, expected 7, 2 stay (3 votes)', facts: { nodes: 6, onlineAfter: 2, quorum: { qdevice: true, expectedVotes: 7 } }, ok: false },
    { name: 'blocks: 2 nodes without qdevice, 1 stays (exactly half)', facts: { nodes: 2, onlineAfter: 1, quorum: { qdevice: false } }, ok: false },
    { name: 'allows: 2 nodes with qdevice, 1 stays', facts: { nodes: 2, onlineAfter: 1, quorum: { qdevice: true } }, ok: true },
    { name: 'blocks: the cluster is not quorate now', facts: { nodes: 5, onlineAfter: 4, quorum: { qdevice: false }, quorateNow: false }, ok: false },
  ])('$name', ({ facts, ok }) => {
    const r = checkQuorum('pve3', facts);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.rule).toBe('quorum');
  });

  it.each([
    { nodes: 3, quorum: { qdevice: false }, expected: 3 },
    { nodes: 2, quorum: { qdevice: true }, expected: 3 },
    { nodes: 6, quorum: { qdevice: true, expectedVotes: 7 }, expected: 7 },
  ])('expects $expected votes for $nodes nodes, $quorum', ({ nodes, quorum, expected }) => {
    expect(expectedVotes({ nodes, quorum })).toBe(expected);
  });
});
