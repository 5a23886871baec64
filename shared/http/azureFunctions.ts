import type { HttpHandler, HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { RequestContext, scimEndpoint } from './pipeline';
import { ScimHttpResponse } from './scimHttp';

/** Adapts a SCIM endpoint to an Azure Functions v4 HTTP handler. */
export function httpHandler(endpoint: (ctx: RequestContext) => Promise<ScimHttpResponse>): HttpHandler {
  const handle = scimEndpoint(endpoint);
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const res = await handle(request, { warn: (...args) => context.warn(...args), error: (...args) => context.error(...args) });
    return { status: res.status, headers: res.headers, body: res.body };
  };
}

/** Every SCIM route lives under host.json's `routePrefix` ("scim"); the default tenant is `/scim/v2/...`. */
export const scimRoute = (path: string) => `v2/${path}`;

export const READ_ONLY: HttpMethod[] = ['GET'];
export const RESOURCE_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
