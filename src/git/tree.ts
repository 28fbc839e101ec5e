// Trees read from and written to the object store directly: no working tree and no index are
// involved, so nothing half-written on disk can ever be read back as repository content.

import git from 'isomorphic-git';
import type { FsClient } from 'isomorphic-git';

/** Git's file modes as a tree stores them; directories are implicit in paths. */
export type TreeMode = '100644' | '100755' | '120000' | '160000';

export interface TreeEntry {
  mode: TreeMode;
  oid: string;
}

export interface TreeStore {
  fs: FsClient;
  gitdir: string;
  /** isomorphic-git's pack cache: one per operation, so many reads share one parsed packfile. */
  cache: object;
}

/** Thrown for a tree entry name a checkout could never write safely (`..`, `a/b`, ``). */
export class UnsafePathError extends Error {
  override name = 'UnsafePathError';
}

function checkName(name: string, where: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0') || name === '.git') {
    throw new UnsafePathError(`unsafe tree entry ${JSON.stringify(name)} under ${JSON.stringify(where || '/')}`);
  }
}

function fileMode(mode: string): TreeMode | undefined {
  // readTree reports modes as git stores them, sometimes with a leading zero.
  switch (mode.replace(/^0+/, '')) {
    case '100644':
    case '100664': // legacy group-writable mode, same as a plain file
      return '100644';
    case '100755':
      return '100755';
    case '120000':
      return '120000';
    case '160000':
      return '160000';
    default:
      return undefined;
  }
}

/** Every non-directory entry under a tree, keyed by slash-separated path, in git's order. */
export async function readTreeFlat(store: TreeStore, treeOid: string): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const visit = async (oid: string, prefix: string): Promise<void> => {
    const { tree } = await git.readTree({ fs: store.fs, gitdir: store.gitdir, oid, cache: store.cache });
    for (const entry of tree) {
      checkName(entry.path, prefix);
      const path = prefix === '' ? entry.path : `${prefix}/${entry.path}`;
      if (entry.type === 'tree') {
        await visit(entry.oid, path);
        continue;
      }
      const mode = fileMode(entry.mode);
      if (mode === undefined) throw new UnsafePathError(`unknown mode ${entry.mode} for ${path}`);
      out.set(path, { mode, oid: entry.oid });
    }
  };
  await visit(treeOid, '');
  return out;
}

interface DirNode {
  files: Map<string, TreeEntry>;
  dirs: Map<string, DirNode>;
}

function emptyDir(): DirNode {
  return { files: new Map(), dirs: new Map() };
}

/** Writes nested tree objects for a flat path map and returns the root tree's oid. */
export async function writeTreeFlat(store: TreeStore, entries: ReadonlyMap<string, TreeEntry>): Promise<string> {
  const root = emptyDir();
  for (const [path, entry] of entries) {
    const parts = path.split('/');
    const name = parts.pop() as string;
    let dir = root;
    for (const part of parts) {
      if (dir.files.has(part)) throw new UnsafePathError(`${path}: ${part} is a file`);
      let next = dir.dirs.get(part);
      if (next === undefined) {
        next = emptyDir();
        dir.dirs.set(part, next);
      }
      dir = next;
    }
    if (dir.dirs.has(name)) throw new UnsafePathError(`${path} is a directory`);
    dir.files.set(name, entry);
  }
  const write = async (dir: DirNode): Promise<string> => {
    const tree: { mode: string; path: string; oid: string; type: 'blob' | 'tree' | 'commit' }[] = [];
    for (const [name, sub] of dir.dirs) {
      tree.push({ mode: '040000', path: name, oid: await write(sub), type: 'tree' });
    }
    for (const [name, entry] of dir.files) {
      tree.push({ mode: entry.mode, path: name, oid: entry.oid, type: entry.mode === '160000' ? 'commit' : 'blob' });
    }
    // isomorphic-git sorts entries into git's canonical order, so equal content gives equal oids.
    return git.writeTree({ fs: store.fs, gitdir: store.gitdir, tree });
  };
  return write(root);
}

/** Checks a repository-relative path given by our own code (status files) before it enters a tree. */
export function checkPath(path: string): void {
  for (const part of path.split('/')) checkName(part, path);
}
