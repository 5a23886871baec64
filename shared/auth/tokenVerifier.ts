import { createHash, timingSafeEqual } from 'node:crypto';

/** Answers whether a presented bearer token belongs to a tenant. */
export interface TokenVerifier {
  verify(tenant: string, token: string): Promise<boolean>;
}

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Tokens from app settings (local runs). Only SHA-256 digests are kept in memory, and they are compared in constant
 * time so response timing does not reveal how much of a guess was right.
 */
export class SettingsTokenVerifier implements TokenVerifier {
  private readonly digests: Map<string, Buffer[]>;

  constructor(tokensByTenant: Record<string, string[]>) {
    this.digests = new Map(Object.entries(tokensByTenant).map(([tenant, tokens]) => [tenant, tokens.map(digest)]));
  }

  async verify(tenant: string, token: string): Promise<boolean> {
    const presented = digest(token);
    let ok = false;
    for (const d of this.digests.get(tenant) ?? []) ok = timingSafeEqual(d, presented) || ok;
    return ok;
  }
}

/** `Authorization: Bearer <token>` → the token, or undefined (scheme name is case-insensitive, RFC 6750 §2.1). */
export function bearerToken(header: string | null | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
