import { describe, expect, it } from 'vitest';
import type { Node } from '../../../src/model/desired.js';
import { checkPowerOff, checkPowerOn, type NodePowerState } from '../../../src/power/rules/power-control.js';

describe('rule power-control', () => {
  it.each<{ name: string; driver: Node['bmc']['driver']; state: NodePowerState; ok: boolean }>([
    { name: 'blocks power-off: state unknown', driver: 'ipmi', state: 'unknown', ok: false },
    { name: 'blocks power-off: no BMC and no Wake-on-LAN', driver: 'none', state: 'on', ok: false },
    { name: 'allows power-off: IPMI, on', driver: 'ipmi', state: 'on', ok: true },
    { name: 'allows power-off: Wake-on-LAN, on', driver: 'wol', state: 'on', ok: true },
  ])('$name', ({ driver, state, ok }) => {
    const r = checkPowerOff({ name: 'pve2', bmc: { driver } }, state);
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.rule).toBe('power-control');
  });

  it.each<{ driver: Node['bmc']['driver']; ok: boolean }>([
    { driver: 'none', ok: false },
    { driver: 'wol', ok: true },
  ])('power-on with driver $driver: ok=$ok', ({ driver, ok }) => {
    expect(checkPowerOn({ name: 'pve2', bmc: { driver } }).ok).toBe(ok);
  });
});
