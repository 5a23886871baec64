import { setTimeout as sleep } from 'node:timers/promises';
import { unavailable } from '../scim/errors';

/**
 * The one optimistic-concurrency loop. Writes under an ETag lose to concurrent writers; the loser re-reads and
 * tries again after a jittered, growing pause (full jitter: contenders spread out instead of colliding again in
 * lockstep). Bounded in attempts and time: past that the request answers 503 with Retry-After — a state Entra
 * retries — never 500 and never a silent loss.
 */
const MAX_ATTEMPTS = 40;
const MAX_WAIT_MS = 8_000;
const BASE_MS = 4;
const CAP_MS = 250;

export async function retryOnConflict<T>(
  attempt: () => Promise<T>,
  isConflict: (e: unknown) => boolean,
  random: () => number = Math.random,
): Promise<T> {
  const started = Date.now();
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isConflict(e)) throw e;
      if (n + 1 >= MAX_ATTEMPTS || Date.now() - started > MAX_WAIT_MS) {
        throw unavailable('Too many concurrent changes to this resource.', 5);
      }
      await sleep(Math.floor(random() * Math.min(CAP_MS, BASE_MS * 2 ** n)));
    }
  }
}

/**
 * Runs writes to the same key one after another within this process, so requests that one instance receives for
 * one resource do not fight each other for its ETag; writers on other instances are still handled by the retry.
 */
export class KeyedSerializer {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
