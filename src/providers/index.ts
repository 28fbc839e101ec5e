// The composition root of providers: the one place that knows which provider folders exist and
// builds them from the agent config. Everything else holds a plain Provider[].

import type { AgentConfig } from '../config/load.js';
import type { Provider } from './provider.js';
import { createProxmoxProvider } from './proxmox/index.js';

export function createProviders(config: AgentConfig): Provider[] {
  const proxmoxSites: Parameters<typeof createProxmoxProvider>[0]['sites'] = {};
  for (const [name, site] of Object.entries(config.sites)) {
    if (!site.proxmox) continue;
    proxmoxSites[name] = {
      url: site.proxmox.url,
      tokenId: site.proxmox.tokenId,
      tokenSecret: site.proxmox.tokenSecret.reveal(),
      ...(site.proxmox.ca === undefined ? {} : { ca: site.proxmox.ca }),
    };
  }
  return [createProxmoxProvider({ sites: proxmoxSites })];
}
