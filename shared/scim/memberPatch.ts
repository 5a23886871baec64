import { badRequest } from './errors';
import { Filter, parseFilter } from './filter';
import { valuesToRemove } from './entraQuirks';
import { isJsonObject, JsonObject } from './document';
import { PatchOperation } from './patch';

/**
 * Group membership lives in rows, not in the group document (docs/architecture.md#groups-at-entra-scale), so PATCH operations on `members`
 * are separated from the others and folded into one net change: only the rows that change are written, and the
 * cost does not depend on the group's size. `replace`/clear are the exceptions by nature (set semantics).
 */
export interface MemberDelta {
  /** Remove every current member first (RFC `replace` of `members`, or `remove` of `members` with no filter). */
  clear: boolean;
  add: Set<string>;
  remove: Set<string>;
  /** `members[...]` filters that are not plain `value eq` terms; resolved against the member rows. */
  removeWhere: Filter[];
}

export const emptyDelta = (): MemberDelta => ({ clear: false, add: new Set(), remove: new Set(), removeWhere: [] });

const MEMBERS_PATH = /^(?:urn:ietf:params:scim:schemas:core:2\.0:Group:)?members(?=$|\[|\.)/i;

/** Splits a group PATCH into the operations on the group document and the net membership change. */
export function splitGroupPatch(operations: PatchOperation[]): { documentOps: PatchOperation[]; delta: MemberDelta } {
  const documentOps: PatchOperation[] = [];
  const delta = emptyDelta();
  for (const op of operations) {
    if (op.path === undefined && isJsonObject(op.value)) {
      const { members, rest } = takeMembers(op.value);
      if (members !== undefined) applyWholeMembers(delta, op.op, members);
      if (Object.keys(rest).length) documentOps.push({ ...op, value: rest });
      continue;
    }
    const m = op.path === undefined ? null : MEMBERS_PATH.exec(op.path);
    if (!m) {
      documentOps.push(op);
      continue;
    }
    const tail = m.input.slice(m[0].length);
    if (tail === '') applyWholeMembers(delta, op.op, op.value);
    else if (tail.startsWith('[') && tail.endsWith(']') && op.op === 'remove')
      applyFilteredRemove(delta, parseFilter(tail.slice(1, -1)));
    else {
      throw badRequest(
        'invalidPath',
        `"${op.path}": members can only be added, removed (optionally with a members[value eq "…"] filter) or replaced as a whole.`,
      );
    }
  }
  return { documentOps, delta };
}

function takeMembers(value: JsonObject) {
  const rest: JsonObject = {};
  let members: unknown;
  for (const [k, v] of Object.entries(value)) {
    if (MEMBERS_PATH.test(k) && k.replace(MEMBERS_PATH, '') === '') members = v;
    else rest[k] = v;
  }
  return { members, rest };
}

function applyWholeMembers(delta: MemberDelta, op: PatchOperation['op'], value: unknown) {
  if (op === 'remove') {
    // Entra's default job: Remove with a value list removes only those (docs/architecture.md#entra-quirks); without a value, all of them.
    const listed = valuesToRemove(value);
    if (listed) for (const id of memberIds(listed.map((v) => ({ value: v })))) removeOne(delta, id);
    else clearAll(delta);
    return;
  }
  const ids = memberIds(value);
  if (op === 'replace') clearAll(delta);
  for (const id of ids) {
    delta.add.add(id);
    delta.remove.delete(id);
  }
}

function removeOne(delta: MemberDelta, id: string) {
  delta.add.delete(id);
  delta.remove.add(id);
}

function clearAll(delta: MemberDelta) {
  delta.clear = true;
  delta.add.clear();
  delta.remove.clear();
  delta.removeWhere = [];
}

/** `members[value eq "a"]`, also `… or value eq "b"`, becomes a list of ids; anything else is resolved later. */
function applyFilteredRemove(delta: MemberDelta, filter: Filter) {
  const ids = eqValues(filter);
  if (ids) for (const id of ids) removeOne(delta, id);
  else delta.removeWhere.push(filter);
}

function eqValues(f: Filter): string[] | undefined {
  if (
    f.kind === 'compare' &&
    f.op === 'eq' &&
    f.path.attr.toLowerCase() === 'value' &&
    !f.path.sub &&
    typeof f.value === 'string'
  )
    return [f.value];
  if (f.kind === 'or') {
    const l = eqValues(f.left);
    const r = eqValues(f.right);
    return l && r ? [...l, ...r] : undefined;
  }
  return undefined;
}

/** Member values from a `members` value: `[{"value":"id","$ref":null}]`, one object, or (leniently) bare ids. */
export function memberIds(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    const id = typeof item === 'string' ? item : isJsonObject(item) ? item.value : undefined;
    if (typeof id !== 'string' || id === '') {
      throw badRequest(
        'invalidValue',
        `members[${i}] needs a "value" with the id of a User or Group; got ${JSON.stringify(item)?.slice(0, 80)}.`,
      );
    }
    return id;
  });
}

/** The name a group shows for a member (RFC 7643 §4.2 `members.display`): its displayName, else a user's userName. */
export const memberDisplay = (data: JsonObject): string | undefined =>
  typeof data.displayName === 'string'
    ? data.displayName
    : typeof data.userName === 'string'
      ? data.userName
      : undefined;
