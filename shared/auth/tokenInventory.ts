import { isUsable } from './tenantCredentials';
import { StoredToken } from './tokenSource';

/** What an operator (or the notifier) may know about a token: never its value or digest. */
export interface TokenInfo {
  tenant: string;
  id: string;
  source: 'key-vault' | 'table' | 'settings';
  created?: Date;
  expires?: Date;
  lastUsed?: Date;
  /** Enabled and not expired. */
  usable: boolean;
}

/** Where tokens and their use are kept: only what the inventory reads (the runtime provides all of it). */
export interface TokenInventorySources {
  settings: { SCIM_KEY_VAULT_URL?: string };
  tokens: { tokens(tenant: string): Promise<StoredToken[]>; tenants(): Promise<string[]> };
  settingsTokens: { tokens(tenant: string): Promise<StoredToken[]>; tenants(): string[] };
  tenants: { list(): Promise<Array<{ tenant: string }>> };
  tokenUsage: { lastUsed(tenant: string): Promise<Map<string, Date>> };
}

/** Every tenant that has a directory entry, issued tokens or tokens in settings. */
export async function knownTenants(rt: TokenInventorySources): Promise<string[]> {
  const [records, issued] = await Promise.all([rt.tenants.list(), rt.tokens.tenants()]);
  return [...new Set([...records.map((r) => r.tenant), ...issued, ...rt.settingsTokens.tenants()])].sort();
}

/** The tenant's tokens with their expiry and last use, so expiring ones can be renewed before Entra quarantines. */
export async function tokenInventory(
  rt: TokenInventorySources,
  tenant: string,
  now = Date.now(),
): Promise<TokenInfo[]> {
  const [issued, declared, lastUsed] = await Promise.all([
    rt.tokens.tokens(tenant),
    rt.settingsTokens.tokens(tenant),
    rt.tokenUsage.lastUsed(tenant),
  ]);
  const issuedSource = rt.settings.SCIM_KEY_VAULT_URL ? 'key-vault' : 'table';
  return [
    ...issued.map((t) => ({ t, source: issuedSource }) as const),
    ...declared.map((t) => ({ t, source: 'settings' }) as const),
  ].map(({ t, source }) => ({
    tenant,
    id: t.id,
    source,
    created: t.created,
    expires: t.expires,
    lastUsed: lastUsed.get(t.id),
    usable: isUsable(t, now),
  }));
}
