// Every command parses its arguments with node:util's parseArgs (strict); a mistake becomes a
// UsageError carrying the command's usage line, which main() turns into exit code 2.

import { UsageError } from '../core/errors.js';

export function parseUsage<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n${usage}`, { cause: err });
  }
}
