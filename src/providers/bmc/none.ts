// A node without any power control: nothing to read, nothing to switch. Power-off still works
// through Proxmox's clean shutdown, which the provider does before it asks a driver anything.

import type { PowerDriver } from './driver.js';
import { BmcError } from './errors.js';

export function createNoneDriver(subject: string): PowerDriver {
  const unsupported = (what: string) => async (): Promise<void> => {
    throw new BmcError('command', `${subject}: ${what} is not possible: bmc driver is none`);
  };
  return {
    kind: 'none',
    status: async () => 'unknown',
    powerOn: unsupported('power on'),
    softOff: unsupported('soft power off'),
    hardOff: unsupported('hard power off'),
    readWatts: async () => undefined,
  };
}
