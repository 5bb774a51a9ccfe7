import { interactionPolicy, type Account, type Configuration, type Grant, type InteractionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { storeAdapter } from './adapter.ts';
import type { IdpKeys } from './keys.ts';
import {
  ACCESS_TOKEN_TTL_S,
  AUTHORIZATION_CODE_TTL_S,
  BROWSER_SESSION_TTL_S,
  INTERACTION_TTL_S,
  type ResolvedIdpOptions,
} from './options.ts';
import { providerPages } from './provider-pages.ts';
import type { UserDirectory } from './user-directory.ts';

/** The scopes the IdP knows; `groups` carries the configured groups claim. */
export const IDP_SCOPES = ['openid', 'offline_access', 'email', 'profile', 'groups'] as const;

/**
 * oidc-provider's configuration for the embedded IdP (DESIGN.md §6, §12):
 * - ID tokens carry `amr`, `acr` and `auth_time` (listed under the `openid` scope), with the
 *   `email` scope `email` and `email_verified: true` (the admin set the address), and the
 *   scope claims even next to an access token (`conformIdTokenClaims: false`), from the
 *   code exchange, the device code grant and every refresh alike.
 * - PKCE with S256 for every authorization request (RFC 7636, RFC 9700 §2.1.1).
 * - No development interactions: sign-in is ours (interaction-routes.ts); the device
 *   authorization grant (RFC 8628) and token revocation (RFC 7009) are on.
 * - Every client is the proxy's own (first party), so consent is implied: `loadExistingGrant`
 *   grants what the request asks for once the user has signed in. oidc-provider still asks
 *   for consent on every authorization of a native client (its `native_client_prompt` check),
 *   and with a browser already signed in, the sign-in pages ask the person to confirm before
 *   granting it (interaction-routes.ts; RFC 8252 §8.6).
 * - A browser session whose account was disabled or removed since counts as signed out: the
 *   login prompt is asked for again (`signInPolicy`), rather than consent checks running
 *   without an account (an HTTP 500).
 * - A rotated refresh token keeps its predecessor's expiry, so a sign-in can be renewed for
 *   at most `refreshTokenSeconds`, however often it is refreshed.
 */
export function providerConfiguration(options: ResolvedIdpOptions, keys: IdpKeys, directory: UserDirectory): Configuration {
  const pages = providerPages(options.title);
  const { groupsClaim, refreshTokenSeconds } = options;

  async function findAccount(_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> {
    const account = await directory.find(sub);
    if (account === undefined || account.disabled) return undefined;
    return {
      accountId: account.username,
      claims: () => ({
        sub: account.username,
        email: account.email,
        // Addresses come from the admin (the config file or `user add`), not from the user.
        email_verified: true,
        preferred_username: account.username,
        ...(account.name === undefined ? {} : { name: account.name }),
        [groupsClaim]: [...account.groups],
      }),
    };
  }

  async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
    const { oidc } = ctx;
    const client = oidc.client;
    const accountId = oidc.session.accountId;
    if (client === undefined || accountId === undefined) return undefined;
    const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(client.clientId);
    let grant = grantId === undefined ? undefined : await oidc.provider.Grant.find(grantId);
    if (grant !== undefined && (grant.accountId !== accountId || grant.clientId !== client.clientId)) grant = undefined;
    grant ??= new oidc.provider.Grant({ accountId, clientId: client.clientId });
    const scopes = [...oidc.requestParamOIDCScopes];
    if (scopes.length > 0) grant.addOIDCScope(scopes.join(' '));
    const claims = [...oidc.requestParamClaims];
    if (claims.length > 0) grant.addOIDCClaims(claims);
    await grant.save();
    return grant;
  }

  return {
    adapter: storeAdapter(options.store),
    clients: options.clients,
    jwks: { keys: keys.jwks.keys as Record<string, unknown>[] },
    cookies: {
      keys: keys.cookieKeys,
      names: { session: '_zg_idp_session', interaction: '_zg_idp_interaction', resume: '_zg_idp_resume' },
      // Our clients use the query response mode: no cross-site POST needs the session cookie.
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      openid: ['sub', 'amr', 'acr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      groups: [groupsClaim],
    },
    scopes: [...IDP_SCOPES],
    acrValues: [options.acr],
    responseTypes: ['code'],
    conformIdTokenClaims: false,
    pkce: { methods: ['S256'], required: () => true },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: pages.userCodeInputSource,
        userCodeConfirmSource: pages.userCodeConfirmSource,
        successSource: pages.successSource,
      },
      revocation: { enabled: true },
      introspection: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
      claimsParameter: { enabled: false },
    },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL_S,
      AuthorizationCode: AUTHORIZATION_CODE_TTL_S,
      IdToken: options.idTokenSeconds,
      DeviceCode: options.deviceCodeSeconds,
      Interaction: INTERACTION_TTL_S,
      Session: BROWSER_SESSION_TTL_S,
      // A grant is reused by sign-ins within one browser session: it must outlive their refresh tokens.
      Grant: refreshTokenSeconds + BROWSER_SESSION_TTL_S,
      RefreshToken: (ctx) => ctx?.oidc.entities.RotatedRefreshToken?.remainingTTL ?? refreshTokenSeconds,
    },
    interactions: {
      policy: signInPolicy(),
      url: (_ctx, interaction) => `${options.mountPath}/interaction/${interaction.uid}`,
    },
    findAccount,
    loadExistingGrant,
    renderError: pages.renderError,
  };
}

/**
 * oidc-provider's default interaction policy (login, then consent) with one more login check:
 * a browser session whose account `findAccount` no longer finds (a user disabled or removed
 * since the sign-in) asks for login. oidc-provider's own `no_session` check looks only at the
 * session's account id, and the consent checks would then run without the account and its
 * grant (`loadGrant` skips both), failing the authorization request with HTTP 500. With this
 * check the browser gets the password page, as if signed out; signing in as someone else then
 * ends the old browser session (oidc-provider's resume), and `prompt=none` gets `login_required`.
 */
export function signInPolicy(): InteractionPolicy {
  const policy = interactionPolicy.base();
  const login = policy.get('login');
  if (login === undefined) throw new Error("oidc-provider's base interaction policy has no login prompt");
  const { Check } = interactionPolicy;
  const after = login.checks.findIndex((check) => check.reason === 'no_session');
  login.checks.add(
    new Check('account_gone', 'End-User authentication is required', 'login_required', (ctx) =>
      ctx.oidc.session.accountId !== undefined && ctx.oidc.account === undefined ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT,
    ),
    after === -1 ? undefined : after + 1,
  );
  return policy;
}
