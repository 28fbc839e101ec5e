// Shared fixtures for the lab tests: a two-node site with a template, and a tiny PVE client.

import type { Lab, LabSeed } from '../../src/lab/index.js';

export const SEED: LabSeed = {
  sites: [
    {
      name: 'paris',
      nodes: [
        { name: 'pve1', cores: 8, memoryMiB: 16384, bootSeconds: 90 },
        { name: 'pve2', cores: 4, memoryMiB: 8192, bootSeconds: 60 },
        { name: 'pve3', cores: 4, memoryMiB: 8192, online: false, bootSeconds: 60 },
      ],
      storages: [
        { name: 'local-lvm', type: 'lvmthin', shared: false },
        { name: 'ceph-vm', type: 'rbd', shared: true },
      ],
      templates: [
        { vmid: 9000, name: 'debian-12', node: 'pve1', diskGiB: 4, storage: 'ceph-vm' },
        { vmid: 9001, name: 'debian-12-local', node: 'pve1', diskGiB: 4, storage: 'local-lvm' },
      ],
    },
    {
      name: 'lyon',
      nodes: [{ name: 'lyon1', cores: 4, memoryMiB: 8192 }],
      storages: [{ name: 'local-lvm', type: 'lvmthin', shared: false }],
      templates: [],
    },
  ],
};

export interface PveReply {
  status: number;
  statusText: string;
  contentType: string | null;
  text: string;
  body: { data?: unknown; errors?: Record<string, string>; message?: string } | undefined;
}

export interface CallOptions {
  site?: string;
  params?: Record<string, string | number | boolean | string[]>;
  json?: boolean;
  auth?: string | null;
  rawBody?: string;
}

/** One API call over real HTTP, encoded the way PVE clients do (form bodies, 0/1 booleans). */
export async function call(lab: Lab, method: string, path: string, o: CallOptions = {}): Promise<PveReply> {
  const site = lab.sites[o.site ?? 'paris']!;
  const url = new URL(`${site.url}/api2/json${path}`);
  const headers: Record<string, string> = {};
  if (o.auth !== null) headers['Authorization'] = o.auth ?? `PVEAPIToken=${lab.tokenId}=${lab.tokenSecret}`;
  let body: string | undefined = o.rawBody;
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(o.params ?? {})) {
    if (Array.isArray(v)) for (const x of v) form.append(k, x);
    else form.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  }
  if (method === 'GET' || method === 'DELETE') {
    for (const [k, v] of form) url.searchParams.append(k, v);
  } else if (o.json) {
    body = JSON.stringify(o.params ?? {});
    headers['Content-Type'] = 'application/json';
  } else if (body === undefined) {
    body = form.toString();
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: PveReply['body'];
  try {
    parsed = text ? (JSON.parse(text) as PveReply['body']) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, statusText: res.statusText, contentType: res.headers.get('content-type'), text, body: parsed };
}

/** Data of a call that must succeed. */
export async function ok<T = unknown>(lab: Lab, method: string, path: string, o: CallOptions = {}): Promise<T> {
  const r = await call(lab, method, path, o);
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${r.statusText} ${r.text}`);
  return r.body?.data as T;
}

export interface TaskStatus {
  status: string;
  exitstatus?: string;
  type: string;
  node: string;
  upid: string;
}

export async function taskStatus(lab: Lab, upid: string, site = 'paris'): Promise<TaskStatus> {
  const node = upid.split(':')[1]!;
  return ok<TaskStatus>(lab, 'GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`, { site });
}

/** Moves the virtual clock past the task's end and returns its final status. */
export async function finish(lab: Lab, upid: string, seconds = 600, site = 'paris'): Promise<TaskStatus> {
  lab.clock.advance(seconds);
  return taskStatus(lab, upid, site);
}

/** Every response the lab gave matched the schema's `returns` (the conformance guarantee). */
export function nonConforming(lab: Lab): { method: string; path: string; errors: string[] }[] {
  return lab.requests.filter((r) => r.responseErrors.length > 0).map((r) => ({ method: r.method, path: r.path, errors: r.responseErrors }));
}
