// Asynchronous tasks as PVE runs them: a UPID, a status `running` until the work is done on the
// virtual clock, then `stopped` with an exit status (OK, WARNINGS: n, or the error text).

import type { LabClock } from './clock.js';

export interface SimTask {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
}

export interface TaskWork {
  /** Simulated seconds the task runs. */
  seconds: number;
  /** Runs when the time is up; throws to fail the task (the message becomes the exit status). Returns warnings. */
  finish: () => string[] | void;
  /** Runs when the task fails (by a throw or an injected fault), e.g. to release a lock. */
  cleanup?: () => void;
}

/** What fault injection does to a task: fail it, or let it succeed with warnings. */
export type TaskOutcome = { error: string } | { warnings: string[] };

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

export class TaskRegistry {
  private readonly tasks = new Map<string, SimTask>();
  private nextPid = 0x1000;

  constructor(
    private readonly clock: LabClock,
    private readonly inject: (type: string, id: string, node: string) => TaskOutcome | undefined = () => undefined,
  ) {}

  start(node: string, type: string, id: string, user: string, work: TaskWork): SimTask {
    const pid = this.nextPid++;
    const starttime = Math.floor(this.clock.now());
    const pstart = 100000 + pid * 7;
    const upid = `UPID:${node}:${hex(pid, 8)}:${hex(pstart, 8)}:${hex(starttime, 8)}:${type}:${id}:${user}:`;
    const task: SimTask = { upid, node, pid, pstart, starttime, type, id, user, status: 'running', log: [] };
    this.tasks.set(upid, task);
    const injected = this.inject(type, id, node);
    this.clock.schedule(work.seconds, () => this.complete(task, work, injected));
    return task;
  }

  /** A task that fails at once (PVE checks some preconditions inside the worker). */
  fail(node: string, type: string, id: string, user: string, message: string, seconds = 0.5): SimTask {
    return this.start(node, type, id, user, {
      seconds,
      finish: () => {
        throw new Error(message);
      },
    });
  }

  get(upid: string): SimTask | undefined {
    return this.tasks.get(upid);
  }

  list(): SimTask[] {
    return [...this.tasks.values()];
  }

  private complete(task: SimTask, work: TaskWork, injected: TaskOutcome | undefined): void {
    task.endtime = Math.floor(this.clock.now());
    task.status = 'stopped';
    if (injected && 'error' in injected) {
      work.cleanup?.();
      task.log.push(`TASK ERROR: ${injected.error}`);
      task.exitstatus = injected.error;
      return;
    }
    try {
      const warnings = [...(work.finish() ?? []), ...(injected?.warnings ?? [])];
      for (const w of warnings) task.log.push(`WARN: ${w}`);
      task.exitstatus = warnings.length ? `WARNINGS: ${warnings.length}` : 'OK';
      task.log.push(warnings.length ? `TASK WARNINGS: ${warnings.length}` : 'TASK OK');
    } catch (err) {
      work.cleanup?.();
      const message = err instanceof Error ? err.message : String(err);
      task.log.push(`TASK ERROR: ${message}`);
      task.exitstatus = message;
    }
  }
}
