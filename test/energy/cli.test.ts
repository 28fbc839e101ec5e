import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { energyCommand } from '../../src/cli/commands/energy.js';
import { bufferIo } from '../../src/cli/io.js';
import { UsageError } from '../../src/core/errors.js';
import { EnergyLedger } from '../../src/energy/index.js';
import { sample } from './fixtures.js';
import { threeDays } from './month.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marmite-energy-'));
  await mkdir(join(dir, 'status', 'energy'), { recursive: true });
  const nov = EnergyLedger.empty('2026-11');
  nov.record(sample('2026-11-30T10:00:00Z', { n9: { watts: 100 } }));
  nov.record(sample('2026-11-30T10:10:00Z', { n9: { watts: 100 } }));
  await writeFile(join(dir, 'status', 'energy', '2026-11.json'), nov.toJSON());
  await writeFile(join(dir, 'status', 'energy', '2026-12.json'), threeDays().toJSON());
  await writeFile(join(dir, 'broken.json'), '{"formatVersion": 7}');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('marmite energy report', () => {
  it.each([
    ['the latest month of a status checkout', ['report', '--from', 'status'], 'Energy 2026-12'],
    ['a given month', ['report', '--from', 'status', '--month', '2026-11'], 'Energy 2026-11'],
    ['the energy folder itself', ['report', '--from', 'status/energy', '-m', '2026-12'], 'Energy 2026-12'],
    ['one file', ['report', '--from', 'status/energy/2026-11.json'], 'paris/n9'],
    ['markdown', ['report', '--from', 'status', '--format', 'markdown'], '# Energy, 2026-12'],
  ])('prints %s', async (_name, argv, expected) => {
    // Arrange
    const io = bufferIo({ cwd: dir });
    // Act
    const code = await energyCommand(argv, io);
    // Assert
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out()).toContain(expected);
  });

  it('prints the figures as JSON, without the chart series', async () => {
    // Arrange
    const io = bufferIo({ cwd: dir });
    // Act
    const code = await energyCommand(['report', '--from', 'status', '--format', 'json'], io);
    // Assert
    expect(code).toBe(0);
    const figures = JSON.parse(io.out()) as { month: string; kWh: number; series?: unknown; tenants: { tenant: string }[] };
    expect(figures.month).toBe('2026-12');
    expect(figures.kWh).toBeGreaterThan(0);
    expect(figures.series).toBeUndefined();
    expect(figures.tenants.map((t) => t.tenant)).toEqual(['repair', 'ad28', 'platform']);
  });

  it.each([
    ['a missing path', ['report', '--from', 'nowhere'], /nowhere: no such file or directory/],
    ['a month with no ledger', ['report', '--from', 'status', '--month', '2026-10'], /no ledger for 2026-10 \(found 2026-11, 2026-12\)/],
    ['a directory without ledgers', ['report', '--from', '.', '--month', '2026-10'], /no energy\/<yyyy-mm>\.json found/],
    ['a file of another month', ['report', '--from', 'status/energy/2026-11.json', '--month', '2026-12'], /holds 2026-11, not 2026-12/],
    ['a file that is not a ledger', ['report', '--from', 'broken.json'], /broken\.json: formatVersion must be 1/],
  ])('fails with exit 1 on %s', async (_name, argv, message) => {
    // Arrange
    const io = bufferIo({ cwd: dir });
    // Act
    const code = await energyCommand(argv, io);
    // Assert
    expect(code).toBe(1);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe('');
  });

  it.each([
    ['no subcommand', []],
    ['another subcommand', ['show']],
    ['a bad month', ['report', '--month', '2026-13']],
    ['a bad format', ['report', '--format', 'html']],
    ['an unknown option', ['report', '--since', 'x']],
  ])('refuses %s as a usage error', async (_name, argv) => {
    await expect(energyCommand(argv, bufferIo({ cwd: dir }))).rejects.toThrow(UsageError);
  });

  it('prints its usage with --help', async () => {
    // Arrange
    const io = bufferIo({ cwd: dir });
    // Act
    const code = await energyCommand(['--help'], io);
    // Assert
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^usage: marmite energy report/);
  });
});
