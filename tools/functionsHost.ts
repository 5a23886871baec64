import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import Module from 'node:module';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import type { Registration } from './functionsCoreStub';

/**
 * A small stand-in for the Azure Functions host (which cannot be installed here, see README): it loads the app's
 * function files, captures their registrations through the functions-core stub, and serves them over real HTTP
 * with the host's routing rules — `routePrefix` from host.json, case-insensitive literal segments, `{name}`,
 * `{name?}`, `{*rest}` — and fires timers on `POST /admin/functions/{name}` like the real host.
 */
export interface FunctionsHost {
  url: string;
  server: Server;
  registrations: Registration[];
  close(): Promise<void>;
}

const STUB = resolve(__dirname, 'functionsCoreStub');

/** Makes `require('@azure/functions-core')` resolve to the stub (jest does the same with moduleNameMapper). */
export function installCoreStub(): void {
  const mod = Module as unknown as { _resolveFilename: (req: string, ...rest: unknown[]) => string };
  const original = mod._resolveFilename;
  if ((original as { stubbed?: boolean }).stubbed) return;
  const patched = (request: string, ...rest: unknown[]) => original.call(Module, request === '@azure/functions-core' ? STUB : request, ...rest);
  (patched as { stubbed?: boolean }).stubbed = true;
  mod._resolveFilename = patched;
}

/** Loads every function file of the app (what package.json's `main` glob names in Azure). */
export function loadFunctionApp(functionsDir: string): Registration[] {
  installCoreStub();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stub = require('@azure/functions-core') as typeof import('./functionsCoreStub');
  for (const file of readdirSync(functionsDir).sort()) {
    if (/\.(js|ts)$/.test(file) && !file.endsWith('.d.ts')) require(join(functionsDir, file));
  }
  return stub.registrations;
}

interface Route {
  registration: Registration;
  pattern: RegExp;
  names: string[];
  methods: Set<string>;
}

export function compileRoute(prefix: string, template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const segments = [prefix, ...template.split('/')].filter(Boolean).map((seg) => {
    const m = /^\{(\*)?([A-Za-z_]\w*)(?::[^}?]*)?(\?)?\}$/.exec(seg);
    if (!m) return { re: `/${seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}` };
    names.push(m[2]);
    if (m[1]) return { re: '(?:/(.*))?' };
    return { re: m[3] ? '(?:/([^/]+))?' : '/([^/]+)' };
  });
  return { pattern: new RegExp(`^${segments.map((s) => s.re).join('')}/?$`, 'i'), names };
}

export async function startFunctionsHost(options: { appRoot: string; functionsDir: string; port?: number; host?: string; log?: (line: string) => void }): Promise<FunctionsHost> {
  const log = options.log ?? (() => {});
  const hostJson = JSON.parse(readFileSync(join(options.appRoot, 'host.json'), 'utf8')) as { extensions?: { http?: { routePrefix?: string } } };
  const prefix = hostJson.extensions?.http?.routePrefix ?? 'api';
  const registrations = loadFunctionApp(options.functionsDir);
  const routes: Route[] = registrations.flatMap((registration) => {
    const trigger = Object.values(registration.bindings).find((b) => b.type === 'httpTrigger');
    if (!trigger) return [];
    const { pattern, names } = compileRoute(prefix, trigger.route ?? registration.name);
    return [{ registration, pattern, names, methods: new Set((trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase())) }];
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      log(`host error: ${(e as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const body = await readBody(req);
    const timer = /^\/admin\/functions\/([^/]+)$/i.exec(url.pathname);
    if (timer && req.method === 'POST') return fireTimer(timer[1], res);
    const candidates = routes.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).filter((x) => x.m);
    if (!candidates.length) return send(res, { status: 404 });
    const hit = candidates.find((c) => c.r.methods.has(req.method ?? 'GET'));
    if (!hit) return send(res, { status: 405 });
    const params: Record<string, string> = {};
    hit.r.names.forEach((n, i) => {
      const v = hit.m![i + 1];
      if (v !== undefined) params[n] = decodeURIComponent(v);
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const { HttpRequest, InvocationContext } = await import('@azure/functions');
    const request = new HttpRequest({ method: req.method, url: url.toString(), headers, params, body: body.length ? { bytes: body } : undefined });
    const context = new InvocationContext({ functionName: hit.r.registration.name, invocationId: randomUUID(), logHandler: (level, ...args) => log(`[${level}] ${hit.r.registration.name}: ${args.map(String).join(' ')}`) });
    const result = (await hit.r.registration.handler(request, context)) as HttpResponseInit | undefined;
    send(res, result ?? { status: 204 });
  }

  async function fireTimer(name: string, res: ServerResponse) {
    const registration = registrations.find((r) => r.name.toLowerCase() === name.toLowerCase() && Object.values(r.bindings).some((b) => b.type === 'timerTrigger'));
    if (!registration) return send(res, { status: 404 });
    const unresolved = unresolvedSetting(Object.values(registration.bindings).find((b) => b.type === 'timerTrigger')!.schedule);
    if (unresolved) {
      log(`[error] ${registration.name}: '%${unresolved}%' does not resolve to a value (set the app setting ${unresolved})`);
      return send(res, { status: 500, body: `'%${unresolved}%' does not resolve to a value` });
    }
    const { InvocationContext } = await import('@azure/functions');
    const context = new InvocationContext({ functionName: registration.name, invocationId: randomUUID(), logHandler: (level, ...args) => log(`[${level}] ${registration.name}: ${args.map(String).join(' ')}`) });
    await registration.handler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, context);
    send(res, { status: 202 });
  }

  await new Promise<void>((ok) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    server,
    registrations,
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/**
 * The host reads a schedule written `%NAME%` from the app setting NAME and keeps a function whose setting is
 * missing from running ("does not resolve to a value"); the same here, so a missing setting shows locally too.
 */
export function unresolvedSetting(schedule: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const m = /^%(\w+)%$/.exec(schedule ?? '');
  return m && !env[m[1]]?.trim() ? m[1] : undefined;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

function send(res: ServerResponse, r: HttpResponseInit) {
  const headers: Record<string, string> = {};
  if (r.headers) for (const [k, v] of Object.entries(r.headers as Record<string, string>)) headers[k] = v;
  res.writeHead(r.status ?? 200, headers);
  res.end(typeof r.body === 'string' ? r.body : undefined);
}
