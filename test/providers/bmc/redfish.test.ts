// The Redfish driver against a small DMTF-shaped responder on 127.0.0.1 (no real Redfish BMC is
// available to the tests; the shapes follow DSP0266 / the DMTF schemas).

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/core/secret.js';
import { createBmcProvider } from '../../../src/providers/bmc/index.js';
import { createDriver, type PowerDriver } from '../../../src/providers/bmc/driver.js';
import { BmcError } from '../../../src/providers/bmc/errors.js';
import { applyContext, makeNode, powerChange } from './helpers.js';
import { startRedfishResponder, type RedfishResponder } from './redfish-responder.js';

const USER = 'root';
const PASSWORD = 'calvin-not-really';
let bmc: RedfishResponder;

const node = (address: string) => makeNode('r740', { driver: 'redfish', address, credential: 'idrac' });
const credentials = (password = PASSWORD) => ({ idrac: { username: USER, password: new Secret(password) } });
const driver = (password?: string, address = bmc.url): PowerDriver =>
  createDriver(node(address), credentials(password), { redfish: { timeoutMs: 1000 } });

async function failure(promise: Promise<unknown>): Promise<BmcError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BmcError);
  return err as BmcError;
}

beforeAll(async () => {
  bmc = await startRedfishResponder({ username: USER, password: PASSWORD, wattsOn: 212, wattsOff: 9 });
});

afterEach(() => {
  bmc.power = 'Off';
  bmc.ignoreGraceful = false;
  bmc.hang = false;
  bmc.resets.length = 0;
});

afterAll(async () => {
  await bmc.close();
});

describe('redfish driver', () => {
  it('reads power and watts, powers on and off', async () => {
    const d = driver();

    const before = [await d.status(), await d.readWatts()];
    await d.powerOn();
    const on = [await d.status(), await d.readWatts()];
    await d.softOff();
    const afterSoft = await d.status();
    await d.powerOn();
    await d.hardOff();

    expect(before).toEqual(['off', 9]);
    expect(on).toEqual(['on', 212]);
    expect(afterSoft).toBe('off');
    expect(await d.status()).toBe('off');
    expect(bmc.resets).toEqual(['On', 'GracefulShutdown', 'On', 'ForceOff']);
  });

  it.each([
    { label: 'wrong password', arrange: () => driver('wrong'), kind: 'auth', transient: false },
    { label: 'nothing listening', arrange: () => driver(undefined, 'http://127.0.0.1:1'), kind: 'unreachable', transient: true },
    {
      label: 'hung BMC',
      arrange: () => {
        bmc.hang = true;
        return driver();
      },
      kind: 'timeout',
      transient: true,
    },
  ])('$label is a $kind error', async ({ arrange, kind, transient }) => {
    const d = arrange();

    const err = await failure(d.status());

    expect(err.kind).toBe(kind);
    expect(err.transient).toBe(transient);
    expect(err.message).toMatch(/^node r740: redfish GET /);
  });

  it('a refused action is a command error with the BMC message', async () => {
    bmc.power = 'On';

    const err = await failure(driver().powerOn());

    expect(err.kind).toBe('command');
    expect(err.message).toContain('already powered on');
  });

  it('the provider escalates to ForceOff when a graceful shutdown is ignored', async () => {
    bmc.power = 'On';
    bmc.ignoreGraceful = true;
    const n = node(bmc.url);
    const provider = createBmcProvider({ credentials: credentials(), nodes: { [n.name]: n }, redfish: { timeoutMs: 1000 }, pollMs: 100 });

    const outcome = await provider.apply(powerChange('power-off', n, { softTimeoutSeconds: 1, hardTimeoutSeconds: 30 }), applyContext());

    expect(outcome).toBe('configured');
    expect(bmc.resets).toEqual(['GracefulShutdown', 'ForceOff']);
  });
});
