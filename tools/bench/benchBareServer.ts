import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { ChildService, forkService, serveAsChild } from './benchChildProcess';

/**
 * The HTTP floor: a bare `node:http` server in its own process answering every request with a fixed SCIM-sized
 * JSON body. What a request to it costs is what any request to the app costs before the app does anything.
 */
export function startBareServer(): Promise<ChildService<{ url: string }>> {
  return forkService<{ url: string }>(__filename);
}

/** The fixed answer of both HTTP floors (this server, and the one function of tools/bench/benchPing). */
export const BODY = JSON.stringify({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '00000000-0000-4000-8000-000000000000',
  userName: 'bare@contoso.com',
  active: true,
  meta: { resourceType: 'User', version: 'W/"1"' },
});

if (require.main === module) {
  serveAsChild(async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/scim+json' }).end(BODY));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const { port } = server.address() as AddressInfo;
    return {
      info: { url: `http://127.0.0.1:${port}` },
      close: () =>
        new Promise<void>((ok) => {
          server.closeAllConnections();
          server.close(() => ok());
        }),
    };
  });
}
