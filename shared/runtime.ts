import { changesQueue, tableAccount } from './azureClients';
import { Clock, systemClock } from './clock';
import { InvalidSettings, readSettings, Settings } from './config';
import { buildSchemaRegistry, SchemaRegistry } from './scim/resourceSchema';
import { Repository } from './resources/repository';
import { ResourceService } from './resources/resourceService';
import { ResourceStore } from './store/resourceStore';
import { PartitionTable } from './store/partitionTable';
import { MembershipStore } from './store/membershipStore';
import { ChangeFeed, CLOCK_ALLOWANCE_MS } from './store/changeFeed';
import { ChangeOutbox } from './store/changeOutbox';
import { QueueDelivery } from './feed/queueDelivery';
import { Authenticator } from './auth/authenticator';
import { EntraJwtVerifier } from './auth/entraJwt';
import { SettingsTokenSource } from './auth/settingsTokens';
import { CredentialsLoader } from './auth/tenantCredentials';
import { DEFAULT_TENANT } from './auth/tenantId';
import { ManagedTokenSource } from './auth/tokenSource';
import { TableTokenSource } from './store/tokenTable';
import { TenantDirectory } from './store/tenantDirectory';
import { TokenUsage } from './store/tokenUsage';
import { ActivityLog, createActivityLog } from './activity/activityLog';
import type { TenantAlarmSource } from './activity/statusReport';
import { AlarmStates } from './store/alarmStates';
import { alarmStatus } from './notify/alarmStatus';

/** Everything a request needs, built once per process from the app settings (the composition root). */
export interface Runtime {
  settings: Settings;
  schemas: SchemaRegistry;
  /** Users and Groups: what the SCIM endpoints call. */
  service: ResourceService;
  /** The storage behind the service, for the admin command line (a deleted tenant's data). */
  repository: Repository;
  /** The change feed's reader (written by the stores when SCIM_CHANGES is on). */
  changes: ChangeFeed;
  /** Sends the feed's events to SCIM_CHANGES_QUEUE, when one is set. */
  delivery?: QueueDelivery;
  auth: Pick<Authenticator, 'authenticate' | 'knows'>;
  /** Where issued tokens live: Key Vault when configured, else the table (digests only). */
  tokens: ManagedTokenSource;
  /** Tokens declared in settings (read-only). */
  settingsTokens: SettingsTokenSource;
  tenants: TenantDirectory;
  tokenUsage: TokenUsage;
  /** The per-tenant record of request outcomes, fed by the pipeline and read by the status view. */
  activity: ActivityLog;
  /** The notifier's verdict per tenant as the status view shows it; tests may replace it. */
  alarms?: TenantAlarmSource;
  /** The notifier's alarm state rows per tenant, which it reads and writes under ETags. */
  alarmStates: AlarmStates;
  /** The service's time (tests move it): what the timers judge by. */
  clock: Clock;
}

/**
 * Modules only some deployments use (Key Vault; the managed identity in azureClients.ts), loaded when the settings
 * ask for them: with jose (loaded by the first JWT) they were most of the first function module's ~0.45 s load,
 * paid also by deployments that never use them.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- literal requires, so a bundler still includes them */
const keyVault = () => ({
  // `require` returns any: each cast names the very module it loads, restoring its type and assuming nothing more.
  ...(require('./auth/keyVaultTokens') as typeof import('./auth/keyVaultTokens')),
  // Likewise: the module named is the module loaded.
  ...(require('./auth/keyVaultClient') as typeof import('./auth/keyVaultClient')),
});
/* eslint-enable @typescript-eslint/no-require-imports */

let current: Runtime | InvalidSettings | undefined;

/**
 * The process's runtime, built on first use. Settings are read once: when they are invalid, every later call
 * throws the same InvalidSettings (the answer to a request, the failure of a timer) without reading them again.
 */
export function runtime(): Runtime {
  current ??= settingsOrProblems();
  if (current instanceof InvalidSettings) throw current;
  return current;
}

function settingsOrProblems(): Runtime | InvalidSettings {
  try {
    return createRuntime(readSettings());
  } catch (e) {
    if (e instanceof InvalidSettings) return e;
    throw e;
  }
}

