import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { settingsSchema } from '../../shared/config';
import { appSettingsSetBy, infraFiles } from './bicep';

/**
 * One list of app settings: what the code reads (shared/config.ts, any other process.env read in shared/ or
 * functions/, `%NAME%` binding expressions) and what infra/ sets must agree. A setting added to config.ts fails
 * here until infra sets it, or until it is entered below with the reason Azure does without it.
 */
const ROOT = join(__dirname, '..', '..');

/** Read by the code, deliberately not set in Azure: the schema's default is right there. */
const DEFAULT_IN_AZURE: Record<string, string> = {
  SCIM_ENTRA_TENANTS:
    'tenants that accept Entra-issued JWTs are recorded per tenant (`admin tenant create --entra-tenant`)',
  SCIM_ENTRA_JWKS_URL: "Entra's published key set; only tests point elsewhere",
  SCIM_KEY_VAULT_SECRET_PREFIX: 'the admin CLI and the app agree on the default prefix',
  SCIM_TOKEN_CACHE_SECONDS: 'the default revocation delay (300 s)',
  SCIM_TABLE_NAME: 'one table holds every tenant',
  SCIM_MAX_BODY_BYTES: 'the default (1 MiB) fits any Entra request',
  SCIM_MAX_SCAN: 'sized to the 60 s function timeout in host.json',
  SCIM_CREATE_REPLAY_SECONDS: "off: a duplicate create is 409, as Microsoft's SCIM validator expects; operators opt in",
  SCIM_STORAGE_TIMEOUT_MS: "10 s bounds a hung dependency well inside Entra's 60 s and the function timeout",
  SCIM_NOTIFY_RECOVERY_MINUTES: 'an hour clear before "recovered", Entra\'s own cadence',
  SCIM_NOTIFY_RULES: 'the documented thresholds (docs/operations.md#notifications); operators override single ones',
  SCIM_GRAPH_URL: 'Microsoft Graph itself; only tests point elsewhere',
};

/** Read by the code for local runs only; infra must never set them. */
const LOCAL_ONLY: Record<string, string> = {
  SCIM_TOKEN: 'a secret: in Azure, Secret Tokens live in Key Vault (SCIM_KEY_VAULT_URL)',
  SCIM_TENANT_TOKENS: 'secrets: in Azure, Secret Tokens live in Key Vault',
  SCIM_STORAGE_CONNECTION_STRING: 'a keyed connection string: in Azure the identity reaches SCIM_TABLE_ENDPOINT',
  SCIM_SMTP_URL: 'holds a relay password: in Azure mail goes through ACS (SCIM_ACS_ENDPOINT) with the identity',
  SCIM_MAIL_OUTBOX: 'the local mail sink (.eml files) for npm start',
};

/** Read by the Functions host or the Azure SDKs, or set by the platform itself (WEBSITE_HOSTNAME): never ours to set. */
const HOST_AND_SDK = [
  /^AzureWebJobsStorage__/,
  /^FUNCTIONS_/,
  /^APPLICATIONINSIGHTS_/,
  /^AZURE_CLIENT_ID$/,
  /^WEBSITE_/,
];
const platformProvided = (name: string) => /^WEBSITE_/.test(name);

function schemaShape(): Record<string, z.ZodTypeAny> {
  let schema: z.ZodTypeAny = settingsSchema;
  while (schema instanceof z.ZodEffects) schema = schema.innerType();
  return (schema as z.AnyZodObject).shape;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    return statSync(path).isDirectory() ? sourceFiles(path) : f.endsWith('.ts') ? [path] : [];
  });
}

/** Settings read outside config.ts: `process.env.X`, `process.env['X']`, and `%X%` in trigger options (e.g. a timer schedule). */
function otherReads(): string[] {
  const names = new Set<string>();
  for (const file of [...sourceFiles(join(ROOT, 'shared')), ...sourceFiles(join(ROOT, 'functions'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/process\.env(?:\.([A-Za-z_]\w*)|\[\s*['"]([A-Za-z_]\w*)['"]\s*\])/g))
      names.add(m[1] ?? m[2]);
    if (file.includes(`${join(ROOT, 'functions')}`))
      for (const m of text.matchAll(/['"`]%([A-Za-z_]\w*)%['"`]/g)) names.add(m[1]);
  }
  return [...names];
}

let read: string[];
let set: string[];

beforeAll(async () => {
  read = [...new Set([...Object.keys(schemaShape()), ...otherReads()])].sort();
  set = (await infraFiles()).flatMap((f) => appSettingsSetBy(f).map((s) => s.name)).sort();
});

describe('app settings: the code and infra/ agree', () => {
  it('finds the settings on both sides', () => {
    expect(read).toEqual(expect.arrayContaining(['SCIM_TABLE_ENDPOINT', 'SCIM_KEY_VAULT_URL']));
    expect(set).toEqual(expect.arrayContaining(['SCIM_TABLE_ENDPOINT', 'SCIM_KEY_VAULT_URL', 'AZURE_CLIENT_ID']));
  });

  it('every setting the code reads is set by infra/, or listed here with why Azure does without it', () => {
    const unaccounted = read.filter(
      (name) => !set.includes(name) && !(name in DEFAULT_IN_AZURE) && !(name in LOCAL_ONLY) && !platformProvided(name),
    );
    // Fix: set it in infra/app/functionApp.bicep's appsettings (a parameter if operators tune it), or add it to
    // DEFAULT_IN_AZURE / LOCAL_ONLY above with the reason.
    expect(unaccounted).toEqual([]);
  });

  it('every setting infra/ sets is read by the code, the Functions host or an Azure SDK', () => {
    expect(set.filter((name) => !read.includes(name) && !HOST_AND_SDK.some((p) => p.test(name)))).toEqual([]);
  });

  it('infra/ sets no local-only setting: no token and no keyed connection string reaches Azure', () => {
    expect(set.filter((name) => name in LOCAL_ONLY)).toEqual([]);
  });

  it('a setting left to its default in Azure has one, and the lists name only settings the code reads', () => {
    const shape = schemaShape();
    expect(
      Object.keys(DEFAULT_IN_AZURE).filter(
        (name) => !shape[name] || shape[name].safeParse(undefined).data === undefined,
      ),
    ).toEqual([]);
    expect(
      [...Object.keys(DEFAULT_IN_AZURE), ...Object.keys(LOCAL_ONLY)].filter((name) => !read.includes(name)),
    ).toEqual([]);
    expect(Object.keys(DEFAULT_IN_AZURE).filter((name) => set.includes(name))).toEqual([]);
  });

  it('every setting the code reads is documented in the settings table of docs/operations.md', () => {
    const readme = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    expect(read.filter((name) => !platformProvided(name) && !new RegExp(`^\\| \`${name}\``, 'm').test(readme))).toEqual(
      [],
    );
  });
});
