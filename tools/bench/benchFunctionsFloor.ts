import { join } from 'node:path';
import { readHostJson, startFunctionsHost } from '../localHost/functionsHost';
import { ChildService, forkService, serveAsChild } from './benchChildProcess';

/**
 * The Functions floor: the local host in its own process serving tools/bench/benchPing, one function answering a fixed
 * JSON. A request to it pays HTTP, the host and the `@azure/functions` request/response model, as every request
 * to the app does, and nothing else. The URL printed is the function's.
 */
export function startFunctionsFloor(): Promise<ChildService<{ url: string }>> {
  return forkService<{ url: string }>(__filename);
}

if (require.main === module) {
  serveAsChild(async () => {
    const appRoot = join(__dirname, '..', '..', '..');
    const host = await startFunctionsHost({ appRoot, functionsDir: join(__dirname, 'benchPing') });
    return { info: { url: `${host.url}/${readHostJson(appRoot).routePrefix}/ping` }, close: host.close };
  });
}
