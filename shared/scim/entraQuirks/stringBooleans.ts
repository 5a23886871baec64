/**
 * Entra quirk: the default provisioning job sends booleans as the strings "True"/"False" (docs/architecture.md#entra-quirks), e.g.
 * `{"op":"Replace","path":"active","value":"False"}`; the aadOptscim062020 flag sends JSON booleans (the RFC form).
 * Accept both, any case; we always store and return JSON booleans.
 */
export function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}
