import { methodNotAllowed, notFound, notImplemented } from '../scim/errors';
import { RequestContext } from './pipeline';
import { scimJson, ScimHttpResponse } from './scimHttp';

/**
 * The shapes of the SCIM endpoints (RFC 7644 §3.2) and the methods each serves. On the Functions host a method is
 * part of a route's match, so a request with a method its endpoint does not serve passes over that route and lands
 * here; the table turns it into a 405 with `Allow` instead of a 404.
 */
const ENDPOINTS: ReadonlyArray<{ path: RegExp; label: string; allow: readonly string[] }> = [
  { path: /^(Users|Groups)$/i, label: '/{resource}', allow: ['GET', 'POST'] },
  { path: /^(Users|Groups)\/\.search$/i, label: '/{resource}/.search', allow: ['POST'] },
  { path: /^(Users|Groups)\/[^/]+$/i, label: '/{resource}/{id}', allow: ['GET', 'PUT', 'PATCH', 'DELETE'] },
  { path: /^\.search$/i, label: '/.search', allow: ['POST'] },
  { path: /^ServiceProviderConfig$/i, label: '/ServiceProviderConfig', allow: ['GET'] },
  { path: /^(ResourceTypes|Schemas)(\/[^/]+)?$/i, label: '/ResourceTypes and /Schemas', allow: ['GET'] },
];

/** Endpoints of RFC 7644 this service does not implement: 501, as §3.11 asks for /Me. */
const NOT_IMPLEMENTED: ReadonlyArray<{ path: RegExp; detail: string }> = [
  {
    path: /^Me(\/|$)/i,
    detail:
      '/Me (RFC 7644 §3.11) is not supported: this service has no authenticated subject, only a provisioning client.',
  },
  {
    path: /^Bulk(\/|$)/i,
    detail:
      'Bulk operations (RFC 7644 §3.7) are not supported (ServiceProviderConfig: bulk.supported is false); send each operation as its own request.',
  },
];

const SERVED = 'this service serves /Users, /Groups, /.search, /ServiceProviderConfig, /ResourceTypes and /Schemas';

/**
 * Everything under a tenant's SCIM base (`/scim/v2/…`, `/scim/{tenant}/v2/…`) that no endpoint serves: 404, 405 or
 * 501, always a SCIM Error. It runs behind the same authentication as every endpoint: without a valid token every
 * path answers the same 401, so nobody can map endpoints or tenant names, while Entra — which always sends its
 * token — gets the precise answer.
 */
export async function noSuchEndpoint(ctx: RequestContext): Promise<ScimHttpResponse> {
  const rest = (ctx.req.params.rest ?? '').replace(/\/+$/, '');
  const method = ctx.req.method.toUpperCase();
  const unsupported = NOT_IMPLEMENTED.find((e) => e.path.test(rest));
  if (unsupported) throw notImplemented(unsupported.detail);
  const endpoint = ENDPOINTS.find((e) => e.path.test(rest));
  if (endpoint && !endpoint.allow.includes(method)) throw methodNotAllowed(method, endpoint.label, endpoint.allow);
  throw notFound(`There is no SCIM endpoint at "/${rest.slice(0, 100)}"; ${SERVED}.`);
}

/**
 * Paths under the route prefix that are no tenant's SCIM base at all (`/scim`, `/scim/Users`, `/scim/acme/v1/…`),
 * typically a Tenant URL in Entra missing its `/v2`. No tenant, so nothing to authenticate against; the answer is
 * the same for every such path.
 */
export const notATenantUrl = (): ScimHttpResponse =>
  scimJson(
    404,
    notFound(
      'Not a SCIM endpoint. The Tenant URL is https://<host>/scim/v2 (default tenant) or https://<host>/scim/{tenant}/v2.',
    ).toBody(),
  );
