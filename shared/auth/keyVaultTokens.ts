import { SecretClient } from '@azure/keyvault-secrets';
import { ManagedTokenSource, StoredToken, tokenDigest } from './tokenSource';

const CONTENT_TYPE = 'scim-secret-token';
const statusOf = (e: unknown) => (e as { statusCode?: number })?.statusCode;

/**
 * Secret Tokens in Key Vault: one secret per tenant (`{prefix}{tenant}`), each enabled, unexpired version of it
 * a valid token. Rotation is then Key Vault's own model — add a version, later disable the old one — and the
 * vault's `expires` is the token's expiry. Values are read only to compute digests and are not kept.
 */
export class KeyVaultTokenSource implements ManagedTokenSource {
  constructor(private readonly client: SecretClient, private readonly prefix = 'scim-tenant-') {}

  async tokens(tenant: string): Promise<StoredToken[]> {
    const name = this.prefix + tenant;
    const versions = [];
    try {
      for await (const p of this.client.listPropertiesOfSecretVersions(name)) versions.push(p);
    } catch (e) {
      if (statusOf(e) === 404) return [];
      throw e;
    }
    const now = Date.now();
    return Promise.all(
      versions.map(async (p): Promise<StoredToken> => {
        const base = { id: p.version ?? '', created: p.createdOn, expires: p.expiresOn, enabled: p.enabled !== false };
        // Disabled, expired and not-yet-valid versions cannot be used now, so their values are not read.
        const current = base.enabled && (!p.expiresOn || p.expiresOn.getTime() > now) && (!p.notBefore || p.notBefore.getTime() <= now);
        if (!current || !p.version) return { ...base, enabled: base.enabled && !(p.notBefore && p.notBefore.getTime() > now), digest: Buffer.alloc(0) };
        const secret = await this.client.getSecret(name, { version: p.version });
        return { ...base, digest: tokenDigest(secret.value ?? '') };
      }),
    );
  }

  async issue(tenant: string, value: string, expires?: Date): Promise<StoredToken> {
    const secret = await this.client.setSecret(this.prefix + tenant, value, { contentType: CONTENT_TYPE, expiresOn: expires, tags: { purpose: CONTENT_TYPE } });
    return { id: secret.properties.version ?? '', digest: tokenDigest(value), created: secret.properties.createdOn, expires: secret.properties.expiresOn, enabled: true };
  }

  async revoke(tenant: string, id: string): Promise<boolean> {
    try {
      await this.client.updateSecretProperties(this.prefix + tenant, id, { enabled: false });
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
  }

  /**
   * Deletes the tenant's secret and purges it, so the tenant id can be used again (a soft-deleted name is
   * reserved). Without purge permission the secret stays soft-deleted, which only blocks re-creating the tenant.
   */
  async removeTenant(tenant: string): Promise<void> {
    const name = this.prefix + tenant;
    try {
      await (await this.client.beginDeleteSecret(name, { intervalInMs: 250 })).pollUntilDone();
    } catch (e) {
      if (statusOf(e) === 404) return;
      throw e;
    }
    await this.client.purgeDeletedSecret(name).catch((e) => {
      if (statusOf(e) !== 403) throw e;
    });
  }

  async tenants(): Promise<string[]> {
    const out: string[] = [];
    for await (const p of this.client.listPropertiesOfSecrets()) {
      if (p.name.startsWith(this.prefix) && p.tags?.purpose === CONTENT_TYPE) out.push(p.name.slice(this.prefix.length));
    }
    return out;
  }
}
