import { z } from 'zod';
import { tenantIdSchema } from '../auth/tenantId';
import { ChangeFeedReader, historyOf, ResourceHistory, ResourceSummary } from '../resources/changeHistory';
import { ResourceRepository } from '../resources/repository';
import { badRequest, notFound } from '../scim/errors';
import { errorResponse, Logger, ScimHttpResponse } from './scimHttp';

type StatusRequest = { query: URLSearchParams };

/** What the feed's endpoints use of the app: the feed, and the resources for a history's current state. */
export interface ChangesPorts {
  changes: ChangeFeedReader;
  repository: { resources: ResourceRepository };
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

const changesQuery = z.object({
  tenant: tenantIdSchema,
  after: z
    .string()
    .regex(/^[0-9]{15}-[0-9a-f]{12}$/, 'after is a cursor: the "next" of an earlier answer')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const historyQuery = z.object({
  tenant: tenantIdSchema,
  q: z.string().min(1, 'q is an id, userName, externalId or displayName').max(1024),
});

/** The query's parameters, or a 400 naming each one that is wrong (never echoing a value). */
function parse<Out, In>(schema: z.ZodType<Out, z.ZodTypeDef, In>, req: StatusRequest): Out {
  const given = Object.fromEntries([...req.query.entries()].filter(([, v]) => v !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success)
    throw badRequest(
      'invalidValue',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
    );
  return parsed.data;
}

/**
 * `GET /scim/status/changes?tenant=&after=&limit=`: the tenant's change events in feed order, `next` to resume
 * after them (docs/change-feed.md). Operators and the consuming app only, protected like `/scim/status`.
 */
export function changesEndpoint(ports: () => Pick<ChangesPorts, 'changes'>) {
  return async (req: StatusRequest, log: Logger): Promise<ScimHttpResponse> => {
    try {
      const { tenant, after, limit } = parse(changesQuery, req);
      const page = await ports().changes.page(tenant, after, limit);
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(page) };
    } catch (e) {
      return errorResponse(e, log);
    }
  };
}

/** The history `tenant` and `q` of the query ask for: the first resource `q` names, and the others it names. */
export async function lookUpHistory(
  ports: ChangesPorts,
  req: StatusRequest,
): Promise<ResourceHistory & { others: ResourceSummary[] }> {
  const { tenant, q } = parse(historyQuery, req);
  const [first, ...others] = await historyOf(ports.repository.resources, ports.changes, tenant, q);
  if (!first)
    throw notFound(
      `No user or group of tenant "${tenant}" has, or had within the retention period, the id, userName, externalId or displayName given in q.`,
    );
  return { ...first, others: others.map((o) => o.resource) };
}

/** `GET /scim/status/history?tenant=&q=`: the resource `q` names and its changes, newest first. */
export function historyEndpoint(ports: () => ChangesPorts) {
  return async (req: StatusRequest, log: Logger): Promise<ScimHttpResponse> => {
    try {
      return { status: 200, headers: JSON_HEADERS, body: JSON.stringify(await lookUpHistory(ports(), req)) };
    } catch (e) {
      return errorResponse(e, log);
    }
  };
}
