/**
 * host.json's `extensions.http.maxConcurrentRequests` and `maxOutstandingRequests`, as the real host applies them
 * (HttpThrottleMiddleware: an ActionBlock with MaxDegreeOfParallelism and BoundedCapacity): at most
 * `maxConcurrent` function invocations run at once, later ones wait in arrival order, and once `maxOutstanding`
 * are running or waiting, a new request is refused at once — `admit` returns undefined and the host answers 429.
 * -1 (or absent) means unbounded, the host's default outside the Consumption plan.
 */
export class RequestThrottle {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxConcurrent = -1,
    private readonly maxOutstanding = -1,
  ) {}

  /** Resolves to a release function once the request may run; undefined when it must be refused. */
  admit(): Promise<() => void> | undefined {
    if (this.maxOutstanding >= 0 && this.running + this.waiting.length >= this.maxOutstanding) return undefined;
    if (this.maxConcurrent < 0 || this.running < this.maxConcurrent) return Promise.resolve(this.start());
    return new Promise((ok) => this.waiting.push(() => ok(this.start())));
  }

  private start(): () => void {
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.waiting.shift()?.();
    };
  }
}
