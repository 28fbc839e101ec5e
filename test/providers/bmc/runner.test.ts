// The ipmitool runner's deadline with a stand-in program that never ends: the call settles with a
// timeout and the whole process group is gone, so a wedged child never holds the agent.

import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../../src/core/secret.js';
import { BmcError } from '../../../src/providers/bmc/errors.js';
import { runIpmitool } from '../../../src/providers/bmc/ipmitool.js';
import { eventually } from './helpers.js';

let dir = '';
const target = { subject: 'node stuck', host: '127.0.0.1', port: 9, username: 'admin', password: new Secret('pw'), cipherSuite: 3 };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'marmite-stuck-'));
  // Ignores SIGTERM and starts a child of its own, as a wedged wrapper would.
  await writeFile(join(dir, 'stuck'), `#!/bin/sh\ntrap '' TERM\necho $$ > ${dir}/pids\nsleep 60 &\necho $! >> ${dir}/pids\nwait\n`);
  await chmod(join(dir, 'stuck'), 0o755);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ipmitool runner deadline', () => {
  it('kills a child that never answers and its own children, and reports a timeout', async () => {
    const err = await runIpmitool(target, ['chassis', 'power', 'status'], { binary: join(dir, 'stuck'), deadlineMs: 1500, probe: false }).then(
      () => undefined,
      (e: unknown) => e,
    );

    const pids = (await readFile(join(dir, 'pids'), 'utf8')).trim().split('\n').map(Number);
    const survivors = await eventually(
      async () => pids.filter(alive),
      (left) => left.length === 0,
    );
    expect(err).toBeInstanceOf(BmcError);
    expect((err as BmcError).kind).toBe('timeout');
    expect(pids).toHaveLength(2);
    expect(survivors).toEqual([]);
  });

  it('a missing program is a command error', async () => {
    const binary = '/nonexistent/ipmitool';

    await expect(runIpmitool(target, ['chassis', 'power', 'status'], { binary, probe: false })).rejects.toMatchObject({ kind: 'command', transient: false });
  });
});
