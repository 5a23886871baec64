import { z } from 'zod';
import { badRequest } from './errors';
import { AttrPath, Filter, parseAttrPath, parseFilter } from './filter';
import { elementMatches, Json, validateFilter } from './filterEvaluation';
import { elementFromFilter, splitPathlessValue, valuesToRemove } from './entraQuirks';
import { ResolvedAttr, ResourceSchema, findAttr } from './resourceSchema';
import { assertRequired, coerce } from './resourceInput';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const operationSchema = z.object({
  // RFC 7644 §3.5.2 spells them lower-case; Entra's default job sends "Add"/"Replace"/"Remove" (docs/architecture.md#entra-quirks).
  op: z.string().transform((s) => s.toLowerCase()).pipe(z.enum(['add', 'replace', 'remove'])),
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
  if (attr.sub) throw badRequest('invalidPath', `"${text}" is not a valid path: a value filter follows the attribute name.`);
  return { attr, filter: parseFilter(text.slice(open + 1, close)), sub: tail ? tail.slice(1) : undefined };
}

/**
 * Applies RFC 7644 §3.5.2 operations to a stored resource and returns the new one; the input is not modified, so
 * a failing operation leaves nothing half-applied.
 */
export function applyPatch(resource: Json, operations: PatchOperation[], schema: ResourceSchema): Json {
  const next = structuredClone(resource);
  for (const op of operations) applyOperation(next, op, schema);
  for (const ext of schema.extensions) {
    const v = next[ext.id] as Json | undefined;
    if (v && Object.keys(v).length === 0) delete next[ext.id];
  }
  // RFC 7644 §3.5.2.2: a PATCH that unassigns a required attribute fails with `mutability`.
  assertRequired(next, schema, 'mutability');
  return next;
}

function applyOperation(res: Json, op: PatchOperation, schema: ResourceSchema): void {
  if (op.path === undefined) {
    if (op.op === 'remove') throw badRequest('noTarget', 'A "remove" operation needs a "path" (RFC 7644 §3.5.2.2).');
    if (!isObject(op.value)) throw badRequest('invalidValue', `A path-less "${op.op}" needs an object of attributes as its value.`);
    const attributes = Object.fromEntries(
      Object.entries(withoutSchemas(op.value)).map(([k, v]) => [k, schema.extension(k) && isObject(v) ? withoutSchemas(v) : v]),
    );
    for (const part of splitPathlessValue(attributes, (k) => !!schema.extension(k))) {
      applyOperation(res, { op: op.op, path: part.path, value: part.value }, schema);
    }
    return;
  }
  const ext = schema.extension(op.path);
  if (ext) {
    if (op.op === 'remove') { delete res[ext.id]; return; }
    // Checked here: the path-less form would hand a non-object straight back to this branch, without end.
    if (!isObject(op.value)) {
      throw badRequest('invalidValue', `"${op.op}" on "${ext.id}" needs an object of ${ext.name} attributes as its value.`);
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
  if (path.sub !== undefined && !sub) throw badRequest('invalidPath', `"${target.def.name}" has no sub-attribute "${path.sub}".`);
  if (target.def.mutability === 'readOnly' || sub?.mutability === 'readOnly') {
    throw badRequest('mutability', `"${op.path}" is read-only and cannot be modified.`);
  }
  if (op.op !== 'remove' && op.value === undefined) throw badRequest('invalidValue', `"${op.op}" on "${op.path}" needs a "value".`);
  const container = target.urn ? ((res[target.urn] as Json | undefined) ?? (res[target.urn] = {})) : res;
  if (path.filter) applyFiltered(container, target, path.filter, sub?.name, op, schema);
  else if (sub) applySub(container, target, sub.name, op);
  else applyWhole(container, target, op);
}

function where(t: ResolvedAttr, sub?: string) {
  return `${t.urn ? t.urn + ':' : ''}${t.def.name}${sub ? '.' + sub : ''}`;
}

function applyWhole(container: Json, t: ResolvedAttr, op: PatchOperation): void {
  const name = t.def.name;
  if (op.op === 'remove') {
    const listed = t.def.multiValued ? valuesToRemove(op.value) : undefined;
    if (listed) {
      const keep = asArray(container[name]).filter((el) => !listed.includes(String((el as Json)?.value ?? el)));
      setOrDelete(container, name, keep);
    } else {
      delete container[name];
    }
    return;
  }
  const value = coerce(t.def, op.value, where(t), t.urn);
  if (t.def.multiValued) {
    const incoming = (value as unknown[] | undefined) ?? [];
    const existing = op.op === 'add' ? asArray(container[name]) : [];
    const merged = [...existing, ...incoming.filter((n) => !existing.some((e) => sameValue(e, n)))];
    setOrDelete(container, name, keepLastPrimary(merged));
  } else if (t.def.type === 'complex' && value && container[name] && !isReference(t)) {
    container[name] = { ...(container[name] as Json), ...(value as Json) };
  } else if (value === undefined) {
    delete container[name];
  } else {
    container[name] = value;
  }
}

/** A reference like `manager` is replaced whole: merging would keep a stale `$ref` of the previous manager. */
const isReference = (t: ResolvedAttr) => !!findAttr(t.def.subAttributes ?? [], '$ref');

function applySub(container: Json, t: ResolvedAttr, sub: string, op: PatchOperation): void {
  const name = t.def.name;
  const subDef = findAttr(t.def.subAttributes!, sub)!;
  if (t.def.multiValued) {
    if (op.op !== 'remove') {
      throw badRequest('invalidPath', `"${where(t, sub)}" is ambiguous on a multi-valued attribute; use a value filter such as ${name}[type eq "work"].${sub}.`);
    }
    const list = asArray(container[name]).map((el) => { const c = { ...(el as Json) }; delete c[subDef.name]; return c; });
    setOrDelete(container, name, list);
    return;
  }
  const current = { ...((container[name] as Json | undefined) ?? {}) };
  if (op.op === 'remove') delete current[subDef.name];
  else {
    const v = coerce(subDef, op.value, where(t, sub));
    if (v === undefined) delete current[subDef.name];
    else current[subDef.name] = v;
  }
  if (Object.keys(current).length) container[name] = current;
  else delete container[name];
}

function applyFiltered(container: Json, t: ResolvedAttr, filter: Filter, sub: string | undefined, op: PatchOperation, schema: ResourceSchema): void {
  if (!t.def.multiValued || t.def.type !== 'complex') {
    throw badRequest('invalidPath', `"${t.def.name}" is not a multi-valued complex attribute, so a value filter cannot select from it.`);
  }
  try {
    validateFilter(filter, schema, t.def);
  } catch (e) {
    throw badRequest('invalidPath', `Invalid value filter on "${t.def.name}": ${(e as Error).message}`);
  }
  const name = t.def.name;
  const list = asArray(container[name]) as Json[];
  const hit = list.map((el) => elementMatches(filter, el, t.def, schema));
  if (op.op === 'remove') {
    const next = sub ? list.map((el, i) => (hit[i] ? omit(el, findAttr(t.def.subAttributes!, sub)!.name) : el)) : list.filter((_, i) => !hit[i]);
    setOrDelete(container, name, next);
    return;
  }
  const subDef = sub ? findAttr(t.def.subAttributes!, sub)! : undefined;
  const newPart = subDef ? { [subDef.name]: op.value } : op.value;
  if (!hit.some(Boolean)) {
    const seed = elementFromFilter(filter);
    if (!seed) throw badRequest('noTarget', `No "${name}" value matches the filter, and the filter does not describe one to create.`);
    const created = coerce(t.def, { ...seed, ...(newPart as Json) }, where(t, sub)) as Json[];
    setOrDelete(container, name, keepLastPrimary([...list, ...created]));
    return;
  }
  const updated = list.map((el, i) => {
    if (!hit[i]) return el;
    const merged = subDef || op.op === 'add' ? { ...el, ...(newPart as Json) } : (newPart as Json);
    return (coerce(t.def, [merged], where(t, sub)) as Json[])[0] ?? {};
  });
  // An element this operation made primary wins, even over an existing primary that sits later in the list.
  const setPrimary = updated.map((el, i) => hit[i] && (el as Json).primary === true).lastIndexOf(true);
  setOrDelete(container, name, keepLastPrimary(updated, setPrimary < 0 ? undefined : setPrimary));
}

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * A `schemas` key in a PATCH value names the schemas its attributes come from, as in a POST body (where
 * toStoredResource drops it); it is not an attribute to set.
 */
const withoutSchemas = (value: Json): Json => Object.fromEntries(Object.entries(value).filter(([k]) => k.toLowerCase() !== 'schemas'));

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const omit = (o: Json, key: string) => { const c = { ...o }; delete c[key]; return c; };
const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function setOrDelete(container: Json, name: string, list: unknown[]) {
  if (list.length) container[name] = list;
  else delete container[name];
}

/** RFC 7643 §2.4: at most one `primary: true`; the value set last wins (`last`, by default the last in the list). */
function keepLastPrimary(list: unknown[], last = list.map((el) => (el as Json)?.primary === true).lastIndexOf(true)): unknown[] {
  if (last < 0) return list;
  return list.map((el, i) => ((el as Json).primary === true && i !== last ? { ...(el as Json), primary: false } : el));
}
