// The real `git` CLI, run with argv arrays (never a shell), for what merge-request review needs:
// resolve refs, list what a merge request changes, and read a commit's files into memory, so the
// base and the head are loaded side by side without touching the work tree or the index.

import { spawn } from 'node:child_process';
import { MarmiteError } from '../core/errors.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { decodeFile, type RepoFile } from '../load/index.js';
import { isIgnoredPath } from '../load/read-tree.js';

export class GitCommandError extends MarmiteError {
  override name = 'GitCommandError';
  constructor(
    readonly args: readonly string[],
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`git ${args[0] ?? ''}: ${detail}`, { ...options, transient: false });
  }
}

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'type-changed';

export interface ChangedFile {
  status: ChangeStatus;
  path: string;
}

const MAX_OUTPUT = 256 * 1024 * 1024;

/** Runs git in `cwd`; resolves with stdout as bytes, rejects with stderr's first line. */
export function runGit(cwd: string, args: readonly string[], stdin?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } });
    const out: Buffer[] = [];
    let size = 0;
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size > MAX_OUTPUT) child.kill();
      else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => void (err += b.toString('utf8')));
    child.on('error', (cause) => reject(new GitCommandError(args, `cannot run git (${cause.message})`, { cause })));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new GitCommandError(args, err.trim().split('\n')[0] || `exited with code ${String(code)}`));
    });
    child.stdin.on('error', () => {}); // git may exit before reading everything on a bad ref
    child.stdin.end(stdin ?? '');
  });
}

/** Full SHA of a ref (`origin/main`, `HEAD`, a SHA). */
export async function resolveCommit(cwd: string, ref: string): Promise<string> {
  const out = await runGit(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]).catch((cause: unknown) => {
    throw new GitCommandError(['rev-parse'], `unknown revision '${ref}' (in CI, fetch it first: git fetch origin <branch>)`, { cause });
  });
  return out.toString('utf8').trim();
}

export async function mergeBase(cwd: string, a: string, b: string): Promise<string> {
  return (await runGit(cwd, ['merge-base', a, b])).toString('utf8').trim();
}

const STATUS: Record<string, ChangeStatus> = { A: 'added', M: 'modified', D: 'deleted', T: 'type-changed' };

/**
 * `git diff --name-status base...head`: what the merge request changes since it branched off.
 * Renames come as a delete and an add, so both paths count for ownership.
 */
export async function changedFiles(cwd: string, base: string, head: string): Promise<ChangedFile[]> {
  const out = (await runGit(cwd, ['diff', '--name-status', '-z', '--no-renames', `${base}...${head}`])).toString('utf8');
  const parts = out.split('\0').filter((p) => p !== '');
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    files.push({ status: STATUS[parts[i]!.charAt(0)] ?? 'modified', path: parts[i + 1]! });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface Snapshot {
  commit: string;
  files: RepoFile[];
  /** Files that could not be used as text (too large, not UTF-8, empty). */
  diagnostics: Diagnostic[];
}

/**
 * Every regular file of a commit, read with two processes whatever the repository's size:
 * `ls-tree` for the list, `cat-file --batch` for the contents. Symlinks and submodules are
 * skipped, as the loader never follows links.
 */
export async function readSnapshot(cwd: string, commit: string): Promise<Snapshot> {
  const listing = (await runGit(cwd, ['ls-tree', '-r', '-z', '--full-tree', commit])).toString('utf8');
  const entries: { sha: string; path: string }[] = [];
  for (const line of listing.split('\0')) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.*)$/s.exec(line);
    if (!m || m[2] !== 'blob' || m[1] === '120000') continue;
    entries.push({ sha: m[3]!, path: m[4]! });
  }
  const blobs = entries.length === 0 ? Buffer.alloc(0) : await runGit(cwd, ['cat-file', '--batch'], entries.map((e) => `${e.sha}\n`).join(''));
  const files: RepoFile[] = [];
  const diagnostics: Diagnostic[] = [];
  let pos = 0;
  for (const entry of entries) {
    const eol = blobs.indexOf(0x0a, pos);
    const header = blobs.subarray(pos, eol).toString('utf8').split(' ');
    const size = Number(header[2]);
    const bytes = blobs.subarray(eol + 1, eol + 1 + size);
    pos = eol + 1 + size + 1;
    const decoded = decodeFile(entry.path, new Uint8Array(bytes));
    if ('text' in decoded) files.push(decoded);
    else if (!isIgnoredPath(entry.path)) diagnostics.push(decoded);
  }
  return { commit, files, diagnostics };
}
