// What the BMC provider needs from Proxmox to power nodes cleanly. The lead wires it to the
// Proxmox provider's client; tests pass a fake. Node names here are Proxmox node names (pveNode).

export type ProxmoxNodeStatus = 'online' | 'offline' | 'unknown';

export interface ProxmoxPowerApi {
  /** `POST /nodes/{viaNode}/wakeonlan` with `node=targetNode`: viaNode sends the magic packet. */
  wakeOnLan(viaNode: string, targetNode: string): Promise<void>;
  /** `POST /nodes/{node}/status` with `command=shutdown`: a clean OS shutdown. */
  shutdownNode(node: string): Promise<void>;
  nodeStatus(node: string): Promise<ProxmoxNodeStatus>;
}
