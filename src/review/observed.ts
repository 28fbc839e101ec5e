// The observed state a merge request is planned against: the snapshot the agent committed to the
// status branch (observed.json), read as a file, so CI needs read access to the repository only.
// Without one, every site is assumed reachable, with its nodes online and no guest at all: the
// plan then shows everything as new, and the comment says so.

import { readFile } from 'node:fs/promises';
import { MarmiteError } from '../core/errors.js';
import type { Desired } from '../model/desired.js';
import type { Observed } from '../model/observed.js';

export type ObservedSource =
  | { kind: 'snapshot'; file: string; commit?: string; observedAt: string }
  | { kind: 'assumed-empty'; reason: string };

export class ObservedFileError extends MarmiteError {
  override name = 'ObservedFileError';
}

/** Reads observed.json; a missing file is `undefined`, a broken one an error (never silently empty). */
export async function readObservedFile(path: string): Promise<Observed | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ObservedFileError(`${path}: cannot read the observed snapshot`, { cause: err });
  }
  if (text.trim() === '') return undefined; // `git show ... > observed.json || true` leaves an empty file
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ObservedFileError(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
  const o = value as Partial<Observed>;
  if (!o || typeof o !== 'object' || o.formatVersion !== 1 || typeof o.observedAt !== 'string' || !o.sites || typeof o.sites !== 'object') {
    throw new ObservedFileError(`${path}: not an observed snapshot (expected formatVersion 1, observedAt and sites, as the agent writes it)`);
  }
  return o as Observed;
}

/** Every site of the given desired states reachable, its nodes online, no guest and no access. */
export function assumedEmptyObserved(sides: readonly (Desired | undefined)[], now: Date): Observed {
  const sites: Observed['sites'] = {};
  for (const d of sides) {
    if (!d) continue;
    for (const name of Object.keys(d.sites).sort()) {
      const site = (sites[name] ??= { name, reachable: true, nodes: [], guests: [], access: { pools: [], groups: [], acls: [] }, deep: true });
      for (const n of Object.values(d.nodes).filter((x) => x.site === name)) {
        if (site.nodes.some((x) => x.name === n.pveNode)) continue;
        site.nodes.push({ site: name, name: n.pveNode, status: 'online', maxcpu: n.capacity.cores, maxmemMiB: n.capacity.memoryMiB, cpu: 0, memUsedMiB: 0 });
      }
      site.nodes.sort((a, b) => (a.name < b.name ? -1 : 1));
    }
  }
  return { formatVersion: 1, observedAt: now.toISOString(), sites };
}
