import { timingSafeEqual } from 'node:crypto';
import { ScimError, unavailable } from '../scim/errors';
import { Clock, systemClock } from '../clock';
import { EntraJwtVerifier, KeySetUnavailable, looksLikeJwt } from './entraJwt';
import { CredentialsLoader, isUsable, TenantCredentials } from './tenantCredentials';
import { StoredToken, tokenDigest } from './tokenSource';

export interface AuthenticatorOptions {
  /** How long loaded credentials are trusted; a revoked token keeps working at most this long. */
  cacheMs: number;
  /**
   * A token missing from a tenant's current credentials re-reads them at most this often; one arriving sooner is
   * answered 401 at once (Entra's retry after the interval finds a token issued meanwhile), so a flood of bad
   * tokens costs one read and holds one request per interval.
   */
  minReloadMs?: number;
  /** Reloads across all tenants per second, so guessed tenant names cannot hammer Key Vault either. */
  reloadsPerSecond?: number;
  maxTenants?: number;
  /** Cache ages, reload intervals and waits; tests pass one they can move forward. */
  clock?: Clock;
  /** Told which token authenticated a request (for "last used"); must not throw. */
  onUsed?: (tenant: string, tokenId: string) => void;
  /**
   * Tokens fixed for the life of the process (app settings): a request presenting one is accepted without reading
   * any store, so even the first request of an instance, or one during a storage outage, answers at once.
   */
  declared?: (tenant: string) => StoredToken[];
}

/** What an Entra-issued token is recorded as where a Secret Token's id would be (change events). */
export const ENTRA_JWT_TOKEN_ID = 'entra-jwt';

/** How long a request with a stale cached entry waits for a reload before the stale entry answers. */
const STALE_PATIENCE_MS = 2_000;

interface Entry {
  credentials: TenantCredentials;
  loadedAt: number;
}

const unauthorized = () =>
  new ScimError(
    401,
    'Missing or invalid bearer token. Send the Secret Token as "Authorization: Bearer <token>".',
    undefined,
    {
      'WWW-Authenticate': 'Bearer realm="scim"',
    },
  );

/**
 * Entra retries a 503 later instead of counting a failure towards quarantine; a 401 would count. The cause goes
 * to the log (scimHttp.errorResponse), never to the client.
 */
const storeUnavailable = (cause: unknown) =>
  Object.assign(unavailable('The token store is temporarily unreachable, so this token cannot be checked.'), { cause });

/**
 * Decides whether a bearer token may act for a tenant. Credentials are cached per tenant; a token that is not in
 * the cache reloads them (one load in flight per tenant, at most one per interval, rate-limited overall), which is
 * what makes rotation seamless: a freshly issued token is found on its first use, or on the retry after the
 * interval when the tenant was read moments before. No request ever sleeps for a read slot. When the source is
 * unreachable, cached tokens keep working and unknown ones get 503 — never 401, which would push the Entra job
 * towards quarantine for our outage.
 * The same 401 answers a wrong token, a token of another tenant and a tenant that does not exist.
 */
export class Authenticator {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry | undefined>>();
  /** Why the last read of a tenant's credentials failed, while it has not succeeded since. */
  private readonly failures = new Map<string, unknown>();
  private readonly lastReload = new Map<string, number>();
  private budget: { second: number; used: number } = { second: 0, used: 0 };
  private readonly clock: Clock;
  private readonly minReloadMs: number;

  constructor(
    private readonly load: CredentialsLoader,
    private readonly jwt: EntraJwtVerifier | undefined,
    private readonly options: AuthenticatorOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.minReloadMs = Math.min(options.minReloadMs ?? 5_000, options.cacheMs);
  }

