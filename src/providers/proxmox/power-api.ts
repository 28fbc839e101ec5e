// The BMC provider's view of Proxmox node power (ProxmoxPowerApi) over the Proxmox provider's own
// site client, so errors come out typed the same way (ProxmoxApiError with `transient`).
//
// Wake-on-LAN, as PVE 8 defines it: `POST /nodes/{node}/wakeonlan` where {node} is the node to
// WAKE; PVE reads that node's MAC from its config (`wakeonlan: mac=...`) and the packet leaves the
// node that serves the request (the method has no `proxyto`, so it is not forwarded to {node}).
// So `viaNode` cannot be put in the request: the packet comes from whichever node the site URL
// reaches. The caller (bmc/wol.ts) still checks that some other node is online, which is what makes
// the site URL answer; `viaNode` is kept in error messages so an operator knows what was tried.

import type { ProxmoxNodeStatus, ProxmoxPowerApi } from '../bmc/proxmox-power.js';
import { createSiteClient, type Log, type SiteClient, type SiteConnection } from './client.js';

const API = '/api2/json';

export interface ProxmoxPowerApiOptions {
  /** Site name for messages (default `proxmox`). */
  site?: string;
  requestTimeoutMs?: number;
  log?: Log;
}

export interface ProxmoxPowerApiHandle extends ProxmoxPowerApi {
  close(): Promise<void>;
}

interface NodeResource {
  node?: unknown;
  status?: unknown;
}

function statusOf(value: unknown): ProxmoxNodeStatus {
  return value === 'online' || value === 'offline' ? value : 'unknown';
}

/** Power calls through an existing site client (the Proxmox provider's, when the lead shares it). */
export function proxmoxPowerApiFor(client: SiteClient): ProxmoxPowerApi {
  const nodeLabel = (node: string, action: string) => ({ subject: `node ${node}`, action });
  return {
    async wakeOnLan(viaNode, targetNode) {
      const path = `${API}/nodes/${targetNode}/wakeonlan`;
      await client.call(nodeLabel(targetNode, `wake-on-lan (sent via ${viaNode})`), 'POST', path, (api) => api.nodes.$(targetNode).wakeonlan.$post());
    },
    async shutdownNode(node) {
      const path = `${API}/nodes/${node}/status`;
      await client.call(nodeLabel(node, 'shutdown'), 'POST', path, (api) => api.nodes.$(node).status.$post({ command: 'shutdown' }));
    },
    async nodeStatus(node) {
      // /cluster/resources is answered by any online node; /nodes/{node}/status would be proxied to
      // the node itself and fail with 595 exactly when it is off.
      const path = `${API}/cluster/resources?type=node`;
      const list = (await client.call(nodeLabel(node, 'read node status'), 'GET', path, (api) =>
        api.cluster.resources.$get({ type: 'node' }),
      )) as unknown as NodeResource[];
      const entry = list.find((r) => r.node === node);
      return entry ? statusOf(entry.status) : 'unknown';
    },
  };
}

export function createProxmoxPowerApi(site: SiteConnection, options: ProxmoxPowerApiOptions = {}): ProxmoxPowerApiHandle {
  const client = createSiteClient(options.site ?? 'proxmox', site, {
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.log ? { log: options.log } : {}),
  });
  return { ...proxmoxPowerApiFor(client), close: () => client.close() };
}
