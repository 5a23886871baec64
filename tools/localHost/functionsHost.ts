import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { IndexedFunction, Registration, RpcHttp, RpcTypedData } from './functionsCoreStub';
import { decodePath, hostRoutes, matchRoute } from './hostRoutes';
import { RequestThrottle } from './requestThrottle';
import { toRpcHttp } from './rpcHttp';

/**
 * A small stand-in for the Azure Functions host (which cannot be installed here, see docs/operations.md#without-azd-core-tools): it loads the app's
 * function files, captures their registrations through the functions-core stub, and serves them over real HTTP
 * with the host's rules (tools/localHost/hostRoutes.ts: refused routes, precedence, methods as route constraints), honours
 * host.json's `routePrefix`, `maxConcurrentRequests` and `maxOutstandingRequests`, and fires timers on
 * `POST /admin/functions/{name}` like the real host.
 */
export interface FunctionsHost {
  url: string;
  server: Server;
  registrations: Registration[];
  /** Stops serving at once, cutting open connections (tests, benchmarks). */
  close: () => Promise<void>;
  /**
   * A shutdown as the Functions host does it: no new requests, the running ones finish, then the worker runs the
   * app's `appTerminate` hooks (azure-functions-nodejs-worker `src/eventHandlers/terminateWorker.ts`, on the
   * host's WorkerTerminate). What `npm start` and `serveApp` do on SIGINT and SIGTERM.
   */
  terminate: () => Promise<void>;
}

/** How long a shutdown waits for running requests before cutting them (the app's own timeout is far shorter). */
const DRAIN_MS = 10_000;

const STUB = resolve(__dirname, 'functionsCoreStub');

/** Makes `require('@azure/functions-core')` resolve to the stub (jest does the same with moduleNameMapper). */
export function installCoreStub(): void {
  const mod = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
  const original = mod._resolveFilename;
  if ((original as { stubbed?: boolean }).stubbed) return;
  const patched = (request: string, ...rest: unknown[]) =>
    original.call(Module, request === '@azure/functions-core' ? STUB : request, ...rest);
  (patched as { stubbed?: boolean }).stubbed = true;
  mod._resolveFilename = patched;
}

/** Loads every function file of the app (what package.json's `main` glob names in Azure). */
export function loadFunctionApp(functionsDir: string): Registration[] {
  const files = readdirSync(functionsDir)
    .sort()
    .filter((file) => /\.(js|ts)$/.test(file) && !file.endsWith('.d.ts'));
  return requireFunctionFiles(files.map((file) => join(functionsDir, file)));
}

/**
 * Loads an app the way the real host does: the files its package.json `main` names — one path, or a `*` glob in
 * the last segment (`dist/functions/*.js`). This is how the packaged artifact (`npm run package`) is served.
 */
export function loadPackagedApp(appRoot: string): Registration[] {
  const { main } = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { main?: string };
  if (!main) throw new Error(`${join(appRoot, 'package.json')} has no "main" naming the function entry points`);
  const dir = join(appRoot, dirname(main));
  const name = basename(main);
  const files = name.includes('*')
    ? readdirSync(dir)
        .filter((f) => globSegment(name).test(f))
        .sort()
    : [name];
  if (!files.length) throw new Error(`"main": "${main}" matches no file in ${appRoot}`);
  return requireFunctionFiles(files.map((file) => join(dir, file)));
}

function requireFunctionFiles(paths: string[]): Registration[] {
  installCoreStub();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- after installCoreStub (an import runs before it)
  const stub = require('@azure/functions-core') as typeof import('./functionsCoreStub');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the function files are known only at run time
  for (const path of paths) require(path);
  return stub.registrations;
}

/** The parts of host.json the local host honours; the rest only matters to the real host. */
const hostJsonSchema = z.object({
  extensions: z
    .object({
      http: z
        .object({
          routePrefix: z.string().default('api'),
          maxConcurrentRequests: z.number().int().min(-1).default(-1),
          maxOutstandingRequests: z.number().int().min(-1).default(-1),
        })
        .default({}),
    })
    .default({}),
});

function globSegment(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
}

export function readHostJson(appRoot: string) {
  return hostJsonSchema.parse(JSON.parse(readFileSync(join(appRoot, 'host.json'), 'utf8'))).extensions.http;
}

