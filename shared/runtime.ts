import { DefaultAzureCredential } from '@azure/identity';
import { TableClient } from '@azure/data-tables';
import { readSettings, Settings } from './config';
import { buildSchemaRegistry, SchemaRegistry } from './scim/resourceSchema';
import { ResourceStore } from './store/resourceStore';
import { PartitionTable } from './store/partitionTable';
import { MembershipStore } from './store/membershipStore';
import { Authenticator } from './auth/authenticator';
import { EntraJwtVerifier } from './auth/entraJwt';
import { KeyVaultTokenSource } from './auth/keyVaultTokens';
import { secretClient } from './auth/keyVaultClient';
import { SettingsTokenSource } from './auth/settingsTokens';
import { CredentialsLoader } from './auth/tenantCredentials';
import { DEFAULT_TENANT } from './auth/tenantId';
import { ManagedTokenSource } from './auth/tokenSource';
import { TableTokenSource } from './store/tokenTable';
import { TenantDirectory } from './store/tenantDirectory';
import { TokenUsage } from './store/tokenUsage';
import { AlarmStates } from './store/alarmStates';

/** Everything a request needs, built once per process from the app settings (the composition root). */
export interface Runtime {
  settings: Settings;
  schemas: SchemaRegistry;
  store: ResourceStore;
  memberships: MembershipStore;
  auth: Pick<Authenticator, 'authenticate'>;
  /** Where issued tokens live: Key Vault when configured, else the table (digests only). */
  tokens: ManagedTokenSource;
  /** Tokens declared in settings (read-only). */
  settingsTokens: SettingsTokenSource;
  tenants: TenantDirectory;
  tokenUsage: TokenUsage;
  /** The notifier's alarm state per tenant (issue 13). */
  alarmStates: AlarmStates;
}

let current: Runtime | undefined;

export function runtime(): Runtime {
  current ??= createRuntime(readSettings());
  return current;
}

export function createRuntime(settings: Settings): Runtime {
  const table = settings.SCIM_STORAGE_CONNECTION_STRING
    ? TableClient.fromConnectionString(settings.SCIM_STORAGE_CONNECTION_STRING, settings.SCIM_TABLE_NAME, {
        allowInsecureConnection: /^UseDevelopmentStorage=true|TableEndpoint=http:/i.test(settings.SCIM_STORAGE_CONNECTION_STRING),
      })
    : new TableClient(`${settings.SCIM_TABLE_ENDPOINT}`, settings.SCIM_TABLE_NAME, new DefaultAzureCredential());
  const partitions = new PartitionTable(table);
  const tokens: ManagedTokenSource = settings.SCIM_KEY_VAULT_URL
    ? new KeyVaultTokenSource(secretClient(settings.SCIM_KEY_VAULT_URL), settings.SCIM_KEY_VAULT_SECRET_PREFIX)
    : new TableTokenSource(partitions);
  const settingsTokens = new SettingsTokenSource({
    ...settings.SCIM_TENANT_TOKENS,
    ...(settings.SCIM_TOKEN ? { [DEFAULT_TENANT]: [settings.SCIM_TOKEN, ...(settings.SCIM_TENANT_TOKENS[DEFAULT_TENANT] ?? [])] } : {}),
  });
  const tenants = new TenantDirectory(partitions);
  const tokenUsage = new TokenUsage(partitions);
  const load: CredentialsLoader = async (tenant) => {
    const [declared, issued, record] = await Promise.all([settingsTokens.tokens(tenant), tokens.tokens(tenant), tenants.get(tenant)]);
    const entra = new Set([...(settings.SCIM_ENTRA_TENANTS[tenant] ?? []), ...(record?.entraTenantIds ?? [])]);
    return { tokens: [...declared, ...issued], entraTenantIds: [...entra] };
  };
  return {
    settings,
    schemas: buildSchemaRegistry(settings.SCIM_EXTENSIONS),
    store: new ResourceStore(partitions),
    memberships: new MembershipStore(partitions),
    auth: new Authenticator(load, new EntraJwtVerifier(settings.SCIM_ENTRA_JWKS_URL), {
      cacheMs: settings.SCIM_TOKEN_CACHE_SECONDS * 1000,
      onUsed: (tenant, id) => tokenUsage.record(tenant, id),
    }),
    tokens,
    settingsTokens,
    tenants,
    tokenUsage,
    alarmStates: new AlarmStates(partitions),
  };
}
