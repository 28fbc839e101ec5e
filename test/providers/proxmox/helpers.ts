// Shared arrange steps for the provider tests: a lab with one site, a provider talking to it over
// HTTPS with the lab's CA, and builders for changes and the bits of Desired observe reads.

import { LabClock } from '../../../src/lab/clock.js';
import { startLab, type Lab } from '../../../src/lab/index.js';
import type { Desired } from '../../../src/model/desired.js';
import type { Change, VmTarget } from '../../../src/model/plan.js';
import type { ApplyContext } from '../../../src/providers/provider.js';
import { createProxmoxProvider, type ProxmoxProvider, type ProxmoxProviderOptions } from '../../../src/providers/proxmox/index.js';
import { vmTarget } from './fixtures.js';

export const SITE = 'paris';

export async function startTestLab(): Promise<Lab> {
  return startLab({
    seed: {
      sites: [
        {
          name: SITE,
          nodes: [
            { name: 'pve1', cores: 16, memoryMiB: 65536 },
            { name: 'pve2', cores: 16, memoryMiB: 65536 },
            { name: 'pve3', cores: 16, memoryMiB: 65536 },
          ],
          storages: [
            { name: 'ceph', type: 'rbd', shared: true },
            { name: 'local-lvm', type: 'lvmthin', shared: false },
          ],
          templates: [{ vmid: 9000, name: 'debian-12', node: 'pve1', diskGiB: 10, storage: 'ceph' }],
        },
      ],
    },
    basePort: 0,
    tls: true,
    // Tasks take simulated seconds; a fast clock finishes them while the provider polls.
    clock: LabClock.scaled(2000),
  });
}

export function providerFor(lab: Lab, over: Partial<ProxmoxProviderOptions> = {}): ProxmoxProvider {
  const site = lab.sites[SITE]!;
  return createProxmoxProvider({
    sites: { [SITE]: { url: site.url, tokenId: lab.tokenId, tokenSecret: lab.tokenSecret, ...(lab.caPem ? { ca: lab.caPem } : {}) } },
    taskPollMs: 5,
    taskTimeoutMs: 30_000,
    requestTimeoutMs: 5_000,
    ...over,
  });
}

export function desiredFor(vms: VmTarget[] = []): Desired {
  return {
    sites: { [SITE]: { name: SITE } },
    vms: Object.fromEntries(vms.map((t) => [`${t.tenant}/${t.vm}`, { id: `${t.tenant}/${t.vm}`, site: t.site, vmid: t.vmid }])),
  } as unknown as Desired;
}

export function target(over: Partial<VmTarget> = {}): VmTarget {
  return vmTarget({
    site: SITE,
    disks: [{ slot: 'scsi0', storage: 'ceph', sizeGiB: 20 }],
    ...over,
  });
}

export function change(action: Change['action'], payload: Record<string, unknown>, over: Partial<Change> = {}): Change {
  const subject = typeof over.subject === 'string' ? over.subject : 'vm ad28/web';
  return {
    id: `proxmox:${SITE}/${subject}:${action}`,
    provider: 'proxmox',
    site: SITE,
    subject,
    action,
    reason: 'test',
    downtime: false,
    dependsOn: [],
    payload,
    ...over,
  };
}

export function context(notes: string[] = []): ApplyContext {
  return { signal: new AbortController().signal, progress: (m) => notes.push(m) };
}
