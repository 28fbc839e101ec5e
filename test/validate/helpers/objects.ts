// Builds LoadedObjects from YAML text the way the loader does (kind, name and tenant from the
// path), so validator tests need no files on disk.

import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { FieldPath, Kind, LoadedObject } from '../../../src/load/types.js';
import type { Position } from '../../../src/core/diagnostics.js';

function classify(file: string): { kind: Kind; name: string; tenant?: string } {
  const parts = file.split('/');
  const stem = parts[parts.length - 1]!.replace(/\.ya?ml$/, '');
  if (file === 'marmite.yaml') return { kind: 'settings', name: 'marmite' };
  if (parts[0] === 'sites') return { kind: 'site', name: stem };
  if (parts[0] === 'nodes') return { kind: 'node', name: stem };
  if (file === 'catalog/flavors.yaml') return { kind: 'flavors', name: 'flavors' };
  if (file === 'catalog/templates.yaml') return { kind: 'templates', name: 'templates' };
  if (parts[0] === 'ceph') return { kind: 'pool', name: stem };
  if (parts[0] === 'power') return { kind: 'window', name: stem };
  if (parts[0] === 'tenants' && parts.length === 3) return { kind: 'tenant', name: parts[1]!, tenant: parts[1]! };
  if (parts[0] === 'tenants' && parts.length === 4) return { kind: 'vm', name: stem, tenant: parts[1]! };
  throw new Error(`test helper: unknown path ${file}`);
}

export function loadedObject(file: string, text: string): LoadedObject {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const pos = (offset: number): Position => {
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const nodeAt = (path: FieldPath): YamlNode | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
      if (node && typeof node === 'object' && 'range' in node && (node as YamlNode).range) return node as YamlNode;
    }
    return undefined;
  };
  const locate = (path: FieldPath): Position => {
    const node = nodeAt(path);
    return node?.range ? pos(node.range[0]) : { line: 1, col: 1 };
  };
  const locateKey = (path: FieldPath): Position => {
    if (path.length === 0) return locate(path);
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === path[path.length - 1]);
      if (pair && isScalar(pair.key) && pair.key.range) return pos(pair.key.range[0]);
    }
    return locate(path);
  };
  const { kind, name, tenant } = classify(file);
  const obj: LoadedObject = { kind, name, file, value: doc.toJS(), locate, locateKey };
  if (tenant !== undefined) obj.tenant = tenant;
  return obj;
}

/** Files of a repository as `{ path: yaml }` -> LoadedObjects. */
export function loadedObjects(files: Record<string, string>): LoadedObject[] {
  return Object.entries(files).map(([file, text]) => loadedObject(file, text));
}

/** A small valid repository: one site, two nodes, one tenant with two VMs. */
export function baseRepo(): Record<string, string> {
  return {
    'marmite.yaml': 'formatVersion: 1\ntimezone: Europe/Paris\n',
    'sites/paris.yaml': [
      'proxmox:',
      '  endpoint: https://pve.paris.example:8006',
      '  credential: pve-paris',
      'ceph:',
      '  endpoint: https://ceph.paris.example:8443',
      '  credential: ceph-paris',
      'networks:',
      '  lan:',
      '    bridge: vmbr0',
      '  dmz:',
      '    bridge: vmbr1',
      '    vlan: 20',
      'storages:',
      '  local-lvm:',
      '    type: lvmthin',
      '',
    ].join('\n'),
    'nodes/pve1.yaml': [
      'site: paris',
      'capacity:',
      '  cores: 16',
      '  memory: 64GiB',
      '  reserved: { cores: 2, memory: 4GiB }',
      'roles: [compute, ceph-osd]',
      'power:',
      '  policy: always-on',
      '  idleWatts: 60',
      '  maxWatts: 250',
      '',
    ].join('\n'),
    'nodes/pve2.yaml': [
      'site: paris',
      'capacity:',
      '  cores: 8',
      '  memory: 32GiB',
      'power:',
      '  policy: windows',
      '  windows: [office-hours]',
      '  idleWatts: 40',
      '  maxWatts: 180',
      '',
    ].join('\n'),
    'catalog/flavors.yaml': [
      'flavors:',
      '  small:',
      '    cores: 2',
      '    memory: 4GiB',
      '    disk: 20GiB',
      '  large:',
      '    cores: 8',
      '    memory: 16GiB',
      '',
    ].join('\n'),
    'catalog/templates.yaml': [
      'templates:',
      '  debian-12:',
      '    vmid: 9000',
      '    disk: 10GiB',
      '    storage: local-lvm',
      '',
    ].join('\n'),
    'ceph/pools/ad28.yaml': 'site: paris\ntenant: ad28\nquota:\n  maxBytes: 100GiB\n',
    'power/office-hours.yaml': 'periods:\n  - days: [mon, tue, wed, thu, fri]\n    hours: "08:00-19:00"\n',
    'tenants/ad28/tenant.yaml': [
      'displayName: Association 28',
      'contacts:',
      '  - { name: Alice, email: alice@example.org }',
      'quotas:',
      '  vcpus: 16',
      '  memory: 32GiB',
      '  disk: 500GiB',
      '  vms: 5',
      '  cephBytes: 200GiB',
      'allowed:',
      '  sites: [paris]',
      '  networks: [lan]',
      'vmidRange: { from: 1000, to: 1999 }',
      '',
    ].join('\n'),
    'tenants/ad28/vms/web.yaml': 'vmid: 1001\nflavor: small\ntemplate: debian-12\nnics:\n  - network: lan\n',
    'tenants/ad28/vms/db.yaml': [
      'vmid: 1002',
      'cores: 4',
      'memory: 8GiB',
      'template: debian-12',
      'disks:',
      '  - size: 50GiB',
      '  - size: 100GiB',
      '    storage: ad28',
      'nics:',
      '  - network: lan',
      '    firewall: false',
      'schedule:',
      '  windows: [office-hours]',
      '',
    ].join('\n'),
  };
}
