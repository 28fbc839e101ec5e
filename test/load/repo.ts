// Small repositories in temporary directories: a valid base that each test changes a little.

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const VALID: Readonly<Record<string, string>> = {
  'marmite.yaml': 'formatVersion: 1\ntimezone: Europe/Paris\n',
  'sites/lyon.yaml': [
    'displayName: Lyon basement',
    'proxmox:',
    '  endpoint: https://pve1.example.org:8006',
    '  credential: pve-lyon',
    'networks:',
    '  lan: { bridge: vmbr0 }',
    'storages:',
    '  local-lvm: { type: lvmthin }',
    '',
  ].join('\n'),
  'nodes/pve1.yaml': [
    'site: lyon',
    'capacity: { cores: 16, memory: 64GiB }',
    'power: { policy: always-on, idleWatts: 60, maxWatts: 200 }',
    '',
  ].join('\n'),
  'catalog/flavors.yaml': 'flavors:\n  small: { cores: 1, memory: 1GiB }\n',
  'catalog/templates.yaml': 'templates:\n  debian-12: { vmid: 9000, disk: 10GiB, storage: local-lvm }\n',
  'ceph/pools/vmdata.yaml': 'site: lyon\n',
  'power/office.yaml': 'periods:\n  - days: [mon, tue]\n    hours: "08:00-19:00"\n',
  'tenants/ad28/tenant.yaml': [
    'displayName: Association 28',
    'contacts: [{ name: Alice, email: alice@example.org }]',
    'quotas: { vcpus: 8, memory: 16GiB, disk: 200GiB, vms: 4 }',
    'allowed: { sites: [lyon], networks: [lan] }',
    '',
  ].join('\n'),
  'tenants/ad28/vms/web.yaml': 'vmid: 2801\nflavor: small\ntemplate: debian-12\nnics:\n  - network: lan\n',
};

/** A file's content: text, raw bytes, a symlink, or absent (null removes a VALID file). */
export type Content = string | Uint8Array | { symlink: string } | null;

const made: string[] = [];

export async function makeRepo(files: Record<string, Content>, base: Record<string, string> = VALID): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'marmite-load-'));
  made.push(dir);
  const all: Record<string, Content> = { ...base, ...files };
  for (const [rel, content] of Object.entries(all)) {
    if (content === null) continue;
    const abs = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    if (typeof content === 'object' && 'symlink' in content) await symlink(content.symlink, abs);
    else await writeFile(abs, content);
  }
  return dir;
}

export async function removeRepos(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}
