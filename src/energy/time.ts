// Hours and months of the ledger are UTC, like every timestamp on the status branch: a month file
// never depends on the agent host's timezone, and daylight saving never makes a 23- or 25-hour day.

export const HOUR_MS = 3_600_000;

/** `2026-12` for any instant of December 2026 (UTC). */
export function monthOf(at: Date | string): string {
  return new Date(at).toISOString().slice(0, 7);
}

/** `2026-12-03T17`: the hour bucket an instant falls in. */
export function hourOf(at: Date | number): string {
  return new Date(at).toISOString().slice(0, 13);
}

export function isMonth(text: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(text);
}

/** [start, end) of a month in epoch milliseconds. */
export function monthRange(month: string): { start: number; end: number } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1) };
}

export function hoursInMonth(month: string): number {
  const { start, end } = monthRange(month);
  return (end - start) / HOUR_MS;
}

/** Splits [from, to) at hour boundaries: the pieces with their hour and length in seconds. */
export function splitByHour(from: number, to: number): { hour: string; seconds: number }[] {
  const pieces: { hour: string; seconds: number }[] = [];
  let t = from;
  while (t < to) {
    const next = Math.min(to, (Math.floor(t / HOUR_MS) + 1) * HOUR_MS);
    pieces.push({ hour: hourOf(t), seconds: (next - t) / 1000 });
    t = next;
  }
  return pieces;
}
