import { z } from 'zod';
import { isJsonObject, JsonObject, JsonValue, listOf, objectAt, objectsIn } from './document';
import { badRequest, errorMessage } from './errors';
import { AttrPath, Filter, parseAttrPath, parseFilter } from './filter';
import { elementMatches, scalarText, validateFilter } from './filterEvaluation';
import { elementFromFilter, splitPathlessValue, valuesToRemove } from './entraQuirks';
import { ResolvedAttr, ResourceSchema, findAttr } from './resourceSchema';
import { assertRequired, coerce } from './resourceInput';
import { AttributeDef } from './schemaDefinitions';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const operationSchema = z.object({
  // RFC 7644 §3.5.2 spells them lower-case; Entra's default job sends "Add"/"Replace"/"Remove" (docs/architecture.md#entra-quirks).
  op: z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['add', 'replace', 'remove'])),
  path: z.string().min(1).optional(),
  value: z.unknown().optional(),
});

export const patchRequestSchema = z.object({
  schemas: z.array(z.string()).refine((s) => s.some((u) => u.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase()), {
    message: `must contain "${PATCH_OP_SCHEMA}"`,
  }),
  Operations: z.array(operationSchema).min(1),
});
export type PatchOperation = z.infer<typeof operationSchema>;

export function parsePatchRequest(body: unknown): PatchOperation[] {
  const parsed = patchRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badRequest('invalidSyntax', `Invalid PatchOp: ${issue.path.join('.') || 'body'} ${issue.message}.`);
  }
  return parsed.data.Operations;
}

/** A PATCH path split into its parts: `urn:…:attr`, `[filter]`, `.sub`. */
interface PatchPath {
  attr: AttrPath;
  filter?: Filter;
  sub?: string;
}

function parsePatchPath(text: string): PatchPath {
  const open = text.indexOf('[');
  if (open < 0) {
    const attr = parseAttrPath(text);
    return { attr: { urn: attr.urn, attr: attr.attr }, sub: attr.sub };
  }
  const close = text.lastIndexOf(']');
  const tail = text.slice(close + 1);
  if (close < open || (tail && !/^\.[A-Za-z$][\w$-]*$/.test(tail))) {
    throw badRequest('invalidPath', `"${text}" is not a valid path; expected attr[filter] or attr[filter].subAttr.`);
  }
  const attr = parseAttrPath(text.slice(0, open));
  if (attr.sub)
    throw badRequest('invalidPath', `"${text}" is not a valid path: a value filter follows the attribute name.`);
  return { attr, filter: parseFilter(text.slice(open + 1, close)), sub: tail ? tail.slice(1) : undefined };
}

/**
 * Applies RFC 7644 §3.5.2 operations to a stored resource and returns the new one; the input is not modified, so
 * a failing operation leaves nothing half-applied.
 */
export function applyPatch(resource: JsonObject, operations: PatchOperation[], schema: ResourceSchema): JsonObject {
  const next = structuredClone(resource);
  for (const op of operations) applyOperation(next, op, schema);
  for (const ext of schema.extensions) {
    const v = objectAt(next, ext.id);
    if (v && Object.keys(v).length === 0) delete next[ext.id];
  }
  // RFC 7644 §3.5.2.2: a PATCH that unassigns a required attribute fails with `mutability`.
  assertRequired(next, schema, 'mutability');
  return next;
}

