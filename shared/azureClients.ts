import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { TableClient, TableServiceClient, TableServiceClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import { DependencyTimeout } from './azureFaults';

type PipelinePolicy = NonNullable<TableServiceClientOptions['additionalPolicies']>[number]['policy'];

/**
 * Most sockets open to one host (the storage account, the vault) per process. Without a cap every concurrent call
 * opens its own: 16 group PATCHes resolving 100 members each opened ~1,600 sockets and overflowed the storage
 * endpoint's listen queue, and calls beyond the cap now wait for a free socket instead. 64 keep-alive sockets at
 * a few milliseconds per round trip carry well over 10,000 calls/s, five times what one tenant's partition is
 * meant to take (~2,000 entities/s), and four per request at the Flex Consumption default of 16 concurrent
 * requests per instance.
 */
export const MAX_SOCKETS_PER_HOST = 64;

/** One pool per scheme for every storage and Key Vault client (Azure is all https; locally Azurite is http). */
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST }),
};

/** Failed answers to the tries of one operation, so a deadline cut can say whether the service was busy or silent. */
const lastAnswers = new WeakMap<object, string>();

const lastAnswerPolicy: PipelinePolicy = {
  name: 'scimLastAnswer',
  async sendRequest(request, next) {
    const response = await next(request);
    if (response.status >= 400)
      lastAnswers.set(request, `${response.status} ${response.headers.get('x-ms-error-code') ?? ''}`.trim());
    return response;
  },
};

/**
 * Bounds one SDK operation as a whole. It sits outside the SDK's retry policy (a per-call policy), so the bound
 * covers every retry and backoff; the SDK's own per-try `timeout` would not. A caller's signal still aborts too.
 */
function deadlinePolicy(timeoutMs: number): PipelinePolicy {
  return {
    name: 'scimDeadline',
    async sendRequest(request, next) {
      const controller = new AbortController();
      const own = request.abortSignal;
      const abort = () => controller.abort();
      if (own?.aborted) abort();
      own?.addEventListener('abort', abort);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        abort();
      }, timeoutMs);
      request.abortSignal = controller.signal;
      try {
        return await next(request);
      } catch (e) {
        if (timedOut) throw new DependencyTimeout(new URL(request.url).host, timeoutMs, lastAnswers.get(request));
        throw e;
      } finally {
        clearTimeout(timer);
        own?.removeEventListener('abort', abort);
      }
    },
  };
}

/** Sends every call through the shared pool of its scheme. */
const sharedAgentPolicy: PipelinePolicy = {
  name: 'scimSharedAgent',
  sendRequest(request, next) {
    request.agent ??= request.url.startsWith('https:') ? agents['https:'] : agents['http:'];
    return next(request);
  },
};

/** Pipeline options every Azure client of the app gets: the shared socket pool and the deadline. */
export function dependencyOptions(timeoutMs: number) {
  return {
    additionalPolicies: [
      { policy: deadlinePolicy(timeoutMs), position: 'perCall' as const },
      { policy: sharedAgentPolicy, position: 'perCall' as const },
      { policy: lastAnswerPolicy, position: 'perRetry' as const },
    ],
  };
}

/**
 * The app's managed identity (DefaultAzureCredential picks the user-assigned one named by AZURE_CLIENT_ID).
 * @azure/identity is loaded only here, when a setting asks for it: local runs and connection strings never pay
 * for loading it.
 */
export function managedIdentity(): TokenCredential {
  // `require` returns `any`; the cast names the module it loads, so it only restores that module's type.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- literal, so a bundler still includes it
  const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
  return new DefaultAzureCredential();
}

/** SCIM_STORAGE_TIMEOUT_MS's default (shared/config.ts), also for clients built outside the runtime (admin CLI, tests). */
export const DEFAULT_STORAGE_TIMEOUT_MS = 10_000;

export interface StorageSettings {
  SCIM_STORAGE_CONNECTION_STRING?: string;
  SCIM_TABLE_ENDPOINT?: string;
  SCIM_STORAGE_TIMEOUT_MS?: number;
}

