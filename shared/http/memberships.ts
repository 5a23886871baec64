import { badRequest } from '../scim/errors';
import { Filter } from '../scim/filter';
import { elementMatches, foldCase, Json } from '../scim/filterEvaluation';
import { MemberDelta } from '../scim/memberPatch';
import { Projection } from '../scim/representation';
import { ResourceSchema, ResourceTypeName } from '../scim/resourceSchema';
import { encodeKeyPart } from '../store/keys';
import { Member } from '../store/membershipStore';
import { ResourceStore, StoredResource } from '../store/resourceStore';
import { TtlCache } from '../ttlCache';
import { RequestContext } from './pipeline';
import { baseUrlOf } from './scimHttp';

/** Whether a response asks for `attr` (members, groups): reading membership rows is skipped when it does not. */
export function projectionIncludes(projection: Projection, attr: string): boolean {
  const named = (paths?: { attr: string; urn?: string }[]) => paths?.some((p) => p.attr.toLowerCase() === attr.toLowerCase()) ?? false;
  if (projection.attributes) return named(projection.attributes);
  return !named(projection.excludedAttributes);
}

/** How a response finds a user's group ids and reads a group: per resource, or once for a whole page. */
export interface RelationLookups {
  groupIdsOf(userId: string): Promise<string[]>;
  groupOf(groupId: string): Promise<StoredResource | undefined>;
}

/**
 * Groups read for the pages of a plain listing, kept for the next pages of the same walk: a client paging through
 * every user meets the same few groups on every page. A group renamed or deleted shows as it was for at most
 * 15 s in listings, the same staleness the listing's read-ahead already has (README § Listing).
 */
const listedGroups = new WeakMap<ResourceStore, TtlCache<string, StoredResource | null>>();

/**
 * Lookups for representing `resources`. Each group is read once however many users on the page belong to it; for
 * a page of consecutive users (a plain listing) their group ids come from one range read instead of one each.
 */
export async function relationLookups(ctx: RequestContext, resources: StoredResource[] = [], consecutive = false): Promise<RelationLookups> {
  const { memberships, store } = ctx.rt;
  const groups = new Map<string, Promise<StoredResource | undefined>>();
  const listing = consecutive && resources.length >= 2;
  let shared = listedGroups.get(store);
  if (listing && !shared) listedGroups.set(store, (shared = new TtlCache(1_000, 15_000)));
  const read = async (id: string) => {
    const key = `${ctx.tenant}|${id}`;
    const known = listing ? shared?.get(key) : undefined;
    if (known !== undefined) return known ?? undefined;
    const group = await store.get(ctx.tenant, 'Group', id);
    if (listing) shared?.set(key, group ?? null);
    return group;
  };
  const groupOf = (id: string) => {
    if (!groups.has(id)) groups.set(id, read(id));
    return groups.get(id)!;
  };
  if (!listing) return { groupIdsOf: (id) => memberships.groupsOf(ctx.tenant, id), groupOf };
  const span = await memberships.groupsOfSpan(ctx.tenant, resources[0].meta.id, resources[resources.length - 1].meta.id);
  return { groupIdsOf: async (id) => span.get(encodeKeyPart(id)) ?? [], groupOf };
}

/** Adds the relation attributes a response shows: a group's `members`, a user's read-only `groups`. */
export async function withRelations(ctx: RequestContext, schema: ResourceSchema, r: StoredResource, projection: Projection, lookups?: RelationLookups): Promise<StoredResource> {
  const base = baseUrlOf(ctx.req);
  const { memberships } = ctx.rt;
  if (schema.name === 'Group' && projectionIncludes(projection, 'members')) {
    const members: Json[] = [];
    for await (const m of memberships.members(ctx.tenant, r.meta.id)) members.push({ value: m.value, $ref: `${base}/${m.type}s/${m.value}`, type: m.type });
    return { ...r, data: { ...r.data, members } };
  }
  if (schema.name === 'User' && projectionIncludes(projection, 'groups')) {
    const { groupIdsOf, groupOf } = lookups ?? (await relationLookups(ctx));
    // A deleted group's rows may still await purging: it must not show, so each group is read.
    const groups = (await Promise.all((await groupIdsOf(r.meta.id)).map(groupOf)))
      .filter((g): g is StoredResource => !!g)
      .map((g) => ({ value: g.meta.id, $ref: `${base}/Groups/${g.meta.id}`, display: g.data.displayName, type: 'direct' }));
    return groups.length ? { ...r, data: { ...r.data, groups } } : r;
  }
  return r;
}

