// `marmite lab --seed DIR [--port N] [--write-config FILE] [--speed 60] [--tls]`: stands up one
// simulated Proxmox VE cluster per site of the repository in DIR, prints their URLs, optionally
// writes an agent config pointing at them, and serves until SIGINT/SIGTERM.

import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve as resolvePath } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { AgentConfigFile } from '../../config/types.js';
import { formatDiagnostic } from '../../core/diagnostics.js';
import { UsageError } from '../../core/errors.js';
import { LabClock, seedFromDesired, startLab, type Lab } from '../../lab/index.js';
import { validateRepository } from '../../validate/index.js';
import { parseUsage } from '../args.js';
import { EXIT, type Io } from '../io.js';

const USAGE = 'usage: marmite lab --seed DIR [--port N] [--host 127.0.0.1] [--write-config FILE] [--speed 60] [--tls]';

export interface LabArgs {
  seed: string;
  port: number;
  host: string;
  writeConfig?: string;
  speed: number;
  tls: boolean;
  help: boolean;
}

export function parseLabArgs(argv: string[]): LabArgs {
  const parsed = parseUsage(USAGE, () =>
    parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: 'string' },
        port: { type: 'string', default: '8006' },
        host: { type: 'string', default: '127.0.0.1' },
        'write-config': { type: 'string' },
        speed: { type: 'string', default: '60' },
        tls: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  const v = parsed.values;
  if (v.help) return { seed: '', port: 0, host: '', speed: 0, tls: false, help: true };
  if (!v.seed) throw new UsageError(`--seed DIR is required\n${USAGE}`);
  const port = Number(v.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got '${v.port}'`);
  const speed = Number(v.speed);
  if (!Number.isFinite(speed) || speed <= 0) throw new UsageError(`--speed must be a positive number, got '${v.speed}'`);
  return { seed: v.seed, port, host: v.host ?? '127.0.0.1', speed, tls: v.tls ?? false, help: false, ...(v['write-config'] ? { writeConfig: v['write-config'] } : {}) };
}

/** Starts the lab from the repository; the caller decides how long it serves. */
export async function openLab(args: LabArgs, io: Io): Promise<Lab | undefined> {
  const dir = resolvePath(io.cwd, args.seed);
  const { desired, diagnostics } = await validateRepository(dir);
  if (!desired) {
    for (const d of diagnostics.filter((x) => x.severity === 'error')) io.stderr(`${formatDiagnostic(d)}\n`);
    io.stderr(`marmite lab: ${args.seed} is not a valid repository; the lab needs it to know what to simulate\n`);
    return undefined;
  }
  const lab = await startLab({
    seed: seedFromDesired(desired),
    host: args.host,
    basePort: args.port,
    // Simulated time starts at the real now, so task start times and power windows look familiar.
    clock: LabClock.scaled(args.speed, new Date()),
    tls: args.tls,
    recordLimit: 10000,
  });
  for (const [site, s] of Object.entries(lab.sites)) io.stdout(`site ${site}: ${s.url} (${s.cluster.nodes.size} nodes)\n`);
  io.stdout(`token: ${lab.tokenId} (simulated time runs ${args.speed}x)\n`);
  if (args.writeConfig) {
    const file = resolvePath(io.cwd, args.writeConfig);
    await writeAgentConfig(lab, file);
    io.stdout(`agent config written to ${file}\n`);
  }
  return lab;
}

/** An agent config for the lab: one Proxmox endpoint per site, the token secret in a 0600 file. */
export async function writeAgentConfig(lab: Lab, file: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const secretName = `${basename(file).replace(/\.ya?ml$/, '')}.lab-token`;
  await writeFile(resolvePath(dir, secretName), `${lab.tokenSecret}\n`, { mode: 0o600 });
  await chmod(resolvePath(dir, secretName), 0o600);
  let caName: string | undefined;
  if (lab.caPem) {
    caName = `${basename(file).replace(/\.ya?ml$/, '')}.lab-ca.pem`;
    await writeFile(resolvePath(dir, caName), lab.caPem);
  }
  const config: AgentConfigFile = { sites: {} };
  for (const [site, s] of Object.entries(lab.sites)) {
    config.sites[site] = {
      proxmox: { url: s.url, tokenId: lab.tokenId, tokenSecret: { file: secretName }, ...(caName ? { caFile: caName } : {}) },
    };
    const ceph = s.ceph;
    const user = ceph ? Object.keys(ceph.users).sort()[0] : undefined;
    if (ceph && user) {
      const passwordName = `${basename(file).replace(/\.ya?ml$/, '')}.lab-ceph-${site}`;
      await writeFile(resolvePath(dir, passwordName), `${ceph.users[user]}\n`, { mode: 0o600 });
      await chmod(resolvePath(dir, passwordName), 0o600);
      config.sites[site]!.ceph = { url: ceph.url, username: user, password: { file: passwordName } };
    }
  }
  await writeFile(file, `# written by marmite lab: the lab's endpoints (they change on each start)\n${stringify(config)}`);
}

export async function labCommand(argv: string[], io: Io): Promise<number> {
  const args = parseLabArgs(argv);
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const lab = await openLab(args, io);
  if (!lab) return EXIT.invalid;
  io.stdout('serving; stop with Ctrl-C\n');
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await lab.close();
  lab.clock.stop();
  io.stdout('lab stopped\n');
  return EXIT.ok;
}
