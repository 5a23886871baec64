import { createHash } from 'node:crypto';

/** One Secret Token as the service keeps it: never the value, only its SHA-256 digest. */
export interface StoredToken {
  /** Short stable id shown by the admin CLI (for Key Vault: the secret version). */
  id: string;
  digest: Buffer;
  created?: Date;
  expires?: Date;
  enabled: boolean;
}

/** Where a tenant's tokens come from (Key Vault, the local table, or settings). */
export interface TokenSource {
  /** Every token of the tenant, enabled or not; [] for an unknown tenant. Throws when the source is unreachable. */
  tokens(tenant: string): Promise<StoredToken[]>;
}

/** A source the admin command line can issue into and revoke from. */
export interface ManagedTokenSource extends TokenSource {
  /** Stores a new token value for the tenant (the caller generated and will print it once); returns its record. */
  issue(tenant: string, value: string, expires?: Date): Promise<StoredToken>;
  revoke(tenant: string, id: string): Promise<boolean>;
  /** Removes every token of the tenant. */
  removeTenant(tenant: string): Promise<void>;
  /** Tenants that have at least one token record. */
  tenants(): Promise<string[]>;
}

export const tokenDigest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
