import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { powerCommand } from '../../src/cli/commands/power.js';
import { bufferIo } from '../../src/cli/io.js';
import { UsageError } from '../../src/core/errors.js';
import { placedObserved, realistic } from './fixture.js';

const NOW = () => new Date('2026-03-02T00:30:00Z'); // Monday 01:30 in Paris

describe('marmite power timeline', () => {
  it('prints one row per node, hours as characters', async () => {
    const io = bufferIo();
    const code = await powerCommand(['timeline', 'examples/realistic', '--days', '2'], io, NOW);
    expect(code).toBe(0);
    const out = io.out();
    const row = out.split('\n').find((l) => l.trim().startsWith('par-cpu-1'))!;
    // From 01:00 Paris: off until office hours open at 08:00 (a 4 min boot makes 07:00 partly on).
    expect(row.trim().split(/\s+/)[1]).toBe('......:###########......');
    expect(out.split('\n').find((l) => l.trim().startsWith('par-ceph-1'))).toContain('#'.repeat(24));
    expect(out).toContain('site montreuil (Europe/Paris)');
    expect(out).toContain('transitions:');
  });

  it('draws an SVG chart', async () => {
    const io = bufferIo();
    await powerCommand(['timeline', 'examples/realistic', '--format', 'svg', '--days', '1'], io, NOW);
    expect(io.out()).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(io.out()).toContain('paris/par-cpu-1');
    expect(io.out().trim().endsWith('</svg>')).toBe(true);
  });

  it('gives JSON, and reads an observed state when given', async () => {
    const d = await realistic();
    const dir = await mkdtemp(join(tmpdir(), 'marmite-power-'));
    const file = join(dir, 'observed.json');
    await writeFile(file, JSON.stringify(placedObserved(d, NOW())));
    const io = bufferIo();
    await powerCommand(['timeline', 'examples/realistic', '--format', 'json', '--observed', file], io, NOW);
    const json = JSON.parse(io.out());
    expect(json.hours).toBe(168);
    expect(json.timeline).toHaveLength(Object.keys(d.nodes).length);
  });

  it.each([
    { name: 'no subcommand', argv: ['examples/realistic'] },
    { name: 'a bad format', argv: ['timeline', 'examples/realistic', '--format', 'pdf'] },
    { name: 'bad days', argv: ['timeline', 'examples/realistic', '--days', '0'] },
    { name: 'a missing directory', argv: ['timeline', 'no/such/dir'] },
  ])('refuses $name as a usage error', async ({ argv }) => {
    await expect(powerCommand(argv, bufferIo(), NOW)).rejects.toBeInstanceOf(UsageError);
  });
});
