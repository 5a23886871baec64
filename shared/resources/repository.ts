import { ChangeOrigin } from '../scim/changeEvent';
import { JsonObject } from '../scim/document';
import { QueryLayout, QueryPlan } from '../scim/queryPlan';
import { ResourceMeta } from '../scim/representation';
import { ResourceTypeName } from '../scim/resourceSchema';

/**
 * The narrow contract between the resource service and storage (in the spirit of scim2-server's `Backend`): the
 * service decides what a SCIM operation means, the repository only keeps resources and memberships consistent
 * under concurrency. Everything here is scoped to one tenant; nothing outside shared/store/ knows row keys.
 */
export interface StoredResource {
  meta: ResourceMeta;
  data: JsonObject;
  /** Digest of the create request's canonical body, to recognise a retried create (SCIM_CREATE_REPLAY_SECONDS). */
  createDigest?: string;
  /** Ids of the groups this resource is a direct member of, when the read included them (`withMemberships`). */
  memberOf?: string[];
}

export interface Member {
  value: string;
  type: ResourceTypeName;
  /** The member's name as a group lists it (RFC 7643 §4.2 `members.display`). */
  display?: string;
}

export interface ResourceRepository {
  /** The indexes and typed columns the store keeps, for the planner. */
  readonly layout: Record<ResourceTypeName, QueryLayout>;
  /** `withMemberships`: with `memberOf`, read in the same round trip. */
  get(
    tenant: string,
    type: ResourceTypeName,
    id: string,
    withMemberships?: boolean,
  ): Promise<StoredResource | undefined>;
  /**
   * Writes the resource with its index rows atomically; a taken unique key is 409 `uniqueness` and writes nothing.
   * Every write below records its change event (from `origin`) in the same transaction as the change.
   */
  create(
    tenant: string,
    type: ResourceTypeName,
    data: JsonObject,
    createDigest: string,
    origin: ChangeOrigin,
  ): Promise<StoredResource>;
  /** The resource that holds the unique key `data` would claim (userName, group displayName), if any. */
  holderOfUniqueKey(tenant: string, type: ResourceTypeName, data: JsonObject): Promise<StoredResource | undefined>;
  /**
   * Re-runs `transform` on the current state until it is written without a concurrent change in between; `ifMatch`
   * is the client's RFC 7644 §3.14 precondition (412 on mismatch, never retried). 404 when the resource is gone.
   * The answer has `memberOf`, read with the resource. A transform that changes no attribute writes nothing (the
   * version stays, no event).
   */
  update(
    tenant: string,
    type: ResourceTypeName,
    id: string,
    operation: 'replace' | 'patch',
    origin: ChangeOrigin,
    transform: (current: StoredResource) => JsonObject,
    ifMatch?: string,
  ): Promise<StoredResource & { memberOf: string[] }>;
  /**
   * Deletes the resource with its index rows and its memberships in every group; a member add racing it either
   * lands first and leaves with it, or fails (see `MembershipRepository.change`). 404 when it is gone.
   */
  delete(tenant: string, type: ResourceTypeName, id: string, origin: ChangeOrigin, ifMatch?: string): Promise<void>;
  /**
   * Candidates for a plan in id order; the caller re-applies the whole filter. `withMemberships`: resources found
   * by id or index come with `memberOf`, read in the same round trip (a scan's do not).
   */
  candidates(
    tenant: string,
    type: ResourceTypeName,
    plan: QueryPlan,
    withMemberships?: boolean,
  ): AsyncIterable<StoredResource>;
  /** Up to `limit` resources after `afterId` in id order, and whether none follow. */
  pageAfter(
    tenant: string,
    type: ResourceTypeName,
    afterId: string | undefined,
    limit: number,
  ): Promise<{ items: StoredResource[]; exhausted: boolean }>;
  ids(tenant: string, type: ResourceTypeName): AsyncIterable<string>;
  count(tenant: string, type: ResourceTypeName): Promise<number>;
  /** Everything of a deleted tenant. */
  deleteTenantData(tenant: string): Promise<number>;
}

/** A group's net membership change, validated and resolved: applied without reading the group's members. */
export interface MembershipChange {
  add: Member[];
  remove: string[];
}

export interface MembershipRepository {
  members(tenant: string, groupId: string): AsyncIterable<Member>;
  groupsOf(tenant: string, memberType: ResourceTypeName, memberId: string): Promise<string[]>;
  /** The groups of each of `memberIds` (consecutive in id order, as on a listing page) in one range read. */
  groupsOfConsecutive(
    tenant: string,
    memberType: ResourceTypeName,
    memberIds: string[],
  ): Promise<Map<string, string[]>>;
  isMember(tenant: string, groupId: string, memberId: string): Promise<boolean>;
  /** Which of `ids` exist, and as what, checked by key in bounded parallelism. */
  resolve(tenant: string, ids: string[]): Promise<Map<string, Member>>;
  /**
   * Applies the change and moves the group's `meta.version` in the same transactions, so a group deleted meanwhile
   * makes it fail with 404 and write nothing; an added member deleted meanwhile makes it fail with 400 naming it,
   * and no membership of it is written. `ifMatch` makes it conditional on the group's version. The change may
   * still be being resolved: whatever the store reads of the group meanwhile costs no extra round trip. An empty
   * change writes nothing (a missing group is still 404).
   */
  change(
    tenant: string,
    groupId: string,
    change: MembershipChange | Promise<MembershipChange>,
    origin: ChangeOrigin,
    ifMatch?: string,
  ): Promise<void>;
  /** A renamed member's `display` in the groups it belongs to (bounded by its number of groups, not their size). */
  renameMember(tenant: string, memberId: string, display: string | undefined, groupIds: string[]): Promise<void>;
  /** Records a deleted group whose rows still need purging, before the group is deleted. */
  markForPurge(tenant: string, groupId: string): Promise<void>;
  /** Purges membership rows of deleted groups, up to `budget` rows; true when all are done. */
  purge(groupExists: (tenant: string, groupId: string) => Promise<boolean>, budget: number): Promise<boolean>;
}

export interface Repository {
  resources: ResourceRepository;
  memberships: MembershipRepository;
}
