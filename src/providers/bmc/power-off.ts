// The escalation of a power-off: a clean OS shutdown through Proxmox first, then the BMC's soft
// (ACPI) off, then its hard off, each only when the node did not go down within its deadline.
// Every step waits until the node is seen off, so a node that is already going down is left to
// finish instead of being cut.

import { setTimeout as sleep } from 'node:timers/promises';
import type { PowerDriver, PowerState } from './driver.js';
import { BmcError, errorText } from './errors.js';
import type { ProxmoxPowerApi } from './proxmox-power.js';

export interface PowerOffDeadlines {
  /** Wait after Proxmox's shutdown (default: softTimeoutSeconds). */
  shutdownTimeoutSeconds?: number;
  /** Wait after the BMC's soft off. */
  softTimeoutSeconds: number;
  /** Wait after the BMC's hard off. */
  hardTimeoutSeconds: number;
}

export interface PowerOffStep {
  subject: string;
  driver: PowerDriver;
  /** The node's power as the provider sees it (BMC, or Proxmox for drivers that cannot tell). */
  state: () => Promise<PowerState>;
  proxmox?: ProxmoxPowerApi;
  pveNode?: string;
  deadlines: PowerOffDeadlines;
  pollMs: number;
  signal: AbortSignal;
  progress: (message: string) => void;
}

export type PowerOffResult = 'unchanged' | 'proxmox' | 'soft' | 'hard';

/** Polls until the node is off or the deadline passes; a failed read counts as "not yet". */
export async function waitUntilOff(step: PowerOffStep, seconds: number): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    let state: PowerState = 'unknown';
    try {
      state = await step.state();
    } catch {
      // A BMC busy with the shutdown may drop a request; the deadline bounds the wait.
    }
    if (state === 'off') return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(step.pollMs, left), undefined, { signal: step.signal });
  }
}

const CAN_SWITCH = new Set<PowerDriver['kind']>(['ipmi', 'redfish']);

export async function powerOff(step: PowerOffStep): Promise<PowerOffResult> {
  const { subject, driver, deadlines } = step;
  if ((await step.state()) === 'off') return 'unchanged';

  if (step.proxmox && step.pveNode) {
    step.progress(`shutting down through proxmox node ${step.pveNode}`);
    try {
      await step.proxmox.shutdownNode(step.pveNode);
      if (await waitUntilOff(step, deadlines.shutdownTimeoutSeconds ?? deadlines.softTimeoutSeconds)) return 'proxmox';
      step.progress(`still on after proxmox shutdown`);
    } catch (err) {
      step.progress(`proxmox shutdown failed: ${errorText(err)}`);
    }
  }

  if (!CAN_SWITCH.has(driver.kind)) {
    throw new BmcError('timeout', `${subject}: still on after a clean shutdown, and bmc driver ${driver.kind} cannot switch it off`);
  }

  step.progress('soft power off through the bmc');
  await driver.softOff();
  if (await waitUntilOff(step, deadlines.softTimeoutSeconds)) return 'soft';

  step.progress(`still on after ${deadlines.softTimeoutSeconds} s: hard power off through the bmc`);
  await driver.hardOff();
  if (await waitUntilOff(step, deadlines.hardTimeoutSeconds)) return 'hard';
  throw new BmcError('timeout', `${subject}: still on ${deadlines.hardTimeoutSeconds} s after a hard power off`);
}