/** The process's runtime if one was built: shutdown work must not build one just to find nothing to do. */
export function builtRuntime(): Runtime | undefined {
  return current instanceof InvalidSettings ? undefined : current;
}

/**
 * Replaces the process's runtime: tests build one with `createRuntime(settings, { clock })` to move time instead
 * of sleeping. In-process only; nothing reachable over HTTP calls it.
 */
export function setRuntime(rt: Runtime): void {
  current = rt;
}

export function createRuntime(settings: Settings, options: { clock?: Clock } = {}): Runtime {
  const account = tableAccount(settings);
  const partitions = new PartitionTable(account.table(settings.SCIM_TABLE_NAME));
  const tokens: ManagedTokenSource = settings.SCIM_KEY_VAULT_URL
    ? new (keyVault().KeyVaultTokenSource)(
        keyVault().secretClient(settings.SCIM_KEY_VAULT_URL, settings.SCIM_STORAGE_TIMEOUT_MS),
        settings.SCIM_KEY_VAULT_SECRET_PREFIX,
      )
    : new TableTokenSource(partitions);
  const settingsTokens = new SettingsTokenSource({
    ...settings.SCIM_TENANT_TOKENS,
    ...(settings.SCIM_TOKEN
      ? { [DEFAULT_TENANT]: [settings.SCIM_TOKEN, ...(settings.SCIM_TENANT_TOKENS[DEFAULT_TENANT] ?? [])] }
      : {}),
  });
  const tenants = new TenantDirectory(partitions);
  const alarmStates = new AlarmStates(partitions);
  const tokenUsage = new TokenUsage(partitions);
  const load: CredentialsLoader = async (tenant) => {
    const [declared, issued, record] = await Promise.all([
      settingsTokens.tokens(tenant),
      tokens.tokens(tenant),
      tenants.get(tenant),
    ]);
    const entra = new Set([...(settings.SCIM_ENTRA_TENANTS[tenant] ?? []), ...(record?.entraTenantIds ?? [])]);
    return { tokens: [...declared, ...issued], entraTenantIds: [...entra] };
  };
  const schemas = buildSchemaRegistry(settings.SCIM_EXTENSIONS);
  const settleMs = settings.SCIM_STORAGE_TIMEOUT_MS + CLOCK_ALLOWANCE_MS;
  const queue = settings.SCIM_CHANGES === 'on' ? changesQueue(settings) : undefined;
  const outbox = queue && new ChangeOutbox(partitions);
  // The sweep leaves rows younger than the settle window to the instance that wrote them (it sends them at once).
  const delivery = queue && outbox && new QueueDelivery(outbox, queue, { sweepAfterMs: settleMs, log: console.warn });
  const changes = new ChangeFeed(partitions, {
    settleMs,
    outbox,
    onCommitted: delivery && ((tenant) => delivery.kick(tenant)),
  });
  const feed = settings.SCIM_CHANGES === 'on' ? changes : undefined;
  const repository: Repository = {
    resources: new ResourceStore(partitions, feed),
    memberships: new MembershipStore(partitions, feed),
  };
  return {
    settings,
    schemas,
    service: new ResourceService(repository, schemas, {
      maxScan: settings.SCIM_MAX_SCAN,
      createReplaySeconds: settings.SCIM_CREATE_REPLAY_SECONDS,
    }),
    repository,
    changes,
    delivery,
    auth: new Authenticator(load, new EntraJwtVerifier(settings.SCIM_ENTRA_JWKS_URL), {
      cacheMs: settings.SCIM_TOKEN_CACHE_SECONDS * 1000,
      onUsed: (tenant, id) => tokenUsage.record(tenant, id),
      declared: (tenant) => settingsTokens.declared(tenant),
      clock: options.clock,
    }),
    tokens,
    settingsTokens,
    tenants,
    tokenUsage,
    activity: createActivityLog(settings, account, schemas.all),
    alarms: alarmStatus(alarmStates),
    alarmStates,
    clock: options.clock ?? systemClock,
  };
}
