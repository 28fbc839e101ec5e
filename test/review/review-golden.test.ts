// `marmite review` on typical merge requests, each in its own temporary Git repository (real
// `git`), against a fixed observed snapshot and a fixed `now`; the comment is compared with a
// golden file. UPDATE_GOLDEN=1 rewrites the golden files after an intended change.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reviewCommand } from '../../src/cli/commands/review.js';
import { bufferIo } from '../../src/cli/io.js';
import type { Review } from '../../src/review/review.js';
import { makeRepo, NOW, observedAfterApply, writeObserved, type Edits, type TempRepo } from './repo.js';

const GOLDEN = join(import.meta.dirname, 'golden');
const read = (path: string): string => readFileSync(join('examples/small', path), 'utf8');

const PRUNE_ON: Edits = {
  'marmite.yaml': read('marmite.yaml').replace('prune: false', 'prune: true').replace('maxPercent: 10', 'maxPercent: 50'),
};

const WIKI = `# yaml-language-server: $schema=../../../../../schemas/vm.schema.json
vmid: 1103
description: Wiki for the volunteers
flavor: small
template: debian-12
disks:
  - size: 20GiB
    storage: vms
nics:
  - network: lan
schedule:
  windows: [office-hours]
`;

const SHOP = `vmid: 1004
description: Online shop for the charity sale
flavor: small
template: debian-12
disks:
  - size: 20GiB
    storage: vms
nics:
  - network: public
`;

const WEEKDAYS = `description: Working days, all day; the node sleeps over the weekend
timezone: Europe/Paris
periods:
  - days: [mon, tue, wed, thu, fri]
    hours: "00:00-24:00"
`;

interface Case {
  name: string;
  base: Edits;
  mr: Edits;
  exit: number;
  verdict: RegExp;
}

const cases: Case[] = [
  { name: 'add-vm', base: {}, mr: { 'tenants/alpha-lecture/vms/wiki.yaml': WIKI }, exit: 0, verdict: /^✅ valid, within quota, 1 VM created, \+/ },
  {
    name: 'resize-vm',
    base: {},
    mr: { 'tenants/alpha-lecture/vms/files.yaml': read('tenants/alpha-lecture/vms/files.yaml').replace('flavor: medium', 'flavor: large') },
    exit: 0,
    verdict: /^✅ .*1 VM changed, 1 VM restarted or stopped \(downtime\)/,
  },
  { name: 'delete-vm-prune-off', base: {}, mr: { 'tenants/banque-alimentaire/vms/web.yaml': null }, exit: 0, verdict: /^⚠️ .*refused \(prune-disabled\)/ },
  { name: 'delete-vm-prune-on', base: PRUNE_ON, mr: { 'tenants/banque-alimentaire/vms/web.yaml': null }, exit: 0, verdict: /^✅ .*1 VM DELETED, −/ },
  { name: 'delete-protected-vm', base: PRUNE_ON, mr: { 'tenants/banque-alimentaire/vms/stock.yaml': null }, exit: 0, verdict: /^⚠️ .*refused \(protected\)/ },
  { name: 'over-quota', base: {}, mr: { 'tenants/banque-alimentaire/vms/shop.yaml': SHOP }, exit: 1, verdict: /^❌ refused: over quota \(banque-alimentaire vms\)/ },
  {
    name: 'cross-tenant',
    base: {},
    mr: {
      'tenants/alpha-lecture/vms/wiki.yaml': WIKI,
      'tenants/banque-alimentaire/vms/web.yaml': read('tenants/banque-alimentaire/vms/web.yaml').replace('Public website (WordPress)', 'Public website (WordPress), now with the volunteer rota'),
    },
    exit: 0,
    verdict: /needs platform team approval/,
  },
  {
    name: 'node-weekend-power-off',
    base: {},
    mr: {
      'power/weekdays.yaml': WEEKDAYS,
      'nodes/pve3.yaml': read('nodes/pve3.yaml').replace('policy: always-on', 'policy: windows\n  windows: [weekdays]'),
    },
    exit: 0,
    verdict: /^✅ valid, within quota, power policy of 1 node changed, .*needs platform team approval/,
  },
];

const repos: TempRepo[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
});

async function review(c: Case, extraArgs: string[] = []) {
  const repo = makeRepo(c.base, c.mr);
  repos.push(repo);
  const observed = writeObserved(repo.dir, await observedAfterApply(c.base));
  const io = bufferIo({ cwd: repo.dir, env: { CI_PROJECT_URL: 'https://gitlab.example.org/charity/infra', CI_COMMIT_SHA: repo.head } });
  const code = await reviewCommand(['--base', 'main', '--observed', observed, ...extraArgs], io, () => NOW);
  // Commit ids depend on the Git version's object format details only in theory; pin them anyway.
  const normalise = (s: string) => s.split(repo.head).join('<head>').split(repo.base).join('<base>').split(repo.head.slice(0, 12)).join('<head>').split(repo.base.slice(0, 12)).join('<base>');
  return { code, out: normalise(io.out()), err: io.err(), repo };
}

