// The composition root of providers: the one place that knows which provider folders exist and
// builds them from the agent config. Everything else holds a plain Provider[].

import type { AgentConfig } from '../config/load.js';
import { createBmcProvider } from './bmc/index.js';
import { createCephProvider } from './ceph/index.js';
import type { Provider } from './provider.js';
import { createProxmoxProvider } from './proxmox/index.js';
import { createProxmoxPowerApi, type ProxmoxPowerApiHandle } from './proxmox/power-api.js';

export function createProviders(config: AgentConfig): Provider[] {
  const proxmoxSites: Parameters<typeof createProxmoxProvider>[0]['sites'] = {};
  const cephSites: Parameters<typeof createCephProvider>[0]['sites'] = {};
  for (const [name, site] of Object.entries(config.sites)) {
    if (site.proxmox) {
      proxmoxSites[name] = {
        url: site.proxmox.url,
        tokenId: site.proxmox.tokenId,
        tokenSecret: site.proxmox.tokenSecret.reveal(),
        ...(site.proxmox.ca === undefined ? {} : { ca: site.proxmox.ca }),
      };
    }
    if (site.ceph) {
      cephSites[name] = {
        url: site.ceph.url,
        username: site.ceph.username,
        password: site.ceph.password.reveal(),
        ...(site.ceph.ca === undefined ? {} : { ca: site.ceph.ca }),
      };
    }
  }
  const providers: Provider[] = [createProxmoxProvider({ sites: proxmoxSites })];
  if (Object.keys(cephSites).length > 0) providers.push(createCephProvider({ sites: cephSites }));
  if (config.agent.powerManagement === true) {
    // Node shutdown and Wake-on-LAN through Proxmox first; the BMC's soft then hard off after.
    const powerApis = new Map<string, ProxmoxPowerApiHandle>();
    const proxmox = (site: string): ProxmoxPowerApiHandle | undefined => {
      const conn = proxmoxSites[site];
      if (!conn) return undefined;
      let api = powerApis.get(site);
      if (!api) powerApis.set(site, (api = createProxmoxPowerApi(conn, { site })));
      return api;
    };
    providers.push(createBmcProvider({ credentials: config.credentials, proxmox }));
  }
  return providers;
}
