import { timingSafeEqual } from 'node:crypto';
import { ScimError } from '../scim/errors';
import { EntraJwtVerifier, KeySetUnavailable, looksLikeJwt } from './entraJwt';
import { CredentialsLoader, isUsable, TenantCredentials } from './tenantCredentials';
import { tokenDigest } from './tokenSource';

export interface AuthenticatorOptions {
  /** How long loaded credentials are trusted; a revoked token keeps working at most this long. */
  cacheMs: number;
  /**
   * A tenant's credentials are read at most this often; an unknown token arriving sooner waits for the next read
   * (so a token issued a moment ago is still found, and a flood of bad tokens costs one read per interval).
   */
  minReloadMs?: number;
  /** Reloads across all tenants per second, so guessed tenant names cannot hammer Key Vault either. */
  reloadsPerSecond?: number;
  maxTenants?: number;
  now?: () => number;
  /** Told which token authenticated a request (for "last used"); must not throw. */
  onUsed?: (tenant: string, tokenId: string) => void;
}

/** How long a request with a stale cached entry waits for a reload before the stale entry answers. */
const STALE_PATIENCE_MS = 2_000;

interface Entry {
  credentials: TenantCredentials;
  loadedAt: number;
}

const unauthorized = () =>
  new ScimError(401, 'Missing or invalid bearer token. Send the Secret Token as "Authorization: Bearer <token>".', undefined, {
    'WWW-Authenticate': 'Bearer realm="scim"',
  });

/**
 * Entra retries a 503 later instead of counting a failure towards quarantine; a 401 would count. The cause goes
 * to the log (scimHttp.errorResponse), never to the client.
 */
const unavailable = (cause: unknown) =>
  Object.assign(
    new ScimError(503, 'The token store is temporarily unreachable, so this token cannot be checked; retry after the interval in Retry-After.', undefined, {
      'Retry-After': '30',
    }),
    { cause },
  );

/**
 * Decides whether a bearer token may act for a tenant. Credentials are cached per tenant; a token that is not in
 * the cache reloads them (one load in flight per tenant, rate-limited), which is what makes rotation seamless: a
 * freshly issued token is found on its first use. When the source is unreachable, cached tokens keep working
 * and unknown ones get 503 — never 401, which would push the Entra job towards quarantine for our outage.
 * The same 401 answers a wrong token, a token of another tenant and a tenant that does not exist.
 */
export class Authenticator {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry | undefined>>();
  /** Why the last read of a tenant's credentials failed, while it has not succeeded since. */
  private readonly failures = new Map<string, unknown>();
  private readonly lastReload = new Map<string, number>();
  private budget: { second: number; used: number } = { second: 0, used: 0 };
  private readonly now: () => number;
  private readonly minReloadMs: number;

  constructor(
    private readonly load: CredentialsLoader,
    private readonly jwt: EntraJwtVerifier | undefined,
    private readonly options: AuthenticatorOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.minReloadMs = Math.min(options.minReloadMs ?? 5_000, options.cacheMs);
  }

  /** Resolves when `token` is valid for `tenant`; otherwise throws the ScimError to answer with (401 or 503). */
  async authenticate(tenant: string, token: string | undefined): Promise<void> {
    if (!token) throw unauthorized();
    const cached = this.entries.get(tenant);
    const fresh = cached !== undefined && this.now() - cached.loadedAt < this.options.cacheMs;
    if (fresh && (await this.accepts(tenant, cached, token))) return;
    // A JWT is judged by its signature and claims alone; re-reading the tenant's tokens cannot change the verdict.
    if (fresh && this.judgesJwt(cached, token)) throw unauthorized();
    const wait = this.reloadWait(tenant);
    if (wait === undefined) return this.fallBack(tenant, cached, token);
    if (wait > 0) {
      // The tenant was read moments ago. If that read failed (no fresh entry), this is an outage; otherwise the
      // token may have been issued since, so it waits for the next allowed read — which also slows down guessing.
      if (!fresh) return this.fallBack(tenant, cached, token);
      await new Promise((ok) => setTimeout(ok, wait));
    }
    const entry = await this.reload(tenant, fresh ? undefined : cached && STALE_PATIENCE_MS);
    if (!entry) return this.fallBack(tenant, cached, token);
    if (!(await this.accepts(tenant, entry, token))) throw unauthorized();
  }

