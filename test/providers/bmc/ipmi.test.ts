// The IPMI driver against real ipmi_sim BMCs driven by real ipmitool: one BMC per scenario so
// that a killed or paused one cannot disturb the others.

import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/core/secret.js';
import { createDriver, type PowerDriver } from '../../../src/providers/bmc/driver.js';
import { BmcError } from '../../../src/providers/bmc/errors.js';
import { startSimFleet, type SimBmc } from '../../support/ipmi-sim.js';
import { credentialsOf, eventually, FAST_IPMI, ipmiNode } from './helpers.js';

let fleet: SimBmc[] = [];
const sim = (name: string): SimBmc => {
  const found = fleet.find((s) => s.name === name);
  if (!found) throw new Error(`no simulated bmc ${name}`);
  return found;
};
const driverOf = (name: string, ipmi = FAST_IPMI): PowerDriver => createDriver(ipmiNode(sim(name)), credentialsOf(fleet), { ipmi });

async function failure(promise: Promise<unknown>): Promise<BmcError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BmcError);
  return err as BmcError;
}

beforeAll(async () => {
  fleet = await startSimFleet([
    { name: 'on-off' },
    { name: 'soft', on: true },
    { name: 'hard', on: true },
    { name: 'watts', wattsOn: 240, wattsOff: 12 },
    { name: 'auth' },
    { name: 'dead' },
    { name: 'hung' },
  ]);
});

afterAll(async () => {
  await Promise.all(fleet.map((s) => s.stop()));
});

describe('ipmi driver: power', () => {
  it('powers a node on and reads it back', async () => {
    const driver = driverOf('on-off');
    expect(await driver.status()).toBe('off');

    await driver.powerOn();

    expect(await driver.status()).toBe('on');
    expect(await sim('on-off').actions()).toEqual(['set power 1']);
  });

  it('soft off: the node goes down after its shutdown delay, no hard off is sent', async () => {
    const bmc = sim('soft');
    await bmc.setSoftDelay(2);
    const driver = driverOf('soft');

    await driver.softOff();
    const rightAfter = await driver.status();
    const later = await eventually(() => driver.status(), (s) => s === 'off');

    expect(rightAfter).toBe('on');
    expect(later).toBe('off');
    expect(await bmc.actions()).toEqual(['set shutdown 1']);
  });

  it('hard off switches off a node that ignores soft off', async () => {
    const bmc = sim('hard');
    await bmc.ignoreSoft(true);
    const driver = driverOf('hard');

    await driver.softOff();
    const afterSoft = await driver.status();
    await driver.hardOff();

    expect(afterSoft).toBe('on');
    expect(await driver.status()).toBe('off');
    expect(await bmc.actions()).toEqual(['set shutdown 1', 'set power 0']);
  });
});

describe('ipmi driver: watts', () => {
  it.each([
    { method: 'auto' as const, label: 'DCMI refused, falls back to the sensor' },
    { method: 'sensor' as const, label: 'sensor reading' },
    { method: 'sdr' as const, label: 'sdr get' },
  ])('readings follow power state ($label)', async ({ method }) => {
    const bmc = sim('watts');
    await bmc.setPower(false);
    const driver = driverOf('watts', { ...FAST_IPMI, watts: method });

    const off = await eventually(() => driver.readWatts(), (w) => w === 12);
    await driver.powerOn();
    const on = await eventually(() => driver.readWatts(), (w) => w === 240);

    expect(off).toBe(12);
    expect(on).toBe(240);
  });

  it('DCMI only: ipmi_sim has no DCMI, which is a command error', async () => {
    const err = await failure(driverOf('watts', { ...FAST_IPMI, watts: 'dcmi' }).readWatts());

    expect(err.kind).toBe('command');
    expect(err.transient).toBe(false);
  });
});

