// What the loader hands to the validator: one parsed, schema-checked object per file (catalog
// files hold several), with a way to point back at any field of it.

import type { Position } from '../core/diagnostics.js';

export type Kind = 'settings' | 'site' | 'node' | 'flavors' | 'templates' | 'pool' | 'window' | 'tenant' | 'vm';

/** A path into a parsed YAML value, as ajv's instancePath splits it: `['disks', 0, 'size']`. */
export type FieldPath = readonly (string | number)[];

export interface LoadedObject<T = unknown> {
  kind: Kind;
  /** The object's name: its file name without extension (`web` for `tenants/ad28/vms/web.yaml`). */
  name: string;
  /** For files under `tenants/<t>/`: t, taken from the path, never from the content. */
  tenant?: string;
  /** Repository-relative path with forward slashes. */
  file: string;
  /** The parsed value. Only objects that passed their JSON Schema are handed on. */
  value: T;
  /**
   * Where a field is in the file: the value node of that path when it exists, else the nearest
   * existing parent (so "missing field" points at the map that lacks it). `[]` is the document.
   */
  locate(path: FieldPath): Position;
  /** Where the key of a map entry is (for "unknown key" and "duplicate name" messages). */
  locateKey(path: FieldPath): Position;
}
