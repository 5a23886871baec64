import { toBoolean } from '../scim/entraQuirks';
import { parseFilter } from '../scim/filter';
import { patchRequestSchema } from '../scim/patch';
import { isJsonObject, parseJson } from '../scim/document';
import { Operation } from '../store/activityRecords';

/** The facts about one request and its answer that decide which provisioning step it was. */
export interface RequestFacts {
  method: string;
  /** URL path, e.g. `/scim/acme/v2/Users/123`. */
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body, when the request had one and it was read (PATCH, PUT, POST). */
  body?: unknown;
  status: number;
  /** The response body; read only to tell a probe (no hit) from a match and to take a created resource's id. */
  responseBody?: string;
}

export interface Classification {
  operation: Operation;
  resourceType?: 'User' | 'Group';
  resourceId?: string;
}

const SCIM_PATH = /\/v2\/(Users|Groups|\.search|ServiceProviderConfig|ResourceTypes|Schemas)(?:\/([^/]+))?\/?$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTIVE_PATH = /^(?:urn:ietf:params:scim:schemas:core:2\.0:User:)?active$/i;
const MEMBERS_PATH = /^(?:urn:ietf:params:scim:schemas:core:2\.0:Group:)?members(?:$|\[|\.)/i;
/** Bodies larger than this are not parsed just to classify; ids are at most a few hundred bytes. */
const MAX_RESPONSE_PARSE = 64 * 1024;

/**
 * Names the provisioning step a request was, as Entra's provisioning log would: `probe` is Entra's Test
 * Connection (a filter `eq` on a random GUID that finds nothing), `match` the lookup Entra makes before every
 * create or update, `disable` the soft delete Entra sends instead of DELETE (RFC form and Entra's "False" string).
 */
export function classify(facts: RequestFacts): Classification {
  const method = facts.method.toUpperCase();
  const m = SCIM_PATH.exec(facts.path);
  const endpoint = m?.[1].toLowerCase();
  if (endpoint === 'serviceproviderconfig' || endpoint === 'resourcetypes' || endpoint === 'schemas')
    return { operation: 'discovery' };
  const resourceType: Classification['resourceType'] =
    endpoint === 'users' ? 'User' : endpoint === 'groups' ? 'Group' : undefined;
  const segment = m?.[2] === undefined ? undefined : safeDecode(m[2]);
  const searching = endpoint === '.search' || segment === '.search';
  const typed = resourceType ? { resourceType } : {};
  if (searching || (segment === undefined && method === 'GET')) {
    const filter = searching ? (isJsonObject(facts.body) ? facts.body.filter : undefined) : facts.query.get('filter');
    return { operation: listOperation(typeof filter === 'string' ? filter : undefined, facts), ...typed };
  }
  if (segment === undefined) return { operation: method === 'POST' ? 'create' : 'list', ...typed, ...createdId(facts) };
  const target = { ...typed, resourceId: segment.slice(0, 128) };
  switch (method) {
    case 'GET':
      return { operation: 'read', ...target };
    case 'DELETE':
      return { operation: 'delete', ...target };
    case 'PUT':
      return { operation: resourceType === 'User' && setsInactive(facts.body) ? 'disable' : 'update', ...target };
    case 'PATCH':
      return { operation: patchOperation(resourceType, facts.body), ...target };
    default:
      return { operation: 'read', ...target };
  }
}

function listOperation(filter: string | undefined, facts: RequestFacts): Operation {
  if (filter === undefined) return 'list';
  let value: unknown;
  try {
    const tree = parseFilter(filter);
    if (tree.kind !== 'compare' || tree.op !== 'eq') return 'list';
    value = tree.value;
  } catch {
    return 'list';
  }
  if (typeof value !== 'string' || !GUID.test(value)) return 'match';
  // Test Connection looks up a random GUID: it finds nothing, or fails (401, 503) before it could find anything.
  return facts.status >= 400 || totalResults(facts.responseBody) === 0 ? 'probe' : 'match';
}

function patchOperation(resourceType: 'User' | 'Group' | undefined, body: unknown): Operation {
  const parsed = patchRequestSchema.safeParse(body);
  if (!parsed.success) return 'update';
  for (const op of parsed.data.Operations) {
    if (resourceType === 'Group') {
      const onMembers = op.path === undefined ? hasKey(op.value, MEMBERS_PATH) : MEMBERS_PATH.test(op.path);
      // Entra sends one kind of member change per request; the first one names the step.
      if (onMembers) return op.op === 'remove' ? 'memberRemove' : 'memberAdd';
    } else if (op.op !== 'remove') {
      if (op.path === undefined ? setsInactive(op.value) : ACTIVE_PATH.test(op.path) && toBoolean(op.value) === false)
        return 'disable';
    }
  }
  return 'update';
}

function setsInactive(doc: unknown): boolean {
  if (!isJsonObject(doc)) return false;
  return Object.entries(doc).some(([k, v]) => ACTIVE_PATH.test(k) && toBoolean(v) === false);
}

const hasKey = (doc: unknown, key: RegExp) => isJsonObject(doc) && Object.keys(doc).some((k) => key.test(k));

function totalResults(body: string | undefined): number | undefined {
  if (body === undefined || body.length > MAX_RESPONSE_PARSE) return undefined;
  try {
    const doc = parseJson(body);
    const n = isJsonObject(doc) ? doc.totalResults : undefined;
    return typeof n === 'number' ? n : undefined;
  } catch {
    return undefined;
  }
}

/** A 201's `id`: the record names the resource Entra created. */
function createdId(facts: RequestFacts): { resourceId?: string } {
  if (facts.status !== 201 || facts.responseBody === undefined || facts.responseBody.length > MAX_RESPONSE_PARSE)
    return {};
  try {
    const doc = parseJson(facts.responseBody);
    const id = isJsonObject(doc) ? doc.id : undefined;
    return typeof id === 'string' ? { resourceId: id } : {};
  } catch {
    return {};
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
