import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { IndexedFunction, RegisteredBinding, RpcHttp, RpcTypedData } from '../localHost/functionsCoreStub';
import {
  readBody,
  readHostJson,
  refusedSchedule,
  send,
  TIMER_TRIGGER_DATA,
  timerNamed,
} from '../localHost/functionsHost';
import { decodePath, hostRoutes, matchRoute } from '../localHost/hostRoutes';
import type { NodeWorker } from './nodeWorker';
import { MAX_MESSAGE_LENGTH, startRpcServer, WorkerStream } from './rpcChannel';
import { REQUIRED_CAPABILITIES, toRpcHttp } from '../localHost/rpcHttp';

/**
 * A test host that runs a packaged app in Azure's own Node.js worker, driving it over gRPC as the Functions host
 * does (azure-functions-host `GrpcWorkerChannel.cs`): start the worker process, `workerInitRequest` (the worker
 * loads package.json's `main` and runs `appStart` hooks), `functionsMetadataRequest` (the v4 registrations,
 * indexed by the worker), a `functionLoadRequest` per function, then an `invocationRequest` per HTTP request or
 * timer firing, and `workerTerminate` at shutdown (the worker runs `appTerminate` hooks and exits). HTTP is served
 * with the host's routing rules (tools/localHost/hostRoutes.ts) and host.json's routePrefix; timers fire on
 * `POST /admin/functions/{name}`, like the real host's admin API (without its master key).
 */
export interface WorkerHost {
  url: string;
  /** The functions as the worker indexed them (`functionMetadataResponse`), binding names included. */
  functions: IndexedFunction[];
  worker: ChildProcess;
  /** Sends `workerTerminate` and resolves with the worker's exit code (killed after the grace period: null). */
  close(): Promise<number | null>;
}

export interface WorkerHostOptions {
  /** The packaged app (`npm run package`'s folder): the `functionAppDirectory` of `workerInitRequest`. */
  appRoot: string;
  worker: NodeWorker;
  /** The worker's environment: the app settings (the worker reads nothing else). */
  env: NodeJS.ProcessEnv;
  port?: number;
  /** Node binary for the worker (default: this one). */
  node?: string;
  log?: (line: string) => void;
}

/** What the host says it is; the worker only requires that it is there. */
const HOST_VERSION = '4.0.0.0';
/** WorkerConstants.WorkerTerminateGracePeriodInSeconds */
const TERMINATE_GRACE_SECONDS = 5;
/** Flex Consumption's default functionTimeout (30 minutes); a longer invocation is a stuck worker. */
const INVOCATION_TIMEOUT_MS = 30 * 60_000;
const STARTUP_TIMEOUT_MS = 60_000;

interface StatusResult {
  status?: string;
  exception?: { message?: string };
}

