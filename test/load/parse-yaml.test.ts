import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../src/load/parse-yaml.js';
import type { FieldPath } from '../../src/load/types.js';

const TEXT = [
  'vmid: 2801', //                      1
  'nics:', //                           2
  '  - network: lan', //                3
  '    firewall: true', //              4
  'disks:', //                          5
  'cloudInit: { user: ops, ip: dhcp }', // 6
  'base: &b 40GiB', //                  7
  'size: *b', //                        8
  '',
].join('\n');

describe('locate / locateKey', () => {
  const { parsed } = parseYaml('vm.yaml', TEXT);

  it.each<[string, FieldPath, { line: number; col: number }, { line: number; col: number }]>([
    ['the document', [], { line: 1, col: 1 }, { line: 1, col: 1 }],
    ['a scalar', ['vmid'], { line: 1, col: 7 }, { line: 1, col: 1 }],
    ['a list item', ['nics', 0], { line: 3, col: 5 }, { line: 3, col: 5 }],
    ['a field of a list item', ['nics', 0, 'firewall'], { line: 4, col: 15 }, { line: 4, col: 5 }],
    ['a field of a flow map', ['cloudInit', 'ip'], { line: 6, col: 29 }, { line: 6, col: 25 }],
    ['an empty value', ['disks'], { line: 5, col: 7 }, { line: 5, col: 1 }],
    ['an alias, where it is used', ['size'], { line: 8, col: 7 }, { line: 8, col: 1 }],
    ['a missing field -> its map', ['cloudInit', 'nameserver'], { line: 6, col: 12 }, { line: 6, col: 12 }],
    ['a missing list item -> its list', ['nics', 5, 'network'], { line: 3, col: 3 }, { line: 3, col: 3 }],
    ['below a scalar -> the scalar', ['vmid', 'x'], { line: 1, col: 7 }, { line: 1, col: 7 }],
  ])('%s', (_name, path, value, key) => {
    expect(parsed?.locate(path)).toEqual(value);
    expect(parsed?.locateKey(path)).toEqual(key);
  });

  it('accepts a leading and a trailing document marker', () => {
    const result = parseYaml('a.yaml', '---\na: 1\n---\n');

    expect(result.diagnostics).toEqual([]);
    expect(result.parsed?.value).toEqual({ a: 1 });
  });

  it('parses YAML 1.2 core: yes and on are text, 0o17 is a number', () => {
    const result = parseYaml('a.yaml', 'a: yes\nb: on\nc: 0o17\nd: 2024-01-01\n');

    expect(result.parsed?.value).toEqual({ a: 'yes', b: 'on', c: 15, d: '2024-01-01' });
  });
});

describe('parseYaml: what is refused', () => {
  it.each([
    ['an unknown tag', 'a: !vault secret\n', { line: 1, col: 4, code: 'yaml-tag' }],
    ['a binary value', 'a: !!binary aGk=\n', { line: 1, col: 13, code: 'yaml-unsupported-value' }],
    ['a set', 'a:\n  b: !!set { x }\n', { line: 2, col: 12, code: 'yaml-unsupported-value' }],
    ['infinity', 'a: [1, .inf]\n', { line: 1, col: 8, code: 'yaml-unsupported-value' }],
    ['a list as a key', '? [a, b]\n: 1\n', { line: 1, col: 3, code: 'yaml-complex-key' }],
    ['an unclosed quote (reported where the file ends)', 'a: "open\n', { line: 2, col: 1, code: 'yaml-syntax' }],
    ['a scalar document', '~\n', { line: 1, col: 1, code: 'empty-file' }],
  ])('%s', (_name, text, expected) => {
    const { parsed, diagnostics } = parseYaml('f.yaml', text);

    expect(parsed).toBeUndefined();
    expect(diagnostics.map(({ line, col, code }) => ({ line, col, code }))).toEqual([expected]);
  });
});
