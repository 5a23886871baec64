import { z } from 'zod';

/** The tenant served at `/scim/v2/…`; named tenants are served at `/scim/{tenant}/v2/…`. */
export const DEFAULT_TENANT = 'default';

/**
 * A tenant id is a DNS-label-like name: 1–63 lower-case letters, digits and inner hyphens. It is the partition
 * key of the tenant's data and part of its Key Vault secret name, so it must be safe in both; `v1`, `v2`, … are
 * refused because they would read like the protocol segment of the URL.
 */
export const tenantIdSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'a tenant id is 1-63 lower-case letters, digits and inner hyphens')
  .refine((t) => !/^v\d+$/.test(t), 'v1, v2, ... are reserved');

/** The tenant a request's route names (URL paths are matched case-insensitively, so ids are too), or undefined if malformed. */
export function tenantOfRoute(segment: string | undefined): string | undefined {
  if (segment === undefined) return DEFAULT_TENANT;
  const parsed = tenantIdSchema.safeParse(segment.toLowerCase());
  return parsed.success ? parsed.data : undefined;
}
