import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A local fake of the Key Vault secrets REST protocol (there is no emulator), so tests and benchmarks run the real
 * `@azure/keyvault-secrets` code path: challenge-based auth (an unauthenticated request gets 401 with the
 * `WWW-Authenticate` challenge the SDK parses), set/get/update secrets and versions, paged lists with
 * `nextLink`, soft delete and purge. Shapes follow the Key Vault REST reference (SecretBundle, SecretItem,
 * DeletedSecretBundle; times in Unix seconds; a disabled version's GET is 403 `SecretDisabled`).
 */
export interface FakeKeyVault {
  url: string;
  /** Every request fails with 503 while set (an outage, as far as the SDK can tell). */
  outage: boolean;
  /** Requests answered so far, by kind (get, list, set, update, delete, …), excluding auth challenges. */
  requests: Record<string, number>;
  requestCount(): number;
  close(): Promise<void>;
}

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
  versions: Version[];
  deleted?: number;
}

/** List page size: small, so that every list in the tests spans several pages and the SDK's paging is exercised. */
const PAGE_SIZE = 2;

export async function startFakeKeyVault(): Promise<FakeKeyVault> {
  const secrets = new Map<string, Secret>();
  const requests: Record<string, number> = {};
  let url = '';
  const state = {
    outage: false,
    requests,
    requestCount: () => Object.values(requests).reduce((a, b) => a + b, 0),
  };

  const server = createServer((req, res) => {
    readBody(req).then((body) => route(req, res, body), () => res.writeHead(400).end());
  });

  function route(req: IncomingMessage, res: ServerResponse, body: string) {
    const u = new URL(req.url ?? '/', url);
    if (state.outage) return error(res, 503, 'ServiceUnavailable', 'The fake vault is in an outage.');
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"' });
      return res.end();
    }
    if (!u.searchParams.get('api-version')) return error(res, 400, 'BadParameter', 'The api-version query parameter is required.');
    const parts = u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const count = (kind: string) => (requests[kind] = (requests[kind] ?? 0) + 1);
    const method = req.method ?? 'GET';

    if (parts[0] === 'secrets' && parts.length === 1 && method === 'GET') {
      count('list');
      const live = [...secrets].filter(([, s]) => !s.deleted);
      return page(res, u, live.map(([name, s]) => secretItem(name, latest(s) ?? s.versions[s.versions.length - 1], false)));
    }
    if (parts[0] === 'secrets' && parts.length === 2 && method === 'PUT') {
      count('set');
      const name = parts[1];
      const input = JSON.parse(body || '{}') as { value?: string; contentType?: string; tags?: Record<string, string>; attributes?: { enabled?: boolean; exp?: number; nbf?: number } };
      if (typeof input.value !== 'string') return error(res, 400, 'BadParameter', 'Property value is required.');
      const existing = secrets.get(name);
      if (existing?.deleted) return error(res, 409, 'Conflict', `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`);
      const now = Math.floor(Date.now() / 1000);
      const v: Version = { version: randomBytes(16).toString('hex'), value: input.value, contentType: input.contentType, tags: input.tags, enabled: input.attributes?.enabled ?? true, created: now, updated: now, exp: input.attributes?.exp, nbf: input.attributes?.nbf };
      const secret = existing ?? { versions: [] };
      secret.versions.push(v);
      secrets.set(name, secret);
      return json(res, 200, bundle(name, v, true));
    }
    if (parts[0] === 'secrets' && parts.length === 3 && parts[2] === 'versions' && method === 'GET') {
      count('listVersions');
      const s = secrets.get(parts[1]);
      if (!s || s.deleted) return error(res, 404, 'SecretNotFound', `A secret with (name/id) ${parts[1]} was not found in this key vault.`);
      return page(res, u, s.versions.map((v) => secretItem(parts[1], v, true)));
    }
    if (parts[0] === 'secrets' && (parts.length === 2 || parts.length === 3) && (method === 'GET' || method === 'PATCH')) {
      const s = secrets.get(parts[1]);
      const v = s && !s.deleted ? (parts[2] ? s.versions.find((x) => x.version === parts[2]) : latest(s)) : undefined;
      if (!v) return error(res, 404, 'SecretNotFound', `A secret with (name/id) ${parts.slice(1).join('/')} was not found in this key vault.`);
      if (method === 'GET') {
        count('get');
        if (!v.enabled) return error(res, 403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
        return json(res, 200, bundle(parts[1], v, true));
      }
      count('update');
      const input = JSON.parse(body || '{}') as { contentType?: string; tags?: Record<string, string>; attributes?: { enabled?: boolean; exp?: number; nbf?: number } };
      if (input.attributes?.enabled !== undefined) v.enabled = input.attributes.enabled;
      if (input.attributes?.exp !== undefined) v.exp = input.attributes.exp;
      if (input.attributes?.nbf !== undefined) v.nbf = input.attributes.nbf;
      if (input.tags) v.tags = input.tags;
      if (input.contentType !== undefined) v.contentType = input.contentType;
      v.updated = Math.floor(Date.now() / 1000);
      return json(res, 200, bundle(parts[1], v, false));
    }
    if (parts[0] === 'secrets' && parts.length === 2 && method === 'DELETE') {
      count('delete');
      const s = secrets.get(parts[1]);
      if (!s || s.deleted) return error(res, 404, 'SecretNotFound', `A secret with (name/id) ${parts[1]} was not found in this key vault.`);
      s.deleted = Math.floor(Date.now() / 1000);
      return json(res, 200, deletedBundle(parts[1], s));
    }
    if (parts[0] === 'deletedsecrets' && parts.length === 2) {
      const s = secrets.get(parts[1]);
      if (!s?.deleted) return error(res, 404, 'SecretNotFound', `Deleted Secret not found: ${parts[1]}`);
      if (method === 'GET') {
        count('getDeleted');
        return json(res, 200, deletedBundle(parts[1], s));
      }
      if (method === 'DELETE') {
        count('purge');
        secrets.delete(parts[1]);
        res.writeHead(204).end();
        return;
      }
    }
    return error(res, 405, 'MethodNotAllowed', `${method} ${u.pathname} is not part of this fake.`);
  }

  const latest = (s: Secret) => [...s.versions].reverse().find((v) => v.enabled) ?? s.versions[s.versions.length - 1];
  const attributes = (v: Version) => ({ enabled: v.enabled, created: v.created, updated: v.updated, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90, ...(v.exp !== undefined ? { exp: v.exp } : {}), ...(v.nbf !== undefined ? { nbf: v.nbf } : {}) });
  const bundle = (name: string, v: Version, withValue: boolean) => ({
    ...(withValue ? { value: v.value } : {}),
    id: `${url}/secrets/${name}/${v.version}`,
    attributes: attributes(v),
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    ...(v.tags ? { tags: v.tags } : {}),
  });
  const secretItem = (name: string, v: Version, versioned: boolean) => ({
    id: versioned ? `${url}/secrets/${name}/${v.version}` : `${url}/secrets/${name}`,
    attributes: attributes(v),
    ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
    ...(v.tags ? { tags: v.tags } : {}),
  });
  const deletedBundle = (name: string, s: Secret) => ({
    ...bundle(name, latest(s), false),
    recoveryId: `${url}/deletedsecrets/${name}`,
    deletedDate: s.deleted,
    scheduledPurgeDate: (s.deleted ?? 0) + 90 * 86400,
  });

  /** One page of a list; the rest is behind `nextLink`, as the real service pages with `$skiptoken`. */
  function page(res: ServerResponse, u: URL, items: unknown[]) {
    const size = Math.min(Number(u.searchParams.get('maxresults') ?? PAGE_SIZE) || PAGE_SIZE, PAGE_SIZE);
    const skip = Number(u.searchParams.get('$skiptoken') ?? 0);
    const next = new URL(u);
    next.searchParams.set('$skiptoken', String(skip + size));
    json(res, 200, { value: items.slice(skip, skip + size), nextLink: skip + size < items.length ? next.toString() : null });
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  });
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, code: string, message: string, inner?: string) {
  json(res, status, { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}
