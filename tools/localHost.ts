import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startAzurite } from './embeddedAzurite';
import { startFunctionsHost } from './functionsHost';
import { NOTIFY_SCHEDULE } from '../shared/config';

/**
 * `npm start`: the registered functions at http://127.0.0.1:${PORT:-7071}/scim/v2 (and /scim/{tenant}/v2), on an in-memory Azurite unless a
 * storage setting is given, with the default tenant's token from SCIM_TOKEN (or a fresh one, printed once).
 */
async function main() {
  const env = process.env;
  const azurite = env.SCIM_STORAGE_CONNECTION_STRING || env.SCIM_TABLE_ENDPOINT ? undefined : await startAzurite();
  if (azurite) env.SCIM_STORAGE_CONNECTION_STRING = azurite.connectionString;
  // The notifier's timer reads its schedule from this setting (%SCIM_NOTIFY_SCHEDULE%); Azure gets it from infra/.
  env.SCIM_NOTIFY_SCHEDULE ||= NOTIFY_SCHEDULE;
  if (!env.SCIM_TOKEN) {
    env.SCIM_TOKEN = randomBytes(32).toString('base64url');
    console.log(`SCIM_TOKEN was not set; generated a token for this run (shown once):\n  ${env.SCIM_TOKEN}`);
  }
  const host = await startFunctionsHost({
    appRoot: join(__dirname, '..', '..'),
    functionsDir: join(__dirname, '..', 'functions'),
    port: Number(env.PORT ?? 7071),
    log: (line) => console.log(line),
  });
  console.log(`SCIM endpoint: ${host.url}/scim/v2, named tenants at ${host.url}/scim/{tenant}/v2  (storage: ${azurite ? 'embedded Azurite, in memory' : 'configured'})`);
  if (azurite) console.log(`Admin command line against this run, from another shell:\n  SCIM_STORAGE_CONNECTION_STRING='${azurite.connectionString}' npm run admin -- tenant list`);
  console.log(`Functions: ${host.registrations.map((r) => r.name).join(', ')}. Ctrl-C stops.`);
  // A close that fails still ends the process, with the reason and a failing code (not an unhandled rejection).
  const stop = () => {
    host
      .close()
      .then(() => azurite?.close())
      .then(
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
  console.error(`Could not start: ${e.message}`);
  process.exit(1);
});
