// fetch: bring the watched branch up to date (an incremental fetch after the first clone).

import { StageError } from '../../core/errors.js';
import type { CycleContext, Fetched } from '../cycle.js';

export async function fetchStage(ctx: CycleContext): Promise<Fetched> {
  try {
    const r = await ctx.repo.sync();
    if (r.forced) ctx.log.warn({ commit: r.commit, previous: r.previous }, 'watched branch was force-pushed');
    return { commit: r.commit, forced: r.forced, ...(r.previous === undefined ? {} : { previous: r.previous }) };
  } catch (err) {
    throw new StageError('FetchFailed', `repository ${ctx.repo.url}: fetch failed: ${message(err)}`, { cause: err, transient: transientOf(err) });
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function transientOf(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { transient?: unknown }).transient === true;
}
