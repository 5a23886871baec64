import { badRequest, ScimError } from '../scim/errors';
import { Filter, parseFilter } from '../scim/filter';
import { matches, validateFilter } from '../scim/filterEvaluation';
import { listResponse, parsePaging } from '../scim/listResponse';
import { applyPatch, parsePatchRequest } from '../scim/patch';
import { planQuery } from '../scim/queryPlan';
import { parseProjection, Projection, toRepresentation } from '../scim/representation';
import { ResourceSchema } from '../scim/resourceSchema';
import { toStoredResource } from '../scim/resourceInput';
import { StoredResource } from '../store/resourceStore';
import { RequestContext } from './pipeline';
import { baseUrlOf, noContent, readJsonBody, scimJson, ScimHttpResponse } from './scimHttp';

/** The upper bound of resources a filtered list may examine before answering `tooMany` instead of timing out. */
export const MAX_SCAN = 200_000;

/** `/Users` and `/Groups`: RFC 7644 §3 operations on one resource type. */
export function resourceEndpoint(pickSchema: (ctx: RequestContext) => ResourceSchema) {
  return async (ctx: RequestContext): Promise<ScimHttpResponse> => {
    const schema = pickSchema(ctx);
    const id = ctx.req.params.id;
    const method = ctx.req.method.toUpperCase();
    if (id === undefined) {
      if (method === 'GET') return list(ctx, schema);
      if (method === 'POST') return create(ctx, schema);
      throw methodNotAllowed(method, `/${schema.endpoint}`, 'GET, POST');
    }
    switch (method) {
      case 'GET': return read(ctx, schema, id);
      case 'PUT': return replace(ctx, schema, id);
      case 'PATCH': return patch(ctx, schema, id);
      case 'DELETE':
        await ctx.rt.store.delete(ctx.tenant, schema.name, id, ifMatch(ctx));
        return noContent();
      default: throw methodNotAllowed(method, `/${schema.endpoint}/{id}`, 'GET, PUT, PATCH, DELETE');
    }
  };
}

const methodNotAllowed = (method: string, path: string, allowed: string) =>
  new ScimError(405, `${method} is not supported on ${path}; use ${allowed}.`, undefined, { Allow: allowed });

const ifMatch = (ctx: RequestContext) => ctx.req.headers.get('if-match') ?? undefined;

function projectionOf(ctx: RequestContext): Projection {
  return parseProjection(ctx.req.query.get('attributes'), ctx.req.query.get('excludedAttributes'));
}

function represent(ctx: RequestContext, schema: ResourceSchema, r: StoredResource, projection: Projection = projectionOf(ctx)) {
  return toRepresentation(r.data, r.meta, schema, baseUrlOf(ctx.req), projection);
}

function single(ctx: RequestContext, schema: ResourceSchema, r: StoredResource, status = 200): ScimHttpResponse {
  const body = represent(ctx, schema, r);
  const headers: Record<string, string> = { ETag: r.meta.version };
  if (status === 201) headers.Location = (body.meta as { location: string }).location;
  return scimJson(status, body, headers);
}

async function read(ctx: RequestContext, schema: ResourceSchema, id: string) {
  const r = await ctx.rt.store.get(ctx.tenant, schema.name, id);
  if (!r) throw new ScimError(404, `${schema.name} "${id}" not found.`);
  return single(ctx, schema, r);
}

async function create(ctx: RequestContext, schema: ResourceSchema) {
  const data = toStoredResource(await readJsonBody(ctx.req, ctx.rt.settings.SCIM_MAX_BODY_BYTES), schema);
  return single(ctx, schema, await ctx.rt.store.create(ctx.tenant, schema.name, data), 201);
}

async function replace(ctx: RequestContext, schema: ResourceSchema, id: string) {
  const data = toStoredResource(await readJsonBody(ctx.req, ctx.rt.settings.SCIM_MAX_BODY_BYTES), schema);
  return single(ctx, schema, await ctx.rt.store.update(ctx.tenant, schema.name, id, () => data, ifMatch(ctx)));
}

async function patch(ctx: RequestContext, schema: ResourceSchema, id: string) {
  const operations = parsePatchRequest(await readJsonBody(ctx.req, ctx.rt.settings.SCIM_MAX_BODY_BYTES));
  const updated = await ctx.rt.store.update(ctx.tenant, schema.name, id, (current) => applyPatch(current.data, operations, schema), ifMatch(ctx));
  return single(ctx, schema, updated);
}

/** Filters may test server-owned attributes too (`id eq`, `meta.lastModified gt`), which live outside the document. */
const filterable = (r: StoredResource, schema: ResourceSchema) => ({
  ...r.data,
  id: r.meta.id,
  meta: { resourceType: schema.name, created: r.meta.created, lastModified: r.meta.lastModified, version: r.meta.version },
});

async function list(ctx: RequestContext, schema: ResourceSchema) {
  const q = ctx.req.query;
  const paging = parsePaging(q.get('startIndex'), q.get('count'));
  const projection = projectionOf(ctx);
  let filter: Filter | undefined;
  const filterText = q.get('filter');
  if (filterText !== null) {
    filter = parseFilter(filterText);
    validateFilter(filter, schema);
  }
  const hits: StoredResource[] = [];
  let examined = 0;
  for await (const r of ctx.rt.store.candidates(ctx.tenant, schema.name, planQuery(filter, schema))) {
    if (++examined > MAX_SCAN) {
      throw badRequest('tooMany', `The filter would examine more than ${MAX_SCAN} resources; filter on userName, externalId, id or a work email instead.`);
    }
    if (!filter || matches(filter, filterable(r, schema), schema)) hits.push(r);
  }
  const page = paging.count === 0 ? [] : hits.slice(paging.startIndex - 1, paging.startIndex - 1 + paging.count);
  return scimJson(200, listResponse(page.map((r) => represent(ctx, schema, r, projection)), hits.length, paging.startIndex));
}
