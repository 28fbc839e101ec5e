// The agent config: a YAML file on the management node (default /etc/marmite/agent.yaml, or
// MARMITE_CONFIG, or --config). It is the only place credentials are found, always by reference
// to a file (mode 0600) or an environment variable, never inline.

export interface SecretRef {
  /** Path of a file holding the secret (trailing newline ignored). Relative to the config file. */
  file?: string;
  /** Name of an environment variable holding the secret. */
  env?: string;
}

export interface ProxmoxSiteConfig {
  /** https://host:8006 (the port is always explicit). */
  url: string;
  /** user@realm!tokenname */
  tokenId: string;
  tokenSecret: SecretRef;
  /** PEM file of the cluster's CA or self-signed certificate. */
  caFile?: string;
}

export interface AgentConfigFile {
  /** Keyed by site name (sites/<site>.yaml). */
  sites: Record<string, { proxmox?: ProxmoxSiteConfig; ceph?: { url: string; username: string; password: SecretRef; caFile?: string } }>;
  /** BMC credentials by the name nodes/<n>.yaml gives in bmc.credential. */
  credentials?: Record<string, { username: string; password: SecretRef }>;
  agent?: {
    repository?: { url: string; branch?: string; username?: string; token?: SecretRef };
    pollInterval?: string;
    autoApply?: boolean;
    listen?: string;
    webhookSecret?: SecretRef;
    /** Where the agent keeps its git caches (default /var/lib/marmite). Relative to the config file. */
    stateDir?: string;
    /** Read every managed guest's config once every N cycles (default 10; 1 = every cycle). */
    deepCheckEvery?: number;
    /** How long a site lease lives without renewal before another agent may take it (default 10m). */
    lockTtl?: string;
    /** Name this agent holds site leases under (default marmite-agent). */
    name?: string;
    /** Changes applied at once (default 4). */
    concurrency?: number;
    /**
     * Drive node power through the BMCs, Wake-on-LAN and Proxmox (default false). Off, nothing
     * observes power, so the power planner switches nothing: a new installation starts with
     * plans and reports only, and turns this on once the BMC credentials are in place.
     */
    powerManagement?: boolean;
  };
}
