// The first stage of the pipeline: a repository directory -> schema-checked objects, with every
// problem of every file reported in one run. A file with any error is left out whole, so later
// stages never see half an object.

import type { Diagnostic } from '../core/diagnostics.js';
import { compareDiagnostics, START } from '../core/diagnostics.js';
import { classify, isDnsLabel } from './kinds.js';
import { parseYaml } from './parse-yaml.js';
import { isIgnoredPath, misplaced, readTree, type ReadTreeOptions, type RepoFile } from './read-tree.js';
import { createSchemaChecker, type SchemaChecker } from './schema-check.js';
import type { LoadedObject } from './types.js';

export type { LoadedObject, Kind, FieldPath } from './types.js';
export { readTree, decodeFile, MAX_FILE_BYTES, type ReadTreeOptions, type RepoFile } from './read-tree.js';

export interface LoadResult {
  objects: LoadedObject[];
  /** Sorted by file, line, column. */
  diagnostics: Diagnostic[];
}

const SETTINGS_FILES = ['marmite.yaml', 'marmite.yml'];

let checker: Promise<SchemaChecker> | undefined;

/** Compiled once per process: compiling the nine schemas costs more than checking a repository. */
function schemaChecker(): Promise<SchemaChecker> {
  // A failed compile is not cached: the next call tries again (and fails loudly again).
  checker ??= createSchemaChecker().catch((err: unknown) => {
    checker = undefined;
    throw err;
  });
  return checker;
}

/** Load a repository from disk. Throws UsageError when `dir` is not a directory. */
export async function loadRepository(dir: string, options: ReadTreeOptions = {}): Promise<LoadResult> {
  const tree = await readTree(dir, options);
  const loaded = await loadFiles(tree.files);
  // A marmite.yaml that exists but could not be read is already reported; "missing" would mislead.
  const settingsReported = tree.diagnostics.some((d) => SETTINGS_FILES.includes(d.file));
  const diagnostics = loaded.diagnostics.filter((d) => !(settingsReported && d.code === 'missing-settings'));
  return { objects: loaded.objects, diagnostics: [...tree.diagnostics, ...diagnostics].sort(compareDiagnostics) };
}

/**
 * Load files already read as text (from disk, or from a Git snapshot through decodeFile). The same
 * rules as readTree apply: ignored paths are skipped, files in unknown places are reported.
 */
export async function loadFiles(files: readonly RepoFile[]): Promise<LoadResult> {
  const check = await schemaChecker();
  const objects: LoadedObject[] = [];
  const diagnostics: Diagnostic[] = [];
  const byIdentity = new Map<string, string>();
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  for (const { path: file, text } of sorted) {
    if (isIgnoredPath(file)) continue;
    const match = classify(file);
    if (match === undefined) {
      diagnostics.push(misplaced(file));
      continue;
    }
    const fileDiagnostics: Diagnostic[] = [];
    for (const { value, what } of match.names) {
      if (!isDnsLabel(value)) {
        fileDiagnostics.push({
          file,
          ...START,
          severity: 'error',
          code: 'invalid-name',
          message: `${what} name "${value}" is not a valid name; use lower-case letters, digits and '-' (at most 63, not starting or ending with '-'), such as ${suggestName(value)}`,
        });
      }
    }
    // `web.yaml` next to `web.yml` would be two objects with one name.
    const identity = `${match.kind}/${match.tenant ?? ''}/${match.name}`;
    const first = byIdentity.get(identity);
    if (first !== undefined) {
      fileDiagnostics.push({ file, ...START, severity: 'error', code: 'duplicate-file', message: `same object as ${first}; keep only one of the two files` });
    } else {
      byIdentity.set(identity, file);
    }

    const { parsed, diagnostics: yamlDiagnostics } = parseYaml(file, text);
    fileDiagnostics.push(...yamlDiagnostics);
    if (parsed !== undefined) fileDiagnostics.push(...check.check(match.kind, file, parsed));
    diagnostics.push(...fileDiagnostics);

    if (parsed === undefined || fileDiagnostics.some((d) => d.severity === 'error')) continue;
    const object: LoadedObject = {
      kind: match.kind,
      name: match.name,
      file,
      value: parsed.value,
      locate: parsed.locate,
      locateKey: parsed.locateKey,
    };
    if (match.tenant !== undefined) object.tenant = match.tenant;
    objects.push(object);
  }

  if (!sorted.some((f) => SETTINGS_FILES.includes(f.path))) {
    diagnostics.push({
      file: 'marmite.yaml',
      ...START,
      severity: 'error',
      code: 'missing-settings',
      message: 'marmite.yaml is missing at the root of the repository; it holds at least "formatVersion: 1"',
    });
  }
  return { objects, diagnostics: diagnostics.sort(compareDiagnostics) };
}

/** A DNS-label version of a bad name, to show what a valid one looks like. */
function suggestName(value: string): string {
  const s = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return s === '' ? 'web-1' : s;
}
