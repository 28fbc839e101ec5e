import { describe, expect, it } from 'vitest';
import { nodeWatts } from '../../src/energy/index.js';

describe('nodeWatts', () => {
  it.each([
    ['idle', 0, 100],
    ['half load', 0.5, 200],
    ['full load', 1, 300],
    ['load above 1 is clamped', 1.7, 300],
    ['negative load is clamped', -0.2, 100],
    ['no load figure counts as idle', Number.NaN, 100],
  ])('%s: %f -> %f W', (_name, load, watts) => {
    // Arrange
    const power = { idleWatts: 100, maxWatts: 300 };
    // Act
    const result = nodeWatts(power, load);
    // Assert
    expect(result).toBeCloseTo(watts, 9);
  });
});