function applyOperation(res: JsonObject, op: PatchOperation, schema: ResourceSchema): void {
  if (op.path === undefined) {
    if (op.op === 'remove') throw badRequest('noTarget', 'A "remove" operation needs a "path" (RFC 7644 §3.5.2.2).');
    if (!isJsonObject(op.value))
      throw badRequest('invalidValue', `A path-less "${op.op}" needs an object of attributes as its value.`);
    const attributes = Object.fromEntries(
      Object.entries(withoutSchemas(op.value)).map(([k, v]) => [
        k,
        schema.extension(k) && isJsonObject(v) ? withoutSchemas(v) : v,
      ]),
    );
    for (const part of splitPathlessValue(attributes, (k) => !!schema.extension(k))) {
      applyOperation(res, { op: op.op, path: part.path, value: part.value }, schema);
    }
    return;
  }
  const ext = schema.extension(op.path);
  if (ext) {
    if (op.op === 'remove') {
      delete res[ext.id];
      return;
    }
    // Checked here: the path-less form would hand a non-object straight back to this branch, without end.
    if (!isJsonObject(op.value)) {
      throw badRequest(
        'invalidValue',
        `"${op.op}" on "${ext.id}" needs an object of ${ext.name} attributes as its value.`,
      );
    }
    // The path is valid; a key the extension lacks makes the value unacceptable (as for `name` with an unknown sub).
    const unknown = Object.keys(withoutSchemas(op.value)).find((k) => !findAttr(ext.attributes, k));
    if (unknown !== undefined) throw badRequest('invalidValue', `"${ext.id}" has no attribute "${unknown}".`);
    applyOperation(res, { op: op.op, value: { [ext.id]: op.value } }, schema);
    return;
  }
  const path = parsePatchPath(op.path);
  const target = schema.resolve(path.attr);
  const sub = path.sub === undefined ? undefined : findAttr(target.def.subAttributes ?? [], path.sub);
  if (path.sub !== undefined && !sub)
    throw badRequest('invalidPath', `"${target.def.name}" has no sub-attribute "${path.sub}".`);
  if (target.def.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    throw badRequest('mutability', `"${op.path}" is read-only and cannot be modified.`);
  }
  if (op.op !== 'remove' && op.value === undefined)
    throw badRequest('invalidValue', `"${op.op}" on "${op.path}" needs a "value".`);
  const container = target.urn ? (objectAt(res, target.urn) ?? (res[target.urn] = {})) : res;
  if (path.filter) applyFiltered(container, target, path.filter, sub, op, schema);
  else if (sub) applySub(container, target, sub, op);
  else applyWhole(container, target, op);
}

function where(t: ResolvedAttr, sub?: string) {
  return `${t.urn ? t.urn + ':' : ''}${t.def.name}${sub ? '.' + sub : ''}`;
}

function applyWhole(container: JsonObject, t: ResolvedAttr, op: PatchOperation): void {
  const name = t.def.name;
  if (op.op === 'remove') {
    const listed = t.def.multiValued ? valuesToRemove(op.value) : undefined;
    if (listed) {
      const keep = listOf(container[name]).filter((el) => {
        const text = scalarText((isJsonObject(el) ? el.value : undefined) ?? el);
        return text === undefined || !listed.includes(text);
      });
      setOrDelete(container, name, keep);
    } else {
      delete container[name];
    }
    return;
  }
  const value = coerce(t.def, op.value, where(t), t.urn);
  if (t.def.multiValued) {
    const incoming = listOf(value);
    const existing = op.op === 'add' ? listOf(container[name]) : [];
    const merged = [...existing, ...incoming.filter((n) => !existing.some((e) => sameValue(e, n)))];
    setOrDelete(container, name, keepLastPrimary(merged));
  } else if (t.def.type === 'complex' && isJsonObject(value) && objectAt(container, name) && !isReference(t)) {
    container[name] = { ...objectAt(container, name), ...value };
  } else if (value === undefined) {
    delete container[name];
  } else {
    container[name] = value;
  }
}

/** A reference like `manager` is replaced whole: merging would keep a stale `$ref` of the previous manager. */
const isReference = (t: ResolvedAttr) => !!findAttr(t.def.subAttributes ?? [], '$ref');

