import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * A local fake of the Key Vault secrets REST protocol (Key Vault has no emulator), so tests, benchmarks and demos
 * run the real `@azure/keyvault-secrets` code path: challenge-based auth, set/get/update, paged lists that the SDK
 * follows through `nextLink`, soft delete and purge. Shapes and quirks follow the real service: the REST spec
 * examples (Azure/azure-rest-api-specs, keyvault data-plane 7.4) and the SDK's recorded traffic
 * (Azure/azure-sdk-for-js, keyvault-secrets recordings); each quirk below names where it was seen.
 */
export interface FakeKeyVault {
  url: string;
  /** While set, every request fails with 503 ServiceUnavailable, as an outage looks to the SDK. */
  outage: boolean;
  /** Every answer is held back this long; a large value is a vault that accepts connections and never answers. */
  latencyMs: number;
  /** Requests answered by kind (set, get, update, list, listVersions, delete, getDeleted, purge); auth challenges excluded. */
  requests: Record<string, number>;
  requestCount(): number;
  close(): Promise<void>;
}

export interface FakeKeyVaultOptions {
  /** Items per list page when the client sends no `maxresults` (the service: 25); small, so paging is exercised. */
  pageSize?: number;
  /** How long a delete and a purge take. The service does both in the background, for seconds. */
  deletionMs?: number;
  /** Refuse purges, as a vault with purge protection (or an identity without purge permission) does. */
  purgeProtection?: boolean;
}

const attributesSchema = z.object({
  enabled: z.boolean().optional(),
  exp: z.number().int().optional(),
  nbf: z.number().int().optional(),
});
const updateBodySchema = z.object({
  contentType: z.string().max(255).optional(),
  tags: z.record(z.string()).optional(),
  attributes: attributesSchema.optional(),
});
const setBodySchema = updateBodySchema.extend({ value: z.string() });

/** Secret names: Key Vault allows 1–127 letters, digits and hyphens, and compares them case-insensitively. */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** The service refuses larger pages (Get Secrets / Get Secret Versions: maxresults 1–25). */
const MAX_PAGE = 25;
const RETENTION_DAYS = 90;

interface Version {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  created: number;
  updated: number;
  exp?: number;
  nbf?: number;
}

interface Secret {
  /** As first created; lookups ignore case. */
  name: string;
  /** Oldest first: the last one is the "current version" that a get without version and the secret list show. */
  versions: Version[];
  deletedAt?: number;
  purgedAt?: number;
}

type Lifecycle = 'active' | 'deleting' | 'deleted' | 'purging' | 'gone';

class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: string,
  ) {
    super(message);
  }
}

const unixNow = () => Math.floor(Date.now() / 1000);

