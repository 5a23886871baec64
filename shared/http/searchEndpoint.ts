import { ScimError } from '../scim/errors';
import { validateFilter } from '../scim/filterEvaluation';
import { encodeCursor, listQueryFromSearch } from '../scim/listQuery';
import { listResponse } from '../scim/listResponse';
import { parseSort } from '../scim/sort';
import { fingerprintOf, listPage, pageStart } from './listing';
import { RequestContext } from './pipeline';
import { representPage } from './resourceEndpoint';
import { readJsonBody, scimJson } from './scimHttp';

/**
 * `POST /.search` at the service root (RFC 7644 §3.4.3): one query over every resource type, Users then Groups.
 * A type whose schema lacks an attribute the filter or `sortBy` names has no matches; only a query that fits no
 * type is 400. A sort orders each type's resources (Users first, then Groups), as their attributes differ.
 */
export async function rootSearchEndpoint(ctx: RequestContext) {
  const query = listQueryFromSearch(await readJsonBody(ctx.req, ctx.rt.settings.SCIM_MAX_BODY_BYTES));
  let refusal: unknown;
  const schemas = [ctx.rt.schemas.user, ctx.rt.schemas.group].filter((schema) => {
    try {
      if (query.filter) validateFilter(query.filter, schema);
      parseSort(query.sortBy, query.sortOrder, schema);
      return true;
    } catch (e) {
      if (!(e instanceof ScimError)) throw e;
      refusal ??= e;
      return false;
    }
  });
  if (!schemas.length) throw refusal;

  const fingerprint = fingerprintOf('root', query);
  const start = pageStart(query, fingerprint);
  const offset = 'offset' in start ? start.offset : 0;
  const totals = await Promise.all(schemas.map(async (schema) => (await listPage(ctx, schema, { ...query, count: 0 }, { offset: 0 })).total));
  const total = totals.reduce((a, b) => a + b, 0);

  // The page spans the concatenation of the types' results: skip whole types, then take from each in turn.
  const resources: unknown[] = [];
  let skip = offset;
  for (const [i, schema] of schemas.entries()) {
    const want = query.count - resources.length;
    if (want > 0 && skip < totals[i]) {
      const page = await listPage(ctx, schema, { ...query, count: want }, { offset: skip });
      resources.push(...(await representPage(ctx, schema, page, query.projection)));
    }
    skip = Math.max(0, skip - totals[i]);
  }
  const hasMore = query.count > 0 && offset + query.count < total;
  const position = query.cursor === undefined
    ? { startIndex: query.startIndex }
    : { nextCursor: hasMore ? encodeCursor({ offset: offset + query.count }, fingerprint) : undefined };
  return scimJson(200, listResponse(resources, total, position));
}
