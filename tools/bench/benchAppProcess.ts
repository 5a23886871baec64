import { join } from 'node:path';
import { startFunctionsHost } from '../localHost/functionsHost';
import { ChildService, forkService, serveAsChild } from './benchChildProcess';

/**
 * The app as benchmarks drive it: its function files served by the local host, alone in a child process, so its
 * CPU is not the load generator's and its memory is its own. Settings come from the environment (the parent's,
 * plus storage and token), so `SCIM_…=… npm run bench` runs the app with any setting changed, and
 * `BENCH_APP_ROOT=<another checkout, built>` serves that checkout's functions instead: an earlier commit measured
 * by the same client, floors and storage, for a before/after comparison.
 */
export function startAppProcess(
  connectionString: string,
  token: string,
  env: Record<string, string> = {},
): Promise<ChildService<{ url: string }>> {
  return forkService<{ url: string }>(__filename, {
    ...process.env,
    ...env,
    SCIM_STORAGE_CONNECTION_STRING: connectionString,
    SCIM_TOKEN: token,
  });
}

if (require.main === module) {
  serveAsChild(async () => {
    const other = process.env.BENCH_APP_ROOT;
    const host = await startFunctionsHost(
      other
        ? { appRoot: other, functionsDir: join(other, 'dist', 'functions') }
        : { appRoot: join(__dirname, '..', '..', '..'), functionsDir: join(__dirname, '..', '..', 'functions') },
    );
    return { info: { url: host.url }, close: host.close };
  });
}
