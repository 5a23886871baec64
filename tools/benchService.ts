import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { EmbeddedAzurite, startAzurite } from './embeddedAzurite';
import { startFunctionsHost } from './functionsHost';

/** What every benchmark measures against: the app through the local host over HTTP, on an embedded Azurite. */
export interface BenchService {
  azurite: EmbeddedAzurite;
  /** One SCIM request; throws on an error status so a benchmark never times failures. */
  call(method: string, path: string, body?: unknown): Promise<{ id: string; userName?: string } | undefined>;
  close(): Promise<void>;
}

export async function startBenchService(): Promise<BenchService> {
  const azurite = await startAzurite();
  const token = randomBytes(32).toString('base64url');
  Object.assign(process.env, { SCIM_STORAGE_CONNECTION_STRING: azurite.connectionString, SCIM_TOKEN: token });
  const host = await startFunctionsHost({ appRoot: join(__dirname, '..', '..'), functionsDir: join(__dirname, '..', 'functions') });
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
  return {
    azurite,
    call: async (method, path, body) => {
      const res = await fetch(`${host.url}/scim/v2${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 200)}`);
      return text ? (JSON.parse(text) as { id: string; userName?: string }) : undefined;
    },
    close: async () => {
      await host.close();
      await azurite.close();
    },
  };
}

/** Milliseconds one awaited call takes. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** The p-th percentile (nearest rank) of samples. */
export const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
