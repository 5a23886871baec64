import { join } from 'node:path';
import { startFunctionsHost } from './functionsHost';
import { describeLocalRun, prepareLocalRun, runUntilStopped } from './localRun';

/**
 * `npm start`: the registered functions at http://127.0.0.1:${PORT:-7071}/scim/v2 (and /scim/{tenant}/v2), on an in-memory Azurite unless a
 * storage setting is given, with the default tenant's token from SCIM_TOKEN (or a fresh one, printed once).
 */
async function main() {
  const env = process.env;
  const print = (line: string) => console.log(line);
  const azurite = await prepareLocalRun(env, print);
  const host = await startFunctionsHost({
    appRoot: join(__dirname, '..', '..', '..'),
    functionsDir: join(__dirname, '..', '..', 'functions'),
    port: Number(env.PORT ?? 7071),
    log: print,
  });
  describeLocalRun(
    host.url,
    azurite,
    host.registrations.map((r) => r.name),
    print,
  );
  // terminate() runs the app's appTerminate hooks, which write what it holds in memory: before the storage stops.
  return [() => host.terminate(), async () => azurite?.close()];
}

runUntilStopped(main);
