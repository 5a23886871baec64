import { createHash } from 'node:crypto';
import { ChangeOrigin } from '../scim/changeEvent';
import { badRequest, resourceNotFound, ScimError, unknownMembers } from '../scim/errors';
import { isJsonObject, JsonObject, JsonValue } from '../scim/document';
import { elementMatches, validateFilter } from '../scim/filterEvaluation';
import { encodeCursor, ListQuery, queryFingerprint } from '../scim/listQuery';
import { listResponse } from '../scim/listResponse';
import { MemberDelta, memberDisplay, memberIds, splitGroupPatch } from '../scim/memberPatch';
import { applyPatch, PatchOperation } from '../scim/patch';
import { Projection, toRepresentation } from '../scim/representation';
import { ResourceSchema, SchemaRegistry } from '../scim/resourceSchema';
import { toStoredResource } from '../scim/resourceInput';
import { RELATION } from '../scim/relationFilter';
import { parseSort } from '../scim/sort';
import { ListPage, Listing, nextCursorOf, pageStart } from './listing';
import { projectionIncludes, Relations } from './relations';
import { Member, Repository, StoredResource } from './repository';

/**
 * Who asks: the tenant, the base URL that `meta.location` and `$ref` are built from, where warnings go, and the
 * request's correlation id and token that every change event records.
 */
export interface RequestScope {
  tenant: string;
  baseUrl: string;
  log: { warn(...args: unknown[]): void };
  origin: ChangeOrigin;
}

/** A resource as the client sees it, with the version for the ETag header. */
export interface Representation {
  body: JsonObject;
  version: string;
  location: string;
}

export interface ServiceOptions {
  /** SCIM_MAX_SCAN: the most resources one query may examine. */
  maxScan: number;
  /** SCIM_CREATE_REPLAY_SECONDS: how long a retried create of an identical body gets its resource back. */
  createReplaySeconds: number;
  now?: () => number;
}

/** Rows of a deleted group's memberships purged within the DELETE; the timer function purges the rest. */
const PURGE_IN_REQUEST = 500;

/**
 * Users and Groups: what each SCIM operation (RFC 7644 §3) means, over the repository contract. Endpoints parse
 * the request and shape the response; everything between is here, and nothing here knows HTTP or row keys.
 */
export class ResourceService {
  private readonly relations: Relations;
  private readonly listing: Listing;
  private readonly now: () => number;

  constructor(
    private readonly repo: Repository,
    readonly schemas: SchemaRegistry,
    private readonly options: ServiceOptions,
  ) {
    this.relations = new Relations(repo.resources, repo.memberships);
    this.listing = new Listing(repo, options.maxScan);
    this.now = options.now ?? Date.now;
  }

  async read(scope: RequestScope, schema: ResourceSchema, id: string, projection: Projection): Promise<Representation> {
    return this.represent(
      scope,
      schema,
      await this.mustGet(scope.tenant, schema, id, this.showsGroups(schema, projection)),
      projection,
    );
  }

  /** A response that shows a user's `groups` reads them with the user: one range read, not a second round trip. */
  private showsGroups(schema: ResourceSchema, projection: Projection): boolean {
    return schema.name === 'User' && projectionIncludes(projection, RELATION.User);
  }

  /**
   * RFC 7644 §3.3. A create whose unique key is taken by a resource created from the identical body within
   * SCIM_CREATE_REPLAY_SECONDS is the client retrying a create whose answer it lost: it gets that resource (201)
   * instead of a 409 about itself. The digest is stored with the resource, so this holds across instances.
   */
  async create(
    scope: RequestScope,
    schema: ResourceSchema,
    body: unknown,
    projection: Projection,
  ): Promise<Representation> {
    const { doc, members } = this.documentOf(scope, body, schema);
    const digest = createDigest(schema.name, doc, members);
    const resolved = members?.length ? await this.resolveMembers(scope.tenant, undefined, members) : [];
    let created: StoredResource;
    let replayed = false;
    try {
      created = await this.repo.resources.create(scope.tenant, schema.name, doc, digest, scope.origin);
    } catch (e) {
      const earlier =
        e instanceof ScimError && e.scimType === 'uniqueness'
          ? await this.replayOf(scope.tenant, schema, doc, digest)
          : undefined;
      if (!earlier) throw e;
      [created, replayed] = [earlier, true];
    }
    if (resolved.length) {
      await this.repo.memberships.change(scope.tenant, created.meta.id, { add: resolved, remove: [] }, scope.origin);
      created = await this.mustGet(scope.tenant, schema, created.meta.id); // the member change moved its version
    }
    // A user just created belongs to no group, and a group created without members has none: nothing to read.
    // What was created earlier (a replay) or given members is read as it is now.
    if (replayed || resolved.length) return this.represent(scope, schema, created, projection);
    const fresh = schema.name === 'User' ? created : { ...created, data: { ...created.data, members: [] } };
    return this.represent(scope, schema, fresh, projection, false);
  }

