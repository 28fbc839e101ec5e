import { describe, expect, it } from 'vitest';
import { checkMustRunVm, mustRunDependencies, type GuestOnNode } from '../../../src/power/rules/must-run-vm.js';

describe('rule must-run-vm', () => {
  it.each<{ name: string; guests: GuestOnNode[]; ok: boolean }>([
    { name: 'blocks: a must-run VM stays and nothing moves it', guests: [{ subject: 'vm a/web', mustRun: true, handledBy: [], why: 'its disks are on local storage' }], ok: false },
    { name: 'allows: the must-run VM is migrated by this plan', guests: [{ subject: 'vm a/web', mustRun: true, handledBy: ['proxmox:p/vm/a/web:migrate'] }], ok: true },
    { name: 'allows: only VMs that need not run', guests: [{ subject: 'vm a/lab', mustRun: false, handledBy: [] }], ok: true },
    { name: 'allows: an empty node', guests: [], ok: true },
  ])('$name', ({ guests, ok }) => {
    const r = checkMustRunVm('pve2', guests);
    expect(r.ok).toBe(ok);
    if (!r.ok) {
      expect(r.rule).toBe('must-run-vm');
      expect(r.reason).toContain('vm a/web (its disks are on local storage)');
    }
  });

  it('makes the power-off depend on every move and stop', () => {
    const deps = mustRunDependencies([
      { subject: 'vm a/web', mustRun: true, handledBy: ['m2', 'm1'] },
      { subject: 'vm a/db', mustRun: true, handledBy: ['m1'] },
    ]);
    expect(deps).toEqual(['m1', 'm2']);
  });
});
