import { describe, expect, it } from 'vitest';
import { PLATFORM, sampleEnergy, shareWatts, type Reservation } from '../../src/energy/index.js';
import { desired, guest, observed, observedNode } from './fixtures.js';

const AT = '2026-12-03T10:00:00.000Z';
const total = (tenants: Record<string, number>) => Object.values(tenants).reduce((a, b) => a + b, 0);

describe('sampleEnergy: readings', () => {
  it.each([
    ['BMC watts win over the model', { node: 'par-cpu-1', bmc: 'on' as const, watts: 180 }, observedNode('pve1', 'online', 0.5), { state: 'on', watts: 180, source: 'bmc', alwaysOnWatts: 180 }],
    ['model when the BMC reads no watts', { node: 'par-cpu-1', bmc: 'on' as const }, observedNode('pve1', 'online', 0.25), { state: 'on', watts: 150, source: 'model', alwaysOnWatts: 150 }],
    ['model when there is no BMC entry, from Proxmox', undefined, observedNode('pve1', 'online', 1), { state: 'on', watts: 300, source: 'model', alwaysOnWatts: 300 }],
    ['off: nothing, always-on counts idle', { node: 'par-cpu-1', bmc: 'off' as const }, observedNode('pve1', 'offline', 0), { state: 'off', watts: 0, source: 'model', alwaysOnWatts: 100 }],
    ['off with a standby reading', { node: 'par-cpu-1', bmc: 'off' as const, watts: 9 }, observedNode('pve1', 'offline', 0), { state: 'off', watts: 9, source: 'bmc', alwaysOnWatts: 100 }],
    ['BMC on while Proxmox is still booting', { node: 'par-cpu-1', bmc: 'on' as const }, observedNode('pve1', 'offline', 0), { state: 'on', watts: 100, source: 'model', alwaysOnWatts: 100 }],
  ])('%s', (_name, power, seen, expected) => {
    // Arrange
    const obs = observed({ at: AT, nodes: [seen, observedNode('pve2', 'offline', 0)], power: power ? [power] : [] });
    // Act
    const s = sampleEnergy(desired(), obs, AT);
    // Assert
    expect(s.nodes['par-cpu-1']).toMatchObject(expected);
    expect(total(s.nodes['par-cpu-1']!.tenants)).toBeCloseTo(expected.watts, 9);
  });

  it('has no reading for a node of an unreachable site with no BMC view', () => {
    // Arrange
    const obs = observed({ at: AT, reachable: false, nodes: [], guests: [], power: [{ node: 'par-cpu-1', bmc: 'on', watts: 150 }, { node: 'par-cpu-2', bmc: 'unknown' }] });
    // Act
    const s = sampleEnergy(desired(), obs, AT);
    // Assert
    expect(Object.keys(s.nodes)).toEqual(['par-cpu-1']);
    expect(s.unknown).toEqual(['par-cpu-2']);
    expect(s.sites.paris).toEqual({ pricePerKWh: 0.22, currency: 'EUR', pue: 1.5 });
    expect(s.at).toBe(AT);
  });
});

describe('sampleEnergy: sharing to tenants', () => {
  it('shares a node by its running VMs\' reserved cores and memory, the rest to the platform', () => {
    // Arrange: 16 usable cores, 64 GiB; web 4 cores/8 GiB -> 0.1875; db 8 cores/16 GiB -> 0.375
    const obs = observed({ at: AT });
    // Act
    const s = sampleEnergy(desired(), obs, AT);
    // Assert
    const t = s.nodes['par-cpu-1']!.tenants;
    expect(Object.keys(t)).toEqual(['ad28', PLATFORM, 'repair']);
    expect(t.ad28).toBeCloseTo(33.75, 9);
    expect(t.repair).toBeCloseTo(67.5, 9);
    expect(t[PLATFORM]).toBeCloseTo(78.75, 9);
    expect(s.nodes['par-cpu-2']!.tenants).toEqual({ [PLATFORM]: 0 });
  });

  it.each([
    ['a stopped VM', { status: 'stopped' as const }],
    ['a VM on another node', { node: 'pve2' }],
    ['a template', { template: true }],
  ])('ignores %s', (_name, over) => {
    // Arrange
    const obs = observed({ at: AT, guests: [guest(1001, 'pve1', { managed: { tenant: 'ad28', vm: 'web', specHash: 'x' }, ...over })] });
    // Act
    const s = sampleEnergy(desired(), obs, AT);
    // Assert
    expect(s.nodes['par-cpu-1']!.tenants).toEqual({ [PLATFORM]: 180 });
  });

  it('uses what Proxmox shows for a managed VM missing from the desired state', () => {
    // Arrange: 8 cores of 16, 32 GiB of 64 -> half
    const obs = observed({ at: AT, guests: [guest(1500, 'pve1', { maxcpu: 8, maxmemMiB: 32768, managed: { tenant: 'old', vm: 'gone', specHash: 'z' } })] });
    // Act
    const s = sampleEnergy(desired(), obs, AT);
    // Assert
    expect(s.nodes['par-cpu-1']!.tenants.old).toBeCloseTo(90, 9);
  });
});

describe('shareWatts', () => {
  const usable = { usable: { cores: 8, memoryMiB: 16384 } };
  it.each<[string, Reservation[]]>([
    ['nothing running', []],
    ['one small VM', [{ tenant: 'a', cores: 1, memoryMiB: 1024 }]],
    ['exactly full', [{ tenant: 'a', cores: 4, memoryMiB: 8192 }, { tenant: 'b', cores: 4, memoryMiB: 8192 }]],
    ['cores overcommitted', [{ tenant: 'a', cores: 12, memoryMiB: 2048 }, { tenant: 'b', cores: 8, memoryMiB: 2048 }]],
    ['both overcommitted', [{ tenant: 'a', cores: 16, memoryMiB: 32768 }, { tenant: 'b', cores: 16, memoryMiB: 32768 }]],
    ['an unmanaged guest among them', [{ tenant: PLATFORM, cores: 4, memoryMiB: 4096 }, { tenant: 'b', cores: 2, memoryMiB: 2048 }]],
    ['one tenant, two VMs', [{ tenant: 'a', cores: 2, memoryMiB: 2048 }, { tenant: 'a', cores: 2, memoryMiB: 2048 }]],
  ])('sums to the node total: %s', (_name, reservations) => {
    // Act
    const shares = shareWatts(250, usable, reservations);
    // Assert
    expect(total(shares)).toBeCloseTo(250, 9);
    for (const w of Object.values(shares)) expect(w).toBeGreaterThanOrEqual(0);
  });

  it('shares an overcommitted dimension by what is reserved', () => {
    // Act: cores 12 and 4 of 16 reserved (8 usable); memory 4 and 4 GiB of 16
    const shares = shareWatts(100, usable, [{ tenant: 'a', cores: 12, memoryMiB: 4096 }, { tenant: 'b', cores: 4, memoryMiB: 4096 }]);
    // Assert: a = (0.75 + 0.25) / 2, b = (0.25 + 0.25) / 2, platform the unreserved half of memory
    expect(shares.a).toBeCloseTo(50, 9);
    expect(shares.b).toBeCloseTo(25, 9);
    expect(shares[PLATFORM]).toBeCloseTo(25, 9);
  });
});
