import { runAdmin } from '../../cli/admin';
import { readHostJson } from '../../tools/localHost/functionsHost';
import { request, startTestServer, TestServer } from '../support/scimServer';
import { join } from 'node:path';

/**
 * Unauthenticated traffic must cost almost nothing: a wrong token holds no request slot, so junk cannot fill the
 * host's queue (host.json `maxOutstandingRequests`; beyond it the host answers 429, as tools/localHost/requestThrottle.ts
 * does after the real host's HttpThrottleMiddleware) and keep Entra out.
 */
const FLOOD = 450;
/** The Authenticator reads a tenant's tokens at most every 5 s; a wrong token once waited for the next read. */
const RELOAD_INTERVAL_MS = 5_000;

let s: TestServer;
let token: string;
beforeAll(async () => {
  s = await startTestServer();
  const out: string[] = [];
  const print = (line: string) => out.push(line);
  expect(await runAdmin(['tenant', 'create', 'acme'], process.env, print)).toBe(0);
  expect(await runAdmin(['token', 'issue', 'acme'], process.env, print)).toBe(0);
  token = out[out.length - 1];
});
afterAll(() => s.close());

const acme = (bearer: string) =>
  request(`${s.host.url}/scim/acme/v2/Users?count=1`, 'GET', undefined, { Authorization: `Bearer ${bearer}` });

async function timed(bearer: string): Promise<{ status: number; ms: number }> {
  const started = Date.now();
  const { status } = await acme(bearer);
  return { status, ms: Date.now() - started };
}

describe('a flood of wrong tokens for a real tenant', () => {
  it('is answered 401 at once, and a valid request sent meanwhile is served, not 429', async () => {
    expect(FLOOD).toBeGreaterThan(readHostJson(join(__dirname, '..', '..')).maxOutstandingRequests);
    expect((await acme(token)).status).toBe(200); // the tenant's tokens are read and cached
    expect((await acme('wrong-token-0123456789-first')).status).toBe(401); // and just re-read for a wrong one

    const flood = Promise.all(Array.from({ length: FLOOD }, (_, i) => timed(`wrong-token-0123456789-${i}`)));
    // Let the flood reach the host first: were wrong tokens held, every slot would be taken now.
    await new Promise((ok) => setTimeout(ok, 300));
    const valid = await acme(token);
    const answers = await flood;

    expect(valid.status).toBe(200);
    expect(answers.filter((a) => a.status !== 401)).toEqual([]);
    // Generous for a loaded machine, yet below the reload interval a held request used to wait out.
    expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(RELOAD_INTERVAL_MS - 1_000);
  });

  it('still finds a token issued after the last read, at the latest on the retry after the reload interval', async () => {
    const out: string[] = [];
    expect(await runAdmin(['token', 'issue', 'acme'], process.env, (line) => out.push(line))).toBe(0);
    const fresh = out[out.length - 1];
    const first = await acme(fresh);
    if (first.status !== 200) {
      expect(first.status).toBe(401); // the tenant was read within the interval: Entra's retry finds it
      await new Promise((ok) => setTimeout(ok, RELOAD_INTERVAL_MS));
    }
    expect((await acme(fresh)).status).toBe(200);
  });
});
