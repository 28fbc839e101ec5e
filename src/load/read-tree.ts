// Walk an infra repository on disk and hand back the text of every file that should hold an
// object, with a Diagnostic for everything else that is wrong. Nothing here throws for bad
// content: a broken file is reported and left out, the rest of the repository is still read.
//
// Choices (also in docs/repository-format.md):
// - Not read, silently, at any depth: hidden entries (name starting with `.`: `.git`, `.github/`,
//   `.gitlab/`, `.gitlab-ci.yml`, `.editorconfig`, `.gitignore`, `.gitkeep`, `.vscode/`...),
//   `README*`, `LICENSE*`, `COPYING*`, `CODEOWNERS`, `*.md`. At the top level only: `docs/` and
//   `schemas/` (a copy of the JSON Schemas for editors).
// - Every other file must be a YAML file at a place of the layout (src/load/kinds.ts): a stray
//   file is an error, since a misplaced VM file (`tenant/ad28/vms/web.yaml`) would otherwise be
//   silently ignored. `.yml` is accepted like `.yaml`.
// - Symlinks are never followed, inside or outside the repository: Git checkouts on some systems
//   turn them into small text files, and an object reachable under two names would be ambiguous.
//   A link pointing outside the repository gets its own code, since it may be an attempt to read
//   files of the management node.
// - Files over MAX_FILE_BYTES, empty files and files that are not valid UTF-8 are errors.

import { lstatSync, readFileSync } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { START } from '../core/diagnostics.js';
import { UsageError } from '../core/errors.js';
import { classify, LAYOUT, splitExtension, YAML_EXTENSIONS } from './kinds.js';
import { closest } from './words.js';

/** Far above any hand-written object; keeps one bad file from eating the agent's memory. */
export const MAX_FILE_BYTES = 256 * 1024;
/** Entries visited before giving up: a repository of YAML files has hundreds, not tens of thousands. */
export const MAX_ENTRIES = 20_000;

export interface ReadTreeOptions {
  maxFileBytes?: number;
  maxEntries?: number;
}

export interface RepoFile {
  /** Repository-relative, forward slashes. */
  path: string;
  text: string;
}

export interface ReadTreeResult {
  files: RepoFile[];
  diagnostics: Diagnostic[];
}

const IGNORED_TOP_DIRS = new Set(['docs', 'schemas']);

/** Well-known files that are never configuration, at any depth. */
export function isIgnoredName(name: string): boolean {
  if (name.startsWith('.')) return true;
  if (/^(README|LICEN[CS]E|COPYING)([._-].*)?$/i.test(name)) return true;
  if (name === 'CODEOWNERS') return true;
  return /\.(md|markdown)$/i.test(name);
}

/** Whether a repository-relative path is one the loader never reads (see the list above). */
export function isIgnoredPath(file: string): boolean {
  const segments = file.split('/');
  if (segments.length > 1 && IGNORED_TOP_DIRS.has(segments[0] ?? '')) return true;
  return segments.some(isIgnoredName);
}

function error(file: string, code: string, message: string): Diagnostic {
  return { file, ...START, severity: 'error', code, message };
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Text of a file, or the reason it cannot be used. Also used for files that come from Git. */
export function decodeFile(file: string, bytes: Uint8Array, maxFileBytes = MAX_FILE_BYTES): RepoFile | Diagnostic {
  if (bytes.byteLength > maxFileBytes) return tooLarge(file, bytes.byteLength, maxFileBytes);
  let text: string;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    return { ...error(file, 'invalid-utf8', `not valid UTF-8 text; save the file as UTF-8`), ...at };
  }
  if (text.trim() === '') return error(file, 'empty-file', `file is empty`);
  return { path: file, text };
}

/**
 * Line and column of the first byte that breaks UTF-8, so the editor jumps to it. The lenient
 * decoder marks it with U+FFFD; a genuine U+FFFD earlier in the file only moves the mark up.
 */
function firstInvalidUtf8(bytes: Uint8Array): { line: number; col: number } {
  const text = new TextDecoder('utf-8').decode(bytes);
  const before = text.slice(0, Math.max(0, text.indexOf('\uFFFD')));
  const lines = before.split('\n');
  return { line: lines.length, col: (lines[lines.length - 1] ?? '').length + 1 };
}

function tooLarge(file: string, size: number, limit: number): Diagnostic {
  return error(file, 'file-too-large', `file is ${size} bytes; the limit is ${limit} bytes (${Math.round(limit / 1024)} KiB): split it or remove what is not needed`);
}

function layoutHint(): string {
  return `files go in: ${LAYOUT.join(', ')}`;
}

/** Why a file at this path is not part of the layout. */
export function misplaced(file: string): Diagnostic {
  const { ext } = splitExtension(path.posix.basename(file));
  if (!(YAML_EXTENSIONS as readonly string[]).includes(ext)) {
    return error(file, 'unknown-file', `only YAML files (ending in .yaml or .yml) belong in the repository; ${layoutHint()}`);
  }
  const guess = suggestPath(file);
  const hint = guess === undefined ? layoutHint() : `did you mean ${guess}? ${layoutHint()}`;
  return error(file, 'unknown-place', `this file is not at a known place; ${hint}`);
}

