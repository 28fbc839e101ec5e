// What apply did, for a terminal and for last-apply.md. Drawn from the ChangeSet only.

import type { ChangeSet, ChangeResult } from '../apply/execute.js';

const MARK: Record<ChangeResult['outcome'], string> = {
  created: '+',
  configured: '~',
  deleted: '-',
  unchanged: '=',
  failed: '!',
  skipped: '·',
};

export function changeSetLine(r: ChangeResult): string {
  const tail = r.error ? `: ${r.error}` : '';
  return `${MARK[r.outcome]} ${r.subject} ${r.action} ${r.outcome}${tail}`;
}

export function renderChangeSetText(cs: ChangeSet): string {
  const c = cs.counts;
  const head = `apply: ${c.created} created, ${c.configured} configured, ${c.deleted} deleted, ${c.unchanged} unchanged, ${c.failed} failed, ${c.skipped} skipped`;
  const problems = cs.results.filter((r) => r.outcome === 'failed' || r.outcome === 'skipped').map((r) => `  ${changeSetLine(r)}`);
  return [head, ...problems].join('\n') + '\n';
}

export function renderChangeSetMarkdown(cs: ChangeSet): string {
  const c = cs.counts;
  const lines = [
    '# Last apply',
    '',
    `Plan of ${cs.planCreatedAt}${cs.commit ? ` (commit \`${cs.commit.slice(0, 12)}\`)` : ''}, applied from ${cs.startedAt} to ${cs.finishedAt}.`,
    '',
    '| created | configured | deleted | unchanged | failed | skipped |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${c.created} | ${c.configured} | ${c.deleted} | ${c.unchanged} | ${c.failed} | ${c.skipped} |`,
    '',
  ];
  if (cs.results.length > 0) {
    lines.push('| | subject | site | action | outcome | detail |', '|---|---|---|---|---|---|');
    for (const r of cs.results) {
      lines.push(`| ${MARK[r.outcome]} | ${r.subject} | ${r.site} | ${r.action} | ${r.outcome} | ${(r.error ?? '').replaceAll('|', '\\|')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