export async function startWorkerHost(options: WorkerHostOptions): Promise<WorkerHost> {
  const log = options.log ?? (() => {});
  const rpc = await startRpcServer(options.worker.protoRoot);
  const workerId = randomUUID();
  const connecting = rpc.connected(STARTUP_TIMEOUT_MS);
  const worker = spawn(
    options.node ?? process.execPath,
    [
      options.worker.entry,
      '--functions-uri',
      `http://127.0.0.1:${rpc.port}/`,
      '--functions-worker-id',
      workerId,
      '--functions-request-id',
      randomUUID(),
      '--functions-grpc-max-message-length',
      String(MAX_MESSAGE_LENGTH),
    ],
    { cwd: options.appRoot, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((ok) => worker.once('exit', (code) => ok(code)));
  for (const out of [worker.stdout, worker.stderr])
    out.on('data', (chunk: Buffer) =>
      chunk
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((line) => log(`[worker] ${line}`)),
    );

  let stream: WorkerStream;
  try {
    stream = await Promise.race([
      connecting,
      exited.then((code) => Promise.reject(new Error(`the worker exited with ${code} before it connected`))),
    ]);
  } catch (e) {
    worker.kill();
    await rpc.close();
    throw e;
  }
  stream.onLog((entry) => {
    if (entry.logCategory === 'User' || ['Warning', 'Error', 'Critical'].includes(entry.level ?? ''))
      log(`[${entry.level}] ${entry.category ?? 'worker'}: ${entry.message}`);
  });
  /** Sends a request and waits for its answer, which must report success. */
  const request = async <T>(
    message: Record<string, unknown>,
    response: string,
    matches?: (body: T) => boolean,
    timeoutMs = STARTUP_TIMEOUT_MS,
  ) => {
    const answer = stream.next<T & { result?: StatusResult }>(response, matches, timeoutMs);
    stream.send({ requestId: randomUUID(), ...message });
    const body = await answer;
    if (body.result?.status !== 'Success')
      throw new Error(
        `${response}: ${body.result?.status ?? 'no status'}: ${body.result?.exception?.message ?? 'no message'}`,
      );
    return body;
  };

  let functions: (IndexedFunction & { functionId: string; trigger: string })[];
  try {
    const init = await request<{ capabilities?: Record<string, string>; workerMetadata?: { runtimeVersion?: string } }>(
      {
        workerInitRequest: {
          hostVersion: HOST_VERSION,
          functionAppDirectory: options.appRoot,
          workerDirectory: options.worker.dir,
          capabilities: {},
          logCategories: {},
        },
      },
      'workerInitResponse',
    );
    const lacking = REQUIRED_CAPABILITIES.filter((c) => !init.capabilities?.[c]);
    if (lacking.length)
      throw new Error(
        `the worker does not declare ${lacking.join(', ')}: this host only builds invocations for a worker that does`,
      );
    const indexed = await request<{
      useDefaultMetadataIndexing?: boolean;
      functionMetadataResults?: { name: string; functionId: string; rawBindings?: string[] }[];
    }>({ functionsMetadataRequest: { functionAppDirectory: options.appRoot } }, 'functionMetadataResponse');
    if (indexed.useDefaultMetadataIndexing)
      throw new Error(
        'the app registered no function with the v4 programming model (the worker asked for function.json indexing)',
      );
    functions = (indexed.functionMetadataResults ?? []).map(fromRpcMetadata);
    for (const fn of functions) {
      await request<{ functionId?: string }>(
        {
          functionLoadRequest: {
            functionId: fn.functionId,
            metadata: { name: fn.name, directory: options.appRoot, bindings: bindingInfos(fn.bindings) },
          },
        },
        'functionLoadResponse',
        (r) => r.functionId === fn.functionId,
      );
    }
  } catch (e) {
    worker.kill();
    await rpc.close();
    throw e;
  }

  const http = readHostJson(options.appRoot);
  const routes = hostRoutes(http.routePrefix, functions);

  async function invoke(
    fn: (typeof functions)[number],
    data: RpcTypedData | { http: object },
  ): Promise<{ http?: RpcHttp } | undefined> {
    const invocationId = randomUUID();
    const response = await request<{ invocationId?: string; returnValue?: { http?: RpcHttp } }>(
      {
        invocationRequest: {
          invocationId,
          functionId: fn.functionId,
          inputData: [{ name: fn.trigger, data }],
          triggerMetadata: {},
        },
      },
      'invocationResponse',
      (r) => r.invocationId === invocationId,
      INVOCATION_TIMEOUT_MS,
    );
    return response.returnValue;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const body = await readBody(req);
    const timer = /^\/admin\/functions\/([^/]+)$/i.exec(url.pathname);
    if (timer && req.method === 'POST') {
      const hit = timerNamed(functions, timer[1]);
      if (!hit) return send(res, { statusCode: '404' });
      if (refusedSchedule(hit.fn.name, hit.schedule, res, log, options.env)) return;
      await invoke(hit.fn, TIMER_TRIGGER_DATA);
      return send(res, { statusCode: '202' });
    }
    const hit = matchRoute(routes, req.method ?? 'GET', decodePath(url.pathname));
    if (!hit) return send(res, { statusCode: '404' });
    send(res, (await invoke(hit.route.registration, { http: toRpcHttp(req, url, hit.params, body) }))?.http);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: Error) => {
      // A function that failed: the host answers 500 with no body and logs the worker's message.
      log(`[Error] ${e.message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(options.port ?? 0, '127.0.0.1', ok));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    functions: functions.map(({ name, bindings }) => ({ name, bindings })),
    worker,
    async close() {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
      if (worker.exitCode === null && worker.signalCode === null) {
        stream.send({ workerTerminate: { gracePeriod: { seconds: String(TERMINATE_GRACE_SECONDS) } } });
        const timer = setTimeout(() => worker.kill('SIGKILL'), TERMINATE_GRACE_SECONDS * 1000);
        await exited;
        clearTimeout(timer);
      }
      await rpc.close();
      return worker.exitCode;
    },
  };
}

/** `rawBindings` are what the host reads: one JSON object per binding, its name inside. */
function fromRpcMetadata(metadata: { name: string; functionId: string; rawBindings?: string[] }) {
  const bindings: Record<string, RegisteredBinding> = {};
  for (const raw of metadata.rawBindings ?? []) {
    const { name, ...binding } = JSON.parse(raw) as RegisteredBinding & { name: string };
    bindings[name] = binding;
  }
  const trigger = Object.keys(bindings).find((name) => /Trigger$/.test(bindings[name].type));
  if (!trigger) throw new Error(`function ${metadata.name} has no trigger binding`);
  return { name: metadata.name, functionId: metadata.functionId, bindings, trigger };
}

/** The `BindingInfo`s of a `functionLoadRequest` (`ToBindingInfo` in the host: type and direction). */
function bindingInfos(bindings: Record<string, RegisteredBinding>) {
  return Object.fromEntries(
    Object.entries(bindings).map(([name, b]) => [name, { type: b.type, direction: b.direction }]),
  );
}
