// `marmite review [--base REF] [--head REF] [--observed FILE] [--format markdown|json] [--post gitlab] [--artifact FILE]`
// Merge-request review in CI: reads the repository's Git history and the agent's observed
// snapshot, never a cluster or a BMC. Exit 1 when the head is invalid (blocks merging), else 0.

import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../core/errors.js';
import { GitCommandError } from '../../review/git.js';
import { GitlabError, gitlabTargetFromEnv, postReviewNote, type PostOptions } from '../../review/gitlab.js';
import { renderReviewMarkdown } from '../../review/markdown.js';
import { ObservedFileError } from '../../review/observed.js';
import { baseFromEnv, linkBaseFromEnv, runReview } from '../../review/run.js';
import type { Review } from '../../review/review.js';
import { parseUsage } from '../args.js';
import { EXIT, type Io } from '../io.js';

const USAGE =
  'usage: marmite review [--base REF] [--head REF] [--observed observed.json] [--format markdown|json] [--post gitlab] [--artifact FILE]';

export type ReviewDeps = Pick<PostOptions, 'fetch' | 'sleep'>;

export async function reviewCommand(argv: string[], io: Io, now: () => Date = () => new Date(), deps: ReviewDeps = {}): Promise<number> {
  const args = parse(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const base = args.base ?? baseFromEnv(io.env);
  if (base === undefined) throw new UsageError(`--base REF is needed outside a merge-request pipeline (e.g. --base origin/main)\n${USAGE}`);

  let review: Review;
  try {
    review = await runReview({ cwd: io.cwd, base, head: args.head, now: now(), ...(args.observed === undefined ? {} : { observedFile: args.observed }) });
  } catch (err) {
    if (err instanceof GitCommandError || err instanceof ObservedFileError) {
      io.stderr(`marmite review: ${err.message}\n`);
      return EXIT.invalid;
    }
    throw err;
  }

  const linkBase = linkBaseFromEnv(io.env, review.head);
  const links = linkBase === undefined ? {} : { linkBase };
  const comment = renderReviewMarkdown(review, { ...links, ...(args.artifact === undefined ? {} : { artifact: args.artifact }) });
  if (args.artifact !== undefined) {
    const full = args.artifact.endsWith('.json') ? renderReviewJson(review) : renderReviewMarkdown(review, { ...links, maxChars: Number.POSITIVE_INFINITY });
    await writeFile(resolve(io.cwd, args.artifact), full);
  }
  io.stdout(args.format === 'json' ? renderReviewJson(review) : comment);

  if (args.post === 'gitlab') {
    try {
      const result = await postReviewNote(gitlabTargetFromEnv(io.env), comment, deps);
      io.stderr(`marmite review: merge request comment ${result.action} (note ${result.noteId})\n`);
    } catch (err) {
      if (!(err instanceof GitlabError)) throw err;
      io.stderr(`marmite review: ${err.message}\n`);
      return EXIT.invalid;
    }
  }
  io.stderr(`marmite review: ${review.verdict.text}\n`);
  return review.verdict.status === 'fail' ? EXIT.invalid : EXIT.ok;
}

export function renderReviewJson(review: Review): string {
  return `${JSON.stringify(review, null, 2)}\n`;
}

function parse(argv: string[]) {
  const parsed = parseUsage(USAGE, () =>
    parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        base: { type: 'string' },
        head: { type: 'string', default: 'HEAD' },
        observed: { type: 'string' },
        format: { type: 'string', short: 'f', default: 'markdown' },
        post: { type: 'string' },
        artifact: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  const v = parsed.values;
  if (v.format !== 'markdown' && v.format !== 'json') throw new UsageError(`--format must be markdown or json, got '${v.format}'\n${USAGE}`);
  if (v.post !== undefined && v.post !== 'gitlab') throw new UsageError(`--post supports only gitlab, got '${v.post}'\n${USAGE}`);
  return {
    base: v.base,
    head: v.head ?? 'HEAD',
    observed: v.observed,
    format: v.format,
    post: v.post,
    artifact: v.artifact,
    help: v.help ?? false,
  };
}
