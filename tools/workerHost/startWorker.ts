import { join } from 'node:path';
import { packageApp } from '../build/packageApp';
import { describeLocalRun, prepareLocalRun, runUntilStopped } from '../localHost/localRun';
import { locateNodeWorker } from './nodeWorker';
import { startWorkerHost } from './workerHost';

/**
 * `npm run start:worker`: what `npm start` serves (same PORT, SCIM_TOKEN, base URL and embedded Azurite), but the
 * packaged app (`npm run package`, in package/) running in Azure's own Node.js worker, driven over gRPC by the
 * test host in this folder. Needs the worker: FUNCTIONS_NODE_WORKER_DIR (docs/operations.md#in-azures-own-nodejs-worker-npm-run-startworker).
 */
async function main() {
  const root = join(__dirname, '..', '..', '..');
  const worker = locateNodeWorker(root);
  if ('missing' in worker) throw new Error(worker.missing);
  const env = process.env;
  const print = (line: string) => console.log(line);
  const artifact = await packageApp(root);
  const azurite = await prepareLocalRun(env, print);
  const host = await startWorkerHost({
    appRoot: artifact.dir,
    worker,
    env,
    port: Number(env.PORT ?? 7071),
    log: print,
  });
  print(`Azure's Node.js worker ${worker.version} (${worker.dir}) serves ${artifact.dir}`);
  describeLocalRun(
    host.url,
    azurite,
    host.functions.map((f) => f.name),
    print,
  );
  return [
    async () => print(`The worker exited with ${await host.close()} after workerTerminate.`),
    async () => azurite?.close(),
  ];
}

runUntilStopped(main);
