import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferIo } from '../../src/cli/io.js';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { main } from '../../src/cli/main.js';
import { UsageError } from '../../src/core/errors.js';
import { writeRepo } from './helpers/repo-dir.js';
import { variant } from './helpers/variant.js';
import { edit } from './helpers/variant.js';

let valid: Awaited<ReturnType<typeof writeRepo>>;
let invalid: Awaited<ReturnType<typeof writeRepo>>;
let warned: Awaited<ReturnType<typeof writeRepo>>;

beforeAll(async () => {
  valid = await writeRepo(variant({}));
  invalid = await writeRepo(variant({ ...edit('tenants/ad28/vms/web.yaml', 'flavor: small', 'flavor: nope'), ...edit('tenants/ad28/tenant.yaml', 'vms: 5', 'vms: 1') }));
  warned = await writeRepo(variant(edit('nodes/pve1.yaml', '  policy: always-on\n', '  policy: always-on\n  windows: [office-hours]\n')));
});

afterAll(async () => {
  await Promise.all([valid.cleanup(), invalid.cleanup(), warned.cleanup()]);
});

describe('marmite validate: exit codes and text output', () => {
  it.each([
    ['a valid repository', () => [valid.dir], 0, /: valid \(2 nodes, 1 tenant, 2 VMs\)\n$/],
    ['a valid repository with a warning', () => [warned.dir], 0, /nodes\/pve1\.yaml:9:\d+: warning: .*\[power-windows-ignored\]\n.*: valid \(2 nodes, 1 tenant, 2 VMs\), 1 warning\n$/],
    ['an invalid repository', () => [invalid.dir], 1, /tenants\/ad28\/vms\/web\.yaml:2:9: error: vm ad28\/web: unknown flavor 'nope'.*\[unknown-reference\]\n(.*\n)*.*: invalid: 2 errors\n$/],
  ] as const)('%s', async (_label, args, code, output) => {
    // Arrange
    const io = bufferIo();
    // Act
    const exit = await validateCommand([...args()], io);
    // Assert
    expect(io.out()).toMatch(output);
    expect(exit).toBe(code);
  });

  it('defaults DIR to the working directory and names it "."', async () => {
    const io = bufferIo({ cwd: valid.dir });
    const exit = await validateCommand([], io);
    expect(exit).toBe(0);
    expect(io.out()).toBe('.: valid (2 nodes, 1 tenant, 2 VMs)\n');
  });
});

describe('marmite validate --format json', () => {
  it.each([
    ['valid', () => valid.dir, 0, true, 0],
    ['invalid', () => invalid.dir, 1, false, 2],
  ] as const)('%s', async (_label, dir, code, isValid, errors) => {
    const io = bufferIo();
    const exit = await validateCommand([dir(), '--format', 'json'], io);
    const out = JSON.parse(io.out()) as { valid: boolean; diagnostics: Record<string, unknown>[]; summary: { errors: number } };
    expect(exit).toBe(code);
    expect(out.valid).toBe(isValid);
    expect(out.summary.errors).toBe(errors);
    expect(out.diagnostics).toHaveLength(errors);
    for (const d of out.diagnostics) expect(Object.keys(d).sort()).toEqual(['code', 'column', 'file', 'line', 'message', 'severity']);
  });
});

describe('marmite validate usage errors', () => {
  it.each([
    ['unknown option', ['--nope']],
    ['bad format', ['--format', 'xml']],
    ['two directories', ['a', 'b']],
    ['a directory that does not exist', ['/nonexistent/marmite-repo']],
  ])('%s throws a UsageError', async (_label, argv) => {
    await expect(validateCommand(argv, bufferIo())).rejects.toBeInstanceOf(UsageError);
  });

  it('exits 2 through main', async () => {
    const io = bufferIo();
    const exit = await main(['validate', '/nonexistent/marmite-repo'], io);
    expect(exit).toBe(2);
    expect(io.err()).toContain('marmite validate: /nonexistent/marmite-repo: not a directory');
  });
});
