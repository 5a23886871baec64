import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Azurite's well-known development account (public; documented by Microsoft, not a secret). */
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface EmbeddedAzurite {
  connectionString: string;
  close(): Promise<void>;
}

/**
 * The Azurite table service in this process, in memory, on a free port. Azurite 3.35 has no public API for this,
 * so its internal modules are used and the version is pinned in package.json.
 */
export async function startAzurite(): Promise<EmbeddedAzurite> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const TableServer = require('azurite/dist/src/table/TableServer').default;
  const TableConfiguration = require('azurite/dist/src/table/TableConfiguration').default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const dir = mkdtempSync(join(tmpdir(), 'azurite-'));
  const config = new TableConfiguration('127.0.0.1', 0, undefined, join(dir, 'table.json'), false, false, undefined, undefined, false, false, '', '', '', undefined, false, true);
  const server = new TableServer(config);
  await server.start();
  const address: string = server.getHttpServerAddress();
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=${address}/${DEV_ACCOUNT};`,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
