// plan: the pure function, wrapped so a bug in it is a typed, terminal failure of the cycle.

import { StageError } from '../../core/errors.js';
import type { Desired } from '../../model/desired.js';
import type { Observed } from '../../model/observed.js';
import type { Plan } from '../../model/plan.js';
import { plan } from '../../plan/plan.js';
import type { CycleContext } from '../cycle.js';

export function planStage(ctx: CycleContext, desired: Desired, observed: Observed): Plan {
  try {
    return plan(desired, observed, ctx.now(), { cycleSeconds: Math.round(ctx.settings.pollIntervalMs / 1000) });
  } catch (err) {
    throw new StageError('PlanFailed', `plan failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