export async function startFakeKeyVault(options: FakeKeyVaultOptions = {}): Promise<FakeKeyVault> {
  const pageSize = options.pageSize ?? 2;
  const deletionMs = options.deletionMs ?? 0;
  const secrets = new Map<string, Secret>();
  const requests: Record<string, number> = {};
  const count = (kind: string) => (requests[kind] = (requests[kind] ?? 0) + 1);
  let url = '';

  const lifecycle = (s: Secret): Lifecycle => {
    const now = Date.now();
    if (s.purgedAt !== undefined) return now < s.purgedAt + deletionMs ? 'purging' : 'gone';
    if (s.deletedAt !== undefined) return now < s.deletedAt + deletionMs ? 'deleting' : 'deleted';
    return 'active';
  };
  /** The secret in the given states, if any; a fully purged one is forgotten on the way. */
  const find = (name: string, ...states: Lifecycle[]) => {
    const s = secrets.get(name.toLowerCase());
    if (s && lifecycle(s) === 'gone') secrets.delete(name.toLowerCase());
    return s && states.includes(lifecycle(s)) ? s : undefined;
  };
  const notFound = (what: string) =>
    new VaultError(
      404,
      'SecretNotFound',
      `A secret with (name/id) ${what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`,
    );

  const attributes = (v: Version) => ({
    enabled: v.enabled,
    ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
    ...(v.exp !== undefined ? { exp: v.exp } : {}),
    created: v.created,
    updated: v.updated,
    recoveryLevel: options.purgeProtection ? 'Recoverable' : 'Recoverable+Purgeable',
    recoverableDays: RETENTION_DAYS,
  });
  const described = (v: Version) => ({
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    ...(v.tags ? { tags: v.tags } : {}),
  });
  const current = (s: Secret) => s.versions[s.versions.length - 1];
  /** SecretBundle (get, set, update): the value only where the service returns it. */
  const bundle = (s: Secret, v: Version, withValue: boolean) => ({
    ...(withValue ? { value: v.value } : {}),
    id: `${url}/secrets/${s.name}/${v.version}`,
    attributes: attributes(v),
    ...described(v),
  });
  /** SecretItem (lists): never a value; the secret list names the secret without a version. */
  const item = (s: Secret, v: Version, versioned: boolean) => ({
    id: versioned ? `${url}/secrets/${s.name}/${v.version}` : `${url}/secrets/${s.name}`,
    attributes: attributes(v),
    ...described(v),
  });
  const deletedBundle = (s: Secret) => {
    const deletedDate = Math.floor((s.deletedAt ?? 0) / 1000);
    return {
      recoveryId: `${url}/deletedsecrets/${s.name}`,
      deletedDate,
      scheduledPurgeDate: deletedDate + RETENTION_DAYS * 86_400,
      ...bundle(s, current(s), false),
    };
  };

  /** One page of a list; the rest is behind `nextLink`, which carries api-version, `$skiptoken` and maxresults like the service's. */
  const page = (u: URL, items: unknown[]) => {
    const maxresults = u.searchParams.get('maxresults');
    const size = maxresults === null ? pageSize : Number(maxresults);
    if (maxresults !== null && !(Number.isInteger(size) && size >= 1 && size <= MAX_PAGE)) {
      throw new VaultError(400, 'BadParameter', `The value of maxresults must be between 1 and ${MAX_PAGE}.`);
    }
    const skiptoken = u.searchParams.get('$skiptoken');
    const skip = skiptoken === null ? 0 : Number(Buffer.from(skiptoken, 'base64url').toString('utf8'));
    if (!Number.isInteger(skip) || skip < 0) throw new VaultError(400, 'BadParameter', 'Invalid $skiptoken.');
    const next = skip + size;
    const nextLink =
      next < items.length
        ? `${url}${u.pathname}?api-version=${u.searchParams.get('api-version')}&$skiptoken=${Buffer.from(String(next)).toString('base64url')}${maxresults !== null ? `&maxresults=${maxresults}` : ''}`
        : null;
    return { value: items.slice(skip, next), nextLink };
  };

  const parse = <T>(schema: z.ZodType<T>, body: string): T => {
    let input: unknown;
    try {
      input = JSON.parse(body || '{}');
    } catch {
      throw new VaultError(400, 'BadParameter', 'The request body is not valid JSON.');
    }
    const parsed = schema.safeParse(input);
    if (!parsed.success)
      throw new VaultError(
        400,
        'BadParameter',
        parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    return parsed.data;
  };

  /** Answers one authenticated request with a JSON body, or null for 204 No Content. */
  function operate(method: string, u: URL, body: string): unknown {
    const [collection, name, sub, ...rest] = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (rest.length > 0) throw new VaultError(404, 'NotFound', `No operation at ${u.pathname}.`);

    if (collection === 'secrets' && name === undefined && method === 'GET') {
      count('list');
      const live = [...secrets.values()].filter((s) => lifecycle(s) === 'active');
      return page(
        u,
        live.map((s) => item(s, current(s), false)),
      );
    }
    if (collection === 'secrets' && name !== undefined && sub === undefined && method === 'PUT') {
      count('set');
      if (!SECRET_NAME.test(name))
        throw new VaultError(
          400,
          'BadParameter',
          `The secret name ${name} is invalid: use 1-127 letters, digits and hyphens.`,
        );
      const input = parse(setBodySchema, body);
      const existing = secrets.get(name.toLowerCase());
      const state = existing && lifecycle(existing);
      // Seen on real vaults: a soft-deleted name stays reserved, and a purge frees it only seconds later
      // (azure-sdk-for-net#34322, azure-powershell#14800).
      if (state === 'deleted')
        throw new VaultError(
          409,
          'Conflict',
          `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
          'ObjectIsDeletedButRecoverable',
        );
      if (state === 'deleting' || state === 'purging')
        throw new VaultError(
          409,
          'Conflict',
          `Secret ${name} is currently being deleted and cannot be re-created; retry later.`,
          'ObjectIsBeingDeleted',
        );
      const secret = existing && state === 'active' ? existing : { name, versions: [] };
      const now = unixNow();
      const v: Version = {
        version: randomBytes(16).toString('hex'),
        value: input.value,
        contentType: input.contentType,
        tags: input.tags,
        enabled: input.attributes?.enabled ?? true,
        created: now,
        updated: now,
        exp: input.attributes?.exp,
        nbf: input.attributes?.nbf,
      };
      secret.versions.push(v);
      secrets.set(name.toLowerCase(), secret);
      return bundle(secret, v, true);
    }
    if (collection === 'secrets' && name !== undefined && sub === 'versions' && method === 'GET') {
      count('listVersions');
      // The service answers 200 with an empty list for a secret that does not exist, not 404
      // (azure-sdk-for-js recording "can list secret versions (non existing)").
      const s = find(name, 'active');
      return page(u, s ? s.versions.map((v) => item(s, v, true)) : []);
    }
    if (collection === 'secrets' && name !== undefined && method === 'GET') {
      count('get');
      const s = find(name, 'active');
      const v = s && (sub === undefined ? current(s) : s.versions.find((x) => x.version === sub));
      if (!v) throw notFound(sub === undefined ? name : `${name}/${sub}`);
      // Disabled versions cannot be read (azure-sdk-for-js#24756); expired and not-yet-valid ones can
      // (Azure/AzureKeyVault#19: exp does not block a get, whatever the docs suggest).
      if (!v.enabled)
        throw new VaultError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
      return bundle(s, v, true);
    }
    if (collection === 'secrets' && name !== undefined && sub !== undefined && method === 'PATCH') {
      count('update');
      const s = find(name, 'active');
      const v = s?.versions.find((x) => x.version === sub);
      if (!s || !v) throw notFound(`${name}/${sub}`);
      const input = parse(updateBodySchema, body);
      Object.assign(v, {
        ...(input.attributes?.enabled !== undefined ? { enabled: input.attributes.enabled } : {}),
        ...(input.attributes?.exp !== undefined ? { exp: input.attributes.exp } : {}),
        ...(input.attributes?.nbf !== undefined ? { nbf: input.attributes.nbf } : {}),
        ...(input.contentType !== undefined ? { contentType: input.contentType } : {}),
        ...(input.tags !== undefined ? { tags: input.tags } : {}),
        updated: unixNow(),
      });
      return bundle(s, v, false);
    }
    if (collection === 'secrets' && name !== undefined && sub === undefined && method === 'DELETE') {
      count('delete');
      const s = find(name, 'active');
      if (!s) throw notFound(name);
      s.deletedAt = Date.now();
      return deletedBundle(s);
    }
    if (collection === 'deletedsecrets' && name !== undefined && sub === undefined && method === 'GET') {
      count('getDeleted');
      // Until the background delete finishes the deleted secret is not found yet; the SDK's delete poller waits on this.
      const s = find(name, 'deleted');
      if (!s) throw new VaultError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
      return deletedBundle(s);
    }
    if (collection === 'deletedsecrets' && name !== undefined && sub === undefined && method === 'DELETE') {
      count('purge');
      if (find(name, 'deleting'))
        throw new VaultError(409, 'Conflict', 'Secret is currently being deleted.', 'ObjectIsBeingDeleted');
      const s = find(name, 'deleted');
      if (!s) throw new VaultError(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
      // Wording of the service with purge protection on (seen in microsoft/AzureTRE#1951).
      if (options.purgeProtection)
        throw new VaultError(
          403,
          'Forbidden',
          'Operation "purge" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed.',
        );
      s.purgedAt = Date.now();
      return null;
    }
    throw new VaultError(405, 'MethodNotAllowed', `${method} ${u.pathname} is not an operation of this fake.`);
  }

  const state = {
    outage: false,
    latencyMs: 0,
    requests,
    requestCount: () => Object.values(requests).reduce((a, b) => a + b, 0),
  };

  function answer(req: IncomingMessage, res: ServerResponse, body: string) {
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      if (payload === null) return void res.writeHead(status, headers).end();
      res
        .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
        .end(JSON.stringify(payload));
    };
    const fail = (e: VaultError, headers?: Record<string, string>) =>
      send(
        e.status,
        { error: { code: e.code, message: e.message, ...(e.inner ? { innererror: { code: e.inner } } : {}) } },
        headers,
      );

    if (state.outage)
      return fail(new VaultError(503, 'ServiceUnavailable', 'The service is unavailable (fake Key Vault outage).'));
    // The SDK sends its first request without a token (and without a body) to learn the tenant and resource
    // from this challenge; the 401 body is the service's own (recordings of azure-sdk-for-js).
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) {
      return fail(new VaultError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.'), {
        'WWW-Authenticate':
          'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
      });
    }
    const u = new URL(req.url ?? '/', url);
    if (!u.searchParams.get('api-version'))
      return fail(new VaultError(400, 'BadParameter', 'The api-version query parameter is required.'));
    try {
      const payload = operate(req.method ?? 'GET', u, body);
      send(payload === null ? 204 : 200, payload);
    } catch (e) {
      fail(e instanceof VaultError ? e : new VaultError(500, 'InternalServerError', `The fake failed: ${String(e)}`));
    }
  }

  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => setTimeout(() => answer(req, res, body), state.latencyMs).unref(),
      () => res.writeHead(400).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}
