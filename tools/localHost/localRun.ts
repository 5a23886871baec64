import { randomBytes } from 'node:crypto';
import { EmbeddedAzurite, startAzurite } from './embeddedAzurite';
import { readSettings } from '../../shared/config';
import { NOTIFY_SCHEDULE } from '../../shared/notify/notifySettings';

/**
 * The app settings of a local run (`npm start`, `npm run start:worker`), filled in `env`: storage is an in-memory
 * Azurite unless a storage setting is given, the notifier's schedule its default, and the default tenant's token
 * SCIM_TOKEN or a fresh one, printed once. Every setting is then checked (readSettings throws InvalidSettings naming
 * each bad one), so a bad setting stops the run before anything is served.
 */
export async function prepareLocalRun(
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): Promise<EmbeddedAzurite | undefined> {
  const azurite =
    env.SCIM_STORAGE_CONNECTION_STRING || env.SCIM_TABLE_ENDPOINT
      ? undefined
      : await startAzurite({ queue: Boolean(env.SCIM_CHANGES_QUEUE) });
  if (azurite) env.SCIM_STORAGE_CONNECTION_STRING = azurite.connectionString;
  // The notifier's timer reads its schedule from this setting (%SCIM_NOTIFY_SCHEDULE%); Azure gets it from infra/.
  env.SCIM_NOTIFY_SCHEDULE ||= NOTIFY_SCHEDULE;
  const generated = !env.SCIM_TOKEN;
  if (generated) env.SCIM_TOKEN = randomBytes(32).toString('base64url');
  // Every setting is checked before anything is served: a bad one stops the run here, each named (InvalidSettings).
  readSettings(env);
  if (generated) print(`SCIM_TOKEN was not set; generated a token for this run (shown once):\n  ${env.SCIM_TOKEN}`);
  return azurite;
}

/** What a local run prints once it serves: the Tenant URLs, the admin command line for its Azurite, the functions. */
export function describeLocalRun(
  url: string,
  azurite: EmbeddedAzurite | undefined,
  functions: string[],
  print: (line: string) => void,
): void {
  print(
    `SCIM endpoint: ${url}/scim/v2, named tenants at ${url}/scim/{tenant}/v2  (storage: ${azurite ? 'embedded Azurite, in memory' : 'configured'})`,
  );
  if (azurite)
    print(
      `Admin command line against this run, from another shell:\n  SCIM_STORAGE_CONNECTION_STRING='${azurite.connectionString}' npm run admin -- tenant list`,
    );
  if (azurite?.connectionString.includes('QueueEndpoint='))
    print(
      'Change events also go to the SCIM_CHANGES_QUEUE queue of this Azurite: its QueueEndpoint is in the connection string above.',
    );
  print(`Functions: ${functions.join(', ')}. Ctrl-C stops.`);
}

/** Runs a local server until Ctrl-C or SIGTERM, then closes what `start` returned, in that order. */
export function runUntilStopped(start: () => Promise<(() => Promise<unknown>)[]>): void {
  start().then(
    (closers) => {
      // A close that fails still ends the process, with the reason and a failing code (not an unhandled rejection).
      const stop = () => {
        closers
          .reduce<Promise<unknown>>((done, close) => done.then(close), Promise.resolve())
          .then(
            () => process.exit(0),
            (e: unknown) => {
              console.error(`Could not stop cleanly: ${e instanceof Error ? e.message : String(e)}`);
              process.exit(1);
            },
          );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (e: Error) => {
      console.error(`Could not start: ${e.message}`);
      process.exit(1);
    },
  );
}
