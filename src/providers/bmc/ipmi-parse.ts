// Pure readers of ipmitool's output (1.8.19 wording). Output that does not match is a command
// error rather than a guess.

import type { PowerState } from './driver.js';

/** `Chassis Power is on|off`. */
export function parsePowerStatus(stdout: string): PowerState | undefined {
  const m = /Chassis Power is (on|off)\b/i.exec(stdout);
  return m ? (m[1]!.toLowerCase() as PowerState) : undefined;
}

/** `sensor reading "<name>" -c` prints `<name>,<value>`; `na` or an empty value means no reading. */
export function parseSensorCsv(stdout: string, name: string): number | undefined {
  for (const line of stdout.split('\n')) {
    const comma = line.lastIndexOf(',');
    if (comma < 0 || line.slice(0, comma).trim() !== name) continue;
    return toNumber(line.slice(comma + 1));
  }
  return undefined;
}

/** `sdr get "<name>"`: ` Sensor Reading        : 240 (+/- 0) Watts`. */
export function parseSdrGet(stdout: string): number | undefined {
  const m = /Sensor Reading\s*:\s*([-\d.]+)/.exec(stdout);
  return m ? toNumber(m[1]!) : undefined;
}

/** `dcmi power reading`: `    Instantaneous power reading:   240 Watts`. */
export function parseDcmiReading(stdout: string): number | undefined {
  const m = /Instantaneous power reading:\s*([-\d.]+)\s*Watts/i.exec(stdout);
  return m ? toNumber(m[1]!) : undefined;
}

function toNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '' || /^na$/i.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : undefined;
}