function applySub(container: JsonObject, t: ResolvedAttr, subDef: AttributeDef, op: PatchOperation): void {
  const name = t.def.name;
  const sub = subDef.name;
  if (t.def.multiValued) {
    if (op.op !== 'remove') {
      throw badRequest(
        'invalidPath',
        `"${where(t, sub)}" is ambiguous on a multi-valued attribute; use a value filter such as ${name}[type eq "work"].${sub}.`,
      );
    }
    const list = listOf(container[name]).map((el) => (isJsonObject(el) ? omit(el, sub) : el));
    setOrDelete(container, name, list);
    return;
  }
  const current = { ...objectAt(container, name) };
  if (op.op === 'remove') delete current[subDef.name];
  else {
    const v = coerce(subDef, op.value, where(t, sub));
    if (v === undefined) delete current[subDef.name];
    else current[subDef.name] = v;
  }
  if (Object.keys(current).length) container[name] = current;
  else delete container[name];
}

function applyFiltered(
  container: JsonObject,
  t: ResolvedAttr,
  filter: Filter,
  subDef: AttributeDef | undefined,
  op: PatchOperation,
  schema: ResourceSchema,
): void {
  if (!t.def.multiValued || t.def.type !== 'complex') {
    throw badRequest(
      'invalidPath',
      `"${t.def.name}" is not a multi-valued complex attribute, so a value filter cannot select from it.`,
    );
  }
  try {
    validateFilter(filter, schema, t.def);
  } catch (e) {
    throw badRequest('invalidPath', `Invalid value filter on "${t.def.name}": ${errorMessage(e)}`);
  }
  const name = t.def.name;
  const sub = subDef?.name;
  const list = objectsIn(container[name]);
  const hit = list.map((el) => elementMatches(filter, el, t.def, schema));
  if (op.op === 'remove') {
    const next = sub ? list.map((el, i) => (hit[i] ? omit(el, sub) : el)) : list.filter((_, i) => !hit[i]);
    setOrDelete(container, name, next);
    return;
  }
  const newPart = sub ? { [sub]: op.value } : op.value;
  // Object.assign rather than a spread: the value is still unchecked here (coerce checks it) and may be no object.
  const withPart = (base: JsonObject): unknown => Object.assign({}, base, newPart);
  if (!hit.some(Boolean)) {
    const seed = elementFromFilter(filter);
    if (!seed)
      throw badRequest(
        'noTarget',
        `No "${name}" value matches the filter, and the filter does not describe one to create.`,
      );
    const created = listOf(coerce(t.def, withPart(seed), where(t, sub)));
    setOrDelete(container, name, keepLastPrimary([...list, ...created]));
    return;
  }
  const updated = list.map((el, i) => {
    if (!hit[i]) return el;
    const merged = subDef || op.op === 'add' ? withPart(el) : newPart;
    return objectsIn(coerce(t.def, [merged], where(t, sub)))[0] ?? {};
  });
  // An element this operation made primary wins, even over an existing primary that sits later in the list.
  const setPrimary = updated.map((el, i) => hit[i] && el.primary === true).lastIndexOf(true);
  setOrDelete(container, name, keepLastPrimary(updated, setPrimary < 0 ? undefined : setPrimary));
}

/**
 * A `schemas` key in a PATCH value names the schemas its attributes come from, as in a POST body (where
 * toStoredResource drops it); it is not an attribute to set.
 */
const withoutSchemas = (value: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(value).filter(([k]) => k.toLowerCase() !== 'schemas'));

const omit = (o: JsonObject, key: string) => {
  const c = { ...o };
  delete c[key];
  return c;
};
const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function setOrDelete(container: JsonObject, name: string, list: JsonValue[]) {
  if (list.length) container[name] = list;
  else delete container[name];
}

/** RFC 7643 §2.4: at most one `primary: true`; the value set last wins (`last`, by default the last in the list). */
function keepLastPrimary(list: JsonValue[], last = list.map(isPrimary).lastIndexOf(true)): JsonValue[] {
  if (last < 0) return list;
  return list.map((el, i) => (isJsonObject(el) && el.primary === true && i !== last ? { ...el, primary: false } : el));
}

const isPrimary = (el: JsonValue) => isJsonObject(el) && el.primary === true;
