import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { finish, ok, SEED } from './helpers.js';

// /cluster/resources computes storage use in one pass; it must agree with the per-node storage
// status, which still counts guest by guest.
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ seed: SEED });
  await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 101, full: 1 } }));
  await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9001/clone', { params: { newid: 102, full: 1 } }));
  await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve2/qemu', { params: { vmid: 103, scsi0: 'local-lvm:7' } }));
});

afterAll(async () => {
  await lab.close();
});

describe('storage use in /cluster/resources', () => {
  it.each([
    ['pve1', 'local-lvm'],
    ['pve2', 'local-lvm'],
    ['pve1', 'ceph-vm'],
    ['pve2', 'ceph-vm'],
  ])('on %s, %s matches the node storage status', async (node, storage) => {
    const resources = await ok<{ type: string; node: string; storage: string; disk: number }[]>(lab, 'GET', '/cluster/resources', { params: { type: 'storage' } });
    const status = await ok<{ storage: string; used: number }[]>(lab, 'GET', `/nodes/${node}/storage`);

    const fromResources = resources.find((r) => r.node === node && r.storage === storage)?.disk;
    const fromStatus = status.find((s) => s.storage === storage)?.used;

    expect(fromResources).toBe(fromStatus);
    expect(fromResources).toBeGreaterThan(0);
  });
});
