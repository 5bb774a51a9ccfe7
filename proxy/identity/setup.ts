/**
 * Builds the proxy's identity layer from the config: which IdP signs users in (the embedded one
 * at `/idp`, or an external one), how its ID tokens are verified, and the session service.
 */
import { join } from 'node:path';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { ZerogateError } from '../../shared/errors.ts';
import type { AuditLog } from '../audit/index.ts';
import type { ProxyConfig } from '../config/index.ts';
import type { Store } from '../store/index.ts';
import { CONSOLE_CLIENT_ID, CONSOLE_CLIENT_SECRET_FILE, consoleClient, loadOrCreateConsoleSecret } from './console-client.ts';
import { verifyIdToken, type IdTokenPolicy, type VerifiedIdentity } from './id-token.ts';
import { AGENT_CLIENT_ID, agentClient, createEmbeddedIdp, IDP_KEYS_FILE_NAME, type EmbeddedIdp } from './idp/index.ts';
import { IssuerKeys, type FetchLike } from './issuer-keys.ts';
import { SessionTokens } from './session-token.ts';
import { SessionService } from './sessions.ts';

/** Where the embedded IdP is mounted (DESIGN.md §6). */
export const IDP_MOUNT_PATH = '/idp';
/** Scopes the agent asks the embedded IdP for. */
export const EMBEDDED_SCOPES = ['openid', 'email', 'profile', 'groups', 'offline_access'];
/** The embedded IdP's MFA markers (it always requires TOTP). */
export const EMBEDDED_AMR = ['pwd', 'otp', 'mfa'];
export const EMBEDDED_ACR = 'urn:zerogate:loa:mfa';
/** Files in the data dir. */
export const SESSION_KEY_FILE = 'session-signing-key.json';
export const IDP_KEYS_FILE = IDP_KEYS_FILE_NAME;

/** What agents learn from `GET /.well-known/zerogate` to sign in. */
export interface OidcDiscovery {
  issuer: string;
  clientId: string;
  scopes: string[];
  acrValues: string[];
  /** True when the issuer is this proxy (the agent then trusts only the pinned proxy CA for it). */
  embedded: boolean;
  /** `identity.oidc.agentClientSecret`: a desktop-app secret that is not confidential (Google). */
  clientSecret?: string;
}

/**
 * What the web console signs in with: the proxy as a confidential OpenID Connect client of the
 * same IdP as the agents (docs/console.md).
 */
export interface ConsoleOidc {
  issuer: string;
  /** `zerogate-console` at the embedded IdP; `identity.oidc.clientId` at an external one. */
  clientId: string;
  /** Undefined for an external IdP without `identity.oidc.clientSecret`: the console cannot sign in. */
  clientSecret: string | undefined;
  scopes: string[];
  acrValues: string[];
  /** True when the issuer is this proxy's embedded IdP (reached through the proxy's own CA). */
  embedded: boolean;
  /** Replaces fetch for an external IdP (tests). */
  fetch?: FetchLike;
  /** Verifies an ID token issued to the console client, with the agents' rules (MFA, age, account). */
  verifyIdToken(idToken: string, now: number): Promise<VerifiedIdentity>;
  /** False for an embedded IdP user who was disabled or removed since signing in. */
  accountActive(user: string): Promise<boolean>;
}

export interface Identity {
  console: ConsoleOidc;
  sessions: SessionService;
  tokens: SessionTokens;
  idp: EmbeddedIdp | undefined;
  oidc: OidcDiscovery;
  /** Throws when the IdP cannot be reached (readiness). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export interface IdentityOptions {
  /** Replaces fetch for the external IdP (tests). */
  fetch?: FetchLike;
  now?: () => number;
}

