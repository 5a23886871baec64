/**
 * Time as the service sees it: what time it is, and waiting. One object so tests can move both at once — a cache
 * lapses and a wait for the next allowed read ends when the test says so, instead of after real seconds.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `cancel` aborts (a wait that lost a race must not hold a timer). */
  sleep(ms: number, cancel?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, cancel) =>
    new Promise((ok) => {
      const timer = setTimeout(ok, ms);
      cancel?.addEventListener('abort', () => {
        clearTimeout(timer);
        ok();
      });
    }),
};
