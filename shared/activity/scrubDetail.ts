import { AttributeDef, commonAttributes, SchemaDef } from '../scim/schemaDefinitions';

/** Longest detail kept: enough for any of this server's SCIM errors, bounded for the log's rows. */
const MAX_DETAIL = 500;
const MASK = '…';

/**
 * A SCIM error's detail without the attribute values it may quote (`A User with userName "ann@contoso.com"
 * already exists`, `got "abc"`, Node's JSON parser echoing the body): the activity log is for operators and keeps
 * ids only. A quoted text survives only when it is an attribute path, schema URN or PatchOp keyword of this
 * deployment, so "`"emails" must be …`" stays readable.
 */
export function detailScrubber(schemas: SchemaDef[]): (detail: string) => string {
  const known = new Set<string>([
    'add',
    'replace',
    'remove',
    'eq',
    'ne',
    'co',
    'sw',
    'ew',
    'gt',
    'ge',
    'lt',
    'le',
    'pr',
    '.search',
  ]);
  const visit = (defs: AttributeDef[] | undefined, prefix: string) => {
    for (const d of defs ?? []) {
      known.add(`${prefix}${d.name}`.toLowerCase());
      visit(d.subAttributes, `${prefix}${d.name}.`);
    }
  };
  visit(commonAttributes, '');
  for (const s of schemas) {
    known.add(s.id.toLowerCase());
    visit(s.attributes, '');
    visit(s.attributes, `${s.id}:`);
  }
  const isKnown = (text: string) => known.has(text.toLowerCase());
  return (detail) =>
    detail
      // Node's JSON.parse messages quote the body they failed on.
      .replace(/not valid JSON[\s\S]*$/, `not valid JSON ${MASK}`)
      .replace(/\bgot [\s\S]*$/, `got ${MASK}.`)
      .replace(/"([^"]*)"/g, (whole, inner: string) => (isKnown(inner) ? whole : `"${MASK}"`))
      .slice(0, MAX_DETAIL);
}