export async function createIdentity(config: ProxyConfig, store: Store, audit: AuditLog, options: IdentityOptions = {}): Promise<Identity> {
  const publicUrl = config.server.publicUrl;
  const tokens = await SessionTokens.open(join(config.dataDir, SESSION_KEY_FILE), publicUrl);
  const { session } = config.identity;
  let keys: JWTVerifyGetKey;
  let policy: IdTokenPolicy;
  let idp: EmbeddedIdp | undefined;
  let oidc: OidcDiscovery;
  let check: () => Promise<void>;
  let consoleClientId: string;
  let consoleSecret: string | undefined;
  const external = config.identity.oidc;
  if (external === undefined) {
    const issuer = `${publicUrl}${IDP_MOUNT_PATH}`;
    consoleClientId = CONSOLE_CLIENT_ID;
    consoleSecret = loadOrCreateConsoleSecret(join(config.dataDir, CONSOLE_CLIENT_SECRET_FILE));
    idp = await createEmbeddedIdp({
      issuer,
      mountPath: IDP_MOUNT_PATH,
      store,
      audit,
      users: config.identity.embedded.users,
      clients: [agentClient(), consoleClient(publicUrl, consoleSecret)],
      keysFile: join(config.dataDir, IDP_KEYS_FILE),
      claims: { groupsClaim: 'groups', amr: EMBEDDED_AMR, acr: EMBEDDED_ACR },
      // A rotated refresh token keeps its first expiry: this caps how long a sign-in is renewed.
      ttl: { refreshTokenSeconds: Math.ceil(session.maxAgeMs / 1000) },
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    keys = createLocalJWKSet(idp.publicJwks() as Parameters<typeof createLocalJWKSet>[0]);
    policy = {
      issuer,
      audience: AGENT_CLIENT_ID,
      groupsClaim: 'groups',
      userClaim: 'sub',
      mfa: { amr: ['mfa'], acr: [EMBEDDED_ACR] },
      mfaMaxAgeMs: session.mfaMaxAgeMs,
    };
    oidc = { issuer, clientId: AGENT_CLIENT_ID, scopes: EMBEDDED_SCOPES, acrValues: [], embedded: true };
    check = async () => undefined;
  } else {
    consoleClientId = external.clientId;
    consoleSecret = external.clientSecret;
    const issuerKeys = new IssuerKeys({ issuer: external.issuer, ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
    keys = issuerKeys.getKey;
    policy = {
      issuer: external.issuer,
      audience: external.clientId,
      groupsClaim: external.groupsClaim,
      userClaim: external.userClaim,
      mfa: external.mfa,
      mfaMaxAgeMs: session.mfaMaxAgeMs,
    };
    oidc = {
      issuer: external.issuer,
      clientId: external.clientId,
      scopes: external.scopes,
      acrValues: external.acrValues,
      embedded: false,
      ...(external.agentClientSecret === undefined ? {} : { clientSecret: external.agentClientSecret }),
    };
    check = () => issuerKeys.check();
  }
  const configUsers = new Set(config.identity.embedded.users.map((u) => u.username));
  const accountActive = async (user: string): Promise<boolean> => {
    if (idp === undefined || configUsers.has(user)) return true;
    const account = await store.getIdpUser(user);
    return account !== undefined && !account.disabled;
  };
  const verifyWith = (tokenPolicy: IdTokenPolicy) => async (idToken: string, now: number) => {
    const identity = await verifyIdToken(idToken, keys, tokenPolicy, now);
    // The embedded IdP's users are ours: a token of a user disabled or removed since it was
    // issued (up to ID_TOKEN_MAX_USE_AGE_S ago) must not enrol or sign in anything.
    if (!(await accountActive(identity.user))) {
      throw new ZerogateError('ZG_ERR_AUTH_REAUTH_REQUIRED', 'this account is disabled or was removed: ask your administrator', {
        reasons: ['user-unauthenticated'],
        detail: { check: 'account' },
      });
    }
    return identity;
  };
  const verify = verifyWith(policy);
  const sessions = new SessionService({
    store,
    audit,
    tokens,
    verifyIdToken: verify,
    lifetimes: { tokenTtlMs: session.tokenTtlMs, maxAgeMs: session.maxAgeMs, mfaMaxAgeMs: session.mfaMaxAgeMs },
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  // The console asks for an ID token only: no refresh token (its session is the proxy's cookie).
  const consoleScopes = oidc.scopes.filter((scope) => scope !== 'offline_access');
  return {
    console: {
      issuer: oidc.issuer,
      clientId: consoleClientId,
      clientSecret: consoleSecret,
      scopes: consoleScopes,
      acrValues: oidc.acrValues,
      embedded: oidc.embedded,
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      verifyIdToken: verifyWith({ ...policy, audience: consoleClientId }),
      accountActive,
    },
    sessions,
    tokens,
    idp,
    oidc,
    check,
    async close() {
      await idp?.close();
    },
  };
}