  private async replayOf(
    tenant: string,
    schema: ResourceSchema,
    doc: JsonObject,
    digest: string,
  ): Promise<StoredResource | undefined> {
    const holder = await this.repo.resources.holderOfUniqueKey(tenant, schema.name, doc);
    const recent = holder && this.now() - Date.parse(holder.meta.created) <= this.options.createReplaySeconds * 1000;
    return recent && holder.createDigest === digest ? holder : undefined;
  }

  /** RFC 7644 §3.5.1. A group's `members` are set as a whole; validation precedes every write. */
  async replace(
    scope: RequestScope,
    schema: ResourceSchema,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
    projection: Projection,
  ): Promise<Representation> {
    const { doc, members } = this.documentOf(scope, body, schema);
    const resolved = members ? await this.resolveMembers(scope.tenant, id, members) : undefined;
    let updated: StoredResource = await this.updateDocument(scope, schema, id, 'replace', () => doc, ifMatch);
    if (resolved) {
      const wanted = new Set(resolved.map((m) => m.value));
      const current = new Set<string>();
      for await (const m of this.repo.memberships.members(scope.tenant, id)) current.add(m.value);
      // Only new members are written (each add also touches the member's own row), as PATCH replace does.
      await this.repo.memberships.change(
        scope.tenant,
        id,
        { add: resolved.filter((m) => !current.has(m.value)), remove: [...current].filter((m) => !wanted.has(m)) },
        scope.origin,
      );
      updated = await this.mustGet(scope.tenant, schema, id);
    }
    return this.represent(scope, schema, updated, projection);
  }

  /**
   * RFC 7644 §3.5.2. A group's member operations become one net change of membership rows (its size does not
   * matter); the document operations are validated first, and unknown members refused, before anything is written.
   * Answers undefined for groups: Entra expects 204 and must not receive the member list (docs/architecture.md#entra-quirks).
   */
  async patch(
    scope: RequestScope,
    schema: ResourceSchema,
    id: string,
    operations: PatchOperation[],
    ifMatch: string | undefined,
    projection: Projection,
  ): Promise<Representation | undefined> {
    if (schema.name !== 'Group') {
      const updated = await this.updateDocument(
        scope,
        schema,
        id,
        'patch',
        (current) => applyPatch(current.data, operations, schema),
        ifMatch,
      );
      return this.represent(scope, schema, updated, projection);
    }
    const { documentOps, delta } = splitGroupPatch(operations);
    if (!documentOps.length) {
      // Members only (Entra's usual group PATCH): the store reads what it needs of the group while they are looked up.
      await this.repo.memberships.change(
        scope.tenant,
        id,
        this.resolveDelta(scope.tenant, schema, id, delta),
        scope.origin,
        ifMatch,
      );
      return undefined;
    }
    const change = await this.resolveDelta(scope.tenant, schema, id, delta);
    await this.updateDocument(
      scope,
      schema,
      id,
      'patch',
      (current) => applyPatch(current.data, documentOps, schema),
      ifMatch,
    );
    // The member change follows the version the document change wrote, so it carries no If-Match of its own.
    if (change.add.length || change.remove.length)
      await this.repo.memberships.change(scope.tenant, id, change, scope.origin);
    return undefined;
  }

