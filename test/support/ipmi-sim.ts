// Real BMCs for tests: one `ipmi_sim` process (Debian's openipmi) per simulated node, each on its
// own UDP port on 127.0.0.1, its state in a temp dir, its power driven by ipmi-sim-hook.sh and its
// power sensor backed by a file the hook rewrites. See ../../../shared/recipes/ipmi-sim.md.
// Missing binaries make start fail loudly: these tests never skip.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { accessSync, constants, openSync, closeSync } from 'node:fs';
import { mkdtemp, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRmcpProbe } from '../../src/providers/bmc/rmcp-probe.js';

const HOOK = fileURLToPath(new URL('./ipmi-sim-hook.sh', import.meta.url));

// Compiled from ipmi-sim-sdr.sdrs: type 1, owner 0x20, sensor 1, Current/Watts, linear, m=2,
// id "Pwr Consumption".
const POWER_SDR =
  '0x01 0x00 0x51 0x01 0x3a 0x20 0x00 0x01 0x07 0x01 0x45 0x00 0x03 0x01 0x00 0x00 0x00 0x00 0x00 0x00 ' +
  '0x00 0x06 0x00 0x00 0x02 0x00 0x00 0x01 0x01 0x00 0x00 0x00 0x00 0x00 0xff 0x00 0x00 0x00 0x00 0x00 ' +
  '0x00 0x00 0x00 0x00 0x00 0x00 0x00 0xcf 0x50 0x77 0x72 0x20 0x43 0x6f 0x6e 0x73 0x75 0x6d 0x70 0x74 ' +
  '0x69 0x6f 0x6e';

export const SIM_SENSOR = 'Pwr Consumption';

export interface SimBmcOptions {
  /** Node name, also the BMC's name. */
  name: string;
  username?: string;
  password?: string;
  /** Initial power (default off). */
  on?: boolean;
  /** Sensor watts when on / off; even numbers read back exactly (2 W resolution). */
  wattsOn?: number;
  wattsOff?: number;
}

export interface SimBmc {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:PORT`, as nodes/<n>.yaml writes bmc.address. */
  readonly address: string;
  readonly username: string;
  readonly password: string;
  readonly dir: string;
  readonly pid: number;
  /** Power as the hook's state file says. */
  power(): Promise<'on' | 'off'>;
  /** Changes power behind the BMC's back (as if someone pressed the button). */
  setPower(on: boolean): Promise<void>;
  /** Hook calls so far, e.g. `set power 1`, `set shutdown 1` (the `get power` reads left out). */
  actions(): Promise<string[]>;
  setSoftDelay(seconds: number): Promise<void>;
  ignoreSoft(ignore: boolean): Promise<void>;
  /** SIGKILL the process (a dead BMC); resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT (a hung BMC). */
  pause(): void;
  resume(): void;
  /** Stops the process (SIGCONT then SIGKILL) and removes the state dir. */
  stop(): Promise<void>;
}

/** Throws, with what to install, when ipmi_sim or ipmitool is not on PATH. */
export function requireIpmiPeers(): void {
  const dirs = (process.env.PATH ?? '').split(delimiter);
  const missing = ['ipmi_sim', 'ipmitool'].filter(
    (bin) =>
      !dirs.some((d) => {
        try {
          accessSync(join(d, bin), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
  if (missing.length > 0) {
    throw new Error(`BMC integration tests need ${missing.join(' and ')} (apt-get install openipmi ipmitool); they never skip`);
  }
}

/**
 * Inodes of unconnected UDP sockets on local `port` (any address), from /proc/net/udp: the
 * listeners. Connected client sockets (ipmitool's, the probe's) that happen to use the port as
 * their ephemeral source are not listeners and are left out.
 */
export async function udpListeners(port: number): Promise<string[]> {
  const text = await readFile('/proc/net/udp', 'utf8');
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[1]!.endsWith(`:${hexPort}`) && f[2] === '00000000:0000')
    .map((f) => f[9]!);
}

/** The port was taken between the check and ipmi_sim's bind: try another one. */
class PortClash extends Error {}

export async function socketInodesOf(pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]!);
  }
  return inodes;
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

function lanConf(name: string, port: number, dir: string, username: string, password: string): string {
  return [
    `name "${name}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr 127.0.0.1 ${port}`,
    '    priv_limit admin',
    '    allowed_auths_callback none md2 md5 straight',
    '    allowed_auths_user md2 md5 straight',
    '    allowed_auths_operator md2 md5 straight',
    '    allowed_auths_admin md2 md5 straight',
    `    guid ${randomBytes(16).toString('hex')}`,
    '  endlan',
    `  chassis_control "/bin/sh ${HOOK} ${dir}"`,
    `  user 2 true "${username}" "${password}" admin 10 md2 md5 straight`,
    '',
  ].join('\n');
}

function emulatorCommands(dir: string): string {
  return [
    'mc_setbmc 0x20',
    'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02',
    'sel_enable 0x20 1000 0x0a',
    `sensor_add 0x20 0 1 0x03 0x01 poll 250 file "${join(dir, 'watts')}" div=2`,
    'sensor_set_event_support 0x20 0 1 disable scanning none 000000000000000 000000000000000 000000000000000 000000000000000',
    `main_sdr_add 0x20 ${POWER_SDR}`,
    'mc_enable 0x20',
    '',
  ].join('\n');
}

