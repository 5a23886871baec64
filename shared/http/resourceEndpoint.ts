import { ScimError } from '../scim/errors';
import { Json } from '../scim/filterEvaluation';
import { ListQuery, listQueryFromSearch, listQueryFromUrl } from '../scim/listQuery';
import { listResponse } from '../scim/listResponse';
import { memberIds, splitGroupPatch } from '../scim/memberPatch';
import { applyPatch, parsePatchRequest } from '../scim/patch';
import { parseProjection, Projection, toRepresentation } from '../scim/representation';
import { ResourceSchema } from '../scim/resourceSchema';
import { toStoredResource } from '../scim/resourceInput';
import { checkPrecondition, StoredResource } from '../store/resourceStore';
import { fingerprintOf, ListPage, listPage, nextCursorOf, pageStart } from './listing';
import { applyMemberDelta, RelationLookups, relationLookups, resolveMembers, withRelations } from './memberships';
import { RequestContext } from './pipeline';
import { baseUrlOf, noContent, readJsonBody, scimJson, ScimHttpResponse } from './scimHttp';

/** `POST /Users/.search` (RFC 7644 §3.4.3) arrives on the `{id}` route: no resource id can start with a dot. */
const SEARCH = '.search';

/** Rows of a deleted group's memberships purged within the DELETE; the timer function purges the rest. */
const PURGE_IN_REQUEST = 500;

/** `/Users` and `/Groups`: RFC 7644 §3 operations on one resource type. */
export function resourceEndpoint(pickSchema: (ctx: RequestContext) => ResourceSchema) {
  return async (ctx: RequestContext): Promise<ScimHttpResponse> => {
    const schema = pickSchema(ctx);
    const id = ctx.req.params.id;
    const method = ctx.req.method.toUpperCase();
    if (id === undefined) {
      if (method === 'GET') return list(ctx, schema, listQueryFromUrl(ctx.req.query));
      if (method === 'POST') return create(ctx, schema);
      throw methodNotAllowed(method, `/${schema.endpoint}`, 'GET, POST');
    }
    if (id === SEARCH) {
      if (method === 'POST') return list(ctx, schema, listQueryFromSearch(await readJsonBody(ctx.req, ctx.rt.settings.SCIM_MAX_BODY_BYTES)));
      throw methodNotAllowed(method, `/${schema.endpoint}/.search`, 'POST');
    }
    switch (method) {
      case 'GET': return read(ctx, schema, id);
      case 'PUT': return replace(ctx, schema, id);
      case 'PATCH': return patch(ctx, schema, id);
      case 'DELETE': return remove(ctx, schema, id);
      default: throw methodNotAllowed(method, `/${schema.endpoint}/{id}`, 'GET, PUT, PATCH, DELETE');
    }
  };
}

const methodNotAllowed = (method: string, path: string, allowed: string) =>
  new ScimError(405, `${method} is not supported on ${path}; use ${allowed}.`, undefined, { Allow: allowed });

const ifMatch = (ctx: RequestContext) => ctx.req.headers.get('if-match') ?? undefined;

const projectionOf = (ctx: RequestContext): Projection => parseProjection(ctx.req.query.get('attributes'), ctx.req.query.get('excludedAttributes'));

async function represent(ctx: RequestContext, schema: ResourceSchema, r: StoredResource, projection: Projection, lookups?: RelationLookups) {
  const full = await withRelations(ctx, schema, r, projection, lookups);
  return toRepresentation(full.data, full.meta, schema, baseUrlOf(ctx.req), projection);
}

/** A list page's resources as the client sees them, relations looked up once for the page. */
export async function representPage(ctx: RequestContext, schema: ResourceSchema, page: ListPage, projection: Projection) {
  const lookups = await relationLookups(ctx, page.resources, page.consecutive);
  return Promise.all(page.resources.map((r) => represent(ctx, schema, r, projection, lookups)));
}

async function single(ctx: RequestContext, schema: ResourceSchema, r: StoredResource, status = 200): Promise<ScimHttpResponse> {
  const body = await represent(ctx, schema, r, projectionOf(ctx));
  const headers: Record<string, string> = { ETag: r.meta.version };
  if (status === 201) headers.Location = (body.meta as { location: string }).location;
  return scimJson(status, body, headers);
}

async function mustGet(ctx: RequestContext, schema: ResourceSchema, id: string) {
  const r = await ctx.rt.store.get(ctx.tenant, schema.name, id);
  if (!r) throw new ScimError(404, `${schema.name} "${id}" not found.`);
  return r;
}

const read = async (ctx: RequestContext, schema: ResourceSchema, id: string) => single(ctx, schema, await mustGet(ctx, schema, id));

