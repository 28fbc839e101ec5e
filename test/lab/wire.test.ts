import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/lab/index.js';
import { SEED, call, nonConforming, ok } from './helpers.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({ seed: SEED, authFailDelayMs: 1 });
});
afterAll(async () => {
  expect(nonConforming(lab)).toEqual([]);
  await lab.close();
});

describe('wire format', () => {
  it('answers {"data":...} with PVE exact content type', async () => {
    const r = await call(lab, 'GET', '/version');

    expect(r.status).toBe(200);
    expect(r.contentType).toBe('application/json;charset=UTF-8');
    expect(r.body?.data).toMatchObject({ release: '8.4' });
  });

  it('returns nextid as a string, as Perl does', async () => {
    const data = await ok(lab, 'GET', '/cluster/nextid');

    expect(data).toBe('100');
  });

  it.each([
    ['form', false],
    ['json', true],
  ])('accepts a %s body', async (_kind, json) => {
    const r = await call(lab, 'POST', '/pools', { params: { poolid: `p-${String(json)}`, comment: 'x' }, json });

    expect(r.status).toBe(200);
    expect(r.body).toEqual({ data: null });
  });

  it('reads booleans as 0/1 and writes them as 0/1', async () => {
    const res = await ok<{ type: string; online?: number }[]>(lab, 'GET', '/cluster/status');

    expect(res.filter((x) => x.type === 'node').map((x) => x.online)).toEqual([1, 1, 0]);
  });
});

describe('status codes', () => {
  it.each([
    ['missing token', null],
    ['wrong secret', 'PVEAPIToken=marmite@pve!lab=00000000-0000-0000-0000-000000000000'],
    ['wrong scheme', 'Bearer abc'],
  ])('401 with an empty body for %s', async (_name, auth) => {
    const r = await call(lab, 'GET', '/version', { auth });

    expect(r.status).toBe(401);
    expect(r.text).toBe('');
    expect(r.contentType).toBeNull();
  });

  it.each([
    ['GET', '/nodes/pve1/nothing-here', "Method 'GET /nodes/pve1/nothing-here' not implemented"],
    ['PATCH', '/version', "Method 'PATCH /version' not implemented"],
    ['POST', '/version', "Method 'POST /version' not implemented"],
  ])('501 for %s %s', async (method, path, message) => {
    const r = await call(lab, method, path);

    expect(r.status).toBe(501);
    expect(r.statusText).toBe(message);
  });

  it('501 for a DELETE carrying a body', async () => {
    const r = await call(lab, 'DELETE', '/pools?poolid=p-false', { rawBody: 'poolid=p-false' });

    expect(r.status).toBe(501);
  });

  it('500 with the message in the reason phrase', async () => {
    const r = await call(lab, 'GET', '/nodes/pve2/qemu/9000/config');

    expect(r.status).toBe(500);
    expect(r.statusText).toBe("Configuration file 'nodes/pve2/qemu-server/9000.conf' does not exist");
    expect(r.body?.message).toBe("Configuration file 'nodes/pve2/qemu-server/9000.conf' does not exist\n");
  });

  it('403 Permission check failed when the token lacks the privilege', async () => {
    lab.sites['paris']!.cluster.access.revoke('/vms/9000', 'VM.Clone');
    try {
      const r = await call(lab, 'POST', '/nodes/pve1/qemu/9000/clone', { params: { newid: 150 } });

      expect(r.status).toBe(403);
      expect(r.statusText).toBe('Permission check failed (/vms/9000, VM.Clone)');
    } finally {
      lab.sites['paris']!.cluster.access.restoreAll();
    }
  });

  it('500 for a call to a node the cluster does not know', async () => {
    const r = await call(lab, 'GET', '/nodes/pve9/qemu');

    expect(r.status).toBe(500);
    expect(r.statusText).toMatch(/^hostname lookup 'pve9' failed/);
  });

  it('595 for a call proxied to an offline node', async () => {
    const r = await call(lab, 'GET', '/nodes/pve3/qemu');

    expect(r.status).toBe(595);
  });
});