  /**
   * Resolves to the id of the token when `token` is valid for `tenant` (ENTRA_JWT_TOKEN_ID for an Entra-issued
   * one); otherwise throws the ScimError to answer with (401 or 503).
   */
  async authenticate(tenant: string, token: string | undefined): Promise<string> {
    if (!token) throw unauthorized();
    const declared = this.options.declared?.(tenant);
    const declaredId = declared?.length ? this.matches(tenant, declared, token) : undefined;
    if (declaredId !== undefined) return declaredId;
    const cached = this.entries.get(tenant);
    const fresh = cached !== undefined && this.clock.now() - cached.loadedAt < this.options.cacheMs;
    const cachedId = fresh ? await this.accepts(tenant, cached, token) : undefined;
    if (cachedId !== undefined) return cachedId;
    // Decided in the same turn as the read it may start, so concurrent requests see that read as in flight.
    const permit = this.reloadPermit(tenant);
    if (fresh) {
      // A JWT is judged by its signature and claims alone; re-reading the tenant's tokens cannot change the verdict.
      if (this.judgesJwt(cached, token)) throw unauthorized();
      // The token is not among those just read. Only a token issued since could make it valid, and only one such
      // request per tenant and interval may wait for a read; every other is refused without holding a request
      // slot, so unauthenticated traffic cannot queue out Entra. Refused means 503 while reads are failing or
      // over budget (the verdict is unknown), else 401.
      if (permit !== 'read') {
        if (permit === 'overBudget' || this.failures.has(tenant)) return this.fallBack(tenant, cached, token);
        throw unauthorized();
      }
    } else if (permit === 'overBudget' || permit === 'tooSoon') {
      // Nothing current to judge by, and no read allowed: the last one failed moments ago (an outage) or the
      // budget is spent.
      return this.fallBack(tenant, cached, token);
    }
    // The one request allowed to re-read a fresh entry waits for its read; without a fresh entry every request
    // needs a read, so they all share the one in flight.
    const entry = await this.reload(tenant, fresh ? undefined : cached && STALE_PATIENCE_MS);
    if (!entry) return this.fallBack(tenant, cached, token);
    const id = await this.accepts(tenant, entry, token);
    if (id === undefined) throw unauthorized();
    return id;
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
  private async fallBack(tenant: string, cached: Entry | undefined, token: string): Promise<string> {
    const id = cached && (await this.accepts(tenant, cached, token));
    if (id !== undefined) return id;
    throw storeUnavailable(
      this.failures.get(tenant) ??
        new Error('token store reads are rate-limited (reloadsPerSecond) and this tenant is not cached'),
    );
  }

  private judgesJwt(entry: Entry, token: string): boolean {
    return this.jwt !== undefined && entry.credentials.entraTenantIds.length > 0 && looksLikeJwt(token);
  }

  /** The id of the token if `entry` accepts it. */
  private async accepts(tenant: string, entry: Entry, token: string): Promise<string | undefined> {
    const { tokens, entraTenantIds } = entry.credentials;
    if (this.jwt && this.judgesJwt(entry, token)) {
      try {
        return (await this.jwt.verify(token, entraTenantIds)) ? ENTRA_JWT_TOKEN_ID : undefined;
      } catch (e) {
        if (e instanceof KeySetUnavailable) throw storeUnavailable(e);
        throw e;
      }
    }
    return this.matches(tenant, tokens, token);
  }

  private matches(tenant: string, tokens: StoredToken[], token: string): string | undefined {
    const presented = tokenDigest(token);
    const now = this.clock.now();
    let matched: string | undefined;
    // Every candidate is compared, in constant time, so timing reveals neither which token nor how much matched.
    for (const t of tokens)
      if (t.digest.length === presented.length && timingSafeEqual(t.digest, presented) && isUsable(t, now))
        matched = t.id;
    if (matched !== undefined) this.options.onUsed?.(tenant, matched);
    return matched;
  }

  /** Whether this tenant's credentials may be read now ('read'), are being read ('reading'), or not yet. */
  private reloadPermit(tenant: string): 'read' | 'reading' | 'tooSoon' | 'overBudget' {
    if (this.loading.has(tenant)) return 'reading';
    const now = this.clock.now();
    const last = this.lastReload.get(tenant);
    if (last !== undefined && now - last < this.minReloadMs) return 'tooSoon';
    const second = Math.floor(now / 1000);
    if (this.budget.second !== second) this.budget = { second, used: 0 };
    return this.budget.used < (this.options.reloadsPerSecond ?? 20) ? 'read' : 'overBudget';
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
      this.lastReload.set(tenant, this.clock.now());
      this.prune();
      p = this.load(tenant).then(
        (credentials) => {
          const entry = { credentials, loadedAt: this.clock.now() };
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
    const lost = new AbortController();
    return Promise.race([p, this.clock.sleep(patience, lost.signal).then(() => undefined)]).finally(() => lost.abort());
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
