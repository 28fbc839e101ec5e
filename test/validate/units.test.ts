import { describe, expect, it } from 'vitest';
import { bytesToGiB, bytesToMiB, formatBytes, isValidTimeZone, parseDuration, parseHours, parseSize } from '../../src/validate/units.js';

describe('parseSize', () => {
  it.each([
    ['512MiB', 512 * 2 ** 20],
    ['4GiB', 4 * 2 ** 30],
    ['1.5TiB', 1.5 * 2 ** 40],
    ['20GB', 20e9],
    ['100KB', 100e3],
    ['1PiB', 2 ** 50],
    ['7B', 7],
    ['0.5KiB', 512],
  ])('%s is %d bytes', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', '4', '4 gigabytes', '4gib', '-1GiB', 'GiB', '4GiBs', '1,5GiB'])('%j is not a size', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('bytesToMiB / bytesToGiB round up', () => {
  it.each([
    [2 ** 30, 1024, 1],
    [20e9, 19074, 19],
    [1, 1, 1],
    [0, 0, 0],
  ])('%d bytes -> %d MiB, %d GiB', (bytes, mib, gib) => {
    expect(bytesToMiB(bytes)).toBe(mib);
    expect(bytesToGiB(bytes)).toBe(gib);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['5m', 300],
    ['1h30m', 5400],
    ['2d', 172800],
    ['1d2h3m4s', 93784],
    ['0s', 0],
  ])('%s is %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', '5', '5 min', '30m1h', '1.5h', 'm'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('parseHours', () => {
  it.each([
    ['08:00-19:00', 480, 1140],
    ['00:00-24:00', 0, 1440],
    ['22:00-06:30', 1320, 390],
  ])('%s', (text, startMinute, endMinute) => {
    expect(parseHours(text)).toEqual({ startMinute, endMinute });
  });

  it.each(['8:00-19:00', '08:00-25:00', '24:00-08:00', '08:60-09:00', '24:30-24:30', '08:00'])('%j is not valid', (text) => {
    expect(parseHours(text)).toBeUndefined();
  });
});

describe('formatBytes', () => {
  it.each([
    [16 * 2 ** 30, '16GiB'],
    [512 * 2 ** 20, '512MiB'],
    [1.5 * 2 ** 40, '1.5TiB'],
    [100, '100B'],
  ])('%d -> %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('isValidTimeZone', () => {
  it.each([
    ['UTC', true],
    ['Europe/Paris', true],
    ['Mars/Olympus', false],
  ])('%s -> %s', (tz, ok) => {
    expect(isValidTimeZone(tz)).toBe(ok);
  });
});
