import { listQueryFromSearch } from '../scim/listQuery';
import { RequestContext } from './pipeline';
import { ResourceEndpointPorts, scopeOf } from './resourceEndpoint';
import { readJsonBody, scimJson } from './scimHttp';

/** `POST /.search` at the service root (RFC 7644 §3.4.3): every resource type in one query. */
export async function rootSearchEndpoint(ctx: RequestContext<Pick<ResourceEndpointPorts, 'service' | 'settings'>>) {
  const query = listQueryFromSearch(await readJsonBody(ctx.req, ctx.ports.settings.SCIM_MAX_BODY_BYTES));
  return scimJson(200, await ctx.ports.service.search(scopeOf(ctx), query));
}
