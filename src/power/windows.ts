// Power windows as time: when a window is open, when it next changes, and its open intervals over
// a range. Pure (the instant is always an argument). Days+hours periods are wall-clock times in
// the window's time zone, so an office day stays 08:00-19:00 across DST changes; cron periods are
// read by croner in that same time zone.

import { Cron } from 'croner';
import type { Desired, Node, Vm, Window, WindowPeriod } from '../model/desired.js';
import type { Weekday } from '../model/spec.js';

export interface Interval {
  /** Epoch milliseconds, start included. */
  start: number;
  /** Epoch milliseconds, end excluded. */
  end: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** How far back a days period can have opened and still be open: a day plus a past-midnight end. */
const DAYS_LOOKBACK = 2 * DAY;
/** How far nextChange looks before saying the window never changes again. */
const NEXT_CHANGE_HORIZON = 400 * DAY;

// Formatters and cron objects are costly to build and depend only on their key: memoised.
const formatters = new Map<string, Intl.DateTimeFormat>();
const crons = new Map<string, Cron>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

export interface LocalTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  weekday: Weekday;
}

/** Wall-clock time of an instant in a time zone. */
export function localTime(at: number, tz: string): LocalTime {
  const d = new Date(at + offsetAt(at, tz));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: WEEKDAYS[d.getUTCDay()]!,
  };
}

// Offsets change only on quarter hours (every DST rule in use does), so one reading per zone and
// quarter hour is exact, and it spares the costly Intl formatting on every question.
const QUARTER = 15 * MINUTE;
const offsets = new Map<string, number>();

/** Offset of a time zone from UTC at an instant, in milliseconds. */
function offsetAt(at: number, tz: string): number {
  const bucket = Math.floor(at / QUARTER) * QUARTER;
  const key = `${tz}|${bucket}`;
  const hit = offsets.get(key);
  if (hit !== undefined) return hit;
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(bucket))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const offset = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!) - bucket;
  if (offsets.size > 200_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

/**
 * The instant a wall-clock time happens in a time zone. A time skipped by a spring-forward change
 * is shifted forward by the gap (an 02:30 opening on that day opens at 03:30, as Temporal's
 * 'compatible' reading does); a time that happens twice in autumn maps to its first occurrence.
 */
export function zonedInstant(year: number, month: number, day: number, minuteOfDay: number, tz: string): number {
  const wall = Date.UTC(year, month - 1, day) + minuteOfDay * MINUTE;
  const before = wall - offsetAt(wall - 12 * HOUR, tz);
  const after = wall - offsetAt(wall + 12 * HOUR, tz);
  const valid = [before, after].filter((c) => c + offsetAt(c, tz) === wall);
  if (valid.length > 0) return Math.min(...valid);
  return before;
}

function cronOf(schedule: string, tz: string): Cron {
  const key = `${tz}|${schedule}`;
  let c = crons.get(key);
  if (!c) {
    c = new Cron(schedule, { mode: '5-part', timezone: tz });
    crons.set(key, c);
  }
  return c;
}

function cronIntervals(p: Extract<WindowPeriod, { kind: 'cron' }>, tz: string, from: number, to: number): Interval[] {
  if (p.durationSeconds <= 0) return [];
  const cron = cronOf(p.schedule, tz);
  const out: Interval[] = [];
  // A run that started up to one duration before `from` is still open at `from`.
  let run = cron.nextRun(new Date(from - p.durationSeconds * 1000));
  while (run !== null && run.getTime() < to) {
    const start = run.getTime();
    out.push({ start, end: start + p.durationSeconds * 1000 });
    run = cron.nextRun(run);
  }
  return out;
}

function daysIntervals(p: Extract<WindowPeriod, { kind: 'days' }>, tz: string, from: number, to: number): Interval[] {
  if (p.startMinute === p.endMinute || p.days.length === 0) return [];
  const days = new Set(p.days);
  const out: Interval[] = [];
  // Walk calendar dates in the zone, from the date two days before `from` to the date of `to`.
  const first = localTime(from - DAYS_LOOKBACK, tz);
  const last = localTime(to, tz);
  const lastKey = Date.UTC(last.year, last.month - 1, last.day);
  for (let d = Date.UTC(first.year, first.month - 1, first.day); d <= lastKey; d += DAY) {
    const date = new Date(d);
    if (!days.has(WEEKDAYS[date.getUTCDay()]!)) continue;
    const [y, m, dd] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const start = zonedInstant(y, m, dd, p.startMinute, tz);
    // An end before the start runs past midnight into the next day; 24:00 is the next midnight.
    const endDay = p.endMinute < p.startMinute || p.endMinute >= 1440 ? new Date(d + DAY) : date;
    const end = zonedInstant(endDay.getUTCFullYear(), endDay.getUTCMonth() + 1, endDay.getUTCDate(), p.endMinute % 1440, tz);
    if (end > from && start < to && end > start) out.push({ start, end });
  }
  return out;
}

/** Sorts and joins overlapping or touching intervals. */
export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else out.push({ ...i });
  }
  return out;
}

