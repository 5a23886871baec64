import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { z } from 'zod';

/**
 * A local fake of the Azure Communication Services Email REST protocol (api-version 2025-09-01, the default of
 * `@azure/communication-email` 1.1), so tests run the real SDK: `POST /emails:send` → 202 with
 * `Operation-Location`, then `GET /emails/operations/{id}` polled from Running to Succeeded or Failed. Requests are
 * authenticated as the service does: an HMAC-SHA256 signature over verb, path and query, date, host (with port) and
 * body hash, checked exactly, or a bearer token (Entra / managed identity). Shapes from Azure/azure-rest-api-specs
 * `specification/communication/data-plane/Email` and @azure/communication-common's signing policy.
 */
export interface FakeAcsEmail {
  /** `http(s)://127.0.0.1:<port>/`, for a client with a token credential. */
  endpoint: string;
  /** `endpoint=…;accesskey=…`, for a client signing with the access key. */
  connectionString: string;
  /** Messages accepted, in order, as the SDK sent them. */
  messages: AcsEmailMessage[];
  /** How each request authenticated (`hmac`, `bearer`), or why it was refused. */
  auth: string[];
  /** The next this-many accepted sends end `Failed` with EmailDropped. */
  failNext: number;
  /** While set, sends are answered 429 TooManyRequests, as over the quota. */
  throttled: boolean;
  close(): Promise<void>;
}

const messageSchema = z.object({
  senderAddress: z.string().min(1),
  content: z.object({ subject: z.string().min(1), plainText: z.string().optional(), html: z.string().optional() }),
  recipients: z.object({
    to: z.array(z.object({ address: z.string().email(), displayName: z.string().optional() })).min(1),
    cc: z.array(z.object({ address: z.string().email() })).optional(),
    bcc: z.array(z.object({ address: z.string().email() })).optional(),
  }),
  userEngagementTrackingDisabled: z.boolean().optional(),
});
export type AcsEmailMessage = z.infer<typeof messageSchema>;

interface Operation {
  id: string;
  polls: number;
  outcome: 'Succeeded' | 'Failed';
}

/** The service keeps an operation Running for a while; one poll is enough to exercise the SDK's polling. */
const POLLS_BEFORE_DONE = 1;
/** The signing date may differ from the service's clock by this much (the service allows 15 minutes). */
const MAX_SKEW_MS = 15 * 60_000;

/**
 * `tls` serves https with the given certificate: the SDK sends bearer tokens only over https (its access-key
 * signing works over plain http with `allowInsecureConnection`).
 */
export async function startFakeAcsEmail(
  options: { accessKey?: string; bearerToken?: string; tls?: { key: string; cert: string } } = {},
): Promise<FakeAcsEmail> {
  const accessKey = options.accessKey ?? randomBytes(32).toString('base64');
  const operations = new Map<string, Operation>();
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks), res));
  };
  const server = options.tls ? createHttpsServer(options.tls, listener) : createHttpServer(listener);

  const fake: FakeAcsEmail = {
    endpoint: '',
    connectionString: '',
    messages: [],
    auth: [],
    failNext: 0,
    throttled: false,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };

  function handle(req: IncomingMessage, body: Buffer, res: ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const auth = authenticate(req, url, body);
    fake.auth.push(auth);
    if (auth !== 'hmac' && auth !== 'bearer')
      return error(res, 401, 'Denied', `Denied by the resource provider: ${auth}.`);
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion)
      return error(res, 400, 'MissingApiVersionParameter', 'The api-version query parameter is required.');

    if (req.method === 'POST' && url.pathname === '/emails:send') {
      if (fake.throttled)
        return error(res, 429, 'TooManyRequests', 'Too many requests: the email quota is exceeded.', {
          'retry-after': '1',
        });
      let parsed;
      try {
        parsed = messageSchema.safeParse(JSON.parse(body.toString('utf8')));
      } catch {
        return error(res, 400, 'InvalidRequestBody', 'The request body is not JSON.');
      }
      if (!parsed.success)
        return error(
          res,
          400,
          'InvalidRequestBody',
          parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        );
      const id = (req.headers['operation-id'] as string | undefined) ?? randomUUID();
      const outcome = fake.failNext > 0 ? 'Failed' : 'Succeeded';
      if (fake.failNext > 0) fake.failNext--;
      operations.set(id, { id, polls: 0, outcome });
      fake.messages.push(parsed.data);
      return json(
        res,
        202,
        { id, status: 'Running' },
        {
          'Operation-Location': `${fake.endpoint}emails/operations/${id}?api-version=${apiVersion}`,
          'retry-after': '0',
        },
      );
    }

    const poll = /^\/emails\/operations\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && poll) {
      const op = operations.get(decodeURIComponent(poll[1]));
      if (!op) return error(res, 404, 'NotFound', 'No such operation.');
      if (op.polls++ < POLLS_BEFORE_DONE)
        return json(res, 200, { id: op.id, status: 'Running' }, { 'retry-after': '0' });
      return json(
        res,
        200,
        op.outcome === 'Succeeded'
          ? { id: op.id, status: 'Succeeded' }
          : {
              id: op.id,
              status: 'Failed',
              error: { code: 'EmailDropped', message: 'The email was dropped by the service.' },
            },
      );
    }
    return error(res, 404, 'NotFound', `No route ${req.method} ${url.pathname}.`);
  }

  /** `hmac` or `bearer` when valid, else what is wrong with the request's credentials. */
  function authenticate(req: IncomingMessage, url: URL, body: Buffer): string {
    const authorization = req.headers.authorization ?? '';
    if (authorization.startsWith('Bearer '))
      return options.bearerToken && authorization.slice(7) === options.bearerToken ? 'bearer' : 'wrong bearer token';
    const m = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/.exec(authorization);
    if (!m) return 'no Authorization';
    const date = req.headers['x-ms-date'] as string | undefined;
    const contentHash = req.headers['x-ms-content-sha256'] as string | undefined;
    if (!date || Math.abs(Date.parse(date) - Date.now()) > MAX_SKEW_MS) return 'x-ms-date missing or skewed';
    if (contentHash !== createHash('sha256').update(body).digest('base64'))
      return 'x-ms-content-sha256 does not match the body';
    const query = url.searchParams.toString();
    const toSign = `${req.method}\n${url.pathname}${query ? `?${query}` : ''}\n${date};${req.headers.host};${contentHash}`;
    const expected = createHmac('sha256', Buffer.from(accessKey, 'base64')).update(toSign).digest();
    const given = Buffer.from(m[1], 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected) ? 'hmac' : 'bad signature';
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  fake.endpoint = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
  fake.connectionString = `endpoint=${fake.endpoint};accesskey=${accessKey}`;
  return fake;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function error(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  json(res, status, { error: { code, message } }, { 'x-ms-error-code': code, ...headers });
}
