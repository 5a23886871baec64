import { z } from 'zod';
import { extensionConfigSchema } from './scim/schemaDefinitions';

/**
 * Every app setting the service reads, validated once. README.md § Configuration documents each; a missing or
 * malformed one stops start-up with a message naming it rather than failing on the first request.
 */
const settingsSchema = z
  .object({
    /** Secret Token of the default tenant (local runs; in Azure tokens come from Key Vault, issue #5). */
    SCIM_TOKEN: z.string().min(16, 'SCIM_TOKEN must be at least 16 characters').optional(),
    /** A storage connection string (Azurite or an account key). Takes precedence over SCIM_TABLE_ENDPOINT. */
    SCIM_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
    /** `https://<account>.table.core.windows.net`, reached with the app's managed identity (Azure). */
    SCIM_TABLE_ENDPOINT: z.string().url().optional(),
    SCIM_TABLE_NAME: z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'SCIM_TABLE_NAME must be a valid table name').default('scim'),
    /** JSON array of custom schema extensions; see README § Custom attributes. */
    SCIM_EXTENSIONS: z
      .string()
      .default('[]')
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'SCIM_EXTENSIONS must be JSON' });
          return z.NEVER;
        }
      })
      .pipe(extensionConfigSchema),
    SCIM_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  })
  .refine((s) => s.SCIM_STORAGE_CONNECTION_STRING || s.SCIM_TABLE_ENDPOINT, {
    message: 'set SCIM_STORAGE_CONNECTION_STRING (local) or SCIM_TABLE_ENDPOINT (Azure, managed identity)',
  });

export type Settings = z.infer<typeof settingsSchema>;

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'settings'}: ${i.message}`).join('; ');
    throw new Error(`Invalid app settings: ${problems}`);
  }
  return parsed.data;
}
