import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, stripUrlCredentials } from '../../src/core/log.js';
import { Secret } from '../../src/core/secret.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, logger: createLogger({ destination }) };
}

describe('log redaction', () => {
  it.each([
    ['a key named password', { password: 'hunter2-value' }],
    ['a nested token', { site: { tokenSecret: 'hunter2-value' } }],
    ['an Authorization header', { request: { headers: { authorization: 'PVEAPIToken=a@pve!b=hunter2-value' } } }],
    ['a Secret value under any key', { whatever: new Secret('hunter2-value') }],
  ])('never writes %s', (_name, fields) => {
    const { lines, logger } = capture();
    logger.info(fields, 'request sent');
    logger.flush();
    expect(lines.join('')).toContain('request sent');
    expect(lines.join('')).not.toContain('hunter2-value');
    expect(lines.join('')).toContain('[redacted]');
  });

  it('keeps ordinary fields', () => {
    const { lines, logger } = capture();
    logger.info({ site: 'paris', vmid: 2801 }, 'vm created');
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'vm created', site: 'paris', vmid: 2801 });
  });

  it.each([
    ['https://user:tok@git.example.org/infra.git', 'https://git.example.org/infra.git'],
    ['https://oauth2@git.example.org/infra.git', 'https://git.example.org/infra.git'],
    ['http://127.0.0.1:8080/infra.git', 'http://127.0.0.1:8080/infra.git'],
  ])('strips credentials from %s', (input, expected) => {
    expect(stripUrlCredentials(input)).toBe(expected);
  });

  it('prints a Secret as redacted in strings, JSON and inspect', () => {
    const s = new Secret('hunter2-value');
    expect(`${s}`).toBe('[redacted]');
    expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
    expect(s.reveal()).toBe('hunter2-value');
  });
});
