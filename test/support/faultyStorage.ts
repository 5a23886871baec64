import { createServer, request as forward } from 'node:http';
import { AddressInfo } from 'node:net';
import { devStorageConnectionString, EmbeddedAzurite, startAzurite } from '../../tools/localHost/embeddedAzurite';

export interface FaultyStorage extends EmbeddedAzurite {
  /** Storage requests refused so far, as sent (method, URL decoded): what a logged SDK error would carry. */
  refused: string[];
}

/**
 * The embedded Azurite behind a proxy that refuses the requests `refuse` picks with 403 AuthorizationFailure — what
 * Table Storage answers when the app's identity lost its role — and forwards everything else untouched.
 */
export async function startFaultyStorage(
  refuse: (method: string, url: string, body: string) => boolean,
): Promise<FaultyStorage> {
  const azurite = await startAzurite();
  const target = new URL(/TableEndpoint=([^;]+)/.exec(azurite.connectionString)![1]);
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = decodeURIComponent(req.url ?? '');
      if (refuse(req.method ?? 'GET', url, body.toString('utf8'))) {
        refused.push(`${req.method} ${url}`);
        res.writeHead(403, { 'Content-Type': 'application/json', 'x-ms-error-code': 'AuthorizationFailure' });
        res.end(
          JSON.stringify({
            'odata.error': {
              code: 'AuthorizationFailure',
              message: { lang: 'en-US', value: 'This request is not authorized to perform this operation.' },
            },
          }),
        );
        return;
      }
      const out = forward(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    connectionString: devStorageConnectionString(`http://127.0.0.1:${port}`),
    refused,
    close: async () => {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
      await azurite.close();
    },
  };
}
