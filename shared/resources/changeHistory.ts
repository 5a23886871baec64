import { ChangeEvent, identifiersOf, IDENTIFIERS } from '../scim/changeEvent';
import { indexKeysOf } from '../scim/queryPlan';
import { ResourceTypeName } from '../scim/resourceSchema';
import { ResourceRepository, StoredResource } from './repository';

/** The resource a history is about: as it is now, or as its delete event last named it. */
export interface ResourceSummary {
  resourceType: ResourceTypeName;
  id: string;
  state: 'current' | 'deleted';
  userName?: string;
  externalId?: string;
  displayName?: string;
  /** Users: whether the account is enabled now. */
  active?: boolean;
  version?: string;
}

export interface ResourceHistory {
  resource: ResourceSummary;
  /** Newest first. */
  changes: ChangeEvent[];
}

/** A page of the feed in feed order, and the cursor to resume after it. */
export interface FeedPage {
  changes: ChangeEvent[];
  /** Resume after this; the same cursor when nothing new has settled. */
  next: string;
}

/** What readers of the feed use of it (implemented by shared/store/changeFeed.ts). */
export interface ChangeFeedReader {
  /** Settled events after `after`, oldest first, at most `limit`. */
  page(tenant: string, after: string | undefined, limit: number): Promise<FeedPage>;
  /** Every event of the resource `id` (its own, and membership events naming it), newest first. */
  history(tenant: string, id: string): Promise<ChangeEvent[]>;
  /** Ids of deleted resources of `type` whose delete event gave `attr` the value `value`. */
  deletedWith(tenant: string, type: ResourceTypeName, attr: string, value: string): Promise<string[]>;
}

const TYPES = ['User', 'Group'] as const;

/**
 * Finds the resources `q` names — by id, userName, externalId or displayName, living or deleted within the
 * retention period — through index rows and the feed's own rows only, never a scan; each with its history.
 */
export async function historyOf(
  resources: ResourceRepository,
  feed: ChangeFeedReader,
  tenant: string,
  q: string,
): Promise<ResourceHistory[]> {
  const found = new Map<string, ResourceSummary>();
  const live = (type: ResourceTypeName, r: StoredResource) => found.set(r.meta.id, currentSummary(type, r));
  for (const type of TYPES) {
    const byId = await resources.get(tenant, type, q);
    if (byId) live(type, byId);
    for (const attr of IDENTIFIERS[type]) {
      // IDENTIFIERS are indexed attributes (shared/store/tableLayout.ts declares an index for each).
      const index = resources.layout[type].indexes.find((i) => i.attr === attr);
      if (index) {
        for (const key of indexKeysOf(index, { [attr]: q })) {
          for await (const r of resources.candidates(tenant, type, { kind: 'index', index: index.name, key }))
            if (r.data[attr] !== undefined) live(type, r);
        }
      }
      for (const id of await feed.deletedWith(tenant, type, attr, q))
        if (!found.has(id)) found.set(id, { resourceType: type, id, state: 'deleted' });
    }
  }
  const histories = await Promise.all(
    [...found.values()].map(async (resource) => ({ resource, changes: await feed.history(tenant, resource.id) })),
  );
  // A deleted resource is named as its delete event last saw it; an id the feed knows but storage no longer has is
  // deleted too.
  if (!found.size) {
    const changes = await feed.history(tenant, q);
    if (changes.length)
      histories.push({ resource: { resourceType: changes[0].resourceType, id: q, state: 'deleted' }, changes });
  }
  return histories.map(({ resource, changes }) => ({
    resource: resource.state === 'deleted' ? deletedSummary(resource, changes) : resource,
    changes,
  }));
}

function currentSummary(type: ResourceTypeName, r: StoredResource): ResourceSummary {
  return {
    resourceType: type,
    id: r.meta.id,
    state: 'current',
    ...identifiersOf(type, r.data),
    ...(type === 'User' && typeof r.data.active === 'boolean' ? { active: r.data.active } : {}),
    version: r.meta.version,
  };
}

function deletedSummary(resource: ResourceSummary, changes: ChangeEvent[]): ResourceSummary {
  const own = changes.find((c) => c.resourceId === resource.id);
  return {
    ...resource,
    ...(own ? { userName: own.userName, externalId: own.externalId, displayName: own.displayName } : {}),
  };
}
