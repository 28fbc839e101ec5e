// Pure pieces of the BMC drivers: ipmitool output, failure classification, argv, addresses.

import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/core/secret.js';
import { parseHostPort, redfishBaseUrl } from '../../../src/providers/bmc/address.js';
import { createDriver } from '../../../src/providers/bmc/driver.js';
import { BmcError } from '../../../src/providers/bmc/errors.js';
import { parseDcmiReading, parsePowerStatus, parseSdrGet, parseSensorCsv } from '../../../src/providers/bmc/ipmi-parse.js';
import { classifyFailure, ipmitoolArgs } from '../../../src/providers/bmc/ipmitool.js';
import { mapRedfishPowerState } from '../../../src/providers/bmc/redfish.js';
import { makeNode } from './helpers.js';

describe('ipmitool output', () => {
  it.each([
    ['Chassis Power is on\n', 'on'],
    ['Chassis Power is off\n', 'off'],
    ['Error: Unable to establish IPMI v2 / RMCP+ session\n', undefined],
  ])('power status %j -> %s', (stdout, expected) => {
    expect(parsePowerStatus(stdout)).toBe(expected);
  });

  it.each([
    ['Pwr Consumption,120\n', 'Pwr Consumption', 120],
    ['Pwr Consumption,na\n', 'Pwr Consumption', undefined],
    ['Other,5\nPwr Consumption,98.5\n', 'Pwr Consumption', 98.5],
    ['Power, System,140\n', 'Power, System', 140],
    ['Other,5\n', 'Pwr Consumption', undefined],
  ])('sensor reading %j (%s) -> %s', (stdout, name, expected) => {
    expect(parseSensorCsv(stdout, name)).toBe(expected);
  });

  it.each([
    [' Sensor Reading        : 240 (+/- 0) Watts\n', 240],
    [' Sensor Reading        : Not Present\n', undefined],
  ])('sdr get %j -> %s', (stdout, expected) => {
    expect(parseSdrGet(stdout)).toBe(expected);
  });

  it('dcmi power reading', () => {
    const stdout = '\n    Instantaneous power reading:                   183 Watts\n    Minimum during sampling period:                 90 Watts\n';

    expect(parseDcmiReading(stdout)).toBe(183);
  });
});

describe('ipmitool failures', () => {
  it.each([
    { stderr: '> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session', probe: 'answered' as const, kind: 'auth' },
    { stderr: 'RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session', probe: 'answered' as const, kind: 'auth' },
    { stderr: 'Get Auth Capabilities error\nError: Unable to establish IPMI v2 / RMCP+ session', probe: 'unreachable' as const, kind: 'unreachable' },
    { stderr: 'Get Auth Capabilities error\nError: Unable to establish IPMI v2 / RMCP+ session', probe: 'pending' as const, kind: 'timeout' },
    { stderr: 'Address lookup for bmc.invalid failed\nCould not open socket!', probe: 'unreachable' as const, kind: 'unreachable' },
    { stderr: 'DCMI request failed because: Invalid command (c1)', probe: 'answered' as const, kind: 'command' },
    { stderr: 'Set Chassis Power Control to Up/On failed: Unspecified error', probe: 'answered' as const, kind: 'command' },
  ])('$kind from $stderr (probe $probe)', ({ stderr, probe, kind }) => {
    expect(classifyFailure(stderr, probe)).toBe(kind);
  });
});

describe('ipmitool argv', () => {
  const target = { subject: 'node a', host: '10.0.0.5', port: 623, username: 'admin', password: new Secret('s3cret'), cipherSuite: 17 };

  it.each([
    { file: undefined, auth: ['-E'] },
    { file: '/tmp/x/password', auth: ['-f', '/tmp/x/password'] },
  ])('carries the cipher suite, short timeouts and no password ($auth)', ({ file, auth }) => {
    const argv = ipmitoolArgs(target, { attemptTimeoutSeconds: 2, retries: 1 }, file, ['chassis', 'power', 'status']);

    expect(argv).toEqual(['-I', 'lanplus', '-H', '10.0.0.5', '-p', '623', '-U', 'admin', ...auth, '-C', '17', '-N', '2', '-R', '1', '-v', 'chassis', 'power', 'status']);
    expect(argv.join(' ')).not.toContain('s3cret');
  });
});

describe('addresses', () => {
  it.each([
    ['10.0.0.5', { host: '10.0.0.5', port: 623 }],
    ['10.0.0.5:9100', { host: '10.0.0.5', port: 9100 }],
    ['bmc-r620-1.lan', { host: 'bmc-r620-1.lan', port: 623 }],
    ['[fd00::5]:624', { host: 'fd00::5', port: 624 }],
  ])('%s', (address, expected) => {
    expect(parseHostPort('node a', address, 623)).toEqual(expected);
  });

  it.each(['10.0.0.5:0', '10.0.0.5:99999', 'http://x', ''])('refuses %j', (address) => {
    expect(() => parseHostPort('node a', address, 623)).toThrow(BmcError);
  });

  it.each([
    ['10.0.0.6', 'https://10.0.0.6'],
    ['idrac.lan:8443', 'https://idrac.lan:8443'],
    ['http://127.0.0.1:8000/', 'http://127.0.0.1:8000'],
  ])('redfish %s -> %s', (address, expected) => {
    expect(redfishBaseUrl('node a', address)).toBe(expected);
  });
});

describe('redfish power state', () => {
  it.each([
    ['On', 'on'],
    ['PoweringOn', 'on'],
    ['PoweringOff', 'on'],
    ['Off', 'off'],
    [undefined, 'unknown'],
  ])('%s -> %s', (value, expected) => {
    expect(mapRedfishPowerState(value)).toBe(expected);
  });
});

describe('createDriver', () => {
  const creds = { bmc: { username: 'admin', password: new Secret('x') } };

  it.each([
    { bmc: { driver: 'ipmi' as const, address: '10.0.0.5', credential: 'bmc' }, kind: 'ipmi' },
    { bmc: { driver: 'redfish' as const, address: '10.0.0.5', credential: 'bmc' }, kind: 'redfish' },
    { bmc: { driver: 'wol' as const, mac: '00:11:22:33:44:55' }, kind: 'wol' },
    { bmc: { driver: 'none' as const }, kind: 'none' },
  ])('picks the $kind driver', ({ bmc, kind }) => {
    expect(createDriver(makeNode('a', bmc), creds).kind).toBe(kind);
  });

  it.each([
    { label: 'no address', bmc: { driver: 'ipmi' as const, credential: 'bmc' }, kind: 'command' },
    { label: 'no credential name', bmc: { driver: 'ipmi' as const, address: '10.0.0.5' }, kind: 'auth' },
    { label: 'credential not configured', bmc: { driver: 'redfish' as const, address: '10.0.0.5', credential: 'other' }, kind: 'auth' },
  ])('refuses a node with $label', ({ bmc, kind }) => {
    expect(() => createDriver(makeNode('a', bmc), creds)).toThrow(expect.objectContaining({ kind }));
  });
});
