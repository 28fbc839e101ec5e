import { describe, expect, it } from 'vitest';
import type { Window, WindowPeriod } from '../../src/model/desired.js';
import { isOpen, nextChange, openIntervals, vmMustRun, nodeWindowOpen } from '../../src/power/windows.js';
import { desired, node, vm } from '../plan/helpers.js';

function win(periods: WindowPeriod[], timezone = 'Europe/Paris'): Window {
  return { file: 'power/w.yaml', name: 'w', timezone, periods };
}

const office = win([
  { kind: 'days', days: ['mon', 'tue', 'wed', 'thu', 'fri'], startMinute: 8 * 60, endMinute: 19 * 60 },
  { kind: 'days', days: ['sat'], startMinute: 9 * 60, endMinute: 13 * 60 },
]);
const overnight = win([{ kind: 'days', days: ['fri'], startMinute: 22 * 60, endMinute: 2 * 60 }]);
const lateEvening = win([{ kind: 'days', days: ['mon'], startMinute: 20 * 60, endMinute: 24 * 60 }]);
const backup = win([{ kind: 'cron', schedule: '0 1 * * 6', durationSeconds: 5 * 3600 }]);
const utcOffice = win([{ kind: 'days', days: ['mon'], startMinute: 8 * 60, endMinute: 9 * 60 }], 'UTC');

// March 2026, before the DST change: Paris is UTC+1. 2026-03-04 is a Wednesday.
describe('isOpen', () => {
  it.each<{ name: string; w: Window; at: string; open: boolean }>([
    { name: 'office hours, Wednesday 10:00 Paris', w: office, at: '2026-03-04T09:00:00Z', open: true },
    { name: 'office hours, Wednesday 08:00 Paris (start included)', w: office, at: '2026-03-04T07:00:00Z', open: true },
    { name: 'office hours, Wednesday 19:00 Paris (end excluded)', w: office, at: '2026-03-04T18:00:00Z', open: false },
    { name: 'office hours, Wednesday 07:59 Paris', w: office, at: '2026-03-04T06:59:00Z', open: false },
    { name: 'office hours, Saturday 12:00 Paris', w: office, at: '2026-03-07T11:00:00Z', open: true },
    { name: 'office hours, Sunday 14:00 Paris', w: office, at: '2026-03-08T13:00:00Z', open: false },
    { name: 'overnight, Friday 23:00', w: overnight, at: '2026-03-06T22:00:00Z', open: true },
    { name: 'overnight, Saturday 01:30 (past midnight)', w: overnight, at: '2026-03-07T00:30:00Z', open: true },
    { name: 'overnight, Saturday 02:00 (end)', w: overnight, at: '2026-03-07T01:00:00Z', open: false },
    { name: 'overnight, Thursday 23:00 (not a listed day)', w: overnight, at: '2026-03-05T22:00:00Z', open: false },
    { name: 'overnight, Saturday 23:00 (Saturday is not listed)', w: overnight, at: '2026-03-07T22:00:00Z', open: false },
    { name: '20:00-24:00, Monday 23:59', w: lateEvening, at: '2026-03-02T22:59:00Z', open: true },
    { name: '20:00-24:00, Tuesday 00:00', w: lateEvening, at: '2026-03-02T23:00:00Z', open: false },
    { name: 'cron, Saturday 01:00 Paris', w: backup, at: '2026-03-07T00:00:00Z', open: true },
    { name: 'cron, Saturday 05:59 Paris', w: backup, at: '2026-03-07T04:59:00Z', open: true },
    { name: 'cron, Saturday 06:00 Paris (after 5 h)', w: backup, at: '2026-03-07T05:00:00Z', open: false },
    { name: 'cron, Friday 01:00 Paris', w: backup, at: '2026-03-06T00:00:00Z', open: false },
    { name: 'UTC window read in UTC', w: utcOffice, at: '2026-03-02T08:30:00Z', open: true },
  ])('$name: $open', ({ w, at, open }) => {
    expect(isOpen(w, new Date(at))).toBe(open);
  });
});

