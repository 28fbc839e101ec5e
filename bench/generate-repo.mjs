// A generated infra repository for the benchmarks: `tenants` associations spread over two sites
// (paris with Ceph, lyon), `nodes` donated servers, `vms` VMs, all valid. Used by
// bench/validate.mjs and bench/plan.mjs.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const DEFAULT_SHAPE = { tenants: 100, nodes: 50, vms: 5000, sites: ['paris', 'lyon'] };

const SCHEMA = (kind, depth) => `# yaml-language-server: $schema=${'../'.repeat(depth)}schemas/${kind}.schema.json\n`;
const pad = (n, w) => String(n).padStart(w, '0');

function siteYaml(name, withCeph, votes) {
  return `${SCHEMA('site', 1)}displayName: ${name}
timezone: Europe/Paris
proxmox:
  endpoint: https://pve.${name}.example.org:8006
  credential: pve-${name}
${withCeph ? `ceph:\n  endpoint: https://ceph.${name}.example.org:8443\n  credential: ceph-${name}\n` : ''}electricity:
  pricePerKWh: 0.22
  currency: EUR
  pue: 1.7
quorum:
  expectedVotes: ${votes}
  qdevice: true
networks:
  lan:
    bridge: vmbr0
  public:
    bridge: vmbr1
    vlan: 20
storages:
  local-lvm:
    type: lvmthin
`;
}

function nodeYaml(i, site) {
  // One node in five follows office hours, one in five wakes on demand, the rest stay on.
  const policy = i % 5 === 3 ? 'windows' : i % 5 === 4 ? 'on-demand' : 'always-on';
  const ceph = site === 'paris' && i < 6;
  return `${SCHEMA('node', 1)}site: ${site}
description: Dell PowerEdge R630 number ${i}
capacity:
  cores: 32
  memory: 256GiB
  reserved:
    cores: 2
    memory: 16GiB
roles: [${ceph ? 'compute, ceph-osd, ceph-mon' : 'compute'}]
bmc:
  driver: ipmi
  address: 10.0.${Math.floor(i / 200)}.${(i % 200) + 10}
  credential: idrac
  cipherSuite: 17
power:
  policy: ${ceph ? 'always-on' : policy}
${policy === 'windows' && !ceph ? '  windows: [office-hours]\n' : ''}  idleWatts: 95
  maxWatts: 400
  bootTime: 4m
`;
}

const FLAVORS = `${SCHEMA('flavors', 1)}flavors:
  small:
    cores: 1
    memory: 2GiB
    disk: 20GiB
  medium:
    cores: 2
    memory: 4GiB
    disk: 40GiB
  large:
    cores: 4
    memory: 8GiB
    disk: 80GiB
`;

const TEMPLATES = `${SCHEMA('templates', 1)}templates:
  debian-12:
    vmid: 100
    disk: 4GiB
    storage: local-lvm
  ubuntu-2404:
    vmid: 101
    disk: 8GiB
    storage: local-lvm
`;

const OFFICE = `${SCHEMA('window', 1)}description: Opening hours
periods:
  - days: [mon, tue, wed, thu, fri]
    hours: "08:00-19:00"
`;

const BACKUP = `${SCHEMA('window', 1)}description: Weekly backups
periods:
  - schedule: "0 1 * * 6"
    duration: 4h
`;

function tenantYaml(t, site, vmsPerTenant) {
  const first = 1000 + t * 100;
  return `${SCHEMA('tenant', 2)}displayName: Association ${t}
contacts:
  - name: Contact ${t}
    email: contact@asso-${pad(t, 3)}.example.org
members:
  - user: admin-${pad(t, 3)}@pve
    role: admin
quotas:
  vcpus: ${vmsPerTenant * 2}
  memory: ${vmsPerTenant * 4}GiB
  disk: ${vmsPerTenant * 60}GiB
  vms: ${vmsPerTenant + 10}
${site === 'paris' ? '  cephBytes: 4TiB\n' : ''}allowed:
  sites: [${site}]
  networks: [lan, public]
vmidRange:
  from: ${first}
  to: ${first + 99}
`;
}

function poolYaml(t) {
  return `${SCHEMA('pool', 2)}site: paris
tenant: asso-${pad(t, 3)}
pgNum: 32
quota:
  maxBytes: 2TiB
`;
}

function vmYaml(t, v, site) {
  const flavor = v % 10 === 0 ? 'medium' : 'small';
  const storage = site === 'paris' ? `rbd-${pad(t, 3)}` : 'local-lvm';
  const schedule = v % 7 === 0 ? 'schedule:\n  windows: [office-hours]\n' : v % 11 === 0 ? 'schedule:\n  windows: [backup]\n' : '';
  return `${SCHEMA('vm', 4)}vmid: ${1000 + t * 100 + v}
description: Service ${v} of association ${t}
flavor: ${flavor}
template: ${v % 3 === 0 ? 'ubuntu-2404' : 'debian-12'}
disks:
  - size: ${flavor === 'medium' ? 40 : 20}GiB
    storage: ${storage}
nics:
  - network: ${v % 4 === 0 ? 'public' : 'lan'}
    firewall: true
cloudInit:
  user: debian
  ip: dhcp
${schedule}${v % 13 === 0 ? 'protected: true\n' : ''}${v <= 2 ? `placement:\n  antiAffinity: pair\n` : ''}`;
}

export async function generate(dir, SHAPE = DEFAULT_SHAPE) {
  const files = new Map();
  const put = (rel, text) => files.set(rel, text);
  put('marmite.yaml', `${SCHEMA('marmite', 0)}formatVersion: 1\ntimezone: Europe/Paris\nvmidRange:\n  from: 100\n  to: 99999\n`);
  for (const [i, site] of SHAPE.sites.entries()) {
    const votes = Math.ceil((SHAPE.nodes - i) / SHAPE.sites.length);
    put(`sites/${site}.yaml`, siteYaml(site, site === 'paris', votes));
  }
  for (let i = 0; i < SHAPE.nodes; i++) {
    const site = SHAPE.sites[i % SHAPE.sites.length];
    put(`nodes/${site}-${pad(i, 2)}.yaml`, nodeYaml(i, site));
  }
  put('catalog/flavors.yaml', FLAVORS);
  put('catalog/templates.yaml', TEMPLATES);
  put('power/office-hours.yaml', OFFICE);
  put('power/backup.yaml', BACKUP);
  const perTenant = SHAPE.vms / SHAPE.tenants;
  for (let t = 0; t < SHAPE.tenants; t++) {
    const site = SHAPE.sites[t % SHAPE.sites.length];
    const name = `asso-${pad(t, 3)}`;
    put(`tenants/${name}/tenant.yaml`, tenantYaml(t, site, perTenant));
    if (site === 'paris') put(`ceph/pools/rbd-${pad(t, 3)}.yaml`, poolYaml(t));
    for (let v = 1; v <= perTenant; v++) put(`tenants/${name}/vms/vm-${pad(v, 2)}.yaml`, vmYaml(t, v, site));
  }
  for (const [rel, text] of files) {
    const abs = path.join(dir, ...rel.split('/'));
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, text);
  }
  return files.size;
}