  /**
   * Whether `tenant` has credentials as last loaded here (no read): after a 401 the tenant was just loaded, so
   * the activity log can count a wrong token for a real tenant and put guessed tenant names in one bucket.
   */
  knows(tenant: string): boolean {
    const entry = this.entries.get(tenant);
    return entry !== undefined && (entry.credentials.tokens.length > 0 || entry.credentials.entraTenantIds.length > 0);
  }

  /** The source cannot answer now: what was loaded before still counts, nothing else can be decided. */
  private async fallBack(tenant: string, cached: Entry | undefined, token: string): Promise<void> {
    if (cached && (await this.accepts(tenant, cached, token))) return;
    throw unavailable(this.failures.get(tenant) ?? new Error('token store reads are rate-limited (reloadsPerSecond) and this tenant is not cached'));
  }

  private judgesJwt(entry: Entry, token: string): boolean {
    return this.jwt !== undefined && entry.credentials.entraTenantIds.length > 0 && looksLikeJwt(token);
  }

  private async accepts(tenant: string, entry: Entry, token: string): Promise<boolean> {
    const { tokens, entraTenantIds } = entry.credentials;
    if (this.jwt && this.judgesJwt(entry, token)) {
      try {
        return await this.jwt.verify(token, entraTenantIds);
      } catch (e) {
        if (e instanceof KeySetUnavailable) throw unavailable(e);
        throw e;
      }
    }
    const presented = tokenDigest(token);
    const now = this.now();
    let matched: string | undefined;
    // Every candidate is compared, in constant time, so timing reveals neither which token nor how much matched.
    for (const t of tokens) if (t.digest.length === presented.length && timingSafeEqual(t.digest, presented) && isUsable(t, now)) matched = t.id;
    if (matched !== undefined) this.options.onUsed?.(tenant, matched);
    return matched !== undefined;
  }

  /** Milliseconds until this tenant may be read again (0: now), or undefined when the overall budget is spent. */
  private reloadWait(tenant: string): number | undefined {
    if (this.loading.has(tenant)) return 0; // joining a read in flight costs nothing
    const now = this.now();
    const last = this.lastReload.get(tenant);
    if (last !== undefined && now - last < this.minReloadMs) return last + this.minReloadMs - now;
    const second = Math.floor(now / 1000);
    if (this.budget.second !== second) this.budget = { second, used: 0 };
    return this.budget.used < (this.options.reloadsPerSecond ?? 20) ? 0 : undefined;
  }

  /**
   * Loads the tenant's credentials (one load in flight per tenant). Undefined when the source failed, or when a
   * cached entry exists and the source is slower than `patience` — the stale entry then answers meanwhile.
   */
  private async reload(tenant: string, patience?: number): Promise<Entry | undefined> {
    let p = this.loading.get(tenant);
    if (!p) {
      this.budget.used++;
      this.lastReload.delete(tenant); // re-inserted last, so the oldest are pruned first
      this.lastReload.set(tenant, this.now());
      this.prune();
      p = this.load(tenant).then(
        (credentials) => {
          const entry = { credentials, loadedAt: this.now() };
          this.failures.delete(tenant);
          this.remember(tenant, entry);
          return entry;
        },
        (e: unknown) => {
          this.failures.set(tenant, e);
          return undefined;
        },
      );
      const settled = p.finally(() => this.loading.delete(tenant));
      this.loading.set(tenant, settled);
      p = settled;
    }
    if (patience === undefined) return p;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<undefined>((ok) => (timer = setTimeout(ok, patience, undefined)));
    return Promise.race([p, waited]).finally(() => clearTimeout(timer));
  }

  private remember(tenant: string, entry: Entry) {
    this.entries.delete(tenant);
    this.entries.set(tenant, entry);
    this.prune();
  }

  /** Guessed tenant names must not grow memory without bound: the least recently loaded are forgotten first. */
  private prune() {
    const max = this.options.maxTenants ?? 10_000;
    for (const key of this.entries.keys()) {
      if (this.entries.size <= max) break;
      this.entries.delete(key);
    }
    for (const key of this.lastReload.keys()) {
      if (this.lastReload.size <= max) break;
      this.lastReload.delete(key);
      this.failures.delete(key);
    }
  }
}