  /** The resource leaves the groups it is a member of with it; a group's own members are purged after it. */
  async delete(scope: RequestScope, schema: ResourceSchema, id: string, ifMatch: string | undefined): Promise<void> {
    const { resources, memberships } = this.repo;
    if (schema.name === 'Group') {
      // The mark survives a crash between here and the purge; the group vanishes for readers with its own row.
      await memberships.markForPurge(scope.tenant, id);
      await resources.delete(scope.tenant, 'Group', id, scope.origin, ifMatch);
      this.relations.forgetGroup(scope.tenant, id);
      await this.purgeMemberships(PURGE_IN_REQUEST);
    } else {
      await resources.delete(scope.tenant, schema.name, id, scope.origin, ifMatch);
    }
  }

  /** Finishes purging the membership rows of deleted groups; true when none are left. */
  purgeMemberships(budget: number): Promise<boolean> {
    return this.repo.memberships.purge(
      async (tenant, groupId) => !!(await this.repo.resources.get(tenant, 'Group', groupId)),
      budget,
    );
  }

  /** `GET /Users`, `/Groups`, `POST …/.search` (RFC 7644 §3.4.2, §3.4.3). */
  async list(scope: RequestScope, schema: ResourceSchema, query: ListQuery) {
    const fingerprint = queryFingerprint(schema.name, query);
    // Entra's match (`userName eq …`) finds its user through an index: its group rows are read with the user.
    const page = await this.listing.page(
      scope.tenant,
      schema,
      query,
      pageStart(query, fingerprint),
      this.showsGroups(schema, query.projection),
    );
    const resources = await this.representPage(scope, schema, page, query.projection);
    const position =
      query.cursor === undefined ? { startIndex: query.startIndex } : { nextCursor: nextCursorOf(page, fingerprint) };
    return listResponse(resources, page.total, position);
  }

