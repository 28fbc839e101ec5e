import type { Diagnostic } from '../../../src/core/diagnostics.js';
import { validateObjects } from '../../../src/validate/validate-objects.js';
import { baseRepo, loadedObjects } from './objects.js';

/** A fixed reference instant, so "does this window open in the coming year" is stable. */
export const NOW = new Date('2026-06-01T00:00:00Z');

/** The base repository with some files replaced (a string) or removed (null). */
export function variant(overrides: Record<string, string | null>): Record<string, string> {
  const files = baseRepo();
  for (const [path, text] of Object.entries(overrides)) {
    if (text === null) delete files[path];
    else files[path] = text;
  }
  return files;
}

export function diagnosticsOf(overrides: Record<string, string | null>): Diagnostic[] {
  return validateObjects(loadedObjects(variant(overrides)), { now: NOW }).diagnostics;
}

/** Edits one file of the base repository by plain text replacement; fails loudly on no match. */
export function edit(path: string, from: string, to: string): Record<string, string> {
  const text = baseRepo()[path];
  if (text === undefined || !text.includes(from)) throw new Error(`test edit: '${from}' not in ${path}`);
  return { [path]: text.replace(from, to) };
}
