// The ownership marker (DESIGN.md: stateless, no state file). A guest is marmite's only when it
// carries the `marmite` tag; the tenant and spec hash tags say whose it is and what it was built
// from, so a no-op cycle compares hashes from /cluster/resources without reading any config.

import { createHash } from 'node:crypto';
import type { ObservedGuest } from './observed.js';

export const MARKER_TAG = 'marmite';
const TENANT_PREFIX = 't-';
const HASH_PREFIX = 'h-';

export function markerTags(tenant: string, specHash: string): string[] {
  return [MARKER_TAG, `${HASH_PREFIX}${specHash}`, `${TENANT_PREFIX}${tenant}`].sort();
}

export function readMarker(tags: readonly string[], name: string): { tenant: string; vm: string; specHash: string } | undefined {
  if (!tags.includes(MARKER_TAG)) return undefined;
  const tenant = tags.find((t) => t.startsWith(TENANT_PREFIX))?.slice(TENANT_PREFIX.length);
  const specHash = tags.find((t) => t.startsWith(HASH_PREFIX))?.slice(HASH_PREFIX.length) ?? '';
  if (!tenant) return undefined;
  const suffix = `.${tenant}`;
  const vm = name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
  return { tenant, vm, specHash };
}

/** Deterministic JSON: object keys sorted at every level. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function shortHash(value: unknown, length = 10): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, length);
}

/**
 * What apply compares before it writes: the guest as /cluster/resources shows it. Both the plan
 * and the provider's re-read use this one function, so they agree by construction.
 */
export function guestFingerprint(g: Pick<ObservedGuest, 'vmid' | 'node' | 'status' | 'tags' | 'maxcpu' | 'maxmemMiB' | 'maxdiskGiB' | 'template'>): string {
  return shortHash({
    vmid: g.vmid,
    node: g.node,
    status: g.status,
    tags: [...g.tags].sort(),
    maxcpu: g.maxcpu,
    maxmemMiB: g.maxmemMiB,
    maxdiskGiB: g.maxdiskGiB,
    template: g.template,
  }, 16);
}

// A clone cannot carry tags (PVE's clone takes no `tags`), so a create killed between clone and
// config would leave an untagged guest that looks foreign. The clone's description carries this
// line at once; a guest whose description has it is ours even without tags, and the next cycle
// finishes it.
const DESCRIPTION_MARKER = /^marmite-managed: ([a-z0-9-]+)\/([a-z0-9-]+)$/m;

export function descriptionMarker(tenant: string, vm: string): string {
  return `marmite-managed: ${tenant}/${vm}`;
}

export function readDescriptionMarker(description: string | undefined): { tenant: string; vm: string } | undefined {
  const m = description ? DESCRIPTION_MARKER.exec(description) : null;
  return m ? { tenant: m[1]!, vm: m[2]! } : undefined;
}
