// quorum: Proxmox (corosync) keeps quorum only while the votes online are more than half the
// expected votes. One vote per node; a QDevice adds one vote, counted as online (it runs on the
// management host that runs marmite itself).

import type { Site } from '../../model/desired.js';
import { ALLOW, block, type RuleResult } from './types.js';

export interface QuorumFacts {
  /** Nodes of the site in the cluster. */
  nodes: number;
  /** Nodes online after the change (nodes in an unknown state are counted as offline). */
  onlineAfter: number;
  quorum: Site['quorum'];
  /** What Proxmox says now; false blocks every power-off. */
  quorateNow?: boolean;
}

export function expectedVotes(f: Pick<QuorumFacts, 'nodes' | 'quorum'>): number {
  return f.quorum.expectedVotes ?? f.nodes + (f.quorum.qdevice ? 1 : 0);
}

export function checkQuorum(node: string, f: QuorumFacts): RuleResult {
  if (f.quorateNow === false) return block('quorum', `the cluster has no quorum now; ${node} stays on until it is quorate again`);
  const expected = expectedVotes(f);
  const votes = f.onlineAfter + (f.quorum.qdevice ? 1 : 0);
  if (votes * 2 > expected) return ALLOW;
  return block('quorum', `with ${node} off only ${votes} of ${expected} expected votes would be online; quorum needs more than ${expected / 2}`);
}
