import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultInjector, startLab, type Lab } from '../../src/lab/index.js';
import { matchPath } from '../../src/lab/faults.js';
import { SEED, call, finish, nonConforming, ok } from './helpers.js';

let lab: Lab;
beforeEach(async () => {
  lab = await startLab({ seed: SEED });
});
afterEach(async () => {
  expect(nonConforming(lab)).toEqual([]);
  await lab.close();
});

describe('request faults', () => {
  it('an error for the next N calls, then normal answers', async () => {
    lab.faults.error('GET', '/cluster/resources', 503, 'service unavailable', { count: 2 });

    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(lab, 'GET', '/cluster/resources')).status);

    expect(statuses).toEqual([503, 503, 200]);
  });

  it('the injected message is the reason phrase', async () => {
    lab.faults.error('POST', '/nodes/*/qemu/*/clone', 500, 'got timeout', { count: 1 });

    const r = await call(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 100 } });

    expect([r.status, r.statusText]).toEqual([500, 'got timeout']);
  });

  it('a probability fault replays the same way from the same seed', () => {
    const draw = (seed: number) => {
      const f = new FaultInjector(seed);
      f.error('GET', '/version', 500, 'flaky', { probability: 0.5 });
      return Array.from({ length: 20 }, () => f.forRequest('paris', 'GET', '/api2/json/version').error?.status ?? 200);
    };

    const a = draw(7);
    const b = draw(7);

    expect(a).toEqual(b);
    expect(a).toContain(500);
    expect(a).toContain(200);
  });

  it('latency applies only to matching calls', () => {
    lab.faults.latency('GET', '/nodes/**', 250, { site: 'paris' });

    expect(lab.faults.forRequest('paris', 'GET', '/api2/json/nodes/pve1/qemu').latencyMs).toBe(250);
    expect(lab.faults.forRequest('paris', 'GET', '/api2/json/cluster/resources').latencyMs).toBe(0);
    expect(lab.faults.forRequest('lyon', 'GET', '/api2/json/nodes/lyon1/qemu').latencyMs).toBe(0);
  });

  it('a delayed call still answers', async () => {
    lab.faults.latency('GET', '/version', 20);

    const r = await call(lab, 'GET', '/version');

    expect(r.status).toBe(200);
  });

  it('a hang never answers; the client has to give up', async () => {
    lab.faults.hang('GET', '/version', { count: 1 });

    const outcome = await fetch(`${lab.sites['paris']!.url}/api2/json/version`, {
      headers: { Authorization: `PVEAPIToken=${lab.tokenId}=${lab.tokenSecret}` },
      signal: AbortSignal.timeout(200),
    }).then(
      () => 'answered',
      (err: Error) => err.name,
    );
    const next = await call(lab, 'GET', '/version');

    expect(outcome).toBe('TimeoutError');
    expect(next.status).toBe(200);
  });

  it.each([
    ['/nodes/*/qemu/*/clone', '/api2/json/nodes/pve1/qemu/9000/clone', true],
    ['/nodes/{node}/qemu/{vmid}/clone', '/api2/json/nodes/pve1/qemu/9000/clone', true],
    ['/nodes/**', '/api2/json/nodes/pve1/qemu/9000/clone', true],
    ['/nodes/*/qemu', '/api2/json/nodes/pve1/qemu/9000/clone', false],
    [/clone$/, '/api2/json/nodes/pve1/qemu/9000/clone', true],
  ])('pattern %s matches %s: %s', (pattern, path, expected) => {
    expect(matchPath(pattern, path)).toBe(expected);
  });
});

describe('task faults', () => {
  it('a failing task ends with the error as exit status', async () => {
    lab.faults.failTask({ type: 'qmclone', message: "clone failed: rbd error: rbd: couldn't connect to the cluster!", count: 1 });

    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 100 } });
    const status = await finish(lab, upid);
    const config = await call(lab, 'GET', '/nodes/pve1/qemu/100/config');

    expect(status).toMatchObject({ status: 'stopped', exitstatus: "clone failed: rbd error: rbd: couldn't connect to the cluster!" });
    expect(config.status).toBe(500); // the half-made clone is gone
  });
});

describe('task warnings', () => {
  it('a task can succeed with warnings', async () => {
    lab.faults.failTask({ type: 'qmclone', id: 9000, warnings: ['volume is not thin-provisioned'], count: 1 });

    const upid = await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 100 } });
    const status = await finish(lab, upid);
    const config = await call(lab, 'GET', '/nodes/pve1/qemu/100/config');

    expect(status.exitstatus).toBe('WARNINGS: 1');
    expect(config.status).toBe(200);
  });
});

describe('quorum', () => {
  it('without quorum writes fail, reads and node power still work', async () => {
    lab.faults.nodeOffline('pve2'); // 1 of 3 votes left

    const write = await call(lab, 'POST', '/pools', { params: { poolid: 'x' } });
    const read = await call(lab, 'GET', '/cluster/resources');
    const wake = await call(lab, 'POST', '/nodes/pve3/wakeonlan');

    expect([write.status, write.statusText]).toEqual([500, 'cluster not ready - no quorum?']);
    expect(read.status).toBe(200);
    expect(wake.status).toBe(200);
  });

  it('a QDevice vote keeps a two-node cluster quorate with one node off', async () => {
    const small = await startLab({
      seed: { sites: [{ name: 'tiny', nodes: [{ name: 'a', cores: 2, memoryMiB: 4096 }, { name: 'b', cores: 2, memoryMiB: 4096, online: false }], storages: [], templates: [], quorum: { expectedVotes: 3, qdevice: true } }] },
    });
    try {
      const r = await call(small, 'POST', '/pools', { site: 'tiny', params: { poolid: 'x' } });

      expect(r.status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('node faults', () => {
  it('a node that drops off answers 595 and its VMs cannot start', async () => {
    await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 100, target: 'pve2' } }));

    lab.faults.nodeOffline('pve2');
    const start = await call(lab, 'POST', '/nodes/pve2/qemu/100/status/start');
    const resources = await ok<{ vmid: number; status: string }[]>(lab, 'GET', '/cluster/resources', { params: { type: 'vm' } });

    expect(start.status).toBe(595);
    expect(resources.find((r) => r.vmid === 100)?.status).toBe('unknown');
  });

  it('after a crash, HA restarts the guests of the lost node elsewhere once fenced', async () => {
    await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 100, target: 'pve2' } }));
    await ok(lab, 'POST', '/cluster/ha/resources', { params: { sid: 'vm:100', state: 'started' } });
    await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve2/qemu/100/status/start'));
    lab.faults.nodeOnline('pve3');

    lab.faults.nodeOffline('pve2');
    lab.clock.advance(119);
    const fencing = lab.sites['paris']!.cluster.guests.get(100)!.node;
    lab.clock.advance(2);
    const resources = await ok<{ vmid: number; node: string; status: string }[]>(lab, 'GET', '/cluster/resources', { params: { type: 'vm' } });

    expect(fencing).toBe('pve2');
    expect(resources.find((r) => r.vmid === 100)).toMatchObject({ node: 'pve1', status: 'running' });
  });

  it('migration refuses an offline target', async () => {
    await finish(lab, await ok<string>(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 100 } }));
    lab.faults.nodeOnline('pve3'); // keeps quorum while pve2 is away
    lab.faults.nodeOffline('pve2');

    const r = await call(lab, 'POST', '/nodes/pve1/qemu/100/migrate', { params: { target: 'pve2' } });

    expect(r.statusText).toBe("target node 'pve2' is not online");
  });
});