const FOLDERS = ['sites', 'nodes', 'catalog', 'ceph', 'pools', 'power', 'tenants', 'vms'];
const FIXED_NAMES = ['marmite', 'flavors', 'templates', 'tenant'];

/** A valid path close to a misplaced one: `tenant/ad28/vms/web.yaml` -> `tenants/ad28/vms/web.yaml`. */
export function suggestPath(file: string): string | undefined {
  const segments = file.split('/');
  const name = segments.pop() ?? '';
  const dirs = segments.map((seg) => closest(seg, FOLDERS) ?? seg);
  const { stem, ext } = splitExtension(name);
  const fixedName = `${closest(stem, FIXED_NAMES) ?? stem}${ext === '.yml' ? ext : '.yaml'}`;
  const keptName = `${stem}${ext === '.yml' ? ext : '.yaml'}`;
  // The file name is most likely the object's name: change it only if nothing else fits.
  const candidates = [[...dirs, keptName], [...dirs, fixedName]];
  // A VM file put directly in its tenant's folder.
  if (dirs.length === 2 && dirs[0] === 'tenants') candidates.push([dirs[0], dirs[1] ?? '', 'vms', keptName]);
  return candidates.map((c) => c.join('/')).find((c) => c !== file && classify(c) !== undefined);
}

export async function readTree(dir: string, options: ReadTreeOptions = {}): Promise<ReadTreeResult> {
  const maxEntries = options.maxEntries ?? MAX_ENTRIES;
  const maxFileBytes = options.maxFileBytes ?? MAX_FILE_BYTES;
  // The root itself may be reached through a link (macOS /tmp); its real path is what "inside
  // the repository" is measured against.
  const root = await realpath(path.resolve(dir)).catch((cause: unknown) => {
    throw new UsageError(`${dir}: repository directory not found`, { cause });
  });
  if (!(await stat(root)).isDirectory()) throw new UsageError(`${dir}: not a directory`);

  const files: RepoFile[] = [];
  const diagnostics: Diagnostic[] = [];
  let visited = 0;

  async function walk(rel: string): Promise<void> {
    const abs = path.join(root, ...rel.split('/').filter(Boolean));
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      diagnostics.push(error(rel || '.', 'read-failed', `cannot read directory: ${String((err as Error).message)}`));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const file = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (isIgnoredName(entry.name)) continue;
      if (rel === '' && entry.isDirectory() && IGNORED_TOP_DIRS.has(entry.name)) continue;
      if (++visited > maxEntries) {
        diagnostics.push(error(file, 'too-many-files', `repository has more than ${maxEntries} files; stopped reading here`));
        throw new TooManyFiles();
      }
      if (entry.isSymbolicLink()) {
        diagnostics.push(await symlinkDiagnostic(root, file));
      } else if (entry.isDirectory()) {
        await walk(file);
      } else if (!entry.isFile()) {
        diagnostics.push(error(file, 'not-a-file', `not a regular file`));
      } else if (classify(file) === undefined) {
        diagnostics.push(misplaced(file));
      } else {
        const read = await readOne(root, file, maxFileBytes);
        if ('text' in read) files.push(read);
        else diagnostics.push(read);
      }
    }
  }

  try {
    await walk('');
  } catch (err) {
    if (!(err instanceof TooManyFiles)) throw err;
  }
  return { files, diagnostics };
}

class TooManyFiles extends Error {}

// Synchronous on purpose: thousands of small files read one by one through promises spent more
// time waiting on the thread pool than reading (see docs/benchmarks.md, validate).
async function readOne(root: string, file: string, maxFileBytes: number): Promise<RepoFile | Diagnostic> {
  const abs = path.join(root, ...file.split('/'));
  try {
    // Check the size before reading so a huge file is never loaded into memory.
    const st = lstatSync(abs);
    if (st.size > maxFileBytes) return tooLarge(file, st.size, maxFileBytes);
    return decodeFile(file, readFileSync(abs), maxFileBytes);
  } catch (err) {
    return error(file, 'read-failed', `cannot read file: ${String((err as Error).message)}`);
  }
}

async function symlinkDiagnostic(root: string, file: string): Promise<Diagnostic> {
  const abs = path.join(root, ...file.split('/'));
  let target = '';
  try {
    target = await readlink(abs);
  } catch {
    // Unreadable link: report it as a plain symlink.
  }
  const resolved = path.resolve(path.dirname(abs), target);
  const inside = resolved === root || resolved.startsWith(root + path.sep);
  if (target !== '' && !inside) {
    return error(file, 'symlink-outside', `symbolic link to ${target}, outside the repository; links are not followed`);
  }
  return error(file, 'symlink', `symbolic links are not followed; put the file itself here`);
}