describe('openIntervals across DST changes in Europe/Paris', () => {
  const daily = win([{ kind: 'days', days: ['sat', 'sun', 'mon'], startMinute: 8 * 60, endMinute: 19 * 60 }]);

  it('keeps wall-clock hours when summer time starts (29 March 2026)', () => {
    const got = openIntervals(daily, new Date('2026-03-28T00:00:00Z'), new Date('2026-03-31T00:00:00Z')).map((i) => [new Date(i.start).toISOString(), new Date(i.end).toISOString()]);
    expect(got).toEqual([
      ['2026-03-28T07:00:00.000Z', '2026-03-28T18:00:00.000Z'],
      ['2026-03-29T06:00:00.000Z', '2026-03-29T17:00:00.000Z'],
      ['2026-03-30T06:00:00.000Z', '2026-03-30T17:00:00.000Z'],
    ]);
  });

  it('an overnight period over the autumn change lasts one hour more (25 October 2026)', () => {
    const night = win([{ kind: 'days', days: ['sun'], startMinute: 60, endMinute: 4 * 60 }]);
    const [i] = openIntervals(night, new Date('2026-10-25T00:00:00Z'), new Date('2026-10-26T00:00:00Z'));
    expect(new Date(i!.start).toISOString()).toBe('2026-10-24T23:00:00.000Z'); // 01:00 CEST
    expect((i!.end - i!.start) / 3_600_000).toBe(4); // 01:00 CEST to 04:00 CET
  });

  it('a start in the skipped hour opens after the gap (02:30 on 29 March is 03:30 CEST)', () => {
    const gap = win([{ kind: 'days', days: ['sun'], startMinute: 2 * 60 + 30, endMinute: 5 * 60 }]);
    const [i] = openIntervals(gap, new Date('2026-03-29T00:00:00Z'), new Date('2026-03-30T00:00:00Z'));
    expect(new Date(i!.start).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(new Date(i!.end).toISOString()).toBe('2026-03-29T03:00:00.000Z');
  });

  it('reads cron in the window time zone across the change', () => {
    const morning = win([{ kind: 'cron', schedule: '0 8 * * *', durationSeconds: 3600 }]);
    const starts = openIntervals(morning, new Date('2026-03-28T00:00:00Z'), new Date('2026-03-30T00:00:00Z')).map((i) => new Date(i.start).toISOString());
    expect(starts).toEqual(['2026-03-28T07:00:00.000Z', '2026-03-29T06:00:00.000Z']);
  });
});

describe('nextChange', () => {
  it.each([
    { name: 'open on Wednesday: closes at 19:00', w: office, at: '2026-03-04T09:00:00Z', next: '2026-03-04T18:00:00.000Z' },
    { name: 'Saturday afternoon: opens on Monday 08:00', w: office, at: '2026-03-07T12:30:00Z', next: '2026-03-09T07:00:00.000Z' },
    { name: 'overnight, Friday 23:00: closes Saturday 02:00', w: overnight, at: '2026-03-06T22:00:00Z', next: '2026-03-07T01:00:00.000Z' },
    { name: 'cron: next Saturday 01:00', w: backup, at: '2026-03-02T00:00:00Z', next: '2026-03-07T00:00:00.000Z' },
  ])('$name', ({ w, at, next }) => {
    expect(nextChange(w, new Date(at))?.toISOString()).toBe(next);
  });

  it('is undefined for a window that never opens', () => {
    expect(nextChange(win([]), new Date('2026-03-02T00:00:00Z'))).toBeUndefined();
  });
});

describe('vmMustRun and nodeWindowOpen', () => {
  const d = desired([], { windows: { office: { ...office, name: 'office' } } });
  const wed10 = new Date('2026-03-04T09:00:00Z');
  const wed22 = new Date('2026-03-04T21:00:00Z');

  it.each([
    { name: 'running without schedule, any time', v: vm('t/a', 101), at: wed22, must: true },
    { name: 'stopped in Git, never', v: vm('t/a', 101, { state: 'stopped' }), at: wed10, must: false },
    { name: 'scheduled, inside its window', v: vm('t/a', 101, { schedule: { windows: ['office'], shutdownTimeoutSeconds: 60 } }), at: wed10, must: true },
    { name: 'scheduled, outside its window', v: vm('t/a', 101, { schedule: { windows: ['office'], shutdownTimeoutSeconds: 60 } }), at: wed22, must: false },
  ])('$name: $must', ({ v, at, must }) => {
    expect(vmMustRun(d, v, at)).toBe(must);
  });

  it.each([
    { name: 'windows node, window open', n: node('p', { power: { ...node('p').power, policy: 'windows', windows: ['office'] } }), at: wed10, open: true },
    { name: 'windows node, window closed', n: node('p', { power: { ...node('p').power, policy: 'windows', windows: ['office'] } }), at: wed22, open: false },
    { name: 'always-on node has no window', n: node('p'), at: wed10, open: false },
  ])('$name: $open', ({ n, at, open }) => {
    expect(nodeWindowOpen(d, n, at)).toBe(open);
  });
});