describe('marmite review: golden comments', () => {
  it.each(cases)('$name', async (c) => {
    const { code, out } = await review(c);

    const file = join(GOLDEN, `${c.name}.md`);
    if (process.env['UPDATE_GOLDEN']) writeFileSync(file, out);
    expect(existsSync(file)).toBe(true);
    expect(out).toBe(readFileSync(file, 'utf8'));
    expect(code).toBe(c.exit);
    expect(/\*\*(.*)\*\*/.exec(out)?.[1]).toMatch(c.verdict);
  });
});

describe('marmite review: JSON and the observed snapshot', () => {
  it('gives the same review as JSON, with the plan restricted to the merge request', async () => {
    const { code, out } = await review(cases[0]!, ['--format', 'json']);

    const r = JSON.parse(out) as Review;
    expect(code).toBe(0);
    expect(r.delta?.added.map((c) => c.id)).toEqual(['proxmox:paris/vm/alpha-lecture/wiki:create', 'proxmox:paris/vm/alpha-lecture/wiki:start']);
    expect(r.observed).toEqual({ kind: 'snapshot', file: '.marmite-observed.json', observedAt: '2026-03-02T09:55:00.000Z', commit: '5ca1ab1e0000000000000000000000000000beef' });
    expect(r.ownership.touchedTenants).toEqual(['alpha-lecture']);
  });

  it("takes approvers from the target branch's CODEOWNERS, not from the merge request's", async () => {
    const c: Case = { ...cases[0]!, mr: { ...cases[0]!.mr, CODEOWNERS: '* @attacker\n' } };

    const { out } = await review(c, ['--format', 'json']);

    const r = JSON.parse(out) as Review;
    expect(r.ownership.approvals.map((a) => a.who)).toEqual([['@charity/alpha-lecture'], ['@charity/platform']]);
    expect(r.ownership.platformFiles).toEqual(['CODEOWNERS']);
  });

  it('plans against an assumed empty cluster when the snapshot is missing, and says so', async () => {
    const repo = makeRepo({}, { 'tenants/alpha-lecture/vms/wiki.yaml': WIKI });
    repos.push(repo);
    const io = bufferIo({ cwd: repo.dir });

    const code = await reviewCommand(['--base', 'main', '--observed', 'missing.json'], io, () => NOW);

    expect(code).toBe(0);
    expect(io.out()).toContain('**No observed snapshot was available** (missing.json is missing or empty');
    expect(io.out()).toContain('`+` create `vm alpha-lecture/wiki` (paris)');
  });

  it('writes the full review as an artifact and names it in the comment', async () => {
    const { out, repo } = await review(cases[0]!, ['--artifact', 'review.md']);

    const artifact = readFileSync(join(repo.dir, 'review.md'), 'utf8');
    expect(out).toContain('CI artifact `review.md`');
    expect(artifact).toContain('#### `+` create `vm alpha-lecture/wiki` (paris)');
  });

  it.each([
    ['an unknown base', ['--base', 'no-such-branch'], 1, /unknown revision 'no-such-branch'/],
    ['a bad format', ['--base', 'main', '--format', 'text'], 2, /--format must be markdown or json/],
    ['an unknown forge', ['--base', 'main', '--post', 'github'], 2, /--post supports only gitlab/],
  ])('reports %s', async (_name, args, exit, message) => {
    const repo = makeRepo({}, {});
    repos.push(repo);
    const io = bufferIo({ cwd: repo.dir });

    const run = reviewCommand(args, io, () => NOW).catch((err: Error) => {
      io.stderr(err.message);
      return 2;
    });

    expect(await run).toBe(exit);
    expect(io.err()).toMatch(message);
  });
});

describe('docs/merge-requests.md', () => {
  it('shows the add-vm golden comment as its example', () => {
    const doc = 'docs/merge-requests.md';
    const golden = readFileSync(join(GOLDEN, 'add-vm.md'), 'utf8');
    const text = readFileSync(doc, 'utf8');
    const block = /<!-- example:start -->\n([\s\S]*)<!-- example:end -->/;
    if (process.env['UPDATE_GOLDEN']) writeFileSync(doc, text.replace(block, () => `<!-- example:start -->\n${golden}<!-- example:end -->`));

    expect(block.exec(readFileSync(doc, 'utf8'))?.[1]).toBe(golden);
  });
});