/** Looks up each new member; an unknown id is a 400 naming it, raised before anything is written. */
export async function resolveMembers(ctx: RequestContext, groupId: string | undefined, ids: Iterable<string>): Promise<Member[]> {
  const unique = [...new Set(ids)];
  const found = await Promise.all(unique.map(async (id): Promise<Member | undefined> => {
    if (id === groupId) throw badRequest('invalidValue', `A group cannot be a member of itself ("${id}").`);
    if (await ctx.rt.store.get(ctx.tenant, 'User', id)) return { value: id, type: 'User' };
    if (await ctx.rt.store.get(ctx.tenant, 'Group', id)) return { value: id, type: 'Group' };
    return undefined;
  }));
  const unknown = unique.filter((_, i) => !found[i]);
  if (unknown.length) {
    throw badRequest('invalidValue', `Unknown member id${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 10).map((u) => `"${u}"`).join(', ')}${unknown.length > 10 ? ` and ${unknown.length - 10} more` : ''}: provision the user or group before adding it to a group.`);
  }
  return found as Member[];
}

/** Resolves a membership delta against the group's rows and applies it; validation precedes every write. */
export async function applyMemberDelta(ctx: RequestContext, schema: ResourceSchema, groupId: string, delta: MemberDelta): Promise<void> {
  const { memberships } = ctx.rt;
  const remove = new Set(delta.remove);
  let add = [...delta.add];
  if (delta.clear || delta.removeWhere.length) {
    const membersDef = schema.resolve({ attr: 'members' }).def;
    const matchesAny = (m: Member) => delta.removeWhere.some((f: Filter) => elementMatches(f, { value: m.value, type: m.type }, membersDef, schema));
    const current = new Set<string>();
    for await (const m of memberships.members(ctx.tenant, groupId)) {
      current.add(m.value);
      if ((delta.clear && !delta.add.has(m.value)) || matchesAny(m)) remove.add(m.value);
    }
    if (delta.clear) add = add.filter((id) => !current.has(id));
  }
  const members = await resolveMembers(ctx, groupId, add);
  await memberships.remove(ctx.tenant, groupId, [...remove]);
  await memberships.add(ctx.tenant, groupId, members);
}

/** The attribute that holds a type's memberships: kept as membership rows, never in the resource's document. */
export const RELATION = { Group: 'members', User: 'groups' } as const;

/**
 * Filters may test membership only as `members.value eq "<id>"` on groups and `groups.value eq "<id>"` on users
 * (or `members[value eq "<id>"]`, `groups[value eq "<id>"]`), which membership rows answer by point reads; other
 * conditions would need every membership of every resource.
 */
export function relationIdsInFilter(filter: Filter | undefined, schema: ResourceSchema): string[] {
  const relation = RELATION[schema.name];
  // Ids are lower-case UUIDs: where the schema makes the relation's value case-insensitive (a user's groups, RFC 7643
  // §4.1.2), an id written in capitals names the same resource.
  const valueDef = schema.resolve({ attr: relation, sub: 'value' }).sub!;
  const ids: string[] = [];
  const visit = (f: Filter, inside: boolean): void => {
    switch (f.kind) {
      case 'and': case 'or': visit(f.left, inside); visit(f.right, inside); return;
      case 'not': visit(f.filter, inside); return;
      case 'valuePath':
        if (f.path.attr.toLowerCase() === relation) visit(f.filter, true);
        return;
      case 'present':
        if (inside || f.path.attr.toLowerCase() === relation) throw unsupportedRelationFilter(relation);
        return;
      case 'compare': {
        const onValue = inside ? f.path.attr.toLowerCase() === 'value' : f.path.attr.toLowerCase() === relation && (f.path.sub ?? 'value').toLowerCase() === 'value';
        if (inside && !onValue) throw unsupportedRelationFilter(relation);
        if (!inside && f.path.attr.toLowerCase() === relation && !onValue) throw unsupportedRelationFilter(relation);
        if (onValue) {
          if (f.op !== 'eq' || typeof f.value !== 'string') throw unsupportedRelationFilter(relation);
          ids.push(foldCase(f.value, valueDef));
        }
      }
    }
  };
  if (filter) visit(filter, false);
  return ids;
}

const unsupportedRelationFilter = (relation: string) =>
  badRequest('invalidFilter', `Invalid filter: ${relation} can be filtered only with ${relation}.value eq "<id>" (or ${relation}[value eq "<id>"]).`);

/** The membership facts a filter needs: which of the ids it names are members of this group, or groups of this user. */
export async function relationFacts(ctx: RequestContext, type: ResourceTypeName, resourceId: string, ids: string[]): Promise<Json[]> {
  const hits = await Promise.all(ids.map(async (id) => {
    const [groupId, memberId] = type === 'Group' ? [resourceId, id] : [id, resourceId];
    return (await ctx.rt.memberships.isMember(ctx.tenant, groupId, memberId)) ? { value: id } : undefined;
  }));
  return hits.filter((h): h is { value: string } => !!h);
}

