import { startAzurite } from '../../tools/localHost/embeddedAzurite';
import { FaultProxy, startFaultProxy } from './faultProxy';
import { startTestServer, TestServer } from './scimServer';

export interface ProxiedServer {
  s: TestServer;
  /** Between the app and its Azurite: switch it to faults, a black hole or slow answers. */
  proxy: FaultProxy;
  close(): Promise<void>;
}

/**
 * The app through the local host as in startTestServer, but its storage is an Azurite of its own reached through
 * a fault proxy (startTestServer's Azurite stays unused).
 */
export async function startProxiedTestServer(env: Record<string, string> = {}): Promise<ProxiedServer> {
  const storage = await startAzurite();
  const proxy = await startFaultProxy(storage.connectionString.match(/TableEndpoint=(http:\/\/[^/;]+)/)![1]);
  const s = await startTestServer({ SCIM_STORAGE_CONNECTION_STRING: proxy.via(storage.connectionString), ...env });
  return {
    s,
    proxy,
    close: async () => {
      await s.close();
      await proxy.close();
      await storage.close();
    },
  };
}
