import { describe, expect, it } from 'vitest';
import { ProxmoxApiError, parseClientMessage, toProxmoxApiError } from '../../../src/providers/proxmox/errors.js';

const label = { subject: 'vm ad28/web', action: 'clone' };
const url = 'https://pve.example:8006/api2/json/nodes/pve1/qemu/9000/clone';

describe('parseClientMessage', () => {
  it.each([
    {
      message: `POST ${url} return Error 400 Parameter verification failed.: {"data":null,"errors":{"newid":"value must be at least 100"}}`,
      status: 400,
      reason: 'Parameter verification failed.',
    },
    { message: `PUT ${url} return Error 500 VM is locked (clone): {"data":null}`, status: 500, reason: 'VM is locked (clone)' },
    { message: `GET ${url} connection failed with 595 Connection refused return: {"data":null}`, status: 595, reason: 'Connection refused' },
    { message: `GET ${url} unexpected contentType "text/html" status Line:502 undefined`, status: 502, reason: 'unexpected content type "text/html"' },
    { message: `FaILED to call GET ${url} cause by:connect ECONNREFUSED 127.0.0.1:8006`, status: undefined, reason: 'connect ECONNREFUSED 127.0.0.1:8006' },
  ])('reads status $status from the client message', ({ message, status, reason }) => {
    // Act
    const parsed = parseClientMessage(message);

    // Assert
    expect(parsed.status).toBe(status);
    expect(parsed.reason).toBe(reason);
    expect(parsed.url).toBe(url);
  });
});

describe('toProxmoxApiError', () => {
  it.each([
    { status: 400, transient: false },
    { status: 401, transient: false },
    { status: 403, transient: false },
    { status: 500, transient: false },
    { status: 502, transient: true },
    { status: 503, transient: true },
    { status: 504, transient: true },
    { status: 595, transient: true },
    { status: 596, transient: true },
  ])('marks status $status transient=$transient', ({ status, transient }) => {
    // Arrange
    const kind = status === 400 || status === 401 || status === 500 ? 'return Error' : 'connection failed with';
    const tail = kind === 'return Error' ? ': {"data":null}' : ' return: {"data":null}';
    const err = new Error(`POST ${url} ${kind} ${status} Something${tail}`);

    // Act
    const typed = toProxmoxApiError(err, label, 'POST', '/x');

    // Assert
    expect(typed).toBeInstanceOf(ProxmoxApiError);
    expect((typed as ProxmoxApiError).status).toBe(status);
    expect(typed.transient).toBe(transient);
  });

  it('keeps per-parameter errors, the path without host and the subject first', () => {
    // Arrange
    const err = new Error(`POST ${url} return Error 400 Parameter verification failed.: {"data":null,"errors":{"newid":"value must be at least 100\\n"}}`);

    // Act
    const typed = toProxmoxApiError(err, label, 'POST', '/x') as ProxmoxApiError;

    // Assert
    expect(typed.errors).toEqual({ newid: 'value must be at least 100' });
    expect(typed.path).toBe('/api2/json/nodes/pve1/qemu/9000/clone');
    expect(typed.method).toBe('POST');
    expect(typed.message).toBe(
      'vm ad28/web: clone failed: POST /api2/json/nodes/pve1/qemu/9000/clone: 400 Parameter verification failed. (newid: value must be at least 100)',
    );
    expect(typed.cause).toBe(err);
  });

  it.each([
    { name: 'network error', err: Object.assign(new Error(`FaILED to call GET ${url} cause by:other side closed`), { cause: new Error('other side closed') }), timeout: false },
    { name: 'timeout', err: Object.assign(new Error(`FaILED to call GET ${url}`), { cause: Object.assign(new Error('aborted'), { name: 'AbortError' }) }), timeout: true },
  ])('treats a $name as transient without status', ({ err, timeout }) => {
    // Act
    const typed = toProxmoxApiError(err, label, 'GET', '/x') as ProxmoxApiError;

    // Assert
    expect(typed.status).toBeUndefined();
    expect(typed.timeout).toBe(timeout);
    expect(typed.transient).toBe(true);
    expect(typed.unreachable).toBe(true);
  });

  it('does not retry an error the client did not make', () => {
    // Act
    const typed = toProxmoxApiError(new TypeError('x is not a function'), label, 'GET', '/x');

    // Assert
    expect(typed.transient).toBe(false);
  });
});
