import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Azurite's well-known development account (public; documented by Microsoft, not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/**
 * The connection string of Azurite's development account at a table endpoint such as `http://127.0.0.1:10002`,
 * and at a queue endpoint when its queue service runs too.
 */
export const devStorageConnectionString = (tableEndpoint: string, queueEndpoint?: string) =>
  `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=${tableEndpoint}/${DEV_ACCOUNT};${queueEndpoint ? `QueueEndpoint=${queueEndpoint}/${DEV_ACCOUNT};` : ''}`;

export interface EmbeddedAzurite {
  connectionString: string;
  close: () => Promise<void>;
}

/**
 * Table Storage answers a point read from its (PartitionKey, RowKey) index. Azurite looks the entity up with LokiJS
 * `findOne({ PartitionKey, RowKey })`, and LokiJS uses an index only for the first key of such a query, so every
 * point read (and every insert, which checks for an existing row first) scans the whole partition: a 400,000-row
 * partition cannot even be seeded. Asking for the same two keys RowKey first makes LokiJS use Azurite's own RowKey
 * index; the answer is the same document. Without this, benchmarks at 100,000 users measure the emulator.
 */
function usePointReadIndex() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- Azurite's own copy of lokijs, found at run time
  const loki = require(require.resolve('lokijs', { paths: [require.resolve('azurite/package.json')] }));
  const proto = loki.Collection.prototype;
  if (proto.findOne.rowKeyFirst) return;
  const findOne = proto.findOne;
  const patched = function (this: unknown, query?: Record<string, unknown>) {
    const keys = query ? Object.keys(query) : [];
    const pointRead = keys.length === 2 && keys[0] === 'PartitionKey' && keys[1] === 'RowKey';
    return findOne.call(this, pointRead ? { RowKey: query!.RowKey, PartitionKey: query!.PartitionKey } : query);
  };
  patched.rowKeyFirst = true;
  proto.findOne = patched;
}

/**
 * The same for range queries: Table Storage seeks to `PartitionKey eq … and RowKey ge/gt … and RowKey lt …`, while
 * Azurite runs every query's predicate over every row of the table and then sorts what matched, so a 10-row prefix
 * read costs as much as a full scan. For queries of that shape the rows are first narrowed through Azurite's RowKey
 * index (starting at the continuation row, if any); Azurite's own predicate, continuation and ordering then run on
 * that subset unchanged, so the answer is the same.
 */
function useKeyRangeIndex() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module Azurite does not export
  const store = require('azurite/dist/src/table/persistence/LokiTableMetadataStore').default.prototype;
  if (store.queryTableEntities.keyRange) return;
  const query = store.queryTableEntities;
  const literal = "'((?:[^']|'')*)'";
  const shape = new RegExp(
    `^\\s*PartitionKey eq ${literal} and RowKey (ge|gt) ${literal} and RowKey lt ${literal}(?:\\s|$)`,
  );
  const unquote = (s: string) => s.replace(/''/g, "'");
  type Collection = { chain(): { find(q: object): unknown } };
  const patched = function (this: { getEntityCollection: (...a: unknown[]) => Collection }, ...args: unknown[]) {
    const [, , , options, nextPartitionKey, nextRowKey] = args as [
      unknown,
      unknown,
      unknown,
      { filter?: string },
      string?,
      string?,
    ];
    const m = shape.exec(options?.filter ?? '');
    if (!m) return query.apply(this, args);
    const partition = unquote(m[1]);
    let low = unquote(m[3]);
    const continuation =
      nextRowKey && Buffer.from(nextPartitionKey ?? '', 'base64').toString('utf8') === partition
        ? Buffer.from(nextRowKey, 'base64').toString('utf8')
        : '';
    if (continuation > low) low = continuation;
    const collectionOf = this.getEntityCollection;
    this.getEntityCollection = (...a: unknown[]) => {
      const collection = collectionOf.apply(this, a);
      return { chain: () => collection.chain().find({ RowKey: { $between: [low, unquote(m[4])] } }) } as Collection;
    };
    try {
      return query.apply(this, args); // reads the collection synchronously, before its first await
    } finally {
      delete (this as { getEntityCollection?: unknown }).getEntityCollection;
    }
  };
  patched.keyRange = true;
  store.queryTableEntities = patched;
}

/**
 * The Azurite table service in this process, in memory, on a free port, and with `queue` its queue service too
 * (the change queue, SCIM_CHANGES_QUEUE). Azurite 3.35 has no public API for this, so its internal modules are used
 * and the version is pinned in package.json.
 */
export async function startAzurite(options: { queue?: boolean } = {}): Promise<EmbeddedAzurite> {
  /* eslint-disable @typescript-eslint/no-require-imports -- internal modules Azurite does not export */
  const TableServer = require('azurite/dist/src/table/TableServer').default;
  const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  usePointReadIndex();
  useKeyRangeIndex();
  const dir = mkdtempSync(join(tmpdir(), 'azurite-'));
  const config = new TableConfiguration(
    '127.0.0.1',
    0,
    undefined,
    join(dir, 'table.json'),
    false,
    false,
    undefined,
    undefined,
    false,
    false,
    '',
    '',
    '',
    undefined,
    false,
    true,
  );
  const server = new TableServer(config);
  await server.start();
  const queue = options.queue ? await startQueueService(dir) : undefined;
  const address: string = server.getHttpServerAddress();
  return {
    connectionString: devStorageConnectionString(address, queue?.getHttpServerAddress()),
    close: async () => {
      await queue?.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Azurite's queue service, in memory (messages and metadata), on a free port. */
async function startQueueService(dir: string): Promise<{ getHttpServerAddress(): string; close(): Promise<void> }> {
  /* eslint-disable @typescript-eslint/no-require-imports -- internal modules Azurite does not export */
  const QueueServer = require('azurite/dist/src/queue/QueueServer').default;
  const QueueConfiguration = require('azurite/dist/src/queue/QueueConfiguration').default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const persistence = [{ locationId: 'Default', locationPath: join(dir, 'queue'), maxConcurrency: 1 }];
  // skipApiVersionCheck: @azure/storage-queue 12.30 (the last for Node 20) sends x-ms-version 2026-04-06, newer than
  // Azurite 3.35 knows (2025-11-05); create, send and receive are unchanged between them.
  const config = new QueueConfiguration(
    '127.0.0.1',
    0,
    undefined,
    join(dir, 'queue.json'),
    join(dir, 'queue-extent.json'),
    persistence,
    false,
    undefined,
    false,
    undefined,
    false,
    true,
    '',
    '',
    '',
    undefined,
    false,
    true,
  );
  const server = new QueueServer(config);
  await server.start();
  return server;
}
