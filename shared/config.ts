import { z } from 'zod';
import { extensionConfigSchema } from './scim/schemaDefinitions';
import { DEFAULT_STORAGE_TIMEOUT_MS } from './azureClients';
import { tenantIdSchema } from './auth/tenantId';
import { ENTRA_JWKS_URL } from './auth/entraJwt';
import { notifySettingsSchema } from './notify/notifySettings';
import { activitySettingsSchema } from './activity/activitySettings';
import { jsonSetting } from './jsonSetting';

/**
 * Every app setting the service reads, validated once. docs/operations.md#configuration-app-settings documents each; a missing or
 * malformed one stops start-up with a message naming it rather than failing on the first request.
 */

const secretToken = z.string().min(16, 'a Secret Token must be at least 16 characters');
const oneOrMany = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess((v): unknown => (Array.isArray(v) ? v : [v]), z.array(item));
const entraTenantId = z
  .string()
  .uuid('an Entra tenant id is a GUID')
  .transform((s) => s.toLowerCase());

export const settingsSchema = z.object({
  /** Secret Token of the default tenant (`/scim/v2`), for local runs. */
  SCIM_TOKEN: secretToken.optional(),
  /** `{"<tenant>": "<token>" | ["<token>", …]}`: Secret Tokens of named tenants, for local runs. */
  SCIM_TENANT_TOKENS: jsonSetting('SCIM_TENANT_TOKENS', '{}', z.record(tenantIdSchema, oneOrMany(secretToken))),
  /** `{"<tenant>": "<Entra tenant id>" | […]}`: tenants that accept Entra-issued JWTs, and from which Entra tenants. */
  SCIM_ENTRA_TENANTS: jsonSetting('SCIM_ENTRA_TENANTS', '{}', z.record(tenantIdSchema, oneOrMany(entraTenantId))),
  SCIM_ENTRA_JWKS_URL: z.string().url().default(ENTRA_JWKS_URL),
  /** `https://<vault>.vault.azure.net`: tokens live there (read with the app's managed identity) instead of the table. */
  SCIM_KEY_VAULT_URL: z.string().url().optional(),
  SCIM_KEY_VAULT_SECRET_PREFIX: z
    .string()
    .regex(/^[0-9A-Za-z-]{1,60}$/, 'SCIM_KEY_VAULT_SECRET_PREFIX may hold letters, digits and hyphens')
    .default('scim-tenant-'),
  /** How long tokens read from Key Vault or the table are trusted before being read again (revocation delay). */
  SCIM_TOKEN_CACHE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** A storage connection string (Azurite or an account key). Takes precedence over SCIM_TABLE_ENDPOINT. */
  SCIM_STORAGE_CONNECTION_STRING: z.string().min(1).optional(),
  /** `https://<account>.table.core.windows.net`, reached with the app's managed identity (Azure). */
  SCIM_TABLE_ENDPOINT: z.string().url().optional(),
  SCIM_TABLE_NAME: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'SCIM_TABLE_NAME must be a valid table name')
    .default('scim'),
  /** JSON array of custom schema extensions; see docs/operations.md#custom-attributes. */
  SCIM_EXTENSIONS: jsonSetting('SCIM_EXTENSIONS', '[]', extensionConfigSchema),
  SCIM_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /**
   * The most resources a filtered or sorted list may examine before answering `400 tooMany`, so a query that
   * no index narrows fails clearly instead of running into the 60 s function timeout.
   */
  SCIM_MAX_SCAN: z.coerce.number().int().min(1).default(200_000),
  /**
   * How long a create that repeats an earlier create's body gets that resource back (201) instead of 409: a client
   * whose answer was lost retries, and must not be told its own user already exists. Off (0) by default because
   * RFC 7644 §3.3 answers a taken unique key with 409, and Microsoft's SCIM validator and reference tests post
   * the same user twice and expect exactly that.
   */
  SCIM_CREATE_REPLAY_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
  /**
   * Longest one call to Table Storage or Key Vault may take, the SDK's own retries included. The SDKs never give
   * up on a connection that accepts and stays silent, so without it a request hangs for as long as the outage
   * lasts (Azure's front end cuts at 230 s, long after Entra gave up); with it the request answers 503 with
   * Retry-After, and the next one tries afresh. 10 s leaves room for the SDK's three backed-off retries of a
   * busy call (at most 1.75 s of backoff) and is far above a healthy call (milliseconds; a 1,000-row page < 1 s).
   */
  SCIM_STORAGE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(DEFAULT_STORAGE_TIMEOUT_MS),
  // The settings of the activity log and of the notifier are declared beside the code that reads them.
  ...activitySettingsSchema.shape,
  ...notifySettingsSchema.shape,
  /**
   * `on` | `off`: write a change event in the transaction of every change (docs/change-feed.md). On by default:
   * the event rides in a transaction the change makes anyway, and without it there is no history to ask later.
   */
  SCIM_CHANGES: z
    .string()
    .default('on')
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(['on', 'off'])),
  /**
   * A storage queue of the app's account that also receives every change event (docs/change-feed.md#the-change-queue),
   * through an outbox row in the change's transaction. Unset: no queue.
   */
  SCIM_CHANGES_QUEUE: z
    .string()
    .regex(
      /^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      'SCIM_CHANGES_QUEUE must be a queue name: 3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit',
    )
    .optional(),
  /** `https://<account>.queue.core.windows.net`: the change queue's service, reached with the managed identity (Azure). */
  SCIM_QUEUE_ENDPOINT: z.string().url().optional(),
  /** Days of change events kept; the changeRetention timer removes older ones. */
  SCIM_CHANGES_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
});

