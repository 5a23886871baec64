import { createHash } from 'node:crypto';

/**
 * Row keys of the one table, inside a tenant's partition (docs/architecture.md#storage-model):
 *   R~User~{id}                         a resource (User or Group), JSON document + typed columns
 *   R~User~{id}!{groupId}               member → group, right after its member: one range read returns a user
 *                                       with its `groups`; also for `members.value eq` filters and deletes
 *   R~User~{id}!                        the member's membership guard: every transaction adding the member to a
 *                                       group writes it, and the member's DELETE holds its ETag (or its absence),
 *                                       so a membership and the member's delete cannot both commit unseen
 *   X~User~{index}~{key}                a unique index row → the resource id (userName, group displayName)
 *   X~User~{index}~{key}~{id}           a non-unique index row (externalId, email)
 *   M~{groupId}~{memberId}              group → member, with the member's type and display name
 *   C~User~base                         the count of Users folded so far (totalResults without reading them all)
 *   C~User~d~{uuid}                     +1 or −1 written by one create or delete, until folded into the base
 * and, outside every tenant, the service's own partitions:
 *   CLEANUP_PARTITION   `{tenant}~{groupId}` per deleted group whose membership rows are still being purged
 *   TENANTS_PARTITION   `{tenant}` per tenant created with the admin command line
 *   TOKENS_PARTITION    `{tenant}~{tokenId}` per Secret Token digest, when tokens are not kept in Key Vault
 *   TOKEN_USE_PARTITION `{tenant}~{tokenId}` when a token was last used
 *   ALARMS_PARTITION    `{tenant}` per tenant the notifier has judged: its alarm state under one ETag
 *   FEED_TENANTS_PARTITION `{tenant}` per tenant with a change feed (shared/store/changeFeed.ts has its rows)
 * `~` never occurs inside an encoded part, so prefixes cannot collide; `!` sorts below every encoded character, so
 * a member's `!` rows come before the next resource's row, even one whose id extends this id.
 */
export const resourceKey = (type: string, id: string) => `R~${type}~${encodeKeyPart(id)}`;
export const resourcePrefix = (type: string) => `R~${type}~`;
export const uniqueIndexKey = (type: string, index: string, key: string) => `X~${type}~${index}~${encodeKeyPart(key)}`;
export const indexPrefix = (type: string, index: string, key: string) => `X~${type}~${index}~${encodeKeyPart(key)}~`;
export const indexKey = (type: string, index: string, key: string, id: string) =>
  `${indexPrefix(type, index, key)}${encodeKeyPart(id)}`;

export const counterPrefix = (type: string) => `C~${type}~`;
export const counterBaseKey = (type: string) => `${counterPrefix(type)}base`;
export const counterDeltaKey = (type: string, unique: string) => `${counterPrefix(type)}d~${unique}`;

export const memberKey = (groupId: string, memberId: string) => `${memberPrefix(groupId)}${encodeKeyPart(memberId)}`;
export const memberPrefix = (groupId: string) => `M~${encodeKeyPart(groupId)}~`;
export const memberOfKey = (memberType: string, memberId: string, groupId: string) =>
  `${memberOfPrefix(memberType, memberId)}${encodeKeyPart(groupId)}`;
export const memberOfPrefix = (memberType: string, memberId: string) => `${resourceKey(memberType, memberId)}!`;
/** Sorts first among the member's `!` rows; it has no `groupId`, which is how readers of those rows skip it. */
export const membershipGuardKey = memberOfPrefix;
/** The first key after a resource's row and its member → group rows (`"` follows `!`). */
export const resourceSpanEnd = (type: string, id: string) => `${resourceKey(type, id)}"`;
/**
 * OData conjunct that keeps resource rows and drops the member → group rows among them (which have no `version`):
 * a scan of resources reads the member rows' keys on the server but never receives them.
 */
export const RESOURCE_ROWS = 'version ge 1';
/** `~` is not allowed in a tenant id (shared/auth/tenantId.ts), so no tenant partition can be named like these. */
export const CLEANUP_PARTITION = '~cleanup';
export const TENANTS_PARTITION = '~tenants';
export const TOKENS_PARTITION = '~tokens';
export const TOKEN_USE_PARTITION = '~tokenuse';
export const ALARMS_PARTITION = '~alarms';
export const FEED_TENANTS_PARTITION = '~feeds';

/** The first key after every key that starts with `prefix` (all encoded characters sort below `~`). */
export const prefixEnd = (prefix: string) => `${prefix}~`;

const MAX_ENCODED = 300;

/**
 * Table keys may not hold `/ \ # ?` or control characters and are limited to 1 KiB, and Azurite answers 500 on
 * some of them: keep `[A-Za-z0-9.-]`, write everything else as `_` + 4 hex digits. Very long values become a
 * SHA-256 digest (still exact: the residual in-memory filter re-checks the value).
 */
export function encodeKeyPart(value: string): string {
  const encoded = value.replace(/[^A-Za-z0-9.-]/g, (c) => '_' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return encoded.length <= MAX_ENCODED ? encoded : 'h_' + createHash('sha256').update(value).digest('hex');
}

/** OData string literal: single quotes doubled, so no value can close the literal and widen a query. */
export const odataString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The rows of one partition with `low` ≤ key < `high`, and `where` (a further OData conjunction) if given. */
export const keyRangeFilter = (partition: string, low: string, high: string, where?: string) =>
  `PartitionKey eq ${odataString(partition)} and RowKey ge ${odataString(low)} and RowKey lt ${odataString(high)}${where ? ` and (${where})` : ''}`;