describe('ipmi driver: failures are typed', () => {
  it.each([
    { label: 'wrong password', user: undefined, password: 'not-the-password' },
    { label: 'wrong user name', user: 'mallory', password: undefined },
  ])('$label is an auth error, terminal', async ({ user, password }) => {
    const bmc = sim('auth');
    const credentials = { [`bmc-${bmc.name}`]: { username: user ?? bmc.username, password: new Secret(password ?? bmc.password) } };

    const err = await failure(createDriver(ipmiNode(bmc), credentials, { ipmi: FAST_IPMI }).status());

    expect(err.kind).toBe('auth');
    expect(err.transient).toBe(false);
    expect(err.message).toMatch(/^node auth: /);
  });

  it('a dead BMC (process killed) is unreachable, transient', async () => {
    const bmc = sim('dead');
    const driver = driverOf('dead');
    expect(await driver.status()).toBe('off');
    await bmc.kill();

    const err = await failure(driver.status());

    expect(err.kind).toBe('unreachable');
    expect(err.transient).toBe(true);
  });

  it.each([
    { label: 'the agent kills ipmitool at its deadline', deadlineMs: 1500 },
    { label: 'ipmitool gives up by itself first', deadlineMs: 8000 },
  ])('a hung BMC (SIGSTOP) is a timeout, transient: $label', async ({ deadlineMs }) => {
    const bmc = sim('hung');
    const driver = driverOf('hung', { ...FAST_IPMI, deadlineMs });
    bmc.pause();
    try {
      const err = await failure(driver.status());

      expect(err.kind).toBe('timeout');
      expect(err.transient).toBe(true);
    } finally {
      bmc.resume();
    }
  });
});

describe('ipmi driver: the password never reaches argv', () => {
  let spyDir = '';
  beforeAll(async () => {
    spyDir = await mkdtemp(join(tmpdir(), 'marmite-ipmitool-spy-'));
    // Runs the real ipmitool and records, from /proc, the command line it was started with, the
    // environment's password and the password file's mode while it existed.
    const script = [
      '#!/bin/sh',
      'ipmitool "$@" &',
      'child=$!',
      `tr '\\0' '\\n' < /proc/$child/cmdline > ${spyDir}/cmdline`,
      `printf '%s' "$IPMI_PASSWORD" > ${spyDir}/env`,
      'file=""; prev=""; for a in "$@"; do [ "$prev" = "-f" ] && file=$a; prev=$a; done',
      `if [ -n "$file" ]; then stat -c %a "$file" > ${spyDir}/mode; cat "$file" > ${spyDir}/file; echo "$file" > ${spyDir}/path; fi`,
      'wait $child',
    ].join('\n');
    await writeFile(join(spyDir, 'ipmitool'), `${script}\n`);
    await chmod(join(spyDir, 'ipmitool'), 0o755);
  });
  afterAll(async () => {
    await rm(spyDir, { recursive: true, force: true });
  });

  it.each([
    { via: 'env' as const, flag: '-E', env: true },
    { via: 'file' as const, flag: '-f', env: false },
  ])('password by $via', async ({ via, flag, env }) => {
    const bmc = sim('on-off');
    await rm(join(spyDir, 'path'), { force: true });
    const driver = driverOf('on-off', { ...FAST_IPMI, binary: join(spyDir, 'ipmitool'), passwordVia: via });

    const state = await driver.status();

    const cmdline = await readFile(join(spyDir, 'cmdline'), 'utf8');
    expect(state).toBe('on');
    expect(cmdline).not.toContain(bmc.password);
    expect(cmdline.split('\n')).toContain(flag);
    expect((await readFile(join(spyDir, 'env'), 'utf8')) === bmc.password).toBe(env);
    if (via === 'file') {
      expect((await readFile(join(spyDir, 'mode'), 'utf8')).trim()).toBe('600');
      expect(await readFile(join(spyDir, 'file'), 'utf8')).toBe(bmc.password);
      const path = (await readFile(join(spyDir, 'path'), 'utf8')).trim();
      await expect(readFile(path)).rejects.toThrow();
    }
  });
});
