import { methodNotAllowed } from '../scim/errors';
import { listQueryFromSearch, listQueryFromUrl } from '../scim/listQuery';
import { parsePatchRequest } from '../scim/patch';
import { parseProjection } from '../scim/representation';
import { ResourceSchema, SchemaRegistry } from '../scim/resourceSchema';
import { Representation, RequestScope, ResourceService } from '../resources/resourceService';
import { RequestContext, ScimEndpoint } from './pipeline';
import { baseUrlOf, noContent, readJsonBody, scimJson, ScimHttpResponse } from './scimHttp';

/** `POST /Users/.search` (RFC 7644 §3.4.3) arrives on the `{id}` route: no resource id can start with a dot. */
const SEARCH = '.search';

/** What the resource endpoints use: the service, the served schemas, and the largest body they read. */
export interface ResourceEndpointPorts {
  service: ResourceService;
  schemas: Pick<SchemaRegistry, 'user' | 'group'>;
  settings: { SCIM_MAX_BODY_BYTES: number };
}

/** `/Users` and `/Groups`: parse the request, call the resource service, shape the response. */
export function resourceEndpoint(
  pickSchema: (ports: ResourceEndpointPorts) => ResourceSchema,
): ScimEndpoint<ResourceEndpointPorts> {
  return async (ctx) => {
    const schema = pickSchema(ctx.ports);
    const { service } = ctx.ports;
    const scope = scopeOf(ctx);
    const id = ctx.req.params.id;
    const method = ctx.req.method.toUpperCase();
    const body = () => readJsonBody(ctx.req, ctx.ports.settings.SCIM_MAX_BODY_BYTES);
    const projection = () => parseProjection(ctx.req.query.get('attributes'), ctx.req.query.get('excludedAttributes'));
    const ifMatch = ctx.req.headers.get('if-match') ?? undefined;
    if (id === undefined) {
      if (method === 'GET') return scimJson(200, await service.list(scope, schema, listQueryFromUrl(ctx.req.query)));
      if (method === 'POST') return single(await service.create(scope, schema, await body(), projection()), 201);
      throw methodNotAllowed(method, `/${schema.endpoint}`, ['GET', 'POST']);
    }
    if (id === SEARCH) {
      if (method === 'POST') return scimJson(200, await service.list(scope, schema, listQueryFromSearch(await body())));
      throw methodNotAllowed(method, `/${schema.endpoint}/.search`, ['POST']);
    }
    switch (method) {
      case 'GET':
        return single(await service.read(scope, schema, id, projection()));
      case 'PUT':
        return single(await service.replace(scope, schema, id, await body(), ifMatch, projection()));
      case 'PATCH': {
        const updated = await service.patch(scope, schema, id, parsePatchRequest(await body()), ifMatch, projection());
        return updated ? single(updated) : noContent();
      }
      case 'DELETE':
        await service.delete(scope, schema, id, ifMatch);
        return noContent();
      default:
        throw methodNotAllowed(method, `/${schema.endpoint}/{id}`, ['GET', 'PUT', 'PATCH', 'DELETE']);
    }
  };
}

export const scopeOf = (ctx: RequestContext): RequestScope => ({
  tenant: ctx.tenant,
  baseUrl: baseUrlOf(ctx.req),
  log: ctx.log,
  origin: ctx.origin,
});

function single(r: Representation, status = 200): ScimHttpResponse {
  return scimJson(status, r.body, { ETag: r.version, ...(status === 201 ? { Location: r.location } : {}) });
}
