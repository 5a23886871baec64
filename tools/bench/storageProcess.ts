import { EmbeddedAzurite, startAzurite } from '../localHost/embeddedAzurite';
import { forkService, serveAsChild } from './benchChildProcess';

/**
 * The patched embedded Azurite (tools/localHost/embeddedAzurite.ts: point reads and key ranges through its RowKey index, so
 * 100,000-row partitions stay measurable) in a process of its own. In-process, Azurite shares one CPU thread with
 * whatever else runs there, and storage and app timings distort each other (docs/benchmarks.md#how-the-benchmarks-run).
 * `inProcess` starts it here instead, to show that difference.
 */
export async function startStorage(options: { inProcess?: boolean } = {}): Promise<EmbeddedAzurite & { pid: number }> {
  if (options.inProcess) return { ...(await startAzurite()), pid: process.pid };
  const child = await forkService<{ connectionString: string }>(__filename);
  return { connectionString: child.info.connectionString, pid: child.pid, close: child.close };
}

if (require.main === module) {
  serveAsChild(async () => {
    // With its queue service, so app instances on it can push to a change queue (SCIM_CHANGES_QUEUE).
    const azurite = await startAzurite({ queue: true });
    return { info: { connectionString: azurite.connectionString }, close: azurite.close };
  });
}
