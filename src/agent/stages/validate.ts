// validate: the fetched commit, materialized into a fresh directory, through the same loader and
// validator as `marmite validate`. A commit that fails is not applied: the last good commit's
// desired state is kept (and still reconciled), the errors are handed on to the report.

import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../../core/diagnostics.js';
import { StageError } from '../../core/errors.js';
import { materialize } from '../../git/index.js';
import { validateRepository } from '../../validate/index.js';
import type { AgentState, CycleContext, Fetched, Validated } from '../cycle.js';

export async function validateStage(ctx: CycleContext, state: AgentState, fetched: Fetched): Promise<Validated> {
  const good = state.lastGood;
  if (good?.commit === fetched.commit) return { desired: good.desired, commit: good.commit };
  const refused = state.lastRefused?.commit === fetched.commit ? state.lastRefused : await validateCommit(ctx, fetched.commit);
  if ('desired' in refused) return refused;
  if (good === undefined) {
    const count = refused.diagnostics.filter((d) => d.severity === 'error').length;
    throw new ValidationRefused(fetched.commit, refused.diagnostics, `commit ${fetched.commit.slice(0, 7)}: refused: ${count} error${count === 1 ? '' : 's'}, and no earlier commit was valid`);
  }
  return { desired: good.desired, commit: good.commit, refused };
}

/** ValidationFailed with the diagnostics, for the report. Terminal: only a new commit can fix it. */
export class ValidationRefused extends StageError {
  constructor(
    readonly commit: string,
    readonly diagnostics: Diagnostic[],
    message: string,
  ) {
    super('ValidationFailed', message);
  }
}

async function validateCommit(ctx: CycleContext, commit: string): Promise<Validated | NonNullable<Validated['refused']>> {
  let dir: string | undefined;
  try {
    const snapshot = await ctx.repo.snapshot(commit);
    const parent = await mkdtemp(join(ctx.workDir, 'commit-'));
    dir = parent;
    const tree = await materialize(snapshot, join(parent, 'tree'));
    const { desired, diagnostics } = await validateRepository(tree);
    if (desired) return { desired: { ...desired, commit }, commit };
    return { commit, diagnostics: diagnostics.filter((d) => d.severity === 'error') };
  } catch (err) {
    throw new StageError('ValidationFailed', `commit ${commit.slice(0, 7)}: cannot be read: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
      transient: (err as { transient?: unknown }).transient === true,
    });
  } finally {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}
