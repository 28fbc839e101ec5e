// power-control: marmite switches only what it can see and switch back. A node whose power or
// Proxmox state is unknown is never powered off, and a node with no BMC and no Wake-on-LAN is
// never powered off either, since nothing could bring it back.

import type { Node } from '../../model/desired.js';
import { ALLOW, block, type RuleResult } from './types.js';

export type NodePowerState = 'on' | 'off' | 'unknown';

export function checkPowerOff(node: Pick<Node, 'name' | 'bmc'>, state: NodePowerState): RuleResult {
  if (state === 'unknown') return block('power-control', `${node.name}: its power or Proxmox state is unknown, so it is never powered off`);
  if (node.bmc.driver === 'none') return block('power-control', `${node.name} has no BMC and no Wake-on-LAN: once off, nothing could power it on again`);
  return ALLOW;
}

export function checkPowerOn(node: Pick<Node, 'name' | 'bmc'>): RuleResult {
  if (node.bmc.driver === 'none') return block('power-control', `${node.name} has no BMC and no Wake-on-LAN, so marmite cannot power it on; switch it on by hand`);
  return ALLOW;
}