/** `functionsDir`: load every function file there (sources, in tests); without it, what package.json's `main` names. */
export async function startFunctionsHost(options: {
  appRoot: string;
  functionsDir?: string;
  port?: number;
  host?: string;
  log?: (line: string) => void;
}): Promise<FunctionsHost> {
  const log = options.log ?? (() => {});
  const http = readHostJson(options.appRoot);
  const registrations = options.functionsDir ? loadFunctionApp(options.functionsDir) : loadPackagedApp(options.appRoot);
  const routes = hostRoutes(http.routePrefix, registrations);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the stub requireFunctionFiles put in place
  const core = require('@azure/functions-core') as typeof import('./functionsCoreStub');
  const throttle = new RequestThrottle(http.maxConcurrentRequests, http.maxOutstandingRequests);
  /** Each registration's trigger binding, which names the invocation's input. */
  const triggers = new Map(
    registrations.map((r) => [
      r,
      Object.keys(r.bindings).find((k) => r.bindings[k].direction === 'in' && /Trigger$/.test(r.bindings[k].type))!,
    ]),
  );

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      log(`host error: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const timer = /^\/admin\/functions\/([^/]+)$/i.exec(url.pathname);
    if (timer && req.method === 'POST') {
      await readBody(req);
      return fireTimer(timer[1], res);
    }
    const hit = matchRoute(routes, req.method ?? 'GET', decodePath(url.pathname));
    if (!hit) return send(res, { statusCode: '404' });
    const admitted = throttle.admit();
    if (!admitted) return send(res, { statusCode: '429' }); // what the real host answers: no body, no Retry-After
    const release = await admitted;
    try {
      const body = await readBody(req);
      send(
        res,
        (await invoke(hit.route.registration, { http: toRpcHttp(req, url, hit.params, body) })).returnValue?.http,
      );
    } finally {
      release();
    }
  }

  /**
   * One invocation as the Functions worker runs it: the trigger's RPC-shaped data through the programming model
   * the app's own `@azure/functions` registered, to an RPC-shaped response. The host loads no copy of the library.
   */
  async function invoke(registration: Registration, data: RpcTypedData) {
    const model = core.getProgrammingModel();
    if (!model) throw new Error('no programming model: the app registered no function through @azure/functions');
    const invocationId = randomUUID();
    const invocation = model.getInvocationModel({
      invocationId,
      request: {
        invocationId,
        functionId: registration.name,
        inputData: [{ name: triggers.get(registration)!, data }],
        triggerMetadata: {},
      },
      metadata: { name: registration.name, bindings: registration.bindings },
      state: 'invocation',
      log: (level, _category, message) => log(`[${level}] ${registration.name}: ${message}`),
    });
    const { context, inputs } = await invocation.getArguments();
    return invocation.getResponse(context, await invocation.invokeFunction(context, inputs, registration.handler));
  }

  async function fireTimer(name: string, res: ServerResponse) {
    const timer = timerNamed(registrations, name);
    if (!timer) return send(res, { statusCode: '404' });
    if (refusedSchedule(timer.fn.name, timer.schedule, res, log)) return;
    await invoke(timer.fn, TIMER_TRIGGER_DATA);
    send(res, { statusCode: '202' });
  }

  await new Promise<void>((ok) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    registrations,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
    terminate: async () => {
      await new Promise<void>((ok) => {
        const cut = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
        server.close(() => {
          clearTimeout(cut);
          ok();
        });
        server.closeIdleConnections();
      });
      await core.executeHooks('appTerminate');
    },
  };
}

/** What the host sends a timer function, PascalCase as on the wire; the library camel-cases it. */
export const TIMER_TRIGGER_DATA: RpcTypedData = {
  json: JSON.stringify({
    Schedule: { AdjustForDST: false },
    ScheduleStatus: { Last: '', Next: '', LastUpdated: '' },
    IsPastDue: false,
  }),
};

/** The timer a `POST /admin/functions/{name}` fires (any letter case, as the host's admin API), if there is one. */
export function timerNamed<R extends IndexedFunction>(
  functions: R[],
  name: string,
): { fn: R; schedule?: string } | undefined {
  for (const fn of functions) {
    const trigger = Object.values(fn.bindings).find((b) => b.type === 'timerTrigger');
    if (trigger && fn.name.toLowerCase() === name.toLowerCase()) return { fn, schedule: trigger.schedule };
  }
  return undefined;
}

/**
 * The host reads a schedule written `%NAME%` from the app setting NAME and keeps a function whose setting is
 * missing from running ("does not resolve to a value"); the same here, so a missing setting shows locally too.
 */
export function unresolvedSetting(
  schedule: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const m = /^%(\w+)%$/.exec(schedule ?? '');
  return m && !env[m[1]]?.trim() ? m[1] : undefined;
}

/** Answers 500 as the host does when a timer's `%SETTING%` schedule names a missing app setting; true when it did. */
export function refusedSchedule(
  name: string,
  schedule: string | undefined,
  res: ServerResponse,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  const unresolved = unresolvedSetting(schedule, env);
  if (!unresolved) return false;
  log(`[error] ${name}: '%${unresolved}%' does not resolve to a value (set the app setting ${unresolved})`);
  send(res, { statusCode: '500', body: { string: `'%${unresolved}%' does not resolve to a value` } });
  return true;
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/** Writes an RPC-shaped HTTP response (its cookies aside: the app sets none); a handler that returned nothing gets a 204. */
export function send(res: ServerResponse, r: RpcHttp | undefined) {
  res.writeHead(Number(r?.statusCode ?? 204), r?.headers ?? {});
  res.end(r?.body?.bytes?.length ? r.body.bytes : r?.body?.string);
}
