// Logs: a static message, data as fields (pino JSON). Secrets are redacted here, centrally, by
// key name and by value type (Secret), so no call site has to remember.

import { pino, type Logger, type DestinationStream } from 'pino';
import { Secret } from './secret.js';

export type { Logger };

/** Field names whose values are never logged, wherever they appear in a log object. */
export const REDACTED_KEYS = [
  'password',
  'token',
  'tokenSecret',
  'secret',
  'authorization',
  'Authorization',
  'cookie',
  'webhookSecret',
  'x-gitlab-token',
];

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'marmite' },
      redact: { paths, censor: '[redacted]' },
      formatters: {
        log(object) {
          return redactSecrets(object) as Record<string, unknown>;
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/** Replaces every Secret instance, at any depth, by `[redacted]`. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (value instanceof Secret) return '[redacted]';
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redactSecrets(v, depth + 1);
  return out;
}

/** Removes `user:password@` from URLs before they reach a message or a report. */
export function stripUrlCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1');
}
