/**
 * Test-only (not exported from index.ts): a real oidc-provider 8 on HTTPS at 127.0.0.1, with
 * the agent's native public client, dev interactions (any login is accepted), the device flow,
 * revocation and refresh tokens, as DESIGN.md §12 describes the embedded IdP.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export const TEST_CLIENT_ID = 'zerogate-agent';
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const TEST_SCOPES = ['openid', 'email', 'profile', 'offline_access', 'groups'];

export interface TestIdpTls {
  certPem: string;
  keyPem: string;
}

/** What a test can change while the IdP runs. */
export interface TestIdpKnobs {
  /** Lifetime of a device code in seconds (oidc-provider's default is 10 minutes). */
  deviceCodeTtlSeconds: number;
  /** The `interval` announced in device authorization responses (oidc-provider sends none: 5 s). */
  deviceInterval: number | undefined;
  /** Answer the next device-code poll with `slow_down` (RFC 8628 §3.5). */
  slowDownNextPoll: boolean;
  /** When the token endpoint received each device-code poll (ms since the epoch). */
  devicePollTimes: number[];
  /** Every path the IdP was asked for, in order. */
  paths: string[];
  /** Corrupt the signature of the next ID token the token endpoint returns. */
  tamperNextIdToken: boolean;
}

export interface TestIdp {
  readonly issuer: string;
  readonly provider: Provider;
  readonly knobs: TestIdpKnobs;
  /** The grant behind each refresh token the IdP issued (for revoking grants from a test). */
  grantIdOf(refreshToken: string): string | undefined;
  /** Deletes a grant, as an administrator disabling the user's sign-in would. */
  revokeGrant(grantId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startTestIdp(tls: TestIdpTls): Promise<TestIdp> {
  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `https://127.0.0.1:${port}`;
  const knobs: TestIdpKnobs = { deviceCodeTtlSeconds: 600, deviceInterval: 1, slowDownNextPoll: false, devicePollTimes: [], paths: [], tamperNextIdToken: false };
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'test-key', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['a test cookie key, not a secret'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'offline_access'],
    // The proxy reads groups from the ID token, so put scope claims there (OIDC Core §5.4 allows it).
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      revocation: { enabled: true },
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 86_400,
      Grant: 86_400,
      Session: 86_400,
      Interaction: 600,
      DeviceCode: () => knobs.deviceCodeTtlSeconds,
    },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, email: `${sub}@example.test`, email_verified: true, name: sub, groups: ['engineering'] }),
    }),
  });

  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    const koa = ctx as unknown as { path: string; method: string; status: number; body: unknown };
    knobs.paths.push(koa.path);
    if (koa.method === 'POST' && koa.path === '/token' && knobs.slowDownNextPoll) {
      knobs.slowDownNextPoll = false;
      knobs.devicePollTimes.push(Date.now());
      koa.status = 400;
      koa.body = { error: 'slow_down', error_description: 'poll less often' };
      return;
    }
    await next();
    if (koa.method === 'POST' && koa.path === '/device/auth' && knobs.deviceInterval !== undefined && typeof koa.body === 'object' && koa.body !== null) {
      koa.body = { ...koa.body, interval: knobs.deviceInterval };
    }
    if (koa.method === 'POST' && koa.path === '/token' && (ctx.oidc?.params?.grant_type as string | undefined) === DEVICE_CODE_GRANT) {
      knobs.devicePollTimes.push(Date.now());
    }
    const tokens = koa.body as { id_token?: unknown } | undefined;
    if (koa.path === '/token' && knobs.tamperNextIdToken && typeof tokens?.id_token === 'string') {
      knobs.tamperNextIdToken = false;
      const signature = tokens.id_token.slice(tokens.id_token.lastIndexOf('.') + 1);
      const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
      koa.body = { ...tokens, id_token: `${tokens.id_token.slice(0, tokens.id_token.lastIndexOf('.') + 1)}${flipped}` };
    }
  });

  const grants = new Map<string, string>();
  provider.on('refresh_token.saved', (token: { jti: string; grantId: string }) => grants.set(token.jti, token.grantId));
  const handler = provider.callback();
  server.on('request', (req, res) => void handler(req, res));

  return {
    issuer,
    provider,
    knobs,
    grantIdOf: (refreshToken) => grants.get(refreshToken),
    async revokeGrant(grantId) {
      const grant = await provider.Grant.find(grantId);
      await grant?.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
