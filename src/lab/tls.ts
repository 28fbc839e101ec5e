// A throw-away self-signed certificate for the lab's optional TLS, made by the openssl CLI (Node
// has no certificate generator). Clients pin it as their CA, as they would a real cluster's.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSigned {
  key: string;
  cert: string;
}

export async function selfSignedCert(host = '127.0.0.1'): Promise<SelfSigned> {
  const dir = await mkdtemp(join(tmpdir(), 'marmite-lab-tls-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const san = /^[\d.]+$/.test(host) || host.includes(':') ? `IP:${host}` : `DNS:${host}`;
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
      '-subj', `/CN=${host}`, '-addext', `subjectAltName=${san}`, '-keyout', keyFile, '-out', certFile,
    ]);
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
