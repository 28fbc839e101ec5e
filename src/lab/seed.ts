// The lab seeded from a repository's desired state: the sites, nodes, storages and templates the
// repository expects to find, so `marmite lab` stands up the cloud the repo describes.

import type { Desired } from '../model/desired.js';
import { cephSeedFromDesired } from './ceph/seed.js';
import type { LabSeed, LabSiteSeed } from './types.js';

export function seedFromDesired(desired: Desired): LabSeed {
  const sites: LabSiteSeed[] = Object.values(desired.sites)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((site) => {
      const nodes = Object.values(desired.nodes)
        .filter((n) => n.site === site.name)
        .sort((a, b) => a.pveNode.localeCompare(b.pveNode))
        .map((n) => ({
          name: n.pveNode,
          cores: n.capacity.cores,
          memoryMiB: n.capacity.memoryMiB,
          online: true,
          bootSeconds: n.power.bootSeconds,
          shutdownSeconds: n.power.shutdownSeconds,
          idleWatts: n.power.idleWatts,
          maxWatts: n.power.maxWatts,
          ...(n.bmc.mac ? { mac: n.bmc.mac } : {}),
        }));
      const storages = new Map<string, { name: string; type: string; shared: boolean }>();
      for (const s of Object.values(site.storages)) storages.set(s.name, { name: s.name, type: s.type, shared: s.shared });
      for (const p of Object.values(desired.pools)) {
        if (p.site === site.name && p.proxmoxStorage && !storages.has(p.name)) storages.set(p.name, { name: p.name, type: 'rbd', shared: true });
      }
      const templates = Object.values(desired.templates)
        .filter((t) => t.nodeBySite[site.name] !== undefined)
        .sort((a, b) => a.vmid - b.vmid)
        .map((t) => ({ vmid: t.vmid, name: t.name, node: t.nodeBySite[site.name]!, diskGiB: t.diskGiB, storage: t.storage, ostype: t.ostype }));
      // A template's storage must exist for its disks to be counted and cloned.
      for (const t of templates) if (!storages.has(t.storage)) storages.set(t.storage, { name: t.storage, type: 'lvmthin', shared: false });
      return {
        name: site.name,
        nodes,
        storages: [...storages.values()],
        templates,
        quorum: { ...site.quorum },
        ...(site.ceph ? { ceph: cephSeedFromDesired(desired, site.name) } : {}),
      };
    });
  return { sites };
}