type ClientOptions = Pick<TableServiceClientOptions, 'retryOptions'>;

/** The storage account's tables (the app's, the activity log's day tables), reached the way the settings say. */
export interface TableAccount {
  table(name: string, options?: ClientOptions): TableClient;
  service(options?: ClientOptions): TableServiceClient;
}

/**
 * By connection string (Azurite, or an account key), else by endpoint with the managed identity, every client
 * with the shared socket pool and the deadline. Their three retries back off at most 1.75 s together (the SDK's
 * default: up to 7 s), so they fit well inside the deadline and a storage that stays busy is reported as busy,
 * with its code, rather than as a timeout.
 */
export function tableAccount(settings: StorageSettings): TableAccount {
  const base = (options?: ClientOptions): TableServiceClientOptions => ({
    retryOptions: { maxRetries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 2_000 },
    ...dependencyOptions(settings.SCIM_STORAGE_TIMEOUT_MS ?? DEFAULT_STORAGE_TIMEOUT_MS),
    ...options,
  });
  const connection = settings.SCIM_STORAGE_CONNECTION_STRING;
  if (connection) {
    const allowInsecureConnection = /^UseDevelopmentStorage=true|TableEndpoint=http:/i.test(connection);
    return {
      table: (name, options) =>
        TableClient.fromConnectionString(connection, name, { ...base(options), allowInsecureConnection }),
      service: (options) =>
        TableServiceClient.fromConnectionString(connection, { ...base(options), allowInsecureConnection }),
    };
  }
  let credential: TokenCredential | undefined;
  const identity = () => (credential ??= managedIdentity());
  return {
    table: (name, options) => new TableClient(`${settings.SCIM_TABLE_ENDPOINT}`, name, identity(), base(options)),
    service: (options) => new TableServiceClient(`${settings.SCIM_TABLE_ENDPOINT}`, identity(), base(options)),
  };
}

/** The app's own table. */
export const storageTable = (settings: StorageSettings & { SCIM_TABLE_NAME: string }) =>
  tableAccount(settings).table(settings.SCIM_TABLE_NAME);

export interface QueueSettings extends StorageSettings {
  SCIM_CHANGES_QUEUE?: string;
  SCIM_QUEUE_ENDPOINT?: string;
}

/** A storage queue the app only sends to. */
export interface MessageQueue {
  send(text: string): Promise<void>;
}

/**
 * The change queue (SCIM_CHANGES_QUEUE) of the storage account, or none: by connection string (Azurite's queue
 * service, or an account key), else at SCIM_QUEUE_ENDPOINT with the managed identity (Storage Queue Data Contributor,
 * granted by infra/). Either way the app creates the queue on first use, as it creates its tables. The queue SDK
 * takes no pipeline policies, so its deadline is an abort
 * signal per call; @azure/storage-queue is loaded only when a queue is configured.
 */
export function changesQueue(settings: QueueSettings): MessageQueue | undefined {
  const name = settings.SCIM_CHANGES_QUEUE;
  if (!name) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- literal, so a bundler still includes it
  const { QueueClient } = require('@azure/storage-queue') as typeof import('@azure/storage-queue');
  const timeoutMs = settings.SCIM_STORAGE_TIMEOUT_MS ?? DEFAULT_STORAGE_TIMEOUT_MS;
  const options = { retryOptions: { maxTries: 4, retryDelayInMs: 250, maxRetryDelayInMs: 2_000 } };
  const connection = settings.SCIM_STORAGE_CONNECTION_STRING;
  const client = connection
    ? new QueueClient(connection, name, options)
    : new QueueClient(`${settings.SCIM_QUEUE_ENDPOINT?.replace(/\/$/, '')}/${name}`, managedIdentity(), options);
  let created: Promise<unknown> | undefined;
  return {
    async send(text) {
      created ??= client.createIfNotExists({ abortSignal: AbortSignal.timeout(timeoutMs) }).catch((e: unknown) => {
        created = undefined;
        throw e;
      });
      await created;
      await client.sendMessage(text, { abortSignal: AbortSignal.timeout(timeoutMs) });
    },
  };
}
