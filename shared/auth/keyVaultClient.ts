import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { DEFAULT_STORAGE_TIMEOUT_MS, dependencyOptions, managedIdentity } from '../azureClients';

/** Any token will do for the local fake of the Key Vault protocol: it checks that one is sent, not what it says. */
const localCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({
    token: 'local-fake-vault',
    expiresOnTimestamp: Date.now() + 3600_000,
  }),
};

/**
 * A SecretClient for the configured vault. In Azure it authenticates with the app's managed identity. A vault
 * on plain http at a loopback address can only be the local fake of the Key Vault REST protocol
 * (tools/fakes/fakeKeyVault.ts): it gets a dummy credential and no TLS, and everything else runs the real SDK path.
 * One retry only: a request waiting on Key Vault should fail over to the cache or a 503 quickly. Every call, the
 * writes included, is bounded by `timeoutMs` and shares the app's socket pool (azureClients).
 */
export function secretClient(vaultUrl: string, timeoutMs = DEFAULT_STORAGE_TIMEOUT_MS): SecretClient {
  const local = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/i.test(vaultUrl);
  return new SecretClient(vaultUrl, local ? localCredential : managedIdentity(), {
    retryOptions: { maxRetries: 1, retryDelayInMs: 200 },
    ...dependencyOptions(timeoutMs),
    ...(local ? { allowInsecureConnection: true, disableChallengeResourceVerification: true } : {}),
  });
}
