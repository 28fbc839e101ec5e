// `marmite plan --observed observed.json`: the offline plan CI uses, with no agent config and no
// provider; the output names the snapshot it planned against.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planCommand } from '../../src/cli/commands/plan.js';
import { bufferIo } from '../../src/cli/io.js';
import type { Plan } from '../../src/model/plan.js';
import { renderObserved } from '../../src/report/reports.js';
import { EXAMPLE, NOW, observedAfterApply } from './repo.js';

let dir: string;
let snapshot: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'marmite-plan-offline-'));
  snapshot = join(dir, 'observed.json');
  const observed = await observedAfterApply();
  // One VM missing from the snapshot, so the plan has something to do.
  observed.sites['paris']!.guests = observed.sites['paris']!.guests.filter((g) => g.name !== 'web.banque-alimentaire');
  writeFileSync(snapshot, renderObserved(observed));
  writeFileSync(join(dir, 'empty.json'), '');
  writeFileSync(join(dir, 'broken.json'), '{"formatVersion": 1}');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  // No agent config anywhere: the offline plan must not look for one.
  const io = bufferIo({ cwd: process.cwd(), env: { MARMITE_CONFIG: join(dir, 'no-such-config.yaml') } });
  const code = await planCommand([EXAMPLE, ...args], io, () => NOW);
  return { code, out: io.out(), err: io.err() };
}

describe('plan --observed', () => {
  it.each([
    ['text', 'Planned offline against the observed snapshot'],
    ['markdown', '> Planned offline against the observed snapshot'],
  ])('plans against the snapshot and says which one (%s)', async (format, prefix) => {
    const r = await run(['--observed', snapshot, '--format', format, '--detailed-exitcode']);

    expect(r.code).toBe(2);
    expect(r.out.startsWith(`${prefix} ${snapshot}: observed 2026-03-02T09:55:00.000Z for commit 5ca1ab1e0000`)).toBe(true);
    expect(r.out).toContain('vm banque-alimentaire/web');
  });

  it('keeps stdout pure JSON and names the snapshot on stderr', async () => {
    const r = await run(['--observed', snapshot, '--format', 'json']);

    const p = JSON.parse(r.out) as Plan;
    expect(r.code).toBe(0);
    expect(p.observedAt).toBe('2026-03-02T09:55:00.000Z');
    expect(p.changes.filter((c) => c.action === 'create').map((c) => c.subject)).toEqual(['vm banque-alimentaire/web']);
    expect(r.err).toContain('planned against the observed snapshot');
  });

  it.each([
    ['a missing file', 'missing.json', /no observed snapshot \(missing or empty\)/],
    ['an empty file', 'empty.json', /no observed snapshot \(missing or empty\)/],
    ['a file that is not a snapshot', 'broken.json', /not an observed snapshot/],
  ])('refuses %s (exit 1)', async (_name, file, message) => {
    const r = await run(['--observed', join(dir, file)]);

    expect(r.code).toBe(1);
    expect(r.err).toMatch(message);
  });

  it('takes no --config with --observed', async () => {
    await expect(run(['--observed', snapshot, '--config', 'agent.yaml'])).rejects.toThrow(/--observed plans offline and takes no --config/);
  });
});
