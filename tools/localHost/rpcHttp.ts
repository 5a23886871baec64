import type { IncomingMessage } from 'node:http';

/**
 * An HTTP request as the Functions host puts it into an invocation (azure-functions-host
 * `GrpcMessageConversionExtensions.ToRpcHttp`), for a worker that declared the capabilities below — the ones
 * Azure's Node.js worker declares (its `getWorkerCapabilities.ts`). The host sends other shapes to workers
 * without them; this test host refuses such a worker rather than guess.
 */
export const REQUIRED_CAPABILITIES = [
  'RpcHttpBodyOnly',
  'RawHttpBodyBytes',
  'UseNullableValueDictionaryForHttp',
  'HandlesWorkerTerminateMessage',
] as const;

type NullableMap = Record<string, { value: string }>;

export interface RpcHttpRequest {
  method: string;
  url: string;
  nullableHeaders: NullableMap;
  nullableQuery: NullableMap;
  nullableParams: NullableMap;
  body?: { bytes: Buffer };
}

/** `url`: the request's URL as the client addressed it; `params`: the route's values (decoded, as routing left them). */
export function toRpcHttp(
  req: IncomingMessage,
  url: URL,
  params: Record<string, string>,
  body: Buffer,
): RpcHttpRequest {
  const nullable = (entries: Iterable<[string, string]>) => {
    const map: NullableMap = {};
    for (const [key, value] of entries) map[key] = { value };
    return map;
  };
  // ASP.NET Core's StringValues.ToString() joins repeated keys with ","; header names are lower-cased.
  const query = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) query.set(key, [...(query.get(key) ?? []), value]);
  const headers = Object.entries(req.headersDistinct).map(([key, values]): [string, string] => [
    key.toLowerCase(),
    (values ?? []).join(','),
  ]);
  return {
    method: req.method ?? 'GET',
    url: url.toString(),
    nullableHeaders: nullable(headers),
    nullableQuery: nullable([...query].map(([key, values]): [string, string] => [key, values.join(',')])),
    nullableParams: nullable(Object.entries(params)),
    // The host reads a body only when the request declares a length (`request.ContentLength > 0`); with
    // RawHttpBodyBytes it is sent as the bytes received, whatever the content type.
    ...(Number(req.headers['content-length']) > 0 ? { body: { bytes: body } } : {}),
  };
}
