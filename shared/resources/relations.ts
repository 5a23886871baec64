import { JsonObject } from '../scim/document';
import { Projection } from '../scim/representation';
import { RELATION } from '../scim/relationFilter';
import { ResourceSchema, ResourceTypeName } from '../scim/resourceSchema';
import { TtlCache } from '../ttlCache';
import { MembershipRepository, ResourceRepository, StoredResource } from './repository';

/** Whether a response asks for `attr` (members, groups): reading membership rows is skipped when it does not. */
export function projectionIncludes(projection: Projection, attr: string): boolean {
  const named = (paths?: { attr: string; urn?: string }[]) =>
    paths?.some((p) => p.attr.toLowerCase() === attr.toLowerCase()) ?? false;
  if (projection.attributes) return named(projection.attributes);
  return !named(projection.excludedAttributes);
}

/** How a response finds a user's group ids: per user, or for a whole page of consecutive users at once. */
type GroupIdsOf = (userId: string) => Promise<string[]>;

/**
 * The relation attributes a response shows — a group's `members`, a user's read-only `groups` — which live in
 * membership rows, never in the documents.
 */
export class Relations {
  /**
   * Groups' names (or null: gone) as users' `groups` show them, kept for 15 s: a page of users, or a client paging
   * through all of them, meets the same few groups again and again. This instance's own renames and deletes drop
   * their entry at once; another instance's show within the TTL (docs/architecture.md#listing-paging-and-search).
   */
  private readonly groupNames = new TtlCache<string, { display?: string } | null>(10_000, 15_000);

  constructor(
    private readonly resources: ResourceRepository,
    private readonly memberships: MembershipRepository,
  ) {}

  forgetGroup(tenant: string, groupId: string): void {
    this.groupNames.delete(`${tenant}|${groupId}`);
  }

  /** For a page of resources: group ids of consecutive users (a plain listing) come from one range read. */
  async pageLookups(
    tenant: string,
    type: ResourceTypeName,
    resources: StoredResource[],
    consecutive: boolean,
  ): Promise<GroupIdsOf | undefined> {
    if (type !== 'User' || !consecutive || resources.length < 2) return undefined;
    const span = await this.memberships.groupsOfConsecutive(
      tenant,
      type,
      resources.map((r) => r.meta.id),
    );
    return async (id) => span.get(id) ?? [];
  }

  /**
   * The resource with its relation attribute when the projection asks for it. A user's groups are its `memberOf`
   * when it was read with them, else `groupIdsOf`'s, else read now.
   */
  async withRelations(
    tenant: string,
    schema: ResourceSchema,
    r: StoredResource,
    projection: Projection,
    baseUrl: string,
    groupIdsOf?: GroupIdsOf,
  ): Promise<StoredResource> {
    const relation = RELATION[schema.name];
    if (!projectionIncludes(projection, relation)) return r;
    if (schema.name === 'Group') {
      const members: JsonObject[] = [];
      for await (const m of this.memberships.members(tenant, r.meta.id)) {
        members.push({
          value: m.value,
          $ref: `${baseUrl}/${m.type}s/${m.value}`,
          type: m.type,
          ...(m.display !== undefined ? { display: m.display } : {}),
        });
      }
      return { ...r, data: { ...r.data, members } };
    }
    const ids =
      r.memberOf ?? (await (groupIdsOf ?? ((id: string) => this.memberships.groupsOf(tenant, 'User', id)))(r.meta.id));
    // A deleted group's rows may still await purging: it must not show, so each group is looked up.
    const groups = (
      await Promise.all(ids.map(async (id) => ({ id, group: await this.groupName(tenant, id) })))
    ).flatMap(({ id, group }) =>
      group === null
        ? []
        : [
            {
              value: id,
              $ref: `${baseUrl}/Groups/${id}`,
              ...(group.display !== undefined ? { display: group.display } : {}),
              type: 'direct',
            },
          ],
    );
    return groups.length ? { ...r, data: { ...r.data, groups } } : r;
  }

  private async groupName(tenant: string, id: string): Promise<{ display?: string } | null> {
    const key = `${tenant}|${id}`;
    const known = this.groupNames.get(key);
    if (known !== undefined) return known;
    const group = await this.resources.get(tenant, 'Group', id);
    const name = group
      ? { display: typeof group.data.displayName === 'string' ? group.data.displayName : undefined }
      : null;
    this.groupNames.set(key, name);
    return name;
  }
}
