// Runs one ipmitool command against one BMC: argv array, no shell, password through the
// environment (-E) or a private 0600 file (-f), never argv. Every call has a hard deadline after
// which the child is SIGKILLed and the promise settles at once, so a wedged ipmitool or BMC never
// holds the agent. This is the one place that reads ipmitool's stderr wording.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Secret } from '../../core/secret.js';
import { BmcError, type BmcErrorKind } from './errors.js';
import { startRmcpProbe, type ProbeResult } from './rmcp-probe.js';

export interface IpmitoolTarget {
  /** `node r620-1`: first in every message. */
  subject: string;
  host: string;
  port: number;
  username: string;
  password: Secret;
  /** `-C`: 3 for older BMCs (and ipmi_sim), 17 for modern ones. */
  cipherSuite: number;
}

export interface IpmitoolOptions {
  /** Program to run (default `ipmitool` from PATH). */
  binary?: string;
  /** `-N`: seconds ipmitool waits for each answer (default 1). */
  attemptTimeoutSeconds?: number;
  /** `-R`: ipmitool's own retries (default 1). */
  retries?: number;
  /** Hard deadline of one call, after which the child is killed (default 8000 ms). */
  deadlineMs?: number;
  /** How the password reaches ipmitool (default 'env'). */
  passwordVia?: 'env' | 'file';
  /** Send an RMCP ping alongside each call to tell a dead BMC from a hung one (default true). */
  probe?: boolean;
}

export interface IpmitoolResult {
  stdout: string;
  stderr: string;
}

const MAX_OUTPUT = 1024 * 1024;

// Wording of ipmitool 1.8.19 with -v: a refused password or user name.
const AUTH_FAILURE = /RAKP \d+ HMAC is invalid|RAKP \d+ message indicates an error|unauthorized name|invalid (?:user ?name|password)|insufficient privilege/i;
// No RMCP+ session at all: nobody answered, or the name did not resolve.
const NO_SESSION = /Unable to establish IPMI v2|Address lookup for .* failed|Could not open socket|No response from remote controller/i;

/** The argv ipmitool gets, without the program name. Exported so tests can check what it holds. */
export function ipmitoolArgs(target: IpmitoolTarget, options: IpmitoolOptions, passwordFile: string | undefined, command: string[]): string[] {
  return [
    '-I', 'lanplus',
    '-H', target.host,
    '-p', String(target.port),
    '-U', target.username,
    ...(passwordFile === undefined ? ['-E'] : ['-f', passwordFile]),
    '-C', String(target.cipherSuite),
    '-N', String(options.attemptTimeoutSeconds ?? 1),
    '-R', String(options.retries ?? 1),
    // -v only adds to stderr; it is what tells a bad password from a silent BMC.
    '-v',
    ...command,
  ];
}

/** Classifies a failed run (exit code != 0) from its stderr and what the probe saw. */
export function classifyFailure(stderr: string, probe: ProbeResult | undefined): BmcErrorKind {
  if (AUTH_FAILURE.test(stderr)) return 'auth';
  if (NO_SESSION.test(stderr)) return probe === 'pending' ? 'timeout' : 'unreachable';
  return 'command';
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Loading IANA') && !l.startsWith('>'));
  return lines.at(-1) ?? '';
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function withPasswordFile<T>(target: IpmitoolTarget, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'marmite-ipmi-'));
  const file = join(dir, 'password');
  try {
    await writeFile(file, target.password.reveal(), { mode: 0o600 });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runIpmitool(
  target: IpmitoolTarget,
  command: string[],
  options: IpmitoolOptions = {},
  signal?: AbortSignal,
): Promise<IpmitoolResult> {
  if (options.passwordVia === 'file') {
    return withPasswordFile(target, (file) => spawnIpmitool(target, command, options, file, signal));
  }
  return spawnIpmitool(target, command, options, undefined, signal);
}

function spawnIpmitool(
  target: IpmitoolTarget,
  command: string[],
  options: IpmitoolOptions,
  passwordFile: string | undefined,
  signal: AbortSignal | undefined,
): Promise<IpmitoolResult> {
  const what = `${target.subject}: ipmitool ${command.join(' ')}`;
  const deadlineMs = options.deadlineMs ?? 8000;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
  if (passwordFile === undefined) env.IPMI_PASSWORD = target.password.reveal();

  return new Promise<IpmitoolResult>((resolve, reject) => {
    let done = false;
    let stdout = '';
    let stderr = '';
    const probe = options.probe === false ? undefined : startRmcpProbe(target.host, target.port);
    const child = spawn(options.binary ?? 'ipmitool', ipmitoolArgs(target, options, passwordFile, command), {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the deadline kills whatever it started too (a wrapper's child).
      detached: true,
    });

    const settle = (err: BmcError | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      probe?.close();
      if (child.exitCode === null && child.signalCode === null) killGroup(child.pid);
      if (err) reject(err);
      else resolve({ stdout, stderr });
    };
    const onAbort = (): void => settle(new BmcError('timeout', `${what}: aborted`, { cause: signal?.reason }));

    const deadline = setTimeout(() => settle(new BmcError('timeout', `${what}: no answer within ${deadlineMs} ms (killed)`)), deadlineMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();

    // A closed port answers at once: no need to wait for ipmitool's own retries.
    void probe?.settled.then((r) => {
      if (r === 'unreachable') settle(new BmcError('unreachable', `${what}: ${target.host}:${target.port} unreachable (no BMC listening)`));
    });

    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) => {
      settle(new BmcError('command', `${what}: cannot run ${options.binary ?? 'ipmitool'}: ${err.code ?? err.message}`, { cause: err }));
    });
    child.on('close', (code) => {
      if (code === 0) return settle(undefined);
      const kind = classifyFailure(stderr, probe?.result);
      const detail = kind === 'auth' ? 'user name or password refused' : lastLine(stderr) || `exit code ${String(code)}`;
      settle(new BmcError(kind, `${what}: ${detail}`));
    });
  });
}
