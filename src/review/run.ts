// The review's stages in order, as `marmite review` runs them inside a clone of the infra
// repository: resolve the refs, list the changed files, read both snapshots from Git, load the
// observed snapshot, then build the review. Only reads: nothing here writes to the repository.

import { resolve as resolvePath } from 'node:path';
import type { Observed } from '../model/observed.js';
import { changedFiles, mergeBase, readSnapshot, resolveCommit } from './git.js';
import { assumedEmptyObserved, readObservedFile, type ObservedSource } from './observed.js';
import { CODEOWNERS_PATHS, parseCodeowners } from './owners.js';
import { buildReview, loadSide, type Review } from './review.js';

export interface RunReviewOptions {
  cwd: string;
  base: string;
  head: string;
  /** Path of observed.json; undefined plans against an assumed empty cluster. */
  observedFile?: string;
  now: Date;
}

export async function runReview(o: RunReviewOptions): Promise<Review> {
  const headCommit = await resolveCommit(o.cwd, o.head);
  const baseTip = await resolveCommit(o.cwd, o.base);
  // The merge request is what happened on its branch since it left the base: `base...head`.
  const baseCommit = await mergeBase(o.cwd, baseTip, headCommit);
  const changed = await changedFiles(o.cwd, baseCommit, headCommit);
  const [baseSnap, headSnap] = await Promise.all([readSnapshot(o.cwd, baseCommit), readSnapshot(o.cwd, headCommit)]);
  const [base, head] = [await loadSide(baseSnap, o.now), await loadSide(headSnap, o.now)];
  // The target branch's CODEOWNERS, as GitLab applies it: a merge request cannot name its own approvers.
  const codeownersText = CODEOWNERS_PATHS.map((p) => baseSnap.files.find((f) => f.path === p)?.text).find((t) => t !== undefined);

  let observed: Observed | undefined;
  let source: ObservedSource;
  if (o.observedFile === undefined) {
    source = { kind: 'assumed-empty', reason: 'no --observed file was given' };
  } else {
    observed = await readObservedFile(resolvePath(o.cwd, o.observedFile));
    source = observed
      ? { kind: 'snapshot', file: o.observedFile, observedAt: observed.observedAt, ...(observed.commit ? { commit: observed.commit } : {}) }
      : { kind: 'assumed-empty', reason: `${o.observedFile} is missing or empty: the agent has not written its status branch yet, or CI could not fetch it` };
  }
  return buildReview({
    base,
    head,
    changed,
    ...(codeownersText === undefined ? {} : { codeowners: parseCodeowners(codeownersText) }),
    observed: observed ?? assumedEmptyObserved([base.usage, head.usage], o.now),
    observedSource: source,
    now: o.now,
  });
}

/** URL prefix of the head's files in the forge, from CI variables, for file:line links. */
export function linkBaseFromEnv(env: NodeJS.ProcessEnv, headCommit: string): string | undefined {
  const gitlab = env['CI_PROJECT_URL'];
  if (gitlab) return `${gitlab.replace(/\/+$/, '')}/-/blob/${env['CI_MERGE_REQUEST_SOURCE_BRANCH_SHA'] || env['CI_COMMIT_SHA'] || headCommit}/`;
  const server = env['GITHUB_SERVER_URL'];
  const repo = env['GITHUB_REPOSITORY'];
  if (server && repo) return `${server.replace(/\/+$/, '')}/${repo}/blob/${env['MARMITE_HEAD_SHA'] || headCommit}/`;
  return undefined;
}

/** The base ref a merge-request pipeline compares with, from GitLab's or GitHub's variables. */
export function baseFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  if (env['CI_MERGE_REQUEST_DIFF_BASE_SHA']) return env['CI_MERGE_REQUEST_DIFF_BASE_SHA'];
  if (env['CI_MERGE_REQUEST_TARGET_BRANCH_NAME']) return `origin/${env['CI_MERGE_REQUEST_TARGET_BRANCH_NAME']}`;
  if (env['GITHUB_BASE_REF']) return `origin/${env['GITHUB_BASE_REF']}`;
  return undefined;
}
