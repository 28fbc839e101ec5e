// An RMCP presence ping (ASF, RMCP class 6) sent alongside every ipmitool call. ipmitool reports a
// closed port, a hung BMC and a silent network with the same words; the kernel does not: a closed
// UDP port or an unroutable host comes back as ECONNREFUSED / EHOSTUNREACH on a connected socket,
// while a hung BMC just stays silent. The probe tells those apart and lets a dead BMC fail fast.

import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';

export type ProbeResult = 'pending' | 'answered' | 'unreachable';

export interface RmcpProbe {
  /** What the network said so far; 'pending' means nothing yet (silent). */
  readonly result: ProbeResult;
  /** Resolves as soon as the result is no longer 'pending' (never rejects). */
  readonly settled: Promise<ProbeResult>;
  close(): void;
}

// RMCP v1.0, seq 0xff (no ACK), class ASF; ASF IANA 4542, Presence Ping (0x80), tag 0, length 0.
const PRESENCE_PING = Buffer.from([0x06, 0x00, 0xff, 0x06, 0x00, 0x00, 0x11, 0xbe, 0x80, 0x00, 0x00, 0x00]);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

export function startRmcpProbe(host: string, port: number, resendMs = 500): RmcpProbe {
  let result: ProbeResult = 'pending';
  let socket: Socket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settle: (r: ProbeResult) => void = () => {};
  const settled = new Promise<ProbeResult>((resolve) => (settle = resolve));

  const finish = (r: ProbeResult): void => {
    if (result !== 'pending') return;
    result = r;
    settle(r);
    close();
  };
  const close = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
    const s = socket;
    socket = undefined;
    if (s) {
      try {
        s.close();
      } catch {
        // already closed by an error
      }
    }
  };

  socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
  socket.on('error', (err: NodeJS.ErrnoException) => {
    if (UNREACHABLE_CODES.has(err.code ?? '')) finish('unreachable');
    else close();
  });
  socket.on('message', () => finish('answered'));
  socket.connect(port, host, () => {
    const send = (): void => {
      socket?.send(PRESENCE_PING, (err) => {
        if (err && UNREACHABLE_CODES.has((err as NodeJS.ErrnoException).code ?? '')) finish('unreachable');
      });
    };
    send();
    timer = setInterval(send, resendMs);
    timer.unref();
  });
  socket.unref();

  return {
    get result() {
      return result;
    },
    settled,
    close,
  };
}
