// A stand-in for the Proxmox side of power (ProxmoxPowerApi): records calls, answers node status
// from a table, and lets a test decide what a node shutdown does (e.g. switch a simulated BMC off).

import type { ProxmoxNodeStatus, ProxmoxPowerApi } from '../../../src/providers/bmc/proxmox-power.js';

export class FakeProxmox implements ProxmoxPowerApi {
  readonly calls: string[] = [];
  readonly status = new Map<string, ProxmoxNodeStatus>();
  onShutdown: (node: string) => Promise<void> = async () => {};

  async wakeOnLan(viaNode: string, targetNode: string): Promise<void> {
    this.calls.push(`wakeonlan ${viaNode} ${targetNode}`);
  }

  async shutdownNode(node: string): Promise<void> {
    this.calls.push(`shutdown ${node}`);
    await this.onShutdown(node);
  }

  async nodeStatus(node: string): Promise<ProxmoxNodeStatus> {
    return this.status.get(node) ?? 'unknown';
  }
}
