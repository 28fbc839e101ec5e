// The lab's virtual clock. Tasks, boots and migrations take simulated time; tests move it by hand
// (`advance`), the CLI and the demo let it run N times faster than real time ('scaled') so a
// client polling a task sees it finish within a second or two.

export type LabClockMode = { kind: 'manual' } | { kind: 'scaled'; speed: number };

interface Timer {
  at: number; // simulated epoch seconds
  seq: number;
  fn: () => void;
}

export class LabClock {
  readonly mode: LabClockMode;
  private offsetSeconds = 0;
  private readonly realStart: number;
  private readonly simStart: number;
  private timers: Timer[] = [];
  private seq = 0;
  private ticker: NodeJS.Timeout | undefined;
  private firing = false;

  constructor(options: { mode?: LabClockMode; start?: Date } = {}) {
    this.mode = options.mode ?? { kind: 'manual' };
    this.realStart = Date.now();
    this.simStart = (options.start ?? new Date('2026-01-05T08:00:00Z')).getTime() / 1000;
    if (this.mode.kind === 'scaled') {
      // Fire due timers even when nobody asks, so node boots happen while the client is idle.
      this.ticker = setInterval(() => this.runDue(), 50);
      this.ticker.unref();
    }
  }

  static manual(start?: Date): LabClock {
    return new LabClock(start ? { start } : {});
  }

  static scaled(speed = 60, start?: Date): LabClock {
    return new LabClock(start ? { mode: { kind: 'scaled', speed }, start } : { mode: { kind: 'scaled', speed } });
  }

  /** Simulated time in epoch seconds (fractional). */
  now(): number {
    const scaled = this.mode.kind === 'scaled' ? ((Date.now() - this.realStart) / 1000) * this.mode.speed : 0;
    return this.simStart + scaled + this.offsetSeconds;
  }

  nowDate(): Date {
    return new Date(this.now() * 1000);
  }

  /** Runs `fn` once simulated time reaches now + delaySeconds. */
  schedule(delaySeconds: number, fn: () => void): void {
    this.timers.push({ at: this.now() + Math.max(0, delaySeconds), seq: this.seq++, fn });
  }

  /** Moves simulated time forward and fires, in order, every timer that falls due. */
  advance(seconds: number): void {
    const target = this.now() + seconds;
    // Step through due timers one by one so a timer scheduling another sees the right "now".
    for (;;) {
      const next = this.nextTimer();
      if (!next || next.at > target) break;
      this.offsetSeconds += Math.max(0, next.at - this.now());
      this.fire(next);
    }
    this.offsetSeconds += Math.max(0, target - this.now());
  }

  /** Fires every timer already due (the server calls this before each request). */
  runDue(): void {
    if (this.firing) return;
    this.firing = true;
    try {
      for (;;) {
        const next = this.nextTimer();
        if (!next || next.at > this.now()) break;
        this.fire(next);
      }
    } finally {
      this.firing = false;
    }
  }

  pendingTimers(): number {
    return this.timers.length;
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }

  private fire(timer: Timer): void {
    this.timers = this.timers.filter((t) => t !== timer);
    timer.fn();
  }
}
