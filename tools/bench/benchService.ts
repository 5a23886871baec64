import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { startStorage } from './storageProcess';
import { startAppProcess } from './benchAppProcess';
import { ChildService } from './benchChildProcess';

/**
 * What every HTTP benchmark drives: the app (local host, its own process) on the patched Azurite (its own process
 * unless `--in-process-storage`), called over HTTP from this process, which also runs the raw floors.
 */
export interface BenchService {
  connectionString: string;
  app: ChildService<{ url: string }>;
  /** One SCIM request to the default tenant; any status is returned, none thrown. */
  scim(method: string, path: string, body?: unknown): Promise<ScimAnswer>;
  /** The same, for benchmarks that must never time a failure: an error status throws. */
  call: (method: string, path: string, body?: unknown) => Promise<ScimAnswer>;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response JSON, read field by field by the caller
export type ScimAnswer = { status: number; body: any };

export async function startBenchService(options: { inProcessStorage?: boolean } = {}): Promise<BenchService> {
  const storage = await startStorage({ inProcess: options.inProcessStorage });
  const token = randomBytes(32).toString('base64url');
  const app = await startAppProcess(storage.connectionString, token);
  return {
    connectionString: storage.connectionString,
    app,
    ...scimClient(app.info.url, token),
    close: async () => {
      await app.close();
      await storage.close();
    },
  };
}

/** SCIM requests to an app's default tenant: `scim` returns any status, `call` throws on an error status. */
export function scimClient(url: string, token: string): Pick<BenchService, 'scim' | 'call'> {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
  const scim = async (method: string, path: string, body?: unknown): Promise<ScimAnswer> => {
    const res = await httpCall(
      `${url}/scim/v2${path}`,
      method,
      headers,
      body === undefined ? undefined : JSON.stringify(body),
    );
    return { status: res.status, body: res.text ? JSON.parse(res.text) : undefined };
  };
  return {
    scim,
    call: async (method, path, body) => {
      const answer = await scim(method, path, body);
      if (answer.status >= 300)
        throw new Error(`${method} ${path} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
      return answer;
    },
  };
}

/**
 * The benchmarks' HTTP client: node:http over keep-alive sockets, the stack the storage SDK uses for the floors,
 * so both sides of a comparison pay the same client cost. (fetch, undici, cost ~0.25 ms more per request here,
 * which was counted against the app.)
 */
const keepAlive = new Agent({ keepAlive: true });

export function httpCall(
  url: string,
  method = 'GET',
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((ok, fail) => {
    const req = request(
      url,
      {
        method,
        headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        agent: keepAlive,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => ok({ status: res.statusCode ?? 0, text }));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/** Creates `n` users through the app, `inFlight` at a time, and returns their ids in order. */
export async function seedUsers(
  svc: BenchService,
  n: number,
  user: (i: number) => object,
  inFlight = 16,
): Promise<string[]> {
  return inParallel(
    Array.from({ length: n }, (_, i) => i),
    inFlight,
    async (i) =>
      (await svc.call('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], ...user(i) })).body
        .id as string,
  );
}

/** Adds members to a group through the app, 100 per PATCH, `inFlight` PATCHes at a time. */
export async function seedMembers(
  svc: BenchService,
  groupId: string,
  memberIds: string[],
  inFlight = 4,
): Promise<void> {
  const chunks = Array.from({ length: Math.ceil(memberIds.length / 100) }, (_, k) =>
    memberIds.slice(k * 100, k * 100 + 100),
  );
  await inParallel(chunks, inFlight, (ids) => svc.call('PATCH', `/Groups/${groupId}`, addMembersOp(ids)));
}

/** Positional numbers after the script name (defaults where absent) and `--flags`. */
export function benchArgs(defaults: number[]): { numbers: number[]; flags: Set<string> } {
  const args = process.argv.slice(2);
  const given = args.filter((a) => !a.startsWith('--')).map(Number);
  if (given.some((n) => !Number.isFinite(n) || n < 0)) throw new Error(`arguments must be numbers: ${args.join(' ')}`);
  return { numbers: defaults.map((d, i) => given[i] ?? d), flags: new Set(args.filter((a) => a.startsWith('--'))) };
}

/** Milliseconds one awaited call takes. */
export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** The p-th percentile (nearest rank) of samples. */
export const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

export const scimUser = (userName: string, i: number) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName,
  externalId: `ext-${userName}`,
  active: true,
  displayName: `Bench User ${i}`,
  emails: [{ type: 'work', primary: true, value: userName }],
  name: { givenName: 'Bench', familyName: `User ${i}` },
});

/** The same user as the raw floor stores it (`scimUser` less the schemas, which the app does not store either). */
export const floorUser = (userName: string, i: number) => {
  const { schemas: _, ...data } = scimUser(userName, i);
  return data;
};

export const patchOp = (...Operations: Array<{ op: string; path?: string; value?: unknown }>) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations,
});
export const addMembersOp = (ids: string[]) =>
  patchOp({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) });
export const filterPath = (type: 'Users' | 'Groups', attr: string, value: string) =>
  `/${type}?filter=${encodeURIComponent(`${attr} eq "${value}"`)}`;

/** `fn` over `items`, at most `limit` at a time, results in order. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
