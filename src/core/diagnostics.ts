// Diagnostics are collected, never thrown one at a time: a volunteer fixing a merge request
// wants every problem of the repository in one run.

export type Severity = 'error' | 'warning';

export interface Position {
  line: number; // 1-based
  col: number; // 1-based
}

export interface Diagnostic extends Position {
  /** Repository-relative path with forward slashes, e.g. `tenants/ad28/vms/web.yaml`. */
  file: string;
  severity: Severity;
  /** Stable machine-readable code, e.g. `schema`, `unknown-reference`, `quota-exceeded`. */
  code: string;
  message: string;
}

export class Diagnostics {
  readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  error(file: string, pos: Position, code: string, message: string): void {
    this.add({ file, line: pos.line, col: pos.col, severity: 'error', code, message });
  }

  warning(file: string, pos: Position, code: string, message: string): void {
    this.add({ file, line: pos.line, col: pos.col, severity: 'warning', code, message });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  /** Stable order: by file, then position, then code and message. */
  sorted(): Diagnostic[] {
    return [...this.items].sort(compareDiagnostics);
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.col !== b.col) return a.col - b.col;
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** `file:line:col: severity: message [code]`, the format editors and CI logs understand. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message} [${d.code}]`;
}

export const START: Position = { line: 1, col: 1 };
