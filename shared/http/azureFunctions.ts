import { app, HttpHandler, HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { PipelinePorts, ScimEndpoint, scimEndpoint } from './pipeline';

/** Adapts a SCIM endpoint, and the app it runs on (built by the first call of `ports`), to a Functions v4 HTTP handler. */
export function httpHandler<P>(endpoint: ScimEndpoint<P>, ports: () => P & PipelinePorts): HttpHandler {
  const handle = scimEndpoint(endpoint, ports);
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const res = await handle(request, {
      warn: (...args) => context.warn(...args),
      error: (...args) => context.error(...args),
    });
    return { status: res.status, headers: res.headers, body: res.body };
  };
}

/**
 * Registers a SCIM endpoint under host.json's `routePrefix` ("scim") twice: `/scim/v2/{path}` for the default
 * tenant and `/scim/{tenant}/v2/{path}` for named ones. The tenant route has one more segment, so neither route
 * can match the other's URLs; the pipeline validates the tenant id.
 */
export function scimHttp<P>(
  name: string,
  options: { methods: HttpMethod[]; path: string; endpoint: ScimEndpoint<P>; ports: () => P & PipelinePorts },
): void {
  const handler = httpHandler(options.endpoint, options.ports);
  // authLevel anonymous: the SCIM bearer token is checked by the pipeline, not by a Functions key.
  app.http(name, { methods: options.methods, authLevel: 'anonymous', route: `v2/${options.path}`, handler });
  app.http(`${name}ForTenant`, {
    methods: options.methods,
    authLevel: 'anonymous',
    route: `{tenant}/v2/${options.path}`,
    handler,
  });
}

export const READ_ONLY: HttpMethod[] = ['GET'];
export const RESOURCE_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
