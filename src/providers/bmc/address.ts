// BMC addresses as nodes/<n>.yaml writes them: `host`, `host:port`, `[v6]:port`, or a URL for
// Redfish. Parsing is pure and tolerant of what volunteers type; a bad value is a terminal error.

import { BmcError } from './errors.js';

export interface HostPort {
  host: string;
  port: number;
}

export function parseHostPort(subject: string, address: string, defaultPort: number): HostPort {
  const text = address.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:\s/]+)(?::(\d+))?$/.exec(text);
  const m = v6 ?? plain;
  if (!m) throw new BmcError('command', `${subject}: bmc address "${address}" is not host or host:port`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new BmcError('command', `${subject}: bmc address "${address}" has a bad port`);
  }
  return { host: m[1]!, port };
}

/** `https://host[:port]` unless the address already is an http(s) URL; no trailing slash. */
export function redfishBaseUrl(subject: string, address: string): string {
  const text = address.trim();
  const withScheme = /^https?:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (err) {
    throw new BmcError('command', `${subject}: bmc address "${address}" is not a URL`, { cause: err });
  }
  return `${url.protocol}//${url.host}`;
}
