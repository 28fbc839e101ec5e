// A minimal DMTF-shaped Redfish service on 127.0.0.1 for the Redfish driver's tests (no real
// Redfish BMC is available here): service root, Systems and Chassis collections with one member
// each, ComputerSystem.Reset, and Chassis Power with PowerControl[0].PowerConsumedWatts. Basic
// auth; member ids are iDRAC-like so that discovery is exercised.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RedfishResponder {
  url: string;
  power: 'On' | 'Off';
  /** Reset types received, in order. */
  readonly resets: string[];
  /** When true, soft shutdowns are accepted and ignored (the OS does not react). */
  ignoreGraceful: boolean;
  /** When true, requests are accepted and never answered. */
  hang: boolean;
  close(): Promise<void>;
}

const SYSTEM = '/redfish/v1/Systems/System.Embedded.1';
const CHASSIS = '/redfish/v1/Chassis/System.Embedded.1';

export async function startRedfishResponder(options: { username: string; password: string; wattsOn: number; wattsOff: number }): Promise<RedfishResponder> {
  const hanging = new Set<ServerResponse>();
  const state = {
    power: 'Off' as 'On' | 'Off',
    resets: [] as string[],
    ignoreGraceful: false,
    hang: false,
  };
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;

  const send = (res: ServerResponse, status: number, body?: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'odata-version': '4.0' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, message: string): void =>
    send(res, status, { error: { code: 'Base.1.8.GeneralError', message, '@Message.ExtendedInfo': [{ Message: message }] } });

  async function body(req: IncomingMessage): Promise<unknown> {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  const server = createServer((req, res) => {
    if (state.hang) {
      hanging.add(res);
      return;
    }
    if (req.headers.authorization !== expected) {
      res.setHeader('www-authenticate', 'Basic realm="Redfish"');
      return error(res, 401, 'The authentication credentials included with this request are missing or invalid.');
    }
    const path = (req.url ?? '').split('?')[0]!.replace(/\/$/, '');
    void (async () => {
      if (req.method === 'GET' && path === '/redfish/v1/Systems') {
        return send(res, 200, { '@odata.id': '/redfish/v1/Systems', 'Members@odata.count': 1, Members: [{ '@odata.id': SYSTEM }] });
      }
      if (req.method === 'GET' && path === '/redfish/v1/Chassis') {
        return send(res, 200, { '@odata.id': '/redfish/v1/Chassis', 'Members@odata.count': 1, Members: [{ '@odata.id': CHASSIS }] });
      }
      if (req.method === 'GET' && path === SYSTEM) {
        return send(res, 200, {
          '@odata.id': SYSTEM,
          Id: 'System.Embedded.1',
          PowerState: state.power,
          Actions: { '#ComputerSystem.Reset': { target: `${SYSTEM}/Actions/ComputerSystem.Reset`, 'ResetType@Redfish.AllowableValues': ['On', 'ForceOff', 'GracefulShutdown'] } },
        });
      }
      if (req.method === 'GET' && path === `${CHASSIS}/Power`) {
        return send(res, 200, {
          '@odata.id': `${CHASSIS}/Power`,
          PowerControl: [{ '@odata.id': `${CHASSIS}/Power#/PowerControl/0`, MemberId: '0', PowerConsumedWatts: state.power === 'On' ? options.wattsOn : options.wattsOff }],
        });
      }
      if (req.method === 'POST' && path === `${SYSTEM}/Actions/ComputerSystem.Reset`) {
        const type = ((await body(req)) as { ResetType?: unknown } | undefined)?.ResetType;
        if (type !== 'On' && type !== 'ForceOff' && type !== 'GracefulShutdown') return error(res, 400, `ResetType ${String(type)} is not supported`);
        state.resets.push(type);
        if (type === 'On' && state.power === 'On') return error(res, 409, 'The system is already powered on.');
        if (type === 'On') state.power = 'On';
        if (type === 'ForceOff' || (type === 'GracefulShutdown' && !state.ignoreGraceful)) state.power = 'Off';
        return send(res, 204);
      }
      return error(res, 404, `${req.method} ${path} not found`);
    })().catch((err: unknown) => error(res, 500, String(err)));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    get power() {
      return state.power;
    },
    set power(value) {
      state.power = value;
    },
    get resets() {
      return state.resets;
    },
    get ignoreGraceful() {
      return state.ignoreGraceful;
    },
    set ignoreGraceful(value) {
      state.ignoreGraceful = value;
    },
    get hang() {
      return state.hang;
    },
    set hang(value) {
      state.hang = value;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
