import { join } from 'node:path';
import { Clock } from '../../shared/clock';
import { readSettings } from '../../shared/config';
import { createRuntime, setRuntime } from '../../shared/runtime';
import { startAzurite, EmbeddedAzurite } from '../../tools/localHost/embeddedAzurite';
import { FunctionsHost, startFunctionsHost } from '../../tools/localHost/functionsHost';
import { runtime } from '../../shared/runtime';

export const TOKEN = 'test-token-0123456789abcdef0123456789';

export interface TestServer {
  base: string;
  host: FunctionsHost;
  azurite: EmbeddedAzurite;
  /** Every line the functions logged, to check that no token or stack trace is ever written. */
  logs: string[];
  /** A request to the SCIM base with the default tenant's token, returning status, headers and parsed body. */
  scim(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ScimReply>;
  close(): Promise<void>;
}

export interface ScimReply {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response JSON, asserted field by field
  text: string;
}

const ROOT = join(__dirname, '..', '..');

/**
 * The real thing, end to end: an Azurite started for this test file, the app's function files loaded through
 * the local Functions host, and requests over real HTTP. With a `clock` (test/support/testClock.ts) the service
 * runs on it, so a test moves time forward instead of sleeping through cache lifetimes. `storage` replaces the
 * embedded Azurite (e.g. test/support/stockAzurite.ts).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { clock?: Clock; storage?: () => Promise<EmbeddedAzurite> } = {},
): Promise<TestServer> {
  const azurite = await (options.storage ?? startAzurite)();
  Object.assign(process.env, { SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString, SCIM_TOKEN: TOKEN, ...env });
  if (options.clock) setRuntime(createRuntime(readSettings(), { clock: options.clock }));
  const logs: string[] = [];
  const host = await startFunctionsHost({
    appRoot: ROOT,
    functionsDir: join(ROOT, 'functions'),
    log: (line) => logs.push(line),
  });
  const base = `${host.url}/scim/v2`;
  return {
    base,
    host,
    azurite,
    logs,
    scim: (method, path, body, headers = {}) =>
      request(`${base}${path}`, method, body, { Authorization: `Bearer ${TOKEN}`, ...headers }),
    close: async () => {
      // The activity log's pending writes and counts go to this Azurite before it stops, not into a later test.
      await runtime().activity.recorder?.close();
      await host.close();
      await azurite.close();
    },
  };
}

export async function request(
  url: string,
  method: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ScimReply> {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined ? { 'Content-Type': 'application/scim+json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
