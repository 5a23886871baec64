/**
 * Every way Microsoft Entra's provisioning service departs from RFC 7643/7644 that this server tolerates, one file
 * each, each with tests of both the Entra form and the RFC form (test/unit/entraQuirks.test.ts).
 * Tolerances that need no code of their own, and where they live:
 * - case-insensitive `op` values (`Add`, `Replace`, `Remove`): patch.ts parses ops case-insensitively;
 * - unknown URIs in `schemas` (`…enterprise:2.0User`, the ADSCIM Group URN) and server-owned `meta` in create
 *   bodies are ignored: resourceInput.ts;
 * - `null` attribute values in create bodies mean "absent": resourceInput.ts;
 * - unquoted filter values (`externalId eq jyoung`) and `+` for spaces: filter.ts / the query-string decoder;
 * - an unqualified `manager` path meaning the enterprise extension's manager: resourceSchema.ts.
 */
export { toBoolean } from './stringBooleans';
export { normaliseManager } from './managerForms';
export { splitPathlessValue } from './pathlessReplace';
export { valuesToRemove } from './removeWithValueList';
export { elementFromFilter } from './valueFilterUpsert';
