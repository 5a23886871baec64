import { z } from 'zod';
import { isJsonObject, JsonObject, JsonValue, parseJson } from './document';

/**
 * One change of one resource as the change feed, the history and the queue carry it (docs/change-feed.md). It names
 * what changed, never a changed value: a consumer that needs the values reads the resource.
 */
export const changeEventSchema = z.object({
  /** Unique and sortable: the feed's order, the cursor that resumes after it, the queue's de-duplication key. */
  id: z.string().regex(/^[0-9]{15}-[0-9a-f]{12}$/),
  /** When the writing instance stamped the change (ISO 8601, UTC). */
  time: z.string().datetime(),
  tenant: z.string(),
  /** `members` is a membership change of a group: the rows changed, the group's document did not. */
  operation: z.enum(['create', 'replace', 'patch', 'delete', 'members']),
  resourceType: z.enum(['User', 'Group']),
  resourceId: z.string(),
  /** The resource's identifiers after the change (before it, for a delete). */
  userName: z.string().optional(),
  externalId: z.string().optional(),
  displayName: z.string().optional(),
  /** Names of the top-level attributes (extension attributes as `urn:…:attr`) whose value changed. */
  attributes: z.array(z.string()),
  membersAdded: z.array(z.string()),
  membersRemoved: z.array(z.string()),
  /** `meta.version` before and after: null before a create and after a delete. */
  versionBefore: z.string().nullable(),
  versionAfter: z.string().nullable(),
  /** The id in the request's `x-correlation-id` answer header, its activity-log record and any error body. */
  correlationId: z.string(),
  /** The id of the Secret Token (or `entra-jwt` for an Entra-issued token) that authenticated the request. */
  tokenId: z.string(),
});

export type ChangeEvent = z.infer<typeof changeEventSchema>;

/** An event from its stored or sent JSON, checked against the schema. */
export const parseChangeEvent = (json: string): ChangeEvent => changeEventSchema.parse(parseJson(json));

/** Who made a change, carried from the request pipeline to the store. */
export interface ChangeOrigin {
  correlationId: string;
  tokenId: string;
}

/** What the store adds when it writes a change: its identity in the feed, the time, the versions. */
export type ChangeFacts = Pick<
  ChangeEvent,
  | 'operation'
  | 'resourceType'
  | 'resourceId'
  | 'attributes'
  | 'membersAdded'
  | 'membersRemoved'
  | 'versionBefore'
  | 'versionAfter'
>;

/** The identifiers an event names its resource by, per type; the history finds resources by the same ones. */
export const IDENTIFIERS = { User: ['userName', 'externalId'], Group: ['displayName', 'externalId'] } as const;

/** The identifiers an event of `type` carries, taken from the resource document (strings only). */
export function identifiersOf(
  type: ChangeEvent['resourceType'],
  doc: JsonObject,
): Pick<ChangeEvent, 'userName' | 'externalId' | 'displayName'> {
  return Object.fromEntries(
    IDENTIFIERS[type].flatMap((attr) => (typeof doc[attr] === 'string' ? [[attr, doc[attr]]] : [])),
  );
}

/**
 * Names of the attributes whose values differ between two documents. An extension's attributes are named one by
 * one (`urn:…:enterprise:2.0:User:department`), so "the manager changed" does not read as "the extension changed".
 */
export function changedAttributes(before: JsonObject, after: JsonObject): string[] {
  const names = new Set<string>();
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const [a, b] = [before[key], after[key]];
    if (key.startsWith('urn:') && isJsonObject(a ?? {}) && isJsonObject(b ?? {})) {
      for (const sub of changedAttributes(asObject(a), asObject(b))) names.add(`${key}:${sub}`);
    } else if (!sameJson(a, b)) {
      names.add(key);
    }
  }
  return [...names].sort();
}

const asObject = (v: JsonValue | undefined): JsonObject => (isJsonObject(v) ? v : {});

/** Equal as JSON values, whatever the order of object keys. */
function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameJson(a[k], b[k]));
  }
  return false;
}

/**
 * An event as a change-queue message: its JSON, UTF-8, base64-encoded, because an Azure Functions queue trigger
 * decodes base64 by default (host.json `extensions.queues.messageEncoding`) and base64 needs no XML escaping.
 */
export const queueMessageOf = (event: ChangeEvent): string =>
  Buffer.from(JSON.stringify(event), 'utf8').toString('base64');

/** The event a change-queue message carries (what a consumer does with `queueMessageOf`'s text). */
export const eventOfQueueMessage = (text: string): ChangeEvent =>
  parseChangeEvent(Buffer.from(text, 'base64').toString('utf8'));