describe('schema rejections (400 Parameter verification failed.)', () => {
  it.each([
    ['unknown parameter', 'PUT', '/nodes/pve1/qemu/9000/config', { colour: 'red' }, 'colour', 'property is not defined in schema and the schema does not allow additional properties'],
    ['wrong enum', 'GET', '/cluster/resources', { type: 'vms' }, 'type', "value 'vms' does not have a value in the enumeration 'vm, storage, node, sdn'"],
    ['bad property-string key', 'PUT', '/nodes/pve1/qemu/9000/config', { net1: 'virtio,bridge=vmbr0,colour=red' }, 'net1', 'invalid format - format error\ncolour: property is not defined in schema and the schema does not allow additional properties'],
    ['bad property-string enum', 'PUT', '/nodes/pve1/qemu/9000/config', { net1: 'model=rtl9000,bridge=vmbr0' }, 'net1', "invalid format - format error\nmodel: value 'rtl9000' does not have a value in the enumeration 'e1000, e1000-82540em, e1000-82544gc, e1000-82545em, e1000e, i82551, i82557b, i82559er, ne2k_isa, ne2k_pci, pcnet, rtl8139, virtio, vmxnet3'"],
    ['integer type', 'PUT', '/nodes/pve1/qemu/9000/config', { cores: 'two' }, 'cores', "type check ('integer') failed - got 'two'"],
    ['minimum', 'POST', '/nodes/pve1/qemu/9000/clone', { newid: 42 }, 'newid', 'value must have a minimum value of 100'],
    ['missing required', 'POST', '/nodes/pve1/qemu/9000/clone', {}, 'newid', 'property is missing and it is not optional'],
    ['pattern', 'PUT', '/nodes/pve1/qemu/9000/resize', { disk: 'scsi0', size: 'ten' }, 'size', 'value does not match the regex pattern'],
    ['boolean', 'POST', '/nodes/pve1/qemu/9000/clone', { newid: 150, full: 'maybe' }, 'full', "type check ('boolean') failed - got 'maybe'"],
    ['ipconfig sub-key', 'PUT', '/nodes/pve1/qemu/9000/config', { ipconfig0: 'ip=10.0.0.5/24,gateway=10.0.0.1' }, 'ipconfig0', 'invalid format - format error\ngateway: property is not defined in schema and the schema does not allow additional properties'],
    ['ipconfig address', 'PUT', '/nodes/pve1/qemu/9000/config', { ipconfig0: 'ip=10.0.0.500/24' }, 'ipconfig0', "invalid format - format error\nip: invalid IPv4 configuration '10.0.0.500/24'"],
    ['sshkeys not url-encoded', 'PUT', '/nodes/pve1/qemu/9000/config', { sshkeys: 'ssh-ed25519 AAAA me@host' }, 'sshkeys', 'invalid format - invalid urlencoded string: ssh-ed25519 AAAA me@host'],
    ['indexed key out of range', 'PUT', '/nodes/pve1/qemu/9000/config', { net32: 'virtio,bridge=vmbr0' }, 'net32', 'property is not defined in schema and the schema does not allow additional properties'],
    ['node name', 'GET', '/nodes/pve_1/qemu', {}, 'node', 'value does not look like a valid node name'],
    ['tag list', 'PUT', '/nodes/pve1/qemu/9000/config', { tags: 'ok;not ok!' }, 'tags', "invalid format - invalid tag 'ok!'"],
  ])('%s', async (_name, method, path, params, key, message) => {
    const r = await call(lab, method, path, { params });

    expect(r.status).toBe(400);
    expect(r.statusText).toBe('Parameter verification failed.');
    expect(r.body?.data).toBeNull();
    expect(r.body?.errors?.[key]).toBe(message);
  });

  it('records every request with its status', async () => {
    const before = lab.requests.length;

    await call(lab, 'GET', '/cluster/resources', { params: { type: 'node' } });

    expect(lab.requests.slice(before)).toEqual([
      expect.objectContaining({ method: 'GET', path: '/cluster/resources', template: '/cluster/resources', params: { type: 'node' }, status: 200, responseErrors: [] }),
    ]);
  });
});
