// The stages as commands use them: each a separate step the command calls in order.

import { resolve } from 'node:path';
import { formatDiagnostic } from '../core/diagnostics.js';
import { UsageError } from '../core/errors.js';
import { configPath, loadAgentConfig, type AgentConfig } from '../config/load.js';
import type { Desired } from '../model/desired.js';
import type { Plan } from '../model/plan.js';
import { createProviders } from '../providers/index.js';
import type { Provider } from '../providers/provider.js';
import { renderJson, renderMarkdown, renderText } from '../render/index.js';
import { validateRepository } from '../validate/index.js';
import type { Io } from './io.js';

export const PLAN_FORMATS = ['text', 'markdown', 'json'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

export function checkFormat(value: string | undefined): PlanFormat {
  const format = value ?? 'text';
  if (!(PLAN_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${PLAN_FORMATS.join(', ')}, got '${format}'`);
  }
  return format as PlanFormat;
}

/** Validates the repository; on errors prints them (stderr) and returns undefined. */
export async function loadDesired(dir: string, io: Io): Promise<Desired | undefined> {
  const { desired, diagnostics } = await validateRepository(resolve(io.cwd, dir));
  for (const d of diagnostics) io.stderr(`${formatDiagnostic(d)}\n`);
  if (!desired) io.stderr(`${dir}: invalid, nothing planned\n`);
  return desired;
}

export async function loadConfig(flag: string | undefined, io: Io): Promise<AgentConfig> {
  return loadAgentConfig(configPath(flag, io.env, io.cwd), io.env);
}

export async function loadProviders(flag: string | undefined, io: Io): Promise<Provider[]> {
  return createProviders(await loadConfig(flag, io));
}

export function renderPlan(plan: Plan, format: PlanFormat, io: Io): string {
  if (format === 'json') return renderJson(plan);
  if (format === 'markdown') return renderMarkdown(plan);
  return renderText(plan, { color: io.isTTY && !io.env['NO_COLOR'] });
}

export function hasChanges(plan: Plan): boolean {
  return plan.changes.length > 0;
}
