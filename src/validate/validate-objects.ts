// The pure part of validation: loaded objects -> Desired and diagnostics, with no disk access,
// so tests and later stages (merge-request review on a snapshot) can call it directly.

import { Diagnostics, compareDiagnostics, type Diagnostic } from '../core/diagnostics.js';
import type { Desired } from '../model/desired.js';
import type { LoadedObject } from '../load/types.js';
import { indexObjects, type CheckContext, type ValidateOptions } from './context.js';
import { resolve } from './resolve.js';
import { checkReferences } from './checks/references.js';
import { checkDuplicates } from './checks/duplicates.js';
import { checkCapacity } from './checks/capacity.js';
import { checkSchedules } from './checks/schedules.js';
import { checkSanity } from './checks/sanity.js';
import { checkPolicy } from './policy.js';

export interface ValidationResult {
  desired?: Desired;
  diagnostics: Diagnostic[];
}

const CHECKS: readonly ((ctx: CheckContext) => void)[] = [
  checkReferences,
  checkDuplicates,
  checkCapacity,
  checkSchedules,
  checkSanity,
  checkPolicy,
];

/** Pure: the objects a loader produced -> Desired and diagnostics. */
export function validateObjects(objects: readonly LoadedObject[], options: ValidateOptions = {}): ValidationResult {
  const diags = new Diagnostics();
  const repo = indexObjects(objects, diags);
  const desired = resolve(repo, diags);
  const ctx: CheckContext = {
    repo,
    desired,
    diags,
    now: options.now ?? new Date(),
    brokenFiles: options.brokenFiles ?? new Set(),
  };
  for (const check of CHECKS) check(ctx);
  const diagnostics = dedupe(diags.sorted());
  return diags.hasErrors ? { diagnostics } : { desired, diagnostics };
}

export function dedupe(sorted: Diagnostic[]): Diagnostic[] {
  return sorted.filter((d, i) => i === 0 || compareDiagnostics(d, sorted[i - 1]!) !== 0 || d.severity !== sorted[i - 1]!.severity);
}
