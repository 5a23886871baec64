import { randomUUID } from 'node:crypto';
import { classify } from '../activity/classify';
import { isFailure, RequestOutcome, UNKNOWN_TENANT } from '../store/activityRecords';
import { errorFields } from '../azureFaults';
import type { ActivityLog } from '../activity/activityLog';
import type { Authenticator } from '../auth/authenticator';
import type { Clock } from '../clock';
import { isJsonObject, JsonValue, parseJson } from '../scim/document';
import { Logger, ScimHttpRequest, ScimHttpResponse } from './scimHttp';

export const CORRELATION_HEADER = 'X-Correlation-Id';

/** What recording an outcome uses: the log, who the tenants are, and the service's clock (tests move it). */
export interface RecordingPorts {
  activity: Pick<ActivityLog, 'enabled' | 'observe' | 'scrubDetail'>;
  auth: Pick<Authenticator, 'knows'>;
  clock: Pick<Clock, 'now'>;
}

/** Who a request was for, as far as the pipeline got: nothing is recorded for a malformed tenant id (404). */
export interface RequestParty {
  ports: RecordingPorts;
  tenant: string;
  authenticated: boolean;
}

/**
 * The pipeline's hook into the activity log. It gives the request a correlation id and a body that is
 * read once however many readers ask (the endpoint, then the classifier), and when the response is ready records
 * the outcome and stamps the id on the response. Recording never changes the answer: any fault in it is logged.
 */
export function beginRequestActivity(raw: ScimHttpRequest) {
  const clock = process.hrtime.bigint();
  const correlationId = randomUUID();
  let body: Promise<string> | undefined;
  const req: ScimHttpRequest = {
    method: raw.method,
    url: raw.url,
    headers: raw.headers,
    query: raw.query,
    params: raw.params,
    text: () => (body ??= raw.text()),
  };

  async function finish(
    res: ScimHttpResponse,
    party: RequestParty | undefined,
    log: Logger,
  ): Promise<ScimHttpResponse> {
    const answered = { ...res, headers: { ...res.headers, [CORRELATION_HEADER]: correlationId } };
    if (!party?.ports.activity.enabled) return answered;
    try {
      const latencyMs = Math.round(Number(process.hrtime.bigint() - clock) / 1e4) / 100;
      await party.ports.activity.observe(await outcomeOf(party, res, latencyMs));
    } catch (e) {
      log.warn(`activity log: request ${correlationId} not recorded (${errorFields(e).name ?? 'Error'})`);
    }
    return answered;
  }

  async function outcomeOf(
    { ports, tenant, authenticated }: RequestParty,
    res: ScimHttpResponse,
    latencyMs: number,
  ): Promise<RequestOutcome> {
    const url = new URL(raw.url);
    const method = raw.method.toUpperCase();
    // Only a body the endpoint already read is looked at, and only where it decides the step (PATCH/PUT, .search).
    const read =
      body !== undefined && (method === 'PATCH' || method === 'PUT' || url.pathname.toLowerCase().endsWith('/.search'))
        ? body
        : undefined;
    const step = classify({
      method,
      path: url.pathname,
      query: url.searchParams,
      body: read ? await parsed(read) : undefined,
      status: res.status,
      responseBody: res.body,
    });
    const failed = isFailure(res.status) ? errorOf(res.body) : {};
    return {
      // Arrival on the service's clock (tests move it), as the notifier judges by that clock.
      at: new Date(ports.clock.now() - latencyMs).toISOString(),
      // A wrong token counts for a tenant that exists; every name that does not exist shares one bucket.
      tenant: authenticated || ports.auth.knows(tenant) ? tenant : UNKNOWN_TENANT,
      ...step,
      status: res.status,
      ...(failed.scimType ? { scimType: failed.scimType } : {}),
      ...(failed.detail ? { detail: ports.activity.scrubDetail(failed.detail) } : {}),
      latencyMs,
      correlationId,
    };
  }

  return { req, correlationId, finish };
}

async function parsed(text: Promise<string>): Promise<JsonValue | undefined> {
  try {
    return parseJson(await text);
  } catch {
    return undefined;
  }
}

function errorOf(body: string | undefined): { scimType?: string; detail?: string } {
  try {
    const e = parseJson(body ?? '');
    if (!isJsonObject(e)) return {};
    return {
      scimType: typeof e.scimType === 'string' ? e.scimType : undefined,
      detail: typeof e.detail === 'string' ? e.detail : undefined,
    };
  } catch {
    return {};
  }
}
