import { describe, expect, it } from 'vitest';
import { CREDENTIALS_DROP_IN, EXAMPLE_CONFIG, UNIT_FILE, fileRefs, loadYamlDocument, mergeUnits, parseBytes, parseTimeSpan, parseUnit, readText, unitValue, unitValues } from './deploy-files.js';

const unit = parseUnit(readText(UNIT_FILE));
const dropIn = parseUnit(readText(CREDENTIALS_DROP_IN));

// How long the Proxmox provider waits for one task (createProxmoxProvider's taskTimeoutMs default).
// A stop must be allowed to outlast it, or SIGKILL lands in the middle of a change.
const PROXMOX_TASK_WAIT_SECONDS = 15 * 60;

describe('parseUnit', () => {
  it('keeps repeated keys in order and the last one as the effective value', () => {
    const u = parseUnit('[Service]\n# note\nLoadCredential=a:/x\nLoadCredential=b:/y\nCapabilityBoundingSet=CAP_NET_RAW\nCapabilityBoundingSet=\n');
    expect(unitValues(u, 'Service', 'LoadCredential')).toEqual(['a:/x', 'b:/y']);
    expect(unitValue(u, 'Service', 'CapabilityBoundingSet')).toBe('');
  });

  it.each([
    ['17min', 1020],
    ['1h 30min', 5400],
    ['900', 900],
    ['90s', 90],
    ['soon', undefined],
  ])('reads the time span %s', (text, seconds) => {
    expect(parseTimeSpan(text)).toBe(seconds);
  });
});

describe('deploy/marmite-agent.service', () => {
  it.each([
    ['Service', 'DynamicUser', 'yes'],
    ['Service', 'StateDirectory', 'marmite'],
    ['Service', 'ConfigurationDirectory', 'marmite'],
    ['Service', 'ProtectSystem', 'strict'],
    ['Service', 'ProtectHome', 'yes'],
    ['Service', 'PrivateTmp', 'yes'],
    ['Service', 'PrivateDevices', 'yes'],
    ['Service', 'NoNewPrivileges', 'yes'],
    ['Service', 'CapabilityBoundingSet', ''],
    ['Service', 'Restart', 'on-failure'],
    ['Service', 'KillMode', 'mixed'],
    ['Service', 'KillSignal', 'SIGTERM'],
    ['Service', 'RestrictNamespaces', 'yes'],
    ['Service', 'SystemCallArchitectures', 'native'],
    ['Install', 'WantedBy', 'multi-user.target'],
  ])('[%s] sets %s=%s', (section, key, expected) => {
    expect(unitValue(unit, section, key)).toBe(expected);
  });

  it('filters system calls to @system-service', () => {
    expect(unitValues(unit, 'Service', 'SystemCallFilter')).toContain('@system-service');
  });

  it('allows only IPv4, IPv6 and Unix sockets (netlink only if ever needed)', () => {
    const families = (unitValue(unit, 'Service', 'RestrictAddressFamilies') ?? '').split(/\s+/).filter((f) => f);
    expect(families).toEqual(expect.arrayContaining(['AF_INET', 'AF_INET6', 'AF_UNIX']));
    expect(families.filter((f) => !['AF_INET', 'AF_INET6', 'AF_UNIX', 'AF_NETLINK'].includes(f))).toEqual([]);
  });

  it('leaves write-xor-execute off, since V8 compiles code at run time', () => {
    expect(unitValue(unit, 'Service', 'MemoryDenyWriteExecute') ?? 'no').toBe('no');
  });

  it('caps memory', () => {
    const max = parseBytes(unitValue(unit, 'Service', 'MemoryMax') ?? '');
    expect(max).toBeGreaterThanOrEqual(256 * 1024 ** 2);
  });

  it('gives a stop longer than a Proxmox task may run, so the change in progress finishes', () => {
    const seconds = parseTimeSpan(unitValue(unit, 'Service', 'TimeoutStopSec') ?? '');
    expect(seconds).toBeGreaterThan(PROXMOX_TASK_WAIT_SECONDS);
  });

  it('runs the agent with node and the config from the credentials directory', () => {
    const exec = unitValue(unit, 'Service', 'ExecStart') ?? '';
    const [program, script, ...args] = exec.split(/\s+/);
    expect(program).toMatch(/^\/.*\/node$/);
    expect(script).toMatch(/\/bin\/marmite\.js$/);
    expect(args).toEqual(['agent', '--config', '${CREDENTIALS_DIRECTORY}/agent.yaml']);
  });

  it('loads the config itself as a credential', () => {
    expect(unitValues(unit, 'Service', 'LoadCredential')).toContain('agent.yaml:/etc/marmite/agent.yaml');
  });
});

describe('deploy/marmite-agent.service.d/credentials.conf', () => {
  it('only adds LoadCredential= lines to [Service]', () => {
    expect([...dropIn.keys()]).toEqual(['Service']);
    expect([...dropIn.get('Service')!.keys()]).toEqual(['LoadCredential']);
  });

  it('with the unit, loads every secret the example config names, from /etc/marmite under the same name', () => {
    const loaded = new Map(
      unitValues(mergeUnits(unit, dropIn), 'Service', 'LoadCredential').map((v) => {
        const colon = v.indexOf(':');
        return [v.slice(0, colon), v.slice(colon + 1)] as const;
      }),
    );
    const wanted = fileRefs(loadYamlDocument(EXAMPLE_CONFIG)).map((r) => r.file);
    expect(Object.fromEntries(wanted.map((name) => [name, loaded.get(name)]))).toEqual(
      Object.fromEntries(wanted.map((name) => [name, `/etc/marmite/${name}`])),
    );
  });

  it('loads nothing the example config does not name', () => {
    const wanted = new Set(['agent.yaml', ...fileRefs(loadYamlDocument(EXAMPLE_CONFIG)).map((r) => r.file)]);
    const extra = unitValues(mergeUnits(unit, dropIn), 'Service', 'LoadCredential').map((v) => v.slice(0, v.indexOf(':'))).filter((id) => !wanted.has(id));
    expect(extra).toEqual([]);
  });
});
