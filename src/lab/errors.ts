// An error the simulated PVE answers with: the status and the first line of the message go to
// the HTTP reason phrase, as pve-http-server does.

export class PveError extends Error {
  override name = 'PveError';
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

export function pveFail(message: string): PveError {
  return new PveError(500, message);
}

export function paramError(errors: Record<string, string>): PveError {
  return new PveError(400, 'Parameter verification failed.', errors);
}
