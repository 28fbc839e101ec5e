// A temporary infra repository for review tests, built with the real `git` CLI: the base is
// examples/small (plus CODEOWNERS and any per-case edits) on `main`, the merge request one more
// commit on branch `mr`. Author, committer and dates are fixed and the user's Git config is
// ignored, so commits are the same on every machine.

import { guestFromTarget } from '../support/guest-from-target.js';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Observed } from '../../src/model/observed.js';
import type { VmTarget } from '../../src/model/plan.js';
import { renderObserved } from '../../src/report/reports.js';
import { plan } from '../../src/plan/plan.js';
import { assumedEmptyObserved } from '../../src/review/observed.js';
import { validateRepository } from '../../src/validate/index.js';

export const NOW = new Date('2026-03-02T10:00:00.000Z');
export const EXAMPLE = 'examples/small';

export const CODEOWNERS = `# Everything belongs to the platform team unless listed below.
*                                   @charity/platform
/tenants/alpha-lecture/             @charity/alpha-lecture
/tenants/banque-alimentaire/        @charity/banque-alimentaire
# Quotas stay with the platform team.
/tenants/*/tenant.yaml              @charity/platform
`;

/** path -> new text, or null to delete the file. */
export type Edits = Record<string, string | null>;

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Volunteer',
  GIT_AUTHOR_EMAIL: 'volunteer@example.org',
  GIT_COMMITTER_NAME: 'Volunteer',
  GIT_COMMITTER_EMAIL: 'volunteer@example.org',
  GIT_AUTHOR_DATE: '2026-03-01T12:00:00Z',
  GIT_COMMITTER_DATE: '2026-03-01T12:00:00Z',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: GIT_ENV, encoding: 'utf8' }).trim();
}

function apply(dir: string, edits: Edits): void {
  for (const [path, text] of Object.entries(edits)) {
    const file = join(dir, path);
    if (text === null) rmSync(file);
    else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }
}

export interface TempRepo {
  dir: string;
  base: string;
  head: string;
  cleanup: () => void;
}

export function makeRepo(baseEdits: Edits, mrEdits: Edits): TempRepo {
  const dir = mkdtempSync(join(tmpdir(), 'marmite-review-'));
  cpSync(EXAMPLE, dir, { recursive: true });
  apply(dir, { CODEOWNERS, ...baseEdits });
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '-m', 'base');
  git(dir, 'checkout', '--quiet', '-b', 'mr');
  apply(dir, mrEdits);
  git(dir, 'add', '--all');
  git(dir, 'commit', '--quiet', '--allow-empty', '-m', 'merge request');
  return { dir, base: git(dir, 'rev-parse', 'main'), head: git(dir, 'rev-parse', 'HEAD'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}


/**
 * The cluster as the agent would have seen it after applying examples/small (with `baseEdits`):
 * plan against an empty cluster, then every create and ensure taken as done.
 */
export async function observedAfterApply(baseEdits: Edits = {}): Promise<Observed> {
  const dir = mkdtempSync(join(tmpdir(), 'marmite-review-obs-'));
  try {
    cpSync(EXAMPLE, dir, { recursive: true });
    apply(dir, baseEdits);
    const { desired } = await validateRepository(dir);
    if (!desired) throw new Error('the base of a review test must be valid');
    const empty = assumedEmptyObserved([desired], NOW);
    const first = plan(desired, empty, NOW);
    const site = empty.sites['paris']!;
    site.guests = first.changes.filter((c) => c.action === 'create').map((c) => guestFromTarget(c.payload['target'] as VmTarget, { withConfig: true }));
    site.quorate = true;
    const access = site.access!;
    for (const c of first.changes.filter((x) => x.action === 'ensure')) {
      const p = c.payload as { kind: string; poolid: string; comment: string; groupid: string; users: string[]; path: string; group: string; role: string };
      if (p.kind === 'pool') access.pools.push({ poolid: p.poolid, comment: p.comment, members: [] });
      if (p.kind === 'group') access.groups.push({ groupid: p.groupid, users: p.users });
      if (p.kind === 'acl') access.acls.push({ path: p.path, ugid: p.group, type: 'group', roleid: p.role, propagate: true });
    }
    return { ...empty, observedAt: '2026-03-02T09:55:00.000Z', commit: '5ca1ab1e0000000000000000000000000000beef' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function writeObserved(dir: string, observed: Observed): string {
  const file = join(dir, '.marmite-observed.json');
  writeFileSync(file, renderObserved(observed));
  return '.marmite-observed.json';
}
