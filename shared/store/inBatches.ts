/** Point reads or writes in flight at once for one request: never hundreds of sockets for a single operation. */
export const LOOKUP_PARALLELISM = 32;

/** Runs `work` over `items`, at most `parallel` at a time. */
export async function inBatches<T>(items: T[], parallel: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
}
