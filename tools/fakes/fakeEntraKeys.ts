import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, KeyLike, SignJWT } from 'jose';
import { ENTRA_PROVISIONING_AUDIENCE } from '../../shared/auth/entraJwt';

export interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  publicJwk: Record<string, unknown>;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048 });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' } };
}

/**
 * A stand-in for Entra's published key set (`/common/discovery/keys`), serving whatever keys the test puts in
 * `keys`, counting fetches, and failing on demand.
 */
export interface KeySetServer {
  url: string;
  keys: SigningKey[];
  fetches: number;
  down: boolean;
  close(): Promise<void>;
}

export async function startKeySetServer(keys: SigningKey[]): Promise<KeySetServer> {
  const state = { keys, fetches: 0, down: false };
  const server: Server = createServer((_req, res) => {
    state.fetches++;
    if (state.down) {
      res.writeHead(503).end();
      return;
    }
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ keys: state.keys.map((k) => k.publicJwk) }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/common/discovery/keys`;
  return Object.assign(state, {
    url,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  });
}

/** A token shaped like the ones Entra's provisioning service sends (v1, sts.windows.net issuer); `claims` override. */
export function entraToken(
  key: SigningKey,
  entraTenantId: string,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: `https://sts.windows.net/${entraTenantId}/`,
    aud: ENTRA_PROVISIONING_AUDIENCE,
    tid: entraTenantId,
    iat: now,
    nbf: now,
    exp: now + 3600,
    appid: '00000014-0000-0000-c000-000000000000',
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })
    .sign(key.privateKey);
}
