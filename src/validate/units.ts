// Unit parsers for the strings users write (`4GiB`, `1h30m`, `08:00-19:00`). Each returns
// undefined on bad input so callers can turn it into a diagnostic at the right field.

const SIZE_FACTORS: Record<string, number> = {
  B: 1,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  PiB: 2 ** 50,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  PB: 1e15,
};

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(B|[KMGTP]i?B)$/;

/** Bytes in `512MiB`, `4GiB`, `1.5TiB`, `20GB`; fractions of a byte round up. */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (!m) return undefined;
  const factor = SIZE_FACTORS[m[2]!];
  if (factor === undefined) return undefined;
  return Math.ceil(Number(m[1]) * factor);
}

export const MIB = 2 ** 20;
export const GIB = 2 ** 30;

/** Whole MiB, rounding up: a VM never gets less memory than asked for. */
export function bytesToMiB(bytes: number): number {
  return Math.ceil(bytes / MIB);
}

/** Whole GiB, rounding up, as Proxmox sizes disks. */
export function bytesToGiB(bytes: number): number {
  return Math.ceil(bytes / GIB);
}

const DURATION_RE = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds in `90s`, `5m`, `1h30m`, `2d`. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const m = DURATION_RE.exec(t);
  if (!m) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0)) as [number, number, number, number];
  return d * 86400 + h * 3600 + min * 60 + s;
}

const HOURS_RE = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;

/**
 * Minutes since midnight in `08:00-19:00`. `24:00` is allowed as an end; an end before the start
 * means the period runs past midnight (`22:00-06:00`).
 */
export function parseHours(text: string): { startMinute: number; endMinute: number } | undefined {
  const m = HOURS_RE.exec(text.trim());
  if (!m) return undefined;
  const [sh, sm, eh, em] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (sh > 23 || sm > 59 || em > 59 || eh > 24 || (eh === 24 && em !== 0)) return undefined;
  return { startMinute: sh * 60 + sm, endMinute: eh * 60 + em };
}

/** `20GiB` for reports and messages: the largest binary unit that keeps a short number. */
export function formatBytes(bytes: number): string {
  const units: [string, number][] = [
    ['PiB', 2 ** 50],
    ['TiB', 2 ** 40],
    ['GiB', GIB],
    ['MiB', MIB],
    ['KiB', 2 ** 10],
  ];
  for (const [unit, factor] of units) {
    if (bytes >= factor) return `${trimNumber(bytes / factor)}${unit}`;
  }
  return `${bytes}B`;
}

export function formatMiB(mib: number): string {
  return formatBytes(mib * MIB);
}

export function formatGiB(gib: number): string {
  return formatBytes(gib * GIB);
}

function trimNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

/** Whether the runtime knows this IANA time zone. */
const timeZoneCache = new Map<string, boolean>();

export function isValidTimeZone(tz: string): boolean {
  let valid = timeZoneCache.get(tz);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      valid = true;
    } catch {
      valid = false;
    }
    timeZoneCache.set(tz, valid);
  }
  return valid;
}
