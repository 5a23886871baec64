import { StoredToken } from './tokenSource';

/** What the service needs to authenticate a tenant's requests, loaded together and cached together. */
export interface TenantCredentials {
  tokens: StoredToken[];
  /** Entra tenant ids whose provisioning JWTs this tenant accepts (the Secret Token left blank in Entra). */
  entraTenantIds: string[];
}

/** Loads a tenant's credentials from wherever they live; throws when a source is unreachable. */
export type CredentialsLoader = (tenant: string) => Promise<TenantCredentials>;

/** A token counts while it is enabled and not past its expiry. */
export const isUsable = (t: StoredToken, now: number) =>
  t.enabled && (t.expires === undefined || t.expires.getTime() > now);