export type Settings = z.infer<typeof settingsSchema>;

/**
 * Settings that only work together. Checked on the given settings beside the schema (an object refinement would
 * be skipped whenever a single field is wrong), so one start-up names every problem at once.
 */
const COMPANIONS: { setting: string; holds: (given: Record<string, string>) => boolean; reason: string }[] = [
  {
    setting: 'SCIM_STORAGE_CONNECTION_STRING',
    holds: (g) => Boolean(g.SCIM_STORAGE_CONNECTION_STRING || g.SCIM_TABLE_ENDPOINT),
    reason: 'set SCIM_STORAGE_CONNECTION_STRING (local) or SCIM_TABLE_ENDPOINT (Azure, managed identity)',
  },
  {
    setting: 'SCIM_CHANGES_QUEUE',
    holds: (g) => !g.SCIM_CHANGES_QUEUE || Boolean(g.SCIM_STORAGE_CONNECTION_STRING || g.SCIM_QUEUE_ENDPOINT),
    reason:
      'SCIM_CHANGES_QUEUE needs SCIM_QUEUE_ENDPOINT (Azure, managed identity) or a SCIM_STORAGE_CONNECTION_STRING that reaches the queue service',
  },
  {
    setting: 'SCIM_CHANGES_QUEUE',
    holds: (g) => !g.SCIM_CHANGES_QUEUE || (g.SCIM_CHANGES ?? 'on').toLowerCase() !== 'off',
    reason: "SCIM_CHANGES_QUEUE sends the change feed's events: it needs SCIM_CHANGES on",
  },
  {
    setting: 'SCIM_ACS_ENDPOINT',
    holds: (g) => !g.SCIM_ACS_ENDPOINT || Boolean(g.SCIM_MAIL_FROM),
    reason:
      'SCIM_ACS_ENDPOINT needs SCIM_MAIL_FROM, a sender address of a domain linked to the Communication Services resource',
  },
];

/**
 * Reasons never quote what was given: a setting may hold a secret (a token, a connection string). zod's own
 * messages quote the input only for enums; a number that is not one reads better in words too.
 */
const withoutValues: z.ZodErrorMap = (issue, ctx) => {
  if (issue.code === 'invalid_enum_value') return { message: `must be one of ${issue.options.join(', ')}` };
  if (issue.code === 'invalid_type' && issue.received === 'nan') return { message: 'must be a number' };
  return { message: ctx.defaultError };
};

export interface SettingProblem {
  /** The setting, with the position inside it for JSON settings (`SCIM_TENANT_TOKENS.acme`). */
  setting: string;
  reason: string;
}

/**
 * The app settings cannot be used. Its message lists every problem, one a line, names and reasons only. It has no
 * stack: the fix is the operator's, and the hosts log an uncaught error's stack, which would say nothing here.
 */
export class InvalidSettings extends Error {
  constructor(readonly problems: SettingProblem[]) {
    super(`Invalid app settings (values not shown):\n${problems.map((p) => `  ${p.setting}: ${p.reason}`).join('\n')}`);
    this.name = 'InvalidSettings';
    this.stack = `${this.name}: ${this.message}`;
  }

  /** The settings to fix, each once. */
  get settings(): string[] {
    return [...new Set(this.problems.map((p) => p.setting.split('.')[0]))];
  }
}

/** The settings from `env`, or InvalidSettings naming every one that is wrong. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  // A setting left blank (as in local.settings.sample.json or an emptied app setting) means "not set".
  const given = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1].trim() !== ''),
  );
  const parsed = settingsSchema.safeParse(given, { errorMap: withoutValues });
  const problems: SettingProblem[] = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => ({ setting: i.path.join('.'), reason: i.message }))),
    ...COMPANIONS.filter((c) => !c.holds(given)).map(({ setting, reason }) => ({ setting, reason })),
  ];
  if (problems.length || !parsed.success) throw new InvalidSettings(problems);
  return parsed.data;
}
