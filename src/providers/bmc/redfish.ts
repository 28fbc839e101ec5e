// Redfish (DMTF DSP0266) over HTTPS with basic auth, for newer servers. The system and chassis
// are the first members of their collections unless configured, as iDRAC (System.Embedded.1)
// and iLO (1) name them differently.

import { createHttpClient, type FetchFn } from '../../core/http.js';
import type { Secret } from '../../core/secret.js';
import type { PowerDriver, PowerState } from './driver.js';
import { BmcError } from './errors.js';

export interface RedfishOptions {
  /** PEM of the BMC's CA or self-signed certificate. */
  ca?: string;
  /** Per request (default 10000 ms). */
  timeoutMs?: number;
  systemId?: string;
  chassisId?: string;
  /** Injected fetch (tests, proxies); default: undici with `ca`. */
  fetch?: FetchFn;
}

export interface RedfishDriverConfig extends RedfishOptions {
  subject: string;
  /** `https://host[:port]`. */
  baseUrl: string;
  username: string;
  password: Secret;
}

type ResetType = 'On' | 'GracefulShutdown' | 'ForceOff';

const TRANSIENT_STATUS = new Set([502, 503, 504]);

/** Redfish PowerState to ours: a node still powering off draws power and counts as on. */
export function mapRedfishPowerState(value: unknown): PowerState {
  switch (value) {
    case 'On':
    case 'PoweringOn':
    case 'PoweringOff':
    case 'Paused':
      return 'on';
    case 'Off':
      return 'off';
    default:
      return 'unknown';
  }
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const name = (e as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return name;
  }
  return undefined;
}

export function createRedfishDriver(config: RedfishDriverConfig): PowerDriver {
  const timeoutMs = config.timeoutMs ?? 10_000;
  let fetchFn = config.fetch;
  const authorization = (): string =>
    `Basic ${Buffer.from(`${config.username}:${config.password.reveal()}`).toString('base64')}`;
  let systemPath = config.systemId === undefined ? undefined : `/redfish/v1/Systems/${encodeURIComponent(config.systemId)}`;
  let chassisPath = config.chassisId === undefined ? undefined : `/redfish/v1/Chassis/${encodeURIComponent(config.chassisId)}`;

  function client(): FetchFn {
    if (!fetchFn) fetchFn = config.ca ? createHttpClient({ ca: config.ca, connectTimeoutMs: timeoutMs }).fetch : (fetch as FetchFn);
    return fetchFn;
  }

  async function request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const what = `${config.subject}: redfish ${method} ${path}`;
    let response: Response;
    try {
      response = await client()(`${config.baseUrl}${path}`, {
        method,
        headers: {
          authorization: authorization(),
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const code = errorCode(err);
      if (code === 'TimeoutError' || code === 'AbortError') throw new BmcError('timeout', `${what}: no answer within ${timeoutMs} ms`, { cause: err });
      // Refused, reset, no route, no name: whatever the code, nothing usable answered.
      throw new BmcError('unreachable', `${what}: ${code ?? 'network error'}`, { cause: err });
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403) throw new BmcError('auth', `${what}: ${response.status} user name or password refused`);
    if (!response.ok) {
      const kind = TRANSIENT_STATUS.has(response.status) ? 'unreachable' : 'command';
      throw new BmcError(kind, `${what}: ${response.status} ${redfishMessage(text) ?? response.statusText}`);
    }
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new BmcError('command', `${what}: answer is not JSON`, { cause: err });
    }
  }

  async function firstMember(collection: string): Promise<string> {
    const body = (await request('GET', collection)) as { Members?: { '@odata.id'?: unknown }[] } | undefined;
    const id = body?.Members?.[0]?.['@odata.id'];
    if (typeof id !== 'string') throw new BmcError('command', `${config.subject}: redfish ${collection} has no members`);
    return id;
  }

  async function system(): Promise<string> {
    systemPath ??= await firstMember('/redfish/v1/Systems');
    return systemPath;
  }

  async function chassis(): Promise<string> {
    chassisPath ??= await firstMember('/redfish/v1/Chassis');
    return chassisPath;
  }

  async function reset(type: ResetType): Promise<void> {
    const path = await system();
    await request('POST', `${path}/Actions/ComputerSystem.Reset`, { ResetType: type });
  }

  return {
    kind: 'redfish',

    async status() {
      const body = (await request('GET', await system())) as { PowerState?: unknown } | undefined;
      return mapRedfishPowerState(body?.PowerState);
    },

    powerOn: () => reset('On'),
    softOff: () => reset('GracefulShutdown'),
    hardOff: () => reset('ForceOff'),

    async readWatts() {
      const body = (await request('GET', `${await chassis()}/Power`)) as { PowerControl?: { PowerConsumedWatts?: unknown }[] } | undefined;
      const watts = body?.PowerControl?.[0]?.PowerConsumedWatts;
      return typeof watts === 'number' && Number.isFinite(watts) ? watts : undefined;
    },
  };
}

function redfishMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown; '@Message.ExtendedInfo'?: { Message?: unknown }[] } };
    const extended = body.error?.['@Message.ExtendedInfo']?.[0]?.Message;
    const message = typeof extended === 'string' ? extended : body.error?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
