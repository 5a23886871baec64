import type { RpcHttpRequest } from './rpcHttp';

/**
 * Stands in for `@azure/functions-core`, the module the real Functions worker injects. `@azure/functions` hands
 * every `app.http()` / `app.timer()` registration to `registerFunction`; recording them here lets the local host
 * serve exactly the registrations that run in Azure, with no second routing table.
 */
export interface RegisteredBinding {
  type: string;
  direction: string;
  route?: string;
  methods?: string[];
  schedule?: string;
  [key: string]: unknown;
}

/** What a function is to the host: its name and bindings (what indexing reports, in the local host or the worker). */
export interface IndexedFunction {
  name: string;
  bindings: Record<string, RegisteredBinding>;
}

export interface Registration extends IndexedFunction {
  handler: (...args: unknown[]) => unknown;
}

export const registrations: Registration[] = [];

export function registerFunction(
  metadata: { name: string; bindings: Record<string, RegisteredBinding> },
  handler: Registration['handler'],
) {
  registrations.push({ name: metadata.name, bindings: metadata.bindings, handler });
  return {
    dispose: () =>
      registrations.splice(
        registrations.findIndex((r) => r.handler === handler),
        1,
      ),
  };
}

/**
 * What `@azure/functions` hands the worker when its first function registers: the worker builds each invocation's
 * arguments and its response through it, so an RPC-shaped request becomes an HttpRequest of the app's own copy of
 * the library, and the handler's result goes back through that copy's HttpResponse, exactly as in Azure.
 */
export interface ProgrammingModel {
  getInvocationModel(coreCtx: CoreInvocationContext): InvocationModel;
}

export interface CoreInvocationContext {
  invocationId: string;
  request: {
    invocationId: string;
    functionId: string;
    inputData: Array<{ name: string; data: RpcTypedData }>;
    triggerMetadata: Record<string, RpcTypedData>;
  };
  metadata: { name: string; bindings: Record<string, RegisteredBinding> };
  state: string;
  log(level: string, category: string, message: string): void;
}

export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: Registration['handler']): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: { http?: RpcHttp } }>;
}

/** The worker protocol's typed data, in the shapes the local host sends and reads. */
export interface RpcTypedData {
  json?: string;
  /** A request (tools/localHost/rpcHttp.ts builds it as the host does) or a function's response. */
  http?: RpcHttp | RpcHttpRequest;
}

export interface RpcHttp {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  body?: { bytes?: Uint8Array; string?: string };
  statusCode?: string;
}

let model: ProgrammingModel | undefined;
export function setProgrammingModel(programmingModel: ProgrammingModel): void {
  model = programmingModel;
}
export function getProgrammingModel(): ProgrammingModel | undefined {
  return model;
}
/**
 * App-level hooks (`app.hook.appStart`, `app.hook.appTerminate`…) as the real worker keeps them: a list per hook
 * name, run one after another, awaited (azure-functions-nodejs-worker `src/hooks/registerHook.ts`,
 * `src/hooks/executeHooks.ts`).
 */
export type HookCallback = (context: HookContext) => unknown;
export interface HookContext {
  hookData: Record<string, unknown>;
  appHookData: Record<string, unknown>;
}

const hooks = new Map<string, HookCallback[]>();

export function registerHook(hookName: string, callback: HookCallback) {
  const list = hooks.get(hookName) ?? [];
  hooks.set(hookName, [...list, callback]);
  return {
    dispose: () =>
      hooks.set(
        hookName,
        (hooks.get(hookName) ?? []).filter((c) => c !== callback),
      ),
  };
}

/** Runs the hooks registered under `hookName` in registration order, each awaited before the next. */
export async function executeHooks(
  hookName: string,
  context: HookContext = { hookData: {}, appHookData: {} },
): Promise<void> {
  for (const callback of hooks.get(hookName) ?? []) await callback(context);
}
export const version = 'local';
