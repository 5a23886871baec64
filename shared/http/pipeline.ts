import { bearerToken } from '../auth/bearer';
import { tenantOfRoute } from '../auth/tenantId';
import { notFound } from '../scim/errors';
import { Runtime, runtime } from '../runtime';
import { beginRequestActivity, RequestParty } from './requestActivity';
import { errorResponse, Logger, ScimHttpRequest, ScimHttpResponse } from './scimHttp';

export interface RequestContext {
  req: ScimHttpRequest;
  rt: Runtime;
  tenant: string;
  log: Logger;
}

/**
 * One path for every SCIM request: find the tenant in the route, authenticate against that tenant's tokens, run
 * the endpoint, and turn any error into a SCIM Error response. Bindings in functions/ wrap their endpoint with
 * this and nothing else. `rt` is replaceable only so a benchmark can compare against skipped authentication.
 */
export function scimEndpoint(endpoint: (ctx: RequestContext) => Promise<ScimHttpResponse>, rt: () => Runtime = runtime) {
  return async (rawReq: ScimHttpRequest, log: Logger): Promise<ScimHttpResponse> => {
    // Activity log hook (issue 12): correlation id, read-once body, and the outcome recorded at the end.
    const activity = beginRequestActivity(rawReq);
    const req = activity.req;
    let party: RequestParty | undefined;
    let res: ScimHttpResponse;
    try {
      const current = rt();
      const tenant = tenantOfRoute(req.params.tenant);
      if (!tenant) throw notFound('Not a SCIM tenant URL: a tenant id in /scim/{tenant}/v2 is 1-63 lower-case letters, digits and inner hyphens.');
      party = { rt: current, tenant, authenticated: false };
      await current.auth.authenticate(tenant, bearerToken(req.headers.get('authorization')));
      party.authenticated = true;
      res = await endpoint({ req, rt: current, tenant, log });
    } catch (e) {
      res = errorResponse(e, log, activity.correlationId);
    }
    return activity.finish(res, party, log);
  };
}
