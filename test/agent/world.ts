// The world an agent test runs in: a real `git http-backend` forge on loopback holding the infra
// repository, the lab (simulated Proxmox VE) seeded from it, secret files (0600) and an agent
// config pointing at both. Every wait is on a condition, with a deadline.

import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/core/log.js';
import { LabClock } from '../../src/lab/clock.js';
import { seedFromDesired, startLab, type Lab } from '../../src/lab/index.js';
import type { Desired } from '../../src/model/desired.js';
import { validateRepository } from '../../src/validate/index.js';
import { createBareRepo, gitCli, pushDirectory, startGitServer, type GitServer } from '../support/git-server.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SITE = 'paris';

export interface World {
  dir: string;
  git: GitServer;
  bare: string;
  /** A plain directory holding the repository's next content; push() commits it. */
  tree: string;
  lab: Lab;
  desired: Desired;
  gitToken: string;
  webhookSecret: string;
  repoUrl: string;
  /** While true the forge answers every request with HTTP 500. */
  forge: { down: boolean };
  writeConfig(name: string, agent?: Record<string, unknown>): Promise<string>;
  push(message: string): Promise<string>;
  statusFile(path: string): Promise<string | undefined>;
  secrets(): string[];
  close(): Promise<void>;
}

export interface WorldOptions {
  example?: 'small' | 'realistic';
  /** Lab clock speed (simulated seconds per real second). */
  speed?: number;
  /** Changes the tree before the first commit is pushed. */
  prepare?: (tree: string) => Promise<void>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const example = join(ROOT, 'examples', options.example ?? 'small');
  const dir = await mkdtemp(join(tmpdir(), 'marmite-agent-'));
  const gitToken = 'glpat-agent-test-4f1c9a7e22b0';
  const webhookSecret = 'hook-secret-8d3e5b61f0a2';
  const forge = { down: false };
  const git = await startGitServer({
    root: join(dir, 'forge'),
    users: { marmite: gitToken },
    onRequest: () => {
      if (forge.down) throw new Error('forge is down');
    },
  });
  await mkdir(join(dir, 'forge'), { recursive: true });
  const bare = await createBareRepo(join(dir, 'forge'), 'infra.git');
  const tree = join(dir, 'tree');
  await cp(example, tree, { recursive: true });
  await options.prepare?.(tree);
  await pushDirectory(bare, 'main', tree, 'infra: first import');

  const { desired } = await validateRepository(example);
  if (!desired) throw new Error(`${example} does not validate`);
  const lab = await startLab({ seed: seedFromDesired(desired), basePort: 0, clock: LabClock.scaled(options.speed ?? 600) });

  const secret = async (name: string, value: string) => {
    await writeFile(join(dir, name), `${value}\n`, { mode: 0o600 });
    await chmod(join(dir, name), 0o600);
  };
  await secret('pve-token', lab.tokenSecret);
  await secret('git-token', gitToken);
  await secret('webhook-secret', webhookSecret);
  const repoUrl = `${git.url}/infra.git`;

  return {
    dir,
    git,
    bare,
    tree,
    lab,
    desired,
    gitToken,
    webhookSecret,
    repoUrl,
    forge,
    async writeConfig(name, agent = {}) {
      const config = {
        sites: Object.fromEntries(
          Object.entries(lab.sites).map(([site, s]) => [site, { proxmox: { url: s.url, tokenId: lab.tokenId, tokenSecret: { file: 'pve-token' } } }]),
        ),
        agent: {
          repository: { url: repoUrl, branch: 'main', username: 'marmite', token: { file: 'git-token' } },
          pollInterval: '1h',
          autoApply: true,
          listen: '127.0.0.1:0',
          webhookSecret: { file: 'webhook-secret' },
          stateDir: `state-${name}`,
          ...agent,
        },
      };
      const file = join(dir, `${name}.yaml`);
      await writeFile(file, JSON.stringify(config, null, 2));
      return file;
    },
    push: (message) => pushDirectory(bare, 'main', tree, message),
    async statusFile(path) {
      try {
        return await gitCli(['show', `refs/heads/marmite/status:${path}`], { cwd: bare });
      } catch {
        return undefined;
      }
    },
    secrets: () => [gitToken, webhookSecret, lab.tokenSecret],
    async close() {
      await lab.close();
      lab.clock.stop();
      await git.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A logger writing JSON lines into memory, and the lines written so far. */
export function memoryLogger(): { log: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const log = createLogger({ level: 'debug', destination: stream });
  return { log, lines: () => chunks.join('').split('\n').filter((l) => l !== '') };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Desired VMs by vmid and by Proxmox name, as the lab holds them (templates left out). */
export function labGuests(world: World, site = SITE): { vmid: number; name: string; memory?: string }[] {
  const cluster = world.lab.sites[site]!.cluster;
  return [...cluster.guests.values()]
    .filter((g) => g.config['template'] !== '1')
    .map((g) => ({ vmid: g.vmid, name: String(g.config['name'] ?? ''), ...(g.config['memory'] === undefined ? {} : { memory: String(g.config['memory']) }) }));
}

/** The desired VMs' Proxmox names (`<vm>.<tenant>`) and vmids. */
export function desiredGuests(desired: Desired): { vmid: number; name: string }[] {
  return Object.values(desired.vms).map((vm) => ({ vmid: vm.vmid, name: `${vm.name}.${vm.tenant}` }));
}

export const NEW_VM = (vmid: number, description: string) =>
  [
    'vmid: ' + vmid,
    `description: ${description}`,
    'flavor: small',
    'template: debian-12',
    'disks:',
    '  - size: 20GiB',
    '    storage: vms',
    'nics:',
    '  - network: lan',
    '',
  ].join('\n');
