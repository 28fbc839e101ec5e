// The lab through the real client marmite uses in production (proxmox-api), over HTTP and over
// TLS with the lab's self-signed certificate pinned as CA.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxmoxApi } from 'proxmox-api';
import { Agent, fetch as undiciFetch } from 'undici';
import { startLab, type Lab } from '../../src/lab/index.js';
import { SEED, nonConforming } from './helpers.js';

describe.each([
  ['http', false],
  ['https with a pinned CA', true],
])('proxmox-api over %s', (_name, tls) => {
  let lab: Lab;
  let agent: Agent | undefined;
  let pve: ReturnType<typeof proxmoxApi>;

  beforeAll(async () => {
    lab = await startLab({ seed: SEED, tls });
    const port = lab.sites['paris']!.port;
    if (tls) {
      agent = new Agent({ connect: { ca: lab.caPem! } });
      const a = agent;
      pve = proxmoxApi({
        host: '127.0.0.1', port, tokenID: lab.tokenId, tokenSecret: lab.tokenSecret,
        fetch: ((url: string | URL, init?: object) => undiciFetch(url, { ...(init ?? {}), dispatcher: a })) as never,
      });
    } else {
      pve = proxmoxApi({ host: '127.0.0.1', port, schema: 'http', tokenID: lab.tokenId, tokenSecret: lab.tokenSecret });
    }
  });
  afterAll(async () => {
    expect(nonConforming(lab)).toEqual([]);
    await lab.close();
    await agent?.close();
  });

  it('reads the cluster', async () => {
    const version = await pve.version.$get();
    const nodes = await pve.cluster.resources.$get({ type: 'node' });

    expect(version.release).toBe('8.4');
    expect(nodes.map((n) => n.node)).toEqual(['pve1', 'pve2', 'pve3']);
  });

  it('clones, polls the task and reads the config', async () => {
    const upid = await pve.nodes.$('pve1').qemu.$(9000).clone.$post({ newid: 120, name: 'web', full: true });
    lab.clock.advance(60);
    const status = await pve.nodes.$('pve1').tasks.$(upid).status.$get();
    const config = await pve.nodes.$('pve1').qemu.$(120).config.$get();

    expect(status.exitstatus).toBe('OK');
    expect(config.name).toBe('web');
  });

  it('surfaces PVE errors with status and message', async () => {
    const attempt = pve.nodes.$('pve1').qemu.$post({ vmid: 9000 });

    await expect(attempt).rejects.toThrow(/500 unable to create VM 9000 - VM 9000 already exists on node 'pve1'/);
  });
});
