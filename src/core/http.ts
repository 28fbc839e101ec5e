// One way to make HTTP clients talk TLS to self-signed clusters: a per-client undici Agent that
// trusts the given CA. TLS verification is never relaxed, neither here nor process-wide.

import { Agent, fetch as undiciFetch } from 'undici';

export interface HttpClientOptions {
  /** PEM of the CA (or self-signed certificate) to trust, in addition to nothing else. */
  ca?: string;
  /** Connect timeout in milliseconds. */
  connectTimeoutMs?: number;
}

export type FetchFn = (url: string | URL, init?: Record<string, unknown>) => Promise<Response>;

export interface HttpClient {
  fetch: FetchFn;
  close(): Promise<void>;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const agent = new Agent({
    connect: {
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.connectTimeoutMs ? { timeout: options.connectTimeoutMs } : {}),
    },
  });
  const fetch: FetchFn = (url, init) =>
    undiciFetch(url, { ...(init ?? {}), dispatcher: agent } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
  return { fetch, close: () => agent.close() };
}
