import { bearerToken } from '../auth/bearer';
import { tenantOfRoute } from '../auth/tenantId';
import { notFound, ScimError } from '../scim/errors';
import { Runtime, runtime } from '../runtime';
import { ChangeOrigin } from '../scim/changeEvent';
import { beginRequestActivity, RequestParty } from './requestActivity';
import { errorResponse, Logger, ScimHttpRequest, ScimHttpResponse } from './scimHttp';

export interface RequestContext {
  req: ScimHttpRequest;
  rt: Runtime;
  tenant: string;
  log: Logger;
  /** The request's correlation id and the id of the token that authenticated it, for the change events it writes. */
  origin: ChangeOrigin;
}

/** RFC 3986 §2.1: `%` starts two hex digits of UTF-8. The hosts pass anything else through as sent. */
function wellEncoded(url: string): boolean {
  try {
    decodeURIComponent(url);
    return true;
  } catch {
    return false;
  }
}

/** A 400 without scimType: RFC 7644 §3.12 names none for a malformed URL (invalidSyntax is about the body). */
const malformedUrl = () => new ScimError(400, 'The URL is malformed: every "%" must start an escape of two hex digits forming UTF-8 (RFC 3986 §2.1); send a literal "%" as %25.');

/**
 * One path for every SCIM request: find the tenant in the route, authenticate against that tenant's tokens, run
 * the endpoint, and turn any error into a SCIM Error response. Bindings in functions/ wrap their endpoint with
 * this and nothing else. `rt` is replaceable only so a benchmark can compare against skipped authentication.
 */
export function scimEndpoint(endpoint: (ctx: RequestContext) => Promise<ScimHttpResponse>, rt: () => Runtime = runtime) {
  return async (rawReq: ScimHttpRequest, log: Logger): Promise<ScimHttpResponse> => {
    // Activity log hook: correlation id, read-once body, and the outcome recorded at the end.
    const activity = beginRequestActivity(rawReq);
    const req = activity.req;
    let party: RequestParty | undefined;
    let res: ScimHttpResponse;
    try {
      if (!wellEncoded(req.url)) throw malformedUrl();
      const current = rt();
      const tenant = tenantOfRoute(req.params.tenant);
      if (!tenant) throw notFound('Not a SCIM tenant URL: a tenant id in /scim/{tenant}/v2 is 1-63 lower-case letters, digits and inner hyphens.');
      party = { rt: current, tenant, authenticated: false };
      const tokenId = await current.auth.authenticate(tenant, bearerToken(req.headers.get('authorization')));
      party.authenticated = true;
      res = await endpoint({ req, rt: current, tenant, log, origin: { correlationId: activity.correlationId, tokenId } });
    } catch (e) {
      res = errorResponse(e, log, activity.correlationId);
    }
    return activity.finish(res, party, log);
  };
}