async function waitUntilServing(child: ChildProcess, port: number, name: string): Promise<void> {
  const pid = child.pid!;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`ipmi_sim ${name}: exited with ${child.exitCode} before listening`);
    const listeners = await udpListeners(port);
    const own = await socketInodesOf(pid);
    if (listeners.length === 1 && own.has(listeners[0]!)) {
      const probe = startRmcpProbe('127.0.0.1', port, 50);
      const answer = await Promise.race([probe.settled, sleep(2000).then(() => 'pending' as const)]);
      probe.close();
      if (answer === 'answered') return;
    }
    if (listeners.length > 1) throw new PortClash(`ipmi_sim ${name}: ${listeners.length} listeners on udp ${port}, expected one`);
    await sleep(50);
  }
  throw new Error(`ipmi_sim ${name}: not serving on udp 127.0.0.1:${port}`);
}

/** Starts ipmi_sim on a port found free, and checks it is the port's only listener. */
async function launch(
  name: string,
  dir: string,
  stateDir: string,
  username: string,
  password: string,
): Promise<{ child: ChildProcess; port: number; exited: Promise<void> }> {
  const port = await freeUdpPort();
  if ((await udpListeners(port)).length !== 0) throw new PortClash(`ipmi_sim ${name}: udp port ${port} is taken`);
  await writeFile(join(dir, 'lan.conf'), lanConf(name, port, dir, username, password));
  await rm(stateDir, { recursive: true, force: true });
  const out = openSync(join(dir, 'ipmi_sim.out'), 'w');
  const child = spawn('ipmi_sim', ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'bmc.emu'), '-s', stateDir, '-n'], {
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => {}); // raced below; a later error must not surface as unhandled
  try {
    await Promise.race([waitUntilServing(child, port, name), spawnError]);
  } catch (err) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    throw err;
  }
  return { child, port, exited };
}

export async function startSimBmc(options: SimBmcOptions): Promise<SimBmc> {
  requireIpmiPeers();
  const username = options.username ?? 'admin';
  const password = options.password ?? `pw-${options.name}-${randomBytes(4).toString('hex')}`;
  const dir = await mkdtemp(join(tmpdir(), `marmite-bmc-${options.name}-`));
  const stateDir = join(dir, 'state');
  const wattsOn = options.wattsOn ?? 240;
  const wattsOff = options.wattsOff ?? 12;
  const on = options.on ?? false;
  await writeFile(join(dir, 'power'), on ? '1\n' : '0\n');
  await writeFile(join(dir, 'watts-on'), `${wattsOn}\n`);
  await writeFile(join(dir, 'watts-off'), `${wattsOff}\n`);
  await writeFile(join(dir, 'watts'), `${on ? wattsOn : wattsOff}\n`);
  await writeFile(join(dir, 'log'), '');

  await writeFile(join(dir, 'bmc.emu'), emulatorCommands(dir));
  let started: { child: ChildProcess; port: number; exited: Promise<void> } | undefined;
  for (let attempt = 1; !started; attempt++) {
    try {
      started = await launch(options.name, dir, stateDir, username, password);
    } catch (err) {
      if (!(err instanceof PortClash) || attempt >= 5) throw err;
    }
  }
  const { child, port, exited } = started;
  const pid = child.pid!;

  const flag = async (file: string, present: boolean): Promise<void> => {
    if (present) await writeFile(join(dir, file), '');
    else await rm(join(dir, file), { force: true });
  };
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;

  return {
    name: options.name,
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    username,
    password,
    dir,
    pid,
    async power() {
      return (await readFile(join(dir, 'power'), 'utf8')).trim() === '1' ? 'on' : 'off';
    },
    async setPower(value) {
      await writeFile(join(dir, 'power'), value ? '1\n' : '0\n');
      await writeFile(join(dir, 'watts'), `${value ? wattsOn : wattsOff}\n`);
    },
    async actions() {
      const lines = (await readFile(join(dir, 'log'), 'utf8')).split('\n').map((l) => l.trim());
      return lines.filter((l) => l !== '' && !l.startsWith('get '));
    },
    setSoftDelay: (seconds) => writeFile(join(dir, 'soft-delay'), `${seconds}\n`),
    ignoreSoft: (ignore) => flag('ignore-soft', ignore),
    async kill() {
      if (alive()) {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      }
      await exited;
    },
    pause: () => process.kill(pid, 'SIGSTOP'),
    resume: () => process.kill(pid, 'SIGCONT'),
    async stop() {
      if (alive()) {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, 'SIGKILL');
      }
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One BMC per name, started side by side; on failure the ones already up are stopped. */
export async function startSimFleet(nodes: SimBmcOptions[]): Promise<SimBmc[]> {
  const results = await Promise.allSettled(nodes.map((n) => startSimBmc(n)));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((b) => b.stop()));
    throw failed.reason;
  }
  return started;
}
