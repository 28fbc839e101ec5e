import { describe, expect, it } from 'vitest';
import { checkFormat, checkResponse, parsePropertyString, pveSchema } from '../../src/lab/pve-schema.js';

const schema = pveSchema();

describe('path matching', () => {
  it.each([
    ['/nodes/pve1/qemu/100/config', '/nodes/{node}/qemu/{vmid}/config', { node: 'pve1', vmid: '100' }],
    ['/cluster/resources', '/cluster/resources', {}],
    ['/nodes/pve1/tasks/UPID%3Apve1%3A1%3A/status', '/nodes/{node}/tasks/{upid}/status', { node: 'pve1', upid: 'UPID:pve1:1:' }],
    ['/cluster/ha/resources/vm:100', '/cluster/ha/resources/{sid}', { sid: 'vm:100' }],
  ])('%s', (path, template, params) => {
    const m = schema.match(path);

    expect(m?.template).toBe(template);
    expect(m?.pathParams).toEqual(params);
  });

  it('does not match an unknown path', () => {
    expect(schema.match('/nodes/pve1/frobnicate')).toBeUndefined();
  });
});

describe('formats', () => {
  it.each([
    ['pve-node', 'pve1', true],
    ['pve-node', 'pve_1', false],
    ['pve-configid-list', 'net1,scsi2', true],
    ['pve-configid-list', 'net1,9x', false],
    ['pve-tag-list', 'marmite;tenant-a', true],
    ['urlencoded', 'ssh-ed25519%20AAAA', true],
    ['urlencoded', 'ssh-ed25519 AAAA', false],
    ['mac-addr', 'BC:24:11:00:00:01', true],
    ['mac-addr', '01:00:5E:00:00:01', false],
    ['pve-qm-ipconfig', 'ip=dhcp', true],
    ['pve-qm-ipconfig', 'ip=10.0.0.2/24,gw=10.0.0.1', true],
    ['pve-qm-ipconfig', 'ip=10.0.0.2', false],
    ['pve-vmid-list', '100,101', true],
    ['pve-poolid', 'tenant-a', true],
    ['pve-userid', 'alice@pve', true],
    ['pve-userid', 'alice', false],
    ['dns-name', 'web-1.example.org', true],
    ['address-list', '10.0.0.1 1.1.1.1', true],
    ['pve-hotplug-features', 'network,disk,usb', true],
    ['pve-hotplug-features', 'network,floppy', false],
    ['pve-vm-cpu-conf', 'host', true],
    ['pve-vm-cpu-conf', 'x86-64-v2-AES,flags=+aes', true],
    ['pve-vm-cpu-conf', 'host,turbo=1', false],
  ])('%s %s -> %s', (format, value, valid) => {
    expect(checkFormat(format, value) === undefined).toBe(valid);
  });

  it('accepts an unknown format id and records it', () => {
    const seen: string[] = [];

    const err = checkFormat('pve-something-new', 'x', seen);

    expect(err).toBeUndefined();
    expect(seen).toEqual(['pve-something-new']);
  });

  it('parses property strings with default keys and key aliases', () => {
    const net = schema.method('/nodes/{node}/qemu/{vmid}/config', 'PUT')!.parameters!.properties!['net[n]']!.format as Record<string, never>;

    expect(parsePropertyString(net, 'virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=5').values).toEqual({ model: 'virtio', macaddr: 'BC:24:11:00:00:01', bridge: 'vmbr0', tag: '5' });
    expect(parsePropertyString(net, 'e1000,bridge=vmbr1').values).toEqual({ model: 'e1000', bridge: 'vmbr1' });
  });
});

describe('parameter validation', () => {
  it('types values and reports every problem at once', () => {
    const info = schema.method('/nodes/{node}/qemu/{vmid}/clone', 'POST')!;

    const ok = schema.validate(info, { node: 'pve1', vmid: '9000', newid: '100', full: '1' });
    const bad = schema.validate(info, { node: 'pve1', vmid: '9000', full: 'x', colour: 'red' });

    expect(ok.errors).toEqual({});
    expect(ok.values).toEqual({ node: 'pve1', vmid: 9000, newid: 100, full: true });
    expect(Object.keys(bad.errors).sort()).toEqual(['colour', 'full', 'newid']);
  });
});

describe('checkResponse', () => {
  it.each([
    ['GET', '/version', { version: '8.4.1', release: '8.4', repoid: '2a5fa54a' }, []],
    ['GET', '/version', { version: '8.4.1', repoid: '2a5fa54a' }, ['data.release: missing']],
    ['GET', '/cluster/nextid', '101', []],
    ['GET', '/cluster/nextid', 'abc', ['data: expected integer, got "abc"']],
    ['GET', '/nodes/pve1/tasks/UPID:x/status', { upid: 'u', node: 'n', pid: 1, pstart: 1, starttime: 1, type: 't', id: '', user: 'u', status: 'done' }, ["data.status: 'done' not in enum running|stopped"]],
    ['GET', '/access/acl', [{ path: '/', type: 'user', ugid: 'a@pve', roleid: 'X', extra: 1 }], ['data[0].extra: not allowed by the schema']],
    ['POST', '/pools', null, []],
    ['POST', '/pools', 'x', ['data: expected null, got string']],
    ['GET', '/cluster/status', [{ type: 'node', id: 'node/a', name: 'a', online: 2 }], ['data[0].online: expected boolean (0/1), got 2']],
  ])('%s %s', (method, path, data, problems) => {
    expect(checkResponse(method, path, data)).toEqual(problems);
  });
});
