import { badRequest } from './errors';
import { Filter } from './filter';
import { foldCase } from './filterEvaluation';
import { ResourceSchema, ResourceTypeName } from './resourceSchema';

/** The attribute that holds a type's memberships: kept as membership rows, never in the resource's document. */
export const RELATION: Record<ResourceTypeName, 'members' | 'groups'> = { Group: 'members', User: 'groups' };

const isRelationValueEq = (
  f: Filter,
  relation: string,
  inside: boolean,
): f is Extract<Filter, { kind: 'compare' }> & { value: string } =>
  f.kind === 'compare' &&
  f.op === 'eq' &&
  typeof f.value === 'string' &&
  !f.path.urn &&
  (inside
    ? f.path.attr.toLowerCase() === 'value' && !f.path.sub
    : f.path.attr.toLowerCase() === relation && (f.path.sub?.toLowerCase() ?? 'value') === 'value');

/**
 * The one recogniser of `members.value eq "<id>"` / `members[value eq "<id>"]` (and `groups…` on users): the id a
 * single filter term pins, or undefined. Membership rows answer such a term by key.
 */
export function relationValueEq(f: Filter, relation: string): string | undefined {
  if (isRelationValueEq(f, relation, false)) return f.value;
  if (f.kind === 'valuePath' && f.path.attr.toLowerCase() === relation && isRelationValueEq(f.filter, relation, true))
    return f.filter.value;
  return undefined;
}

/**
 * Every id a filter tests membership of, validating that membership is tested only by such terms: other
 * conditions (`members pr`, `members.display co`) would need every membership of every resource.
 */
export function relationIdsInFilter(filter: Filter | undefined, schema: ResourceSchema): string[] {
  const relation = RELATION[schema.name];
  // Ids are lower-case UUIDs: where the schema makes the relation's value case-insensitive (a user's groups, RFC 7643
  // §4.1.2), an id written in capitals names the same resource.
  const valueDef = schema.resolve({ attr: relation, sub: 'value' }).sub;
  const ids: string[] = [];
  const unsupported = () =>
    badRequest(
      'invalidFilter',
      `Invalid filter: ${relation} can be filtered only with ${relation}.value eq "<id>" (or ${relation}[value eq "<id>"]).`,
    );
  const visit = (f: Filter, inside: boolean): void => {
    switch (f.kind) {
      case 'and':
      case 'or':
        visit(f.left, inside);
        visit(f.right, inside);
        return;
      case 'not':
        visit(f.filter, inside);
        return;
      case 'valuePath':
        if (f.path.attr.toLowerCase() === relation) visit(f.filter, true);
        return;
      case 'present':
        if (inside || f.path.attr.toLowerCase() === relation) throw unsupported();
        return;
      case 'compare':
        if (!inside && f.path.attr.toLowerCase() !== relation) return;
        if (!isRelationValueEq(f, relation, inside)) throw unsupported();
        ids.push(foldCase(f.value, valueDef));
    }
  };
  if (filter) visit(filter, false);
  return ids;
}
