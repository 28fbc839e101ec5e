// observe: what the clusters hold now; every N cycles a deep check reads every managed guest.

import { StageError } from '../../core/errors.js';
import type { Desired } from '../../model/desired.js';
import type { Observed } from '../../model/observed.js';
import { observeAll } from '../../observe/observe.js';
import type { AgentState, CycleContext } from '../cycle.js';
import { stampPowerSince } from '../../observe/power-since.js';

export async function observeStage(ctx: CycleContext, state: AgentState, desired: Desired, cycle: number): Promise<Observed> {
  const deep = (cycle - 1) % ctx.settings.deepCheckEvery === 0;
  try {
    const now = ctx.now();
    const observed = await observeAll(desired, ctx.providers, { deep, now });
    state.power = stampPowerSince(state.power ?? {}, observed, now);
    return observed;
  } catch (err) {
    throw new StageError('ObserveFailed', `observe failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      transient: (err as { transient?: unknown }).transient !== false,
    });
  }
}