/**
 * A group body's `members` become rows, never part of the group document (PUT without members clears them).
 * Unknown attributes are dropped; their names (never values) are logged so an operator can fix Entra's mapping.
 */
function splitBody(ctx: RequestContext, body: unknown, schema: ResourceSchema): { doc: Json; members?: string[] } {
  const ignored: string[] = [];
  const doc = toStoredResource(body, schema, ignored);
  if (ignored.length) ctx.log.warn(`${schema.name} body: ignored unknown attribute(s) ${ignored.slice(0, 20).join(', ')}; declare custom ones in SCIM_EXTENSIONS`);
  if (schema.name !== 'Group') return { doc };
  const { members, ...rest } = doc;
  return { doc: rest, members: memberIds(members) };
}

async function create(ctx: RequestContext, schema: ResourceSchema) {
  const { doc, members } = splitBody(ctx, await readJsonBody(ctx.req, ctx.rt.settings.SCIM_MAX_BODY_BYTES), schema);
  const resolved = members?.length ? await resolveMembers(ctx, undefined, members) : [];
  const created = await ctx.rt.store.create(ctx.tenant, schema.name, doc);
  await ctx.rt.memberships.add(ctx.tenant, created.meta.id, resolved);
  return single(ctx, schema, created, 201);
}

async function replace(ctx: RequestContext, schema: ResourceSchema, id: string) {
  const { doc, members } = splitBody(ctx, await readJsonBody(ctx.req, ctx.rt.settings.SCIM_MAX_BODY_BYTES), schema);
  if (members) {
    await currentIfMatching(ctx, schema, id);
    await applyMemberDelta(ctx, schema, id, { clear: true, add: new Set(members), remove: new Set(), removeWhere: [] });
  }
  return single(ctx, schema, await ctx.rt.store.update(ctx.tenant, schema.name, id, () => doc, members ? undefined : ifMatch(ctx)));
}

/** For changes made in several writes (membership rows, then the document): the client's If-Match, checked first. */
async function currentIfMatching(ctx: RequestContext, schema: ResourceSchema, id: string) {
  const current = await mustGet(ctx, schema, id);
  checkPrecondition(current, ifMatch(ctx));
  return current;
}

async function patch(ctx: RequestContext, schema: ResourceSchema, id: string) {
  const operations = parsePatchRequest(await readJsonBody(ctx.req, ctx.rt.settings.SCIM_MAX_BODY_BYTES));
  if (schema.name !== 'Group') {
    const updated = await ctx.rt.store.update(ctx.tenant, schema.name, id, (current) => applyPatch(current.data, operations, schema), ifMatch(ctx));
    return single(ctx, schema, updated);
  }
  const { documentOps, delta } = splitGroupPatch(operations);
  // Validate the document operations before any membership row is written, so a bad request changes nothing.
  const current = await currentIfMatching(ctx, schema, id);
  applyPatch(current.data, documentOps, schema);
  await applyMemberDelta(ctx, schema, id, delta);
  // Re-applied on the fresh state under the Table ETag; also moves meta.version/lastModified for member changes.
  await ctx.rt.store.update(ctx.tenant, schema.name, id, (fresh) => applyPatch(fresh.data, documentOps, schema));
  return noContent(); // Entra expects 204 for group PATCH and must not receive the member list (spec §(a)9)
}

async function remove(ctx: RequestContext, schema: ResourceSchema, id: string) {
  const { store, memberships } = ctx.rt;
  if (schema.name === 'Group') {
    await currentIfMatching(ctx, schema, id);
    // The mark survives a crash between here and the purge; the group vanishes for readers with its own row.
    await memberships.markForPurge(ctx.tenant, id);
    await store.delete(ctx.tenant, schema.name, id, ifMatch(ctx));
    await memberships.removeEverywhere(ctx.tenant, id);
    await memberships.purge((t, g) => store.get(t, 'Group', g).then(Boolean), PURGE_IN_REQUEST);
  } else {
    await store.delete(ctx.tenant, schema.name, id, ifMatch(ctx));
    await memberships.removeEverywhere(ctx.tenant, id);
  }
  return noContent();
}

async function list(ctx: RequestContext, schema: ResourceSchema, query: ListQuery) {
  const fingerprint = fingerprintOf(schema.name, query);
  const page = await listPage(ctx, schema, query, pageStart(query, fingerprint));
  const resources = await representPage(ctx, schema, page, query.projection);
  const position = query.cursor === undefined ? { startIndex: query.startIndex } : { nextCursor: nextCursorOf(page, fingerprint) };
  return scimJson(200, listResponse(resources, page.total, position));
}
