// Waiting for a PVE task (UPID): poll its status on the node named in the UPID until it stops.
// `OK` and `WARNINGS: n` are success; any other exit status is the error text.

import { MarmiteError } from '../../core/errors.js';
import type { SiteClient } from './client.js';
import { TaskFailedError, TaskTimeoutError, type CallLabel } from './errors.js';

export interface TaskWaitOptions {
  pollMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:` -> node. */
export function upidNode(upid: string): string | undefined {
  const parts = upid.split(':');
  return parts[0] === 'UPID' && parts[1] ? parts[1] : undefined;
}

export function isTaskSuccess(exitstatus: string | undefined): boolean {
  return exitstatus === 'OK' || (exitstatus !== undefined && /^WARNINGS: \d+$/.test(exitstatus));
}

// A few transient poll failures (node busy, proxy hiccup) are normal during a long task.
const MAX_POLL_ERRORS = 5;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new MarmiteError('aborted', { transient: true }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason instanceof Error ? signal.reason : new MarmiteError('aborted', { transient: true }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function awaitTask(client: SiteClient, label: CallLabel, upid: unknown, options: TaskWaitOptions): Promise<string> {
  if (typeof upid !== 'string' || !upidNode(upid)) {
    throw new MarmiteError(`${label.subject}: ${label.action} failed: expected a task id, got ${JSON.stringify(upid)}`);
  }
  const node = upidNode(upid)!;
  const path = `/nodes/${node}/tasks/${upid}/status`;
  const deadline = Date.now() + options.timeoutMs;
  let pollErrors = 0;
  // Most tasks (start, config, resize) end within a second; a clone takes longer. Polling fast
  // first and slower later answers both without flooding the API.
  let wait = Math.min(100, options.pollMs);
  for (;;) {
    let status: { status?: unknown; exitstatus?: unknown } | undefined;
    try {
      status = (await client.call(label, 'GET', path, (api) => api.nodes.$(node).tasks.$(upid).status.$get())) as typeof status;
      pollErrors = 0;
    } catch (err) {
      if (!(err instanceof MarmiteError && err.transient) || ++pollErrors > MAX_POLL_ERRORS) throw err;
    }
    if (status?.status === 'stopped') {
      const exitstatus = typeof status.exitstatus === 'string' ? status.exitstatus : 'unknown';
      if (isTaskSuccess(exitstatus)) return exitstatus;
      throw new TaskFailedError(`${label.subject}: ${label.action} failed: task ${upid} on ${node}: ${exitstatus}`, upid, node, exitstatus);
    }
    if (Date.now() >= deadline) {
      throw new TaskTimeoutError(`${label.subject}: ${label.action} failed: task ${upid} on ${node} still running after ${Math.round(options.timeoutMs / 1000)}s`, upid, node);
    }
    await sleep(wait, options.signal);
    wait = Math.min(wait * 2, options.pollMs);
  }
}
