import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';

/**
 * The host's end of the Functions RPC protocol (FunctionRpc.proto: one bidirectional `EventStream` of
 * `StreamingMessage`s per worker), served over gRPC as the Functions host serves it to a language worker
 * (azure-functions-host `GrpcWorkerChannel.cs`). Messages are the proto-loader's plain objects: camelCase fields,
 * enums as their names, the `content` oneof named.
 */
export type RpcMessage = { requestId?: string; content?: string } & Record<string, unknown>;

export const MAX_MESSAGE_LENGTH = 2_147_483_647; // RpcWorkerConstants.DefaultMaxMessageLengthBytes = int.MaxValue

export interface WorkerStream {
  send(message: RpcMessage): void;
  /** The first message of kind `content` for which `matches` holds, arriving after this call. */
  next<T = Record<string, unknown>>(content: string, matches?: (body: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Every RpcLog the worker sends. */
  onLog(listener: (log: { level?: string; category?: string; message?: string; logCategory?: string }) => void): void;
  end(): void;
}

export interface RpcServer {
  port: number;
  /** The stream of the worker that connects next, once it has sent `startStream`. */
  connected(timeoutMs: number): Promise<WorkerStream>;
  close(): Promise<void>;
}

export async function startRpcServer(protoRoot: string): Promise<RpcServer> {
  const definition = loadSync(join(protoRoot, 'FunctionRpc.proto'), {
    includeDirs: [protoRoot],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const rpc = grpc.loadPackageDefinition(definition).AzureFunctionsRpcMessages as grpc.GrpcObject;
  const service = (rpc.FunctionRpc as grpc.ServiceClientConstructor).service;
  const server = new grpc.Server({
    'grpc.max_receive_message_length': MAX_MESSAGE_LENGTH,
    'grpc.max_send_message_length': MAX_MESSAGE_LENGTH,
  });
  const waiting: ((stream: WorkerStream) => void)[] = [];
  server.addService(service, {
    eventStream: (call: grpc.ServerDuplexStream<RpcMessage, RpcMessage>) => {
      const stream = workerStream(call);
      stream.next('startStream', undefined, 60_000).then(
        () => waiting.shift()?.(stream),
        () => call.end(),
      );
    },
  });
  const port = await new Promise<number>((ok, fail) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? fail(e) : ok(p))),
  );
  return {
    port,
    connected: (timeoutMs) =>
      new Promise((ok, fail) => {
        const timer = setTimeout(() => fail(new Error(`no worker connected within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((stream) => {
          clearTimeout(timer);
          ok(stream);
        });
      }),
    close: () => new Promise((ok) => server.tryShutdown(() => ok())),
  };
}

function workerStream(call: grpc.ServerDuplexStream<RpcMessage, RpcMessage>): WorkerStream {
  type Waiter = {
    content: string;
    matches: (body: unknown) => boolean;
    ok: (body: unknown) => void;
    fail: (error: Error) => void;
  };
  const waiters = new Set<Waiter>();
  const logListeners: ((log: Record<string, string>) => void)[] = [];
  call.on('data', (message: RpcMessage) => {
    const content = message.content;
    if (!content) return;
    const body = message[content];
    if (content === 'rpcLog') for (const listener of logListeners) listener(body as Record<string, string>);
    for (const waiter of waiters) {
      if (waiter.content === content && waiter.matches(body)) {
        waiters.delete(waiter);
        waiter.ok(body);
        return;
      }
    }
  });
  // A worker that exits ends its stream: the host closes its own end, and nothing it waits for will come.
  const ended = (why: string) => {
    for (const waiter of waiters) waiter.fail(new Error(`the worker's stream ${why} before it sent ${waiter.content}`));
    waiters.clear();
  };
  call.on('end', () => {
    ended('ended');
    call.end();
  });
  call.on('error', (e: Error) => ended(`failed (${e.message})`));
  return {
    send: (message) => {
      call.write(message);
    },
    next: <T>(content: string, matches: (body: T) => boolean = () => true, timeoutMs = 60_000) =>
      new Promise<T>((ok, fail) => {
        const waiter: Waiter = {
          content,
          matches: matches as (body: unknown) => boolean,
          ok: (body) => {
            clearTimeout(timer);
            ok(body as T);
          },
          fail: (error) => {
            clearTimeout(timer);
            fail(error);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          fail(new Error(`the worker sent no ${content} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      }),
    onLog: (listener) => logListeners.push(listener),
    end: () => call.end(),
  };
}
