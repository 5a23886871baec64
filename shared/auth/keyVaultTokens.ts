import { SecretClient, SecretProperties } from '@azure/keyvault-secrets';
import { tolerating } from '../azureFaults';
import { ManagedTokenSource, StoredToken, tokenDigest } from './tokenSource';

/** Content type and `purpose` tag of the secrets this service owns, so that it ignores anything else in a shared vault. */
const PURPOSE = 'scim-secret-token';

/** Node 20 has no Array.fromAsync. */
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * Secret Tokens in Key Vault: one secret per tenant (`{prefix}{tenant}`) whose enabled versions are its tokens.
 * Rotation is then Key Vault's own model — add a version, later disable the old one — and a version's expiry is
 * the token's. Values are read only to compute their digests and never kept.
 */
export class KeyVaultTokenSource implements ManagedTokenSource {
  /**
   * @param readTimeoutMs bound on reading a tenant's tokens. The SDK itself never times out, so a vault that
   * accepts connections and stops answering would hold that tenant's load, and every request waiting on it, forever.
   */
  constructor(
    private readonly client: SecretClient,
    private readonly prefix = 'scim-tenant-',
    private readonly readTimeoutMs = 5_000,
  ) {}

  async tokens(tenant: string): Promise<StoredToken[]> {
    const name = this.prefix + tenant;
    const abortSignal = AbortSignal.timeout(this.readTimeoutMs);
    // Key Vault lists no versions for a missing secret; 404 is tolerated as well, since it means the same.
    const versions = await tolerating(
      collect(this.client.listPropertiesOfSecretVersions(name, { abortSignal })),
      [],
      404,
    );
    return Promise.all(versions.map((p) => this.token(name, p, abortSignal)));
  }

  /** A version as a token; only versions that can be used now are read (a disabled one cannot even be fetched). */
  private async token(name: string, p: SecretProperties, abortSignal: AbortSignal): Promise<StoredToken> {
    const record = { id: p.version ?? '', created: p.createdOn, expires: p.expiresOn };
    const unusable = { ...record, enabled: false, digest: Buffer.alloc(0) };
    // StoredToken cannot say "not valid yet", so a version before its activation date (nbf) counts as disabled until
    // then. An expired version is still read: whether it is usable is the caller's decision, by `expires`.
    if (p.enabled !== true || !p.version || (p.notBefore && p.notBefore.getTime() > Date.now())) return unusable;
    const { value } = await this.client.getSecret(name, { version: p.version, abortSignal });
    return value ? { ...record, enabled: true, digest: tokenDigest(value) } : unusable;
  }

  async issue(tenant: string, value: string, expires?: Date): Promise<StoredToken> {
    const { properties: p } = await this.client.setSecret(this.prefix + tenant, value, {
      expiresOn: expires,
      contentType: PURPOSE,
      tags: { purpose: PURPOSE },
    });
    return {
      id: p.version ?? '',
      digest: tokenDigest(value),
      created: p.createdOn,
      expires: p.expiresOn,
      enabled: p.enabled !== false,
    };
  }

  async revoke(tenant: string, id: string): Promise<boolean> {
    // Without a version the update would address the secret's current version, which is not what was asked.
    if (!id) return false;
    return tolerating(
      this.client.updateSecretProperties(this.prefix + tenant, id, { enabled: false }).then(() => true),
      false,
      404,
    );
  }

  /**
   * Deletes the tenant's secret, then purges it: Key Vault's soft delete keeps a deleted name reserved (setting it
   * answers 409 ObjectIsDeletedButRecoverable), so without the purge the tenant id could not be used again for the
   * retention period. A 403 on purge — purge protection, or no purge permission — leaves the secret soft-deleted,
   * which is still removed as far as tokens go. The purge itself finishes in the background: for a few seconds
   * the name still answers 409 ObjectIsBeingDeleted.
   */
  async removeTenant(tenant: string): Promise<void> {
    const name = this.prefix + tenant;
    const deleting = this.client
      .beginDeleteSecret(name, { intervalInMs: 250 })
      .then((poller) => poller.pollUntilDone());
    const deleted = await tolerating(
      deleting.then(() => true),
      false,
      404,
    );
    if (deleted) await tolerating(this.client.purgeDeletedSecret(name), undefined, 403, 404);
  }

  async tenants(): Promise<string[]> {
    const secrets = await collect(this.client.listPropertiesOfSecrets());
    return secrets
      .filter((p) => p.name.startsWith(this.prefix) && p.tags?.purpose === PURPOSE)
      .map((p) => p.name.slice(this.prefix.length));
  }
}
