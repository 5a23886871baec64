import { Clock } from '../../shared/clock';

/**
 * A clock a test moves forward: time flows as usual, and `advance(ms)` jumps ahead — caches lapse and every wait
 * due by then ends at once. Waits also end by themselves when real time reaches them, so nothing hangs when a test
 * does not advance.
 */
export class TestClock implements Clock {
  private offset = 0;
  private readonly sleepers = new Set<{ due: number; wake: () => void }>();

  now(): number {
    return Date.now() + this.offset;
  }

  sleep(ms: number, cancel?: AbortSignal): Promise<void> {
    return new Promise((ok) => {
      const sleeper = {
        due: this.now() + ms,
        wake: () => {
          clearTimeout(timer);
          this.sleepers.delete(sleeper);
          ok();
        },
      };
      const timer = setTimeout(sleeper.wake, ms);
      this.sleepers.add(sleeper);
      cancel?.addEventListener('abort', sleeper.wake);
    });
  }

  /** Moves time forward by `ms`, ending every wait due by then. */
  advance(ms: number): void {
    this.offset += ms;
    for (const s of [...this.sleepers]) if (s.due <= this.now()) s.wake();
  }

  /** How many waits are pending: lets a test advance exactly when a request has started waiting. */
  get waiting(): number {
    return this.sleepers.size;
  }

  /** Resolves once at least `n` waits are pending (polling briefly; fails after `withinMs` of real time). */
  async untilWaiting(n = 1, withinMs = 5_000): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (this.sleepers.size < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} pending wait(s), found ${this.sleepers.size}`);
      await new Promise((ok) => setTimeout(ok, 2));
    }
  }
}