  /**
   * `POST /.search` at the service root (RFC 7644 §3.4.3): one query over every resource type, Users then Groups.
   * A type whose schema lacks an attribute the filter or `sortBy` names has no matches; only a query that fits no
   * type is 400. A sort orders each type's resources (Users first, then Groups), as their attributes differ.
   */
  async search(scope: RequestScope, query: ListQuery) {
    let refusal: unknown;
    const schemas = [this.schemas.user, this.schemas.group].filter((schema) => {
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

    const fingerprint = queryFingerprint('root', query);
    const start = pageStart(query, fingerprint);
    const offset = 'offset' in start ? start.offset : 0;
    const totals = await Promise.all(
      schemas.map(
        async (schema) => (await this.listing.page(scope.tenant, schema, { ...query, count: 0 }, { offset: 0 })).total,
      ),
    );
    const total = totals.reduce((a, b) => a + b, 0);

    // The page spans the concatenation of the types' results: skip whole types, then take from each in turn.
    const resources: JsonObject[] = [];
    let skip = offset;
    for (const [i, schema] of schemas.entries()) {
      const want = query.count - resources.length;
      if (want > 0 && skip < totals[i]) {
        const page = await this.listing.page(
          scope.tenant,
          schema,
          { ...query, count: want },
          { offset: skip },
          this.showsGroups(schema, query.projection),
        );
        resources.push(...(await this.representPage(scope, schema, page, query.projection)));
      }
      skip = Math.max(0, skip - totals[i]);
    }
    const hasMore = query.count > 0 && offset + query.count < total;
    const position =
      query.cursor === undefined
        ? { startIndex: query.startIndex }
        : { nextCursor: hasMore ? encodeCursor({ offset: offset + query.count }, fingerprint) : undefined };
    return listResponse(resources, total, position);
  }

  private async mustGet(
    tenant: string,
    schema: ResourceSchema,
    id: string,
    withMemberships = false,
  ): Promise<StoredResource> {
    const r = await this.repo.resources.get(tenant, schema.name, id, withMemberships);
    if (!r) throw resourceNotFound(schema.name, id);
    return r;
  }

  /** Writes a document change; a new name reaches the membership rows that show it (RFC 7643 §4.2 `display`). */
  private async updateDocument(
    scope: RequestScope,
    schema: ResourceSchema,
    id: string,
    operation: 'replace' | 'patch',
    transform: (current: StoredResource) => JsonObject,
    ifMatch: string | undefined,
  ) {
    const { tenant } = scope;
    let before: string | undefined;
    const updated = await this.repo.resources.update(
      tenant,
      schema.name,
      id,
      operation,
      scope.origin,
      (current) => {
        before = memberDisplay(current.data);
        return transform(current);
      },
      ifMatch,
    );
    const after = memberDisplay(updated.data);
    if (after !== before) {
      if (schema.name === 'Group') this.relations.forgetGroup(tenant, id);
      await this.repo.memberships.renameMember(tenant, id, after, updated.memberOf);
    }
    return updated;
  }

  /**
   * A body's attributes as stored; a group's `members` become rows, never part of the document (PUT without members
   * clears them). Unknown attributes are dropped; their names (never values) are logged so an operator can fix
   * Entra's mapping.
   */
  private documentOf(
    scope: RequestScope,
    body: unknown,
    schema: ResourceSchema,
  ): { doc: JsonObject; members?: string[] } {
    const ignored: string[] = [];
    const doc = toStoredResource(body, schema, ignored);
    if (ignored.length)
      scope.log.warn(
        `${schema.name} body: ignored unknown attribute(s) ${ignored.slice(0, 20).join(', ')}; declare custom ones in SCIM_EXTENSIONS`,
      );
    if (schema.name !== 'Group') return { doc };
    const { members, ...rest } = doc;
    return { doc: rest, members: memberIds(members) };
  }

  /** Each new member looked up by key; an unknown id is a 400 naming it, raised before anything is written. */
  private async resolveMembers(tenant: string, groupId: string | undefined, ids: Iterable<string>): Promise<Member[]> {
    const unique = [...new Set(ids)];
    if (groupId !== undefined && unique.includes(groupId))
      throw badRequest('invalidValue', `A group cannot be a member of itself ("${groupId}").`);
    const found = await this.repo.memberships.resolve(tenant, unique);
    const unknown = unique.filter((id) => !found.has(id));
    if (unknown.length) throw unknownMembers(unknown);
    return unique.flatMap((id) => found.get(id) ?? []);
  }

  /** The rows a member delta adds and removes; `replace`/clear and filtered removes read the current members. */
  private async resolveDelta(tenant: string, schema: ResourceSchema, groupId: string, delta: MemberDelta) {
    const remove = new Set(delta.remove);
    let add = [...delta.add];
    if (delta.clear || delta.removeWhere.length) {
      const membersDef = schema.resolve({ attr: 'members' }).def;
      const current = new Set<string>();
      for await (const m of this.repo.memberships.members(tenant, groupId)) {
        current.add(m.value);
        const filtered = delta.removeWhere.some((f) =>
          elementMatches(f, { value: m.value, type: m.type }, membersDef, schema),
        );
        if ((delta.clear && !delta.add.has(m.value)) || filtered) remove.add(m.value);
      }
      if (delta.clear) add = add.filter((id) => !current.has(id));
    }
    return { add: await this.resolveMembers(tenant, groupId, add), remove: [...remove] };
  }

  private async representPage(
    scope: RequestScope,
    schema: ResourceSchema,
    page: ListPage,
    projection: Projection,
  ): Promise<JsonObject[]> {
    const groupIdsOf = this.showsGroups(schema, projection)
      ? await this.relations.pageLookups(scope.tenant, schema.name, page.resources, page.consecutive ?? false)
      : undefined;
    return Promise.all(
      page.resources.map(async (r) => (await this.represent(scope, schema, r, projection, true, groupIdsOf)).body),
    );
  }

  private async represent(
    scope: RequestScope,
    schema: ResourceSchema,
    r: StoredResource,
    projection: Projection,
    readRelations = true,
    groupIdsOf?: (id: string) => Promise<string[]>,
  ): Promise<Representation> {
    const full = readRelations
      ? await this.relations.withRelations(scope.tenant, schema, r, projection, scope.baseUrl, groupIdsOf)
      : r;
    const body = toRepresentation(full.data, full.meta, schema, scope.baseUrl, projection);
    return { body, version: r.meta.version, location: `${scope.baseUrl}/${schema.endpoint}/${r.meta.id}` };
  }
}

/** SHA-256 of the canonical form (keys sorted) of what a create stores, members included. */
function createDigest(type: string, doc: JsonObject, members: string[] | undefined): string {
  const canonical = (v: JsonValue | undefined): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : isJsonObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical(v[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify([type, canonical(doc), [...new Set(members ?? [])].sort()]))
    .digest('base64url');
}