/** The merged open intervals of a window that meet [from, to), clipped to nothing: whole intervals. */
export function openIntervals(window: Window, from: Date | number, to: Date | number): Interval[] {
  const f = +from;
  const t = +to;
  const all: Interval[] = [];
  for (const p of window.periods) {
    all.push(...(p.kind === 'cron' ? cronIntervals(p, window.timezone, f, t) : daysIntervals(p, window.timezone, f, t)));
  }
  return mergeIntervals(all).filter((i) => i.end > f && i.start < t);
}

export function isOpen(window: Window, at: Date | number): boolean {
  const a = +at;
  return openIntervals(window, a, a + 1).some((i) => i.start <= a && a < i.end);
}

/** The next instant after `at` where the window opens or closes; undefined if it never does. */
export function nextChange(window: Window, at: Date | number): Date | undefined {
  const a = +at;
  for (let from = a; from < a + NEXT_CHANGE_HORIZON; from += 30 * DAY) {
    for (const i of openIntervals(window, from, from + 30 * DAY)) {
      if (i.start > a) return new Date(i.start);
      if (i.end > a) return new Date(i.end);
    }
  }
  return undefined;
}

/**
 * Window lookups over a fixed range, computed once: the planner and the timeline ask the same
 * windows thousands of times, and an interval search is far cheaper than a time-zone conversion.
 */
export class WindowCalendar {
  private readonly byName = new Map<string, Interval[]>();

  constructor(
    private readonly desired: Desired,
    readonly from: number,
    readonly to: number,
  ) {}

  intervals(name: string): Interval[] {
    let list = this.byName.get(name);
    if (!list) {
      const w = this.desired.windows[name];
      list = w ? openIntervals(w, this.from, this.to) : [];
      this.byName.set(name, list);
    }
    return list;
  }

  /** Whether any of the windows is open at some instant of [at, at + leadMs]. */
  openWithin(names: readonly string[], at: number, leadMs = 0): boolean {
    for (const n of names) {
      for (const i of this.intervals(n)) if (i.start <= at + leadMs && at < i.end) return true;
    }
    return false;
  }

  /** Every instant where one of these windows opens or closes. */
  boundaries(names: readonly string[]): number[] {
    const out: number[] = [];
    for (const n of names) for (const i of this.intervals(n)) out.push(i.start, i.end);
    return out;
  }
}

/** A lookup for a single instant: intervals around `at`, wide enough for boot leads. */
export function calendarAt(desired: Desired, at: Date | number, aheadMs = DAY): WindowCalendar {
  const a = +at;
  return new WindowCalendar(desired, a - DAYS_LOOKBACK, a + aheadMs);
}

/** A VM must run when Git says running and it has no schedule or one of its windows is open. */
export function vmMustRun(desired: Desired, vm: Vm, at: Date | number, calendar?: WindowCalendar): boolean {
  if (vm.state !== 'running') return false;
  if (vm.schedule.windows.length === 0) return true;
  return (calendar ?? calendarAt(desired, at, MINUTE)).openWithin(vm.schedule.windows, +at);
}

/** Whether one of a windows-policy node's windows is open at `at` (false for other policies). */
export function nodeWindowOpen(desired: Desired, node: Node, at: Date | number, calendar?: WindowCalendar): boolean {
  if (node.power.policy !== 'windows') return false;
  return (calendar ?? calendarAt(desired, at, MINUTE)).openWithin(node.power.windows, +at);
}

// One calendar per (desired, instant): plan() asks mustRun for every VM at the same `now`.
const calendars = new WeakMap<Desired, { at: number; calendar: WindowCalendar }>();

/** A memoised calendar around `at` (a day ahead), shared by every question about that instant. */
export function calendarFor(desired: Desired, at: Date | number): WindowCalendar {
  const a = +at;
  const hit = calendars.get(desired);
  if (hit && hit.at === a) return hit.calendar;
  const calendar = calendarAt(desired, a);
  calendars.set(desired, { at: a, calendar });
  return calendar;
}
