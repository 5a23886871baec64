import { bearerToken } from '../auth/bearer';
import { tenantOfRoute } from '../auth/tenantId';
import { notFound, ScimError } from '../scim/errors';
import type { Authenticator } from '../auth/authenticator';
import { beginRequestActivity, RecordingPorts, RequestParty } from './requestActivity';
import { ChangeOrigin } from '../scim/changeEvent';
import { errorResponse, Logger, ScimHttpRequest, ScimHttpResponse } from './scimHttp';

/** What the pipeline itself uses: the authenticator, and what recording each request's outcome needs. */
export interface PipelinePorts extends RecordingPorts {
  auth: Pick<Authenticator, 'authenticate' | 'knows'>;
}

/** An authenticated request for `tenant`, with `ports`: what its endpoint uses of the app, as the endpoint declares it. */
export interface RequestContext<P = unknown> {
  req: ScimHttpRequest;
  ports: P;
  tenant: string;
  log: Logger;
  /** The request's correlation id and the id of the token that authenticated it, for the change events it writes. */
  origin: ChangeOrigin;
}

export type ScimEndpoint<P = unknown> = (ctx: RequestContext<P>) => Promise<ScimHttpResponse>;

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
const malformedUrl = () =>
  new ScimError(
    400,
    'The URL is malformed: every "%" must start an escape of two hex digits forming UTF-8 (RFC 3986 §2.1); send a literal "%" as %25.',
  );

/**
 * One path for every SCIM request: find the tenant in the route, authenticate against that tenant's tokens, run
 * the endpoint, and turn any error into a SCIM Error response. Bindings in functions/ wrap their endpoint with
 * this and nothing else. `ports` is called per request: the composition root builds the app on the first one, and
 * throws InvalidSettings (answered as a SCIM error) while it cannot.
 */
export function scimEndpoint<P>(endpoint: ScimEndpoint<P>, ports: () => P & PipelinePorts) {
  return async (rawReq: ScimHttpRequest, log: Logger): Promise<ScimHttpResponse> => {
    // Activity log hook: correlation id, read-once body, and the outcome recorded at the end.
    const activity = beginRequestActivity(rawReq);
    const req = activity.req;
    let party: RequestParty | undefined;
    let res: ScimHttpResponse;
    try {
      if (!wellEncoded(req.url)) throw malformedUrl();
      const current = ports();
      const tenant = tenantOfRoute(req.params.tenant);
      if (!tenant)
        throw notFound(
          'Not a SCIM tenant URL: a tenant id in /scim/{tenant}/v2 is 1-63 lower-case letters, digits and inner hyphens.',
        );
      party = { ports: current, tenant, authenticated: false };
      const tokenId = await current.auth.authenticate(tenant, bearerToken(req.headers.get('authorization')));
      party.authenticated = true;
      res = await endpoint({
        req,
        ports: current,
        tenant,
        log,
        origin: { correlationId: activity.correlationId, tokenId },
      });
    } catch (e) {
      res = errorResponse(e, log, activity.correlationId);
    }
    return activity.finish(res, party, log);
  };
}
