// load + resolve + checks + policy -> Desired, or every diagnostic of the repository at once.
// Desired is handed on only when there is no error: later stages never see a half-loaded state.

import { compareDiagnostics } from '../core/diagnostics.js';
import { loadRepository } from '../load/index.js';
import type { ValidateOptions } from './context.js';
import { dedupe, validateObjects, type ValidationResult } from './validate-objects.js';

export type { ValidateOptions } from './context.js';
export { validateObjects, type ValidationResult } from './validate-objects.js';
export { computeTenantUsage, quotaMessage, type TenantUsage, type QuotaUsage } from './policy.js';
export { parseSize, parseDuration, parseHours } from './units.js';

const SETTINGS_FILES = ['marmite.yaml', 'marmite.yml'];

export async function validateRepository(dir: string, options: Omit<ValidateOptions, 'brokenFiles'> = {}): Promise<ValidationResult> {
  const loaded = await loadRepository(dir);
  const brokenFiles = new Set(loaded.diagnostics.filter((d) => d.severity === 'error').map((d) => d.file));
  const result = validateObjects(loaded.objects, { ...options, brokenFiles });
  // The loader already reports a missing or rejected marmite.yaml; saying it again adds nothing.
  const settingsReported = SETTINGS_FILES.some((f) => brokenFiles.has(f));
  const own = result.diagnostics.filter((d) => !(d.code === 'missing-settings' && settingsReported));
  const diagnostics = dedupe([...loaded.diagnostics, ...own].sort(compareDiagnostics));
  const valid = !diagnostics.some((d) => d.severity === 'error');
  return valid && result.desired ? { desired: result.desired, diagnostics } : { diagnostics };
}
