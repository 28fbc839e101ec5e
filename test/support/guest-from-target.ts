// The guest the Proxmox provider leaves behind for a VM target, as observe reports it: what tests
// use to make an observed cluster "as if the plan had been applied".

import { MARKER_TAG } from '../../src/model/marker.js';
import type { ObservedGuest, ObservedGuestConfig } from '../../src/model/observed.js';
import type { VmTarget } from '../../src/model/plan.js';

export interface GuestOptions {
  /** Power state; default: what the target says. */
  running?: boolean;
  /** Also the config a deep read would return. */
  withConfig?: boolean;
}

export function guestFromTarget(t: VmTarget, options: GuestOptions = {}): ObservedGuest {
  const running = options.running ?? t.running;
  return {
    site: t.site,
    vmid: t.vmid,
    name: t.name,
    node: t.node,
    type: 'qemu',
    status: running ? 'running' : 'stopped',
    template: false,
    tags: [MARKER_TAG, ...t.tags.filter((x) => x !== MARKER_TAG)],
    pool: t.pool,
    maxcpu: t.cores,
    maxmemMiB: t.memoryMiB,
    maxdiskGiB: t.disks[0]?.sizeGiB ?? 0,
    managed: { tenant: t.tenant, vm: t.vm, specHash: t.specHash },
    ...(t.ha ? { hastate: 'started' } : {}),
    ...(options.withConfig ? { config: configFromTarget(t) } : {}),
  };
}

function configFromTarget(t: VmTarget): ObservedGuestConfig {
  return {
    cores: t.cores,
    memoryMiB: t.memoryMiB,
    disks: t.disks.map((d) => ({ ...d })),
    nics: t.nics.map((n, i) => ({ ...n, mac: n.mac ?? `BC:24:11:00:${String(t.vmid % 100).padStart(2, '0')}:0${i}` })),
    description: t.description,
    ...(t.cloudInit.user === undefined ? {} : { ciuser: t.cloudInit.user }),
    sshkeys: t.cloudInit.sshKeys,
    ipconfig0: t.cloudInit.ip === 'dhcp' ? 'ip=dhcp' : `ip=${t.cloudInit.ip.address}${t.cloudInit.ip.gateway ? `,gw=${t.cloudInit.ip.gateway}` : ''}`,
    ...(t.cloudInit.nameserver === undefined ? {} : { nameserver: t.cloudInit.nameserver }),
    protection: t.protection,
    onboot: true,
    pending: [],
    digest: `digest-${t.vmid}`,
  };
}
