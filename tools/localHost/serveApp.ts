import { resolve } from 'node:path';
import { startFunctionsHost } from './functionsHost';

/**
 * `node serveApp.js <app root>`: serves a Functions app from its package.json `main` through the local host, with
 * the app settings from the environment, on PORT (default: any free port). Prints one JSON line
 * `{"url","node","readyMs"}` once listening. The packaged-artifact test runs it under Node 20 and Node 22, and
 * bench:coldstart starts it cold for the packaged and the unbundled app.
 */
async function main() {
  const appRoot = resolve(process.argv[2] ?? '.');
  const host = await startFunctionsHost({ appRoot, port: Number(process.env.PORT ?? 0) });
  console.log(JSON.stringify({ url: host.url, node: process.version, readyMs: Math.round(process.uptime() * 1000) }));
  // A close that fails still ends the process, with the reason and a failing code (not an unhandled rejection).
  const stop = () => {
    host.terminate().then(
      () => process.exit(0),
      (e: Error) => {
        console.error(`Could not stop cleanly: ${e.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: Error) => {
  console.error(`Could not serve the app: ${e.message}`);
  process.exit(1);
});
