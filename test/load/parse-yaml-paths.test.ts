import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastValue, parseYaml, parseYamlFull } from '../../src/load/parse-yaml.js';

// Two parsers, one meaning (see src/load/parse-yaml.ts): wherever the fast path answers, it must
// give the value the full parser gives.
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

const files = [...yamlFiles('examples'), ...yamlFiles('infra-repo-template')];

describe('the fast YAML path', () => {
  it.each(files)('reads %s as the full parser does', (file) => {
    const text = readFileSync(file, 'utf8');
    const fast = fastValue(text);
    if (fast !== undefined) expect(fast).toEqual(parseYamlFull(file, text).parsed?.value);
    else expect(parseYamlFull(file, text).parsed).toBeDefined();
  });

  it('serves most files of the examples, or it would not be worth having', () => {
    const fast = files.filter((f) => fastValue(readFileSync(f, 'utf8')) !== undefined);
    expect(fast.length).toBeGreaterThan(files.length * 0.8);
  });

  it.each([
    ['an anchor and alias', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !vault secret\n'],
    ['a merge key', 'base: { a: 1 }\nitem:\n  <<: { b: 2 }\n'],
    ['a second document', 'a: 1\n---\nb: 2\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['a tab', 'a:\t1\n'],
    ['a number with underscores', 'vmid: 2_801\n'],
    ['a binary number', 'vmid: 0b101\n'],
    ['an infinity', 'watts: .inf\n'],
    ['a complex key', '? [a, b]\n: 1\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a syntax error', 'a: [1, 2\n'],
    ['a list at the top', '- a\n- b\n'],
    ['an empty document', '# only a comment\n'],
  ])('leaves %s to the full parser', (_name, text) => {
    expect(fastValue(text)).toBeUndefined();
  });

  it('finds positions lazily for a file read on the fast path', () => {
    const text = 'vmid: 2801\ndisks:\n  - size: 40GiB\n    storage: ceph\n';
    const parsed = parseYaml('vm.yaml', text).parsed!;
    expect(parsed.value).toEqual({ vmid: 2801, disks: [{ size: '40GiB', storage: 'ceph' }] });
    expect(parsed.locate(['disks', 0, 'storage'])).toEqual({ line: 4, col: 14 });
    expect(parsed.locateKey(['disks', 0, 'storage'])).toEqual({ line: 4, col: 5 });
  });
});
