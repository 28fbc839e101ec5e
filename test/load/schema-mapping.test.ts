import { afterAll, describe, expect, it } from 'vitest';
import { loadRepository } from '../../src/load/index.js';
import { makeRepo, removeRepos } from './repo.js';

afterAll(removeRepos);

const VM = 'tenants/ad28/vms/web.yaml';
const vm = (...lines: string[]) => [...lines, ''].join('\n');

type Expected = { line: number; col: number; code: string; message: string };

// Each case changes one file of a valid repository and expects exactly these diagnostics in it.
const cases: [string, string, string, Expected[]][] = [
  [
    'unknown key -> the key, with a did-you-mean',
    VM,
    vm('vmid: 2801', 'flavour: small', 'flavor: small', 'template: debian-12', 'nics: []'),
    [{ line: 2, col: 1, code: 'schema-unknown-field', message: 'unknown field "flavour"; did you mean "flavor"?' }],
  ],
  [
    'unknown key far from any known one -> lists the allowed ones',
    'catalog/flavors.yaml',
    vm('flavors:', '  small: { cores: 1, memory: 1GiB, gpu: true }'),
    [{ line: 2, col: 36, code: 'schema-unknown-field', message: 'flavors.small: unknown field "gpu"; fields allowed here: cores, memory, disk, description' }],
  ],
  [
    'missing field -> the parent map, naming the field',
    VM,
    vm('vmid: 2801', 'flavor: small', 'template: debian-12', 'nics:', '  - firewall: true'),
    [{ line: 5, col: 5, code: 'schema-missing-field', message: 'nics[0]: missing field "network" (Name of the network (defined in the site\'s file and allowed for the tenant))' }],
  ],
  [
    'missing field at the top -> the document',
    'nodes/pve1.yaml',
    vm('# a node', 'site: lyon', 'power: { policy: always-on, idleWatts: 60, maxWatts: 200 }'),
    [{ line: 2, col: 1, code: 'schema-missing-field', message: 'missing field "capacity" (What this server can give to VMs)' }],
  ],
  [
    'wrong type',
    VM,
    vm('vmid: "2801"', 'flavor: small', 'template: debian-12', 'nics: []'),
    [{ line: 1, col: 7, code: 'schema-type', message: 'vmid: expected a whole number, got text "2801"' }],
  ],
  [
    'YAML 1.1 yes is text, not a boolean',
    'marmite.yaml',
    vm('formatVersion: 1', 'prune: yes'),
    [{ line: 2, col: 8, code: 'schema-type', message: 'prune: expected true or false, got text "yes"' }],
  ],
  [
    'a list where a map is expected, at the top',
    'ceph/pools/vmdata.yaml',
    vm('- site: lyon'),
    [{ line: 1, col: 1, code: 'schema-type', message: 'the file must hold a map of fields (key: value), not a list' }],
  ],
  [
    'an empty value',
    VM,
    vm('vmid: 2801', 'flavor: small', 'template:', 'nics: []'),
    [{ line: 3, col: 10, code: 'schema-type', message: 'template: expected text, got nothing' }],
  ],
  [
    'bad size unit',
    VM,
    vm('vmid: 2801', 'flavor: small', 'template: debian-12', 'nics: []', 'disks:', '  - size: 40 Go'),
    [{ line: 6, col: 11, code: 'schema-size', message: 'disks[0].size: "40 Go" is not a size; write a number and a unit such as 40GiB or 512MiB (units: KiB MiB GiB TiB PiB, or KB MB GB TB PB)' }],
  ],
  [
    'a size without a unit',
    'catalog/flavors.yaml',
    vm('flavors:', '  small: { cores: 1, memory: 1024 }'),
    [{ line: 2, col: 30, code: 'schema-type', message: 'flavors.small.memory: expected text, got a whole number 1024' }],
  ],
  [
    'bad duration',
    'nodes/pve1.yaml',
    vm('site: lyon', 'capacity: { cores: 16, memory: 64GiB }', 'power:', '  policy: on-demand', '  idleWatts: 60', '  maxWatts: 200', '  bootTime: 5 minutes'),
    [{ line: 7, col: 13, code: 'schema-duration', message: 'power.bootTime: "5 minutes" is not a duration; write a number and a unit such as 90s, 5m, 1h30m or 2d' }],
  ],
  [
    'an empty duration',
    'nodes/pve1.yaml',
    vm('site: lyon', 'capacity: { cores: 16, memory: 64GiB }', 'power: { policy: on-demand, idleWatts: 60, maxWatts: 200, minOnTime: "" }'),
    [{ line: 3, col: 70, code: 'schema-duration', message: 'power.minOnTime: "" is not a duration; write a number and a unit such as 90s, 5m, 1h30m or 2d' }],
  ],
  [
    'bad DNS name in a reference',
    VM,
    vm('vmid: 2801', 'flavor: small', 'template: debian-12', 'nics:', '  - network: Lan_1'),
    [{ line: 5, col: 14, code: 'schema-name', message: 'nics[0].network: "Lan_1" is not a valid name; use lower-case letters, digits and \'-\' (at most 63, not starting or ending with \'-\')' }],
  ],
  [
    'bad DNS name as a map key -> the key',
    'sites/lyon.yaml',
    vm('proxmox: { endpoint: "https://pve:8006", credential: pve }', 'networks:', '  LAN: { bridge: vmbr0 }'),
    [{ line: 3, col: 3, code: 'schema-name', message: 'networks: "LAN" is not a valid name; use lower-case letters, digits and \'-\' (at most 63, not starting or ending with \'-\')' }],
  ],
  [
    'a misspelt enum value',
    VM,
    vm('vmid: 2801', 'flavor: small', 'template: debian-12', 'nics: []', 'state: runing'),
    [{ line: 5, col: 8, code: 'schema-value', message: 'state: "runing" is not allowed; did you mean "running"?' }],
  ],
  [
    'a wrong enum value',
    'nodes/pve1.yaml',
    vm('site: lyon', 'capacity: { cores: 16, memory: 64GiB }', 'power: { policy: sometimes, idleWatts: 60, maxWatts: 200 }'),
    [{ line: 3, col: 18, code: 'schema-value', message: 'power.policy: "sometimes" is not allowed; write one of: always-on, windows, on-demand' }],
  ],
  [
    'const',
    'marmite.yaml',
    vm('formatVersion: 2'),
    [{ line: 1, col: 16, code: 'schema-value', message: 'formatVersion: must be 1, not 2' }],
  ],
  [
    'out of range',
    VM,
    vm('vmid: 42', 'flavor: small', 'template: debian-12', 'nics: []'),
    [{ line: 1, col: 7, code: 'schema-range', message: 'vmid: 42 is too small; the smallest allowed is 100' }],
  ],
  [
    'a repeated list item',
    'power/office.yaml',
    vm('periods:', '  - days: [mon, tue, mon]', '    hours: "08:00-19:00"'),
    [{ line: 2, col: 22, code: 'schema-duplicate', message: 'periods[0].days: "mon" is listed twice' }],
  ],
  [
    'an e-mail address',
    'tenants/ad28/tenant.yaml',
    vm('displayName: A', 'contacts: [{ name: Alice, email: alice }]', 'quotas: { vcpus: 8, memory: 16GiB, disk: 200GiB, vms: 4 }', 'allowed: { sites: [lyon], networks: [lan] }'),
    [{ line: 2, col: 34, code: 'schema-format', message: 'contacts[0].email: "alice" is not an e-mail address' }],
  ],
  [
    'window period: days + hours with bad hours -> that branch only',
    'power/office.yaml',
    vm('periods:', '  - days: [mon]', '    hours: "8-19"'),
    [{ line: 3, col: 12, code: 'schema-format', message: 'periods[0].hours: "8-19" is not a time range; write start and end as HH:MM-HH:MM, such as 08:00-19:00' }],
  ],
  [
    'window period: days without hours -> missing hours',
    'power/office.yaml',
    vm('periods:', '  - days: [mon]'),
    [{ line: 2, col: 5, code: 'schema-missing-field', message: 'periods[0]: missing field "hours" (Start and end time, such as 08:00-19:00)' }],
  ],
  [
    'window period: schedule with a bad duration -> that branch only',
    'power/office.yaml',
    vm('periods:', '  - schedule: "0 8 * * 1-5"', '    duration: 2 hours'),
    [{ line: 3, col: 15, code: 'schema-duration', message: 'periods[0].duration: "2 hours" is not a duration; write a number and a unit such as 90s, 5m, 1h30m or 2d' }],
  ],
  [
    'window period: a mix of both forms -> one readable message',
    'power/office.yaml',
    vm('periods:', '  - schedule: "0 8 * * 1-5"', '    hours: "08:00-19:00"'),
    [{ line: 2, col: 5, code: 'schema-choice', message: 'periods[0]: expected a map with days and hours, or a map with schedule and duration' }],
  ],
  [
    'window period: each list item is judged on its own',
    'power/office.yaml',
    vm('periods:', '  - days: [mon]', '    hours: "08:00-19:00"', '  - schedule: "0 8 * * 1-5"', '    duration: 1d2h'),
    [],
  ],
  [
    'VM: neither flavor nor cores and memory',
    VM,
    vm('vmid: 2801', 'template: debian-12', 'nics: []'),
    [{ line: 1, col: 1, code: 'schema-choice', message: 'write either flavor (a size from catalog/flavors.yaml) or both cores and memory, never a flavor together with cores or memory' }],
  ],
  [
    'VM: cores without memory',
    VM,
    vm('vmid: 2801', 'cores: 2', 'template: debian-12', 'nics: []'),
    [{ line: 1, col: 1, code: 'schema-choice', message: 'write either flavor (a size from catalog/flavors.yaml) or both cores and memory, never a flavor together with cores or memory' }],
  ],
  [
    'VM: flavor and cores',
    VM,
    vm('vmid: 2801', 'flavor: small', 'cores: 2', 'template: debian-12', 'nics: []'),
    [{ line: 3, col: 1, code: 'schema-choice', message: 'cores: write either flavor (a size from catalog/flavors.yaml) or both cores and memory, never a flavor together with cores or memory' }],
  ],
  [
    'VM: flavor, cores and memory',
    VM,
    vm('vmid: 2801', 'cores: 2', 'memory: 2GiB', 'template: debian-12', 'flavor: small', 'nics: []'),
    [{ line: 5, col: 1, code: 'schema-choice', message: 'flavor: write either flavor (a size from catalog/flavors.yaml) or both cores and memory, never a flavor together with cores or memory' }],
  ],
  [
    'VM: cores and memory without a flavor is valid',
    VM,
    vm('vmid: 2801', 'cores: 2', 'memory: 2GiB', 'template: debian-12', 'nics: []'),
    [],
  ],
  [
    'VM: ip neither dhcp nor a map',
    VM,
    vm('vmid: 2801', 'flavor: small', 'template: debian-12', 'nics: []', 'cloudInit:', '  ip: static'),
    [{ line: 6, col: 7, code: 'schema-choice', message: 'cloudInit.ip: expected "dhcp", or a map with address' }],
  ],
  [
    'VM: ip map with a bad address -> that branch only',
    VM,
    vm('vmid: 2801', 'flavor: small', 'template: debian-12', 'nics: []', 'cloudInit:', '  ip: { address: 192.0.2.10 }'),
    [{ line: 6, col: 18, code: 'schema-format', message: 'cloudInit.ip.address: "192.0.2.10" is not an address with network size; write it such as 192.0.2.10/24' }],
  ],
  [
    'an alias value is located where it is used',
    VM,
    vm('vmid: 2801', 'flavor: small', 'template: debian-12', 'description: &d 12', 'nics: []', 'disks:', '  - size: *d'),
    [
      { line: 4, col: 17, code: 'schema-type', message: 'description: expected text, got a whole number 12' },
      { line: 7, col: 11, code: 'schema-type', message: 'disks[0].size: expected text, got a whole number 12' },
    ],
  ],
];

describe('schema errors are mapped to the YAML position and a readable message', () => {
  it.each(cases)('%s', async (_name, file, content, expected) => {
    const dir = await makeRepo({ [file]: content });

    const { diagnostics, objects } = await loadRepository(dir);

    expect(diagnostics.map(({ line, col, code, message }) => ({ line, col, code, message }))).toEqual(expected);
    expect(diagnostics.every((d) => d.file === file && d.severity === 'error')).toBe(true);
    expect(objects.some((o) => o.file === file)).toBe(expected.length === 0);
  });
});
