import { StoredToken, TokenSource, tokenDigest } from './tokenSource';

/**
 * Tokens declared in app settings (`SCIM_TOKEN`, `SCIM_TENANT_TOKENS`): for local runs and tests. Only digests are
 * kept; ids are positional (`setting-1`, …) because settings carry no names.
 */
export class SettingsTokenSource implements TokenSource {
  private readonly byTenant: Map<string, StoredToken[]>;

  constructor(tokensByTenant: Record<string, string[]>) {
    this.byTenant = new Map(
      Object.entries(tokensByTenant).map(([tenant, values]) => [
        tenant,
        values.map((v, i) => ({ id: `setting-${i + 1}`, digest: tokenDigest(v), enabled: true })),
      ]),
    );
  }

  async tokens(tenant: string): Promise<StoredToken[]> {
    return this.declared(tenant);
  }

  /** The same, synchronously: settings are known at start-up, no store is read. */
  declared(tenant: string): StoredToken[] {
    return this.byTenant.get(tenant) ?? [];
  }

  tenants(): string[] {
    return [...this.byTenant.keys()];
  }
}
