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

export interface Registration {
  name: string;
  bindings: Record<string, RegisteredBinding>;
  handler: (...args: unknown[]) => unknown;
}

export const registrations: Registration[] = [];

export function registerFunction(metadata: { name: string; bindings: Record<string, RegisteredBinding> }, handler: Registration['handler']) {
  registrations.push({ name: metadata.name, bindings: metadata.bindings, handler });
  return { dispose: () => registrations.splice(registrations.findIndex((r) => r.handler === handler), 1) };
}

export function setProgrammingModel(): void {}
export function getProgrammingModel(): undefined { return undefined; }
export function registerHook() { return { dispose() {} }; }
export const version = 'local';
