import type { createRemoteJWKSet } from 'jose';
import { errorFields } from '../azureFaults';
import { TtlCache } from '../ttlCache';
import { tokenDigest } from './tokenSource';

/** The audience of the tokens Entra's provisioning service sends to non-gallery apps (docs/operations.md#tenants-and-tokens). */
export const ENTRA_PROVISIONING_AUDIENCE = '8adf8e6e-67b2-4cf2-a259-e3dc5476c621';

/** Entra's published signing keys for v1 tokens (issuer `https://sts.windows.net/{tid}/`). */
export const ENTRA_JWKS_URL = 'https://login.microsoftonline.com/common/discovery/keys';

/** Clock skew allowed on `exp` and `nbf`. */
const SKEW_SECONDS = 60;

/** The verifier could not reach Entra's key set: the token is neither accepted nor refused. */
export class KeySetUnavailable extends Error {}

/**
 * Checks a JWT that Entra's provisioning service sent in place of a Secret Token: RS256 over a key from Entra's
 * key set, issuer `https://sts.windows.net/{tid}/` for one of the allowed Entra tenants, the provisioning
 * audience, and `exp`/`nbf`. jose caches the key set and refetches it when a token names an unknown `kid` (key
 * rollover), at most every 30 s, so forged `kid`s cannot make us hammer Entra.
 */
export class EntraJwtVerifier {
  /** jose and the key set are loaded on the first JWT: most deployments use Secret Tokens and never need them. */
  private keys?: ReturnType<typeof createRemoteJWKSet>;
  /**
   * Tokens already verified, by digest: Entra sends the same token for about an hour, and an RSA verification
   * costs more than the rest of authentication. Each entry holds until the token's own expiry (plus skew).
   */
  private readonly verified = new TtlCache<string, { issuerTenant: string; expiresMs: number }>(1_000, 3_600_000);

  constructor(
    private readonly jwksUrl: string = ENTRA_JWKS_URL,
    private readonly refetchCooldownMs = 30_000,
  ) {}

  /** True for a valid token from one of `entraTenantIds`; false for any other token; throws KeySetUnavailable. */
  async verify(token: string, entraTenantIds: readonly string[]): Promise<boolean> {
    if (!entraTenantIds.length) return false;
    const digest = tokenDigest(token).toString('base64');
    const known = this.verified.get(digest);
    if (known && known.expiresMs > Date.now()) return entraTenantIds.includes(known.issuerTenant);
    const jose = await import('jose');
    this.keys ??= jose.createRemoteJWKSet(new URL(this.jwksUrl), {
      cooldownDuration: this.refetchCooldownMs,
      cacheMaxAge: 24 * 3600_000,
      timeoutDuration: 5_000,
    });
    try {
      const { payload } = await jose.jwtVerify(token, this.keys, {
        algorithms: ['RS256'],
        audience: ENTRA_PROVISIONING_AUDIENCE,
        issuer: entraTenantIds.map((tid) => `https://sts.windows.net/${tid}/`),
        clockTolerance: SKEW_SECONDS,
        requiredClaims: ['exp'],
      });
      // The issuer already names the tenant; `tid` must agree when present. jwtVerify has checked the issuer against
      // these tenants and required `exp`, so the first two conditions only type what it has checked.
      const issuerTenant = entraTenantIds.find((tid) => payload.iss === `https://sts.windows.net/${tid}/`);
      const { exp, tid } = payload;
      if (issuerTenant === undefined || exp === undefined || (tid !== undefined && tid !== issuerTenant)) return false;
      this.verified.set(digest, { issuerTenant, expiresMs: (exp + SKEW_SECONDS) * 1000 });
      return true;
    } catch (e) {
      if (e instanceof jose.errors.JWKSTimeout || isFetchFailure(e, jose.errors))
        throw new KeySetUnavailable('Entra key set unreachable');
      return false;
    }
  }
}

/** An unreachable, failing or malformed key-set endpoint (as opposed to a token that fails verification). */
function isFetchFailure(e: unknown, errors: typeof import('jose').errors): boolean {
  if (e instanceof errors.JWKSInvalid) return true;
  if (e instanceof errors.JOSEError)
    return e.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set HTTP response/.test(e.message);
  const { code } = errorFields(e);
  return code !== undefined && /^E[A-Z]+$/.test(code); // ECONNREFUSED, ENOTFOUND, …
}

/** A compact JWS (header.payload.signature, base64url) rather than an opaque Secret Token. */
export const looksLikeJwt = (token: string) => /^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(token);
