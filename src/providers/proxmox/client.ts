// One `proxmox-api` client per site, talking through an undici Agent that trusts the site's CA.
// Every call goes through `call()`, which turns the client's plain Errors into typed ones.

import { proxmoxApi, type Proxmox } from 'proxmox-api';
import { createHttpClient, type HttpClient } from '../../core/http.js';
import { ProxmoxRefusedError, toProxmoxApiError, type CallLabel, type HttpMethod } from './errors.js';

export interface SiteConnection {
  /** https://host:8006 (http:// only for the lab without TLS). */
  url: string;
  tokenId: string;
  tokenSecret: string;
  /** PEM text of the cluster's CA or self-signed certificate. */
  ca?: string;
}

export type Log = (msg: string, data: object) => void;

export interface SiteClient {
  readonly site: string;
  call<T>(label: CallLabel, method: HttpMethod, path: string, fn: (api: Proxmox.Api) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const TOKEN_ID = /^[^@\s]+@[^!\s]+![A-Za-z][A-Za-z0-9._-]*$/;
const TOKEN_SECRET = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DEFAULT_PORT = 8006;

/** Checks the connection up front: the client would print to the console and throw otherwise. */
function parseConnection(site: string, conn: SiteConnection): { schema: 'http' | 'https'; host: string; port: number } {
  let url: URL;
  try {
    url = new URL(conn.url);
  } catch {
    throw new ProxmoxRefusedError(`site ${site}: proxmox url ${JSON.stringify(conn.url)} is not a URL`, 'bad-config');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ProxmoxRefusedError(`site ${site}: proxmox url must be https:// (got ${url.protocol})`, 'bad-config');
  }
  if (!TOKEN_ID.test(conn.tokenId)) {
    throw new ProxmoxRefusedError(`site ${site}: token id ${JSON.stringify(conn.tokenId)} is not user@realm!name`, 'bad-config');
  }
  // The secret itself never appears in a message, even when it is malformed.
  if (!TOKEN_SECRET.test(conn.tokenSecret)) {
    throw new ProxmoxRefusedError(`site ${site}: token secret is not a lowercase UUID`, 'bad-config');
  }
  const schema = url.protocol === 'https:' ? 'https' : 'http';
  // Without an explicit port the client would go to 443, never to PVE's 8006.
  const port = url.port ? Number(url.port) : DEFAULT_PORT;
  return { schema, host: url.hostname, port };
}

export function createSiteClient(site: string, conn: SiteConnection, options: { requestTimeoutMs?: number; log?: Log } = {}): SiteClient {
  const { schema, host, port } = parseConnection(site, conn);
  const http: HttpClient = createHttpClient(conn.ca ? { ca: conn.ca } : {});
  const api = proxmoxApi({
    host,
    port,
    schema,
    tokenID: conn.tokenId,
    tokenSecret: conn.tokenSecret,
    queryTimeout: options.requestTimeoutMs ?? 30_000,
    fetch: http.fetch as never,
  });
  return {
    site,
    async call(label, method, path, fn) {
      try {
        return await fn(api);
      } catch (err) {
        const typed = toProxmoxApiError(err, label, method, path);
        options.log?.('proxmox call failed', { site, method, path, error: typed.message, transient: typed.transient });
        throw typed;
      }
    },
    close: () => http.close(),
  };
}
