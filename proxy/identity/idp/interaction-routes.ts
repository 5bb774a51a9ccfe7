import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction, Provider } from 'oidc-provider';
import { toString as qrToString } from 'qrcode';
import {
  MAX_CONCURRENT_ATTEMPTS_PER_SOURCE,
  passwordChecks,
  perSourceRateLimit,
  sourceKey,
  type FailureLimiter,
} from './failure-limiter.ts';
import { PAGE_HEADERS, SECURITY_HEADERS } from './html.ts';
import type { CodeState, LoginState, LoginStates } from './login-state.ts';
import {
  FORM_BODY_LIMIT,
  IDP_FORM_POSTS_PER_MINUTE,
  IDP_REQUESTS_PER_MINUTE,
  MAX_PASSWORD_LENGTH,
  MAX_USERNAME_LENGTH,
  type ResolvedIdpOptions,
} from './options.ts';
import { confirmPage, enrolPage, loginPage, MESSAGES, messagePage, totpPage } from './pages.ts';
import { verifyPassword } from './password.ts';
import { newTotpSecret, totpUri, type TotpVerifier } from './totp.ts';
import type { IdpAccount, UserDirectory } from './user-directory.ts';

export interface InteractionDeps {
  provider: Provider;
  options: ResolvedIdpOptions;
  directory: UserDirectory;
  states: LoginStates;
  totp: TotpVerifier;
  userLimiter: FailureLimiter;
  sourceLimiter: FailureLimiter;
  /** An scrypt hash of a random password: unknown users cost the same work as known ones. */
  dummyHash: string;
}

type Form = Record<string, string>;
type Stage = 'password' | 'totp';
type Params = { uid: string };

/** Retry-After of a refusal for attempts at once (per source, or scrypt checks process-wide). */
const RETRY_SOON_MS = 1_000;

/** Why an attempt was not even checked: the page's status, Retry-After, audit reason and words. */
interface Refusal {
  status: 429 | 503;
  waitMs: number;
  reason: 'rate-limited' | 'busy';
  message: string;
}

/**
 * A reserved sign-in attempt: counted as a failure for its user and source until settled.
 * `fail` and `release` settle it (the first call counts) and free the scrypt slot, if any;
 * `checked` frees only the scrypt slot.
 */
interface Reservation {
  fail(): void;
  release(): void;
  checked(): void;
}

/**
 * The sign-in pages of the embedded IdP, as an encapsulated fastify plugin: password, then a
 * TOTP code (or, for a user without one, authenticator enrolment), then back to oidc-provider
 * with `login` and `consent` results. A browser signed in already (only consent is asked for)
 * gets a confirmation page instead, and consent is given only by its post. Every request is
 * bound to oidc-provider's interaction cookie (SameSite=Lax, path-scoped to the interaction),
 * checked with `interactionDetails`; posts from another origin are refused.
 *
 * Limits: failures per user and per source (an IPv6 /64 counts as one source), checked and
 * reserved before any await; attempts at once per source; scrypt checks at once process-wide;
 * requests per source and minute where the app registers @fastify/rate-limit.
 */
export function interactionRoutes(deps: InteractionDeps): FastifyPluginAsync {
  const { provider, options, directory, states, totp, userLimiter, sourceLimiter, dummyHash } = deps;
  const pageLimit = perSourceRateLimit(IDP_REQUESTS_PER_MINUTE);
  const formLimit = perSourceRateLimit(IDP_FORM_POSTS_PER_MINUTE);
  const { audit, mountPath, title: product } = options;
  const pageUrl = (uid: string): string => `${mountPath}/interaction/${encodeURIComponent(uid)}`;

  const send = (reply: FastifyReply, status: number, html: string): FastifyReply => reply.code(status).headers(PAGE_HEADERS).send(html);
  const redirect = (reply: FastifyReply, location: string): FastifyReply =>
    reply.code(303).headers({ ...SECURITY_HEADERS, 'cache-control': 'no-store' }).header('location', location).send();

  /** The interaction this request belongs to, or undefined once an error page was sent. */
  async function load(request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, post: boolean): Promise<Interaction | undefined> {
    const origin = request.headers.origin;
    if (post && origin !== undefined && origin !== options.issuerOrigin) {
      send(reply, 403, messagePage(product, 'Sign-in refused', MESSAGES.expired, true));
      return undefined;
    }
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      send(reply, 400, messagePage(product, 'Sign-in expired', MESSAGES.expired, true));
      return undefined;
    }
    if (interaction.uid !== request.params.uid) {
      send(reply, 400, messagePage(product, 'Sign-in expired', MESSAGES.expired, true));
      return undefined;
    }
    return interaction;
  }

  /**
   * A stable pseudonym of the username someone typed, for the credential-stuffing detector
   * (proxy/http/anomaly): failures for *different* unknown usernames from one source count as
   * different accounts, without writing what was typed (often a password in the wrong field)
   * into the audit trail. Keyed per process, so tags mean nothing outside it.
   */
  const accountKey = randomBytes(32);
  const accountTag = (typed: string): string => createHmac('sha256', accountKey).update(typed.toLowerCase()).digest('hex').slice(0, 16);

  function fail(request: FastifyRequest, interaction: Interaction, stage: Stage, reason: string, account: IdpAccount | undefined, typed: string): void {
    audit.record({
      type: 'login.fail',
      time: options.now(),
      user: account?.username,
      source: request.ip,
      decision: 'deny',
      reasons: reason === 'rate-limited' ? ['rate-limited'] : undefined,
      detail: { stage, reason, client: interaction.params.client_id, account: account?.username ?? `unknown:${accountTag(typed)}` },
    });
  }

  /**
   * Checks the limits and reserves the attempt in one synchronous step: nothing may await
   * between the check and the reservation, or a burst of concurrent posts would all pass the
   * check before the first failure is counted. `source` is a {@link sourceKey}.
   */
  function reserve(username: string, source: string, passwordCheck: boolean): Reservation | Refusal {
    const wait = Math.max(userLimiter.retryAfterMs(username), sourceLimiter.retryAfterMs(source));
    if (wait > 0) return { status: 429, waitMs: wait, reason: 'rate-limited', message: MESSAGES.rateLimited(Math.ceil(wait / 60_000)) };
    if (sourceLimiter.inFlight(source) >= MAX_CONCURRENT_ATTEMPTS_PER_SOURCE) {
      return { status: 429, waitMs: RETRY_SOON_MS, reason: 'rate-limited', message: MESSAGES.tooManyAtOnce };
    }
    // scrypt checks are capped process-wide, whoever asks (MAX_CONCURRENT_PASSWORD_CHECKS).
    const slot = passwordCheck ? passwordChecks.tryAcquire() : () => undefined;
    if (slot === undefined) return { status: 503, waitMs: RETRY_SOON_MS, reason: 'busy', message: MESSAGES.busy };
    const user = userLimiter.begin(username);
    const from = sourceLimiter.begin(source);
    return {
      fail: () => {
        slot();
        user.fail();
        from.fail();
      },
      release: () => {
        slot();
        user.release();
        from.release();
      },
      checked: slot,
    };
  }
  const refuse = async (reply: FastifyReply, refusal: Refusal, html: (error: string) => string | Promise<string>): Promise<FastifyReply> => {
    reply.header('retry-after', String(Math.ceil(refusal.waitMs / 1000)));
    return send(reply, refusal.status, await html(refusal.message));
  };
  /** Login is what this interaction is at: oidc-provider asks for it, or the person chose to switch accounts. */
  const wantsLogin = (interaction: Interaction, state: LoginState | undefined): boolean => interaction.prompt.name === 'login' || state !== undefined;

  const codePage = async (interaction: Interaction, state: CodeState, error?: string, showSecret = false): Promise<string> => {
    const uid = interaction.uid;
    const base = { product, username: state.username, action: `${pageUrl(uid)}/totp`, abortAction: `${pageUrl(uid)}/abort`, error };
    if (state.stage === 'totp') return totpPage(base);
    const secret = showSecret
      ? { base32: state.secret, qrDataUri: `data:image/svg+xml;base64,${Buffer.from(await qrToString(totpUri(product, state.username, state.secret), { type: 'svg', margin: 2 })).toString('base64')}` }
      : undefined;
    return enrolPage({ ...base, secret, restartAction: `${pageUrl(uid)}/enrol/restart` });
  };
  /** "Continue as <user>?": the browser is signed in already and only consent is asked for. */
  const confirmationPage = async (interaction: Interaction, username: string): Promise<string> => {
    const clientId = String(interaction.params.client_id ?? '');
    const client = clientId === '' ? undefined : await provider.Client.find(clientId);
    const uid = interaction.uid;
    return confirmPage({
      product,
      username,
      clientName: client?.clientName ?? clientId,
      device: interaction.deviceCode !== undefined,
      action: `${pageUrl(uid)}/confirm`,
      switchAction: `${pageUrl(uid)}/switch`,
      abortAction: `${pageUrl(uid)}/abort`,
    });
  };
  const passwordPage = (interaction: Interaction, error?: string, username?: string): string => {
    const hint = interaction.params.login_hint;
    return loginPage({
      product,
      action: `${pageUrl(interaction.uid)}/login`,
      abortAction: `${pageUrl(interaction.uid)}/abort`,
      username: username ?? (typeof hint === 'string' && hint.length <= MAX_USERNAME_LENGTH ? hint : undefined),
      error,
    });
  };

  return async (app) => {
    // Only this plugin's routes read url-encoded forms; oidc-provider's endpoints parse their own bodies.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
      done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
    });

    app.get<{ Params: Params }>(`${mountPath}/interaction/:uid`, { config: pageLimit }, async (request, reply) => {
      const interaction = await load(request, reply, false);
      if (interaction === undefined) return reply;
      let state = await states.get(interaction.uid);
      if (!wantsLogin(interaction, state)) {
        const accountId = interaction.session?.accountId;
        if (interaction.prompt.name !== 'consent' || accountId === undefined) return send(reply, 400, messagePage(product, 'Sign-in failed', MESSAGES.expired, true));
        // Signed in already (single sign-on). Every client is the proxy's own, so consent is
        // implied (loadExistingGrant), but only a click on this page gives it: a GET alone never
        // sends a code to the client's loopback address (RFC 8252 §8.6).
        const account = await directory.find(accountId);
        if (account !== undefined && !account.disabled) return send(reply, 200, await confirmationPage(interaction, account.username));
        // Removed or disabled since: ask who is signing in.
        state = { stage: 'switch' };
        await states.set(interaction.uid, state, interaction.exp * 1000);
      }
      if (state === undefined || state.stage === 'switch') return send(reply, 200, passwordPage(interaction, undefined, state === undefined ? undefined : ''));
      if (state.stage === 'totp') return send(reply, 200, await codePage(interaction, state));
      // An enrolment secret is shown once; any later view gets a fresh one.
      const shown: CodeState = { ...state, secret: state.shown ? newTotpSecret() : state.secret, shown: true };
      await states.set(interaction.uid, shown, interaction.exp * 1000);
      return send(reply, 200, await codePage(interaction, shown, undefined, true));
    });

    app.post<{ Params: Params; Body: Form }>(`${mountPath}/interaction/:uid/login`, { config: formLimit }, async (request, reply) => {
      const interaction = await load(request, reply, true);
      if (interaction === undefined) return reply;
      if (!wantsLogin(interaction, await states.get(interaction.uid))) return redirect(reply, pageUrl(interaction.uid));
      const form = request.body ?? {};
      const username = (form.username ?? '').trim();
      const password = form.password ?? '';
      // No await from here to the reservation.
      const attempt = reserve(username, sourceKey(request.ip), true);
      if (!('fail' in attempt)) {
        fail(request, interaction, 'password', attempt.reason, undefined, username);
        return refuse(reply, attempt, (error) => passwordPage(interaction, error, username));
      }
      try {
        const usable = username.length > 0 && username.length <= MAX_USERNAME_LENGTH && password.length <= MAX_PASSWORD_LENGTH;
        let account: IdpAccount | undefined;
        let matches: boolean;
        try {
          account = usable ? await directory.find(username) : undefined;
          // Always one scrypt run, whoever the user is: the answer's timing says nothing about the name.
          matches = await verifyPassword(usable ? password : '', account?.passwordHash ?? dummyHash);
        } finally {
          attempt.checked();
        }
        if (!matches || account === undefined || account.disabled) {
          attempt.fail();
          const reason = account === undefined ? 'unknown-user' : account.disabled && matches ? 'user-disabled' : 'bad-password';
          fail(request, interaction, 'password', reason, account, username);
          return send(reply, 400, passwordPage(interaction, MESSAGES.badCredentials, username));
        }
        attempt.release();
        const secret = await directory.totpSecret(account);
        const state: LoginState = secret !== undefined ? { stage: 'totp', username } : { stage: 'enrol', username, secret: newTotpSecret(), shown: false };
        await states.set(interaction.uid, state, interaction.exp * 1000);
        return redirect(reply, pageUrl(interaction.uid));
      } finally {
        // An error (the store) is not a failure of the person's; the attempt must not stay reserved.
        attempt.release();
      }
    });

    app.post<{ Params: Params; Body: Form }>(`${mountPath}/interaction/:uid/totp`, { config: formLimit }, async (request, reply) => {
      const interaction = await load(request, reply, true);
      if (interaction === undefined) return reply;
      const state = await states.get(interaction.uid);
      if (state === undefined || state.stage === 'switch') return redirect(reply, pageUrl(interaction.uid));
      const { username } = state;
      const source = request.ip;
      // No await from here to the reservation.
      const attempt = reserve(username, sourceKey(source), false);
      if (!('fail' in attempt)) {
        fail(request, interaction, 'totp', attempt.reason, await directory.find(username), username);
        return refuse(reply, attempt, (error) => codePage(interaction, state, error));
      }
      let enrolled: boolean;
      try {
        const account = await directory.find(username);
        const secret = account === undefined || account.disabled ? undefined : state.stage === 'totp' ? await directory.totpSecret(account) : state.secret;
        if (account === undefined || account.disabled || secret === undefined) {
          // Disabled, removed or reset since the password step: start again from the password.
          attempt.release();
          await states.delete(interaction.uid);
          fail(request, interaction, 'totp', account === undefined ? 'unknown-user' : account.disabled ? 'user-disabled' : 'secret-reset', account, username);
          return send(reply, 400, passwordPage(interaction, MESSAGES.badCredentials));
        }
        const outcome = await totp.verify(username, secret, request.body?.code ?? '');
        if (outcome !== 'ok') {
          attempt.fail();
          fail(request, interaction, 'totp', outcome, account, username);
          return send(reply, 400, await codePage(interaction, state, outcome === 'code-replayed' ? MESSAGES.replayedCode : MESSAGES.badCode));
        }
        attempt.release();
        enrolled = state.stage === 'enrol';
        if (enrolled && !(await options.store.setTotpSecret(username, secret, options.now()))) {
          await states.delete(interaction.uid);
          return send(reply, 409, passwordPage(interaction, MESSAGES.alreadyEnrolled, username));
        }
      } finally {
        attempt.release();
      }
      userLimiter.reset(username);
      await states.delete(interaction.uid);
      audit.record({
        type: 'login.success',
        time: options.now(),
        user: username,
        source,
        decision: 'allow',
        detail: { client: interaction.params.client_id, amr: options.amr, acr: options.acr, enrolled },
      });
      const returnTo = await provider.interactionResult(
        request.raw,
        reply.raw,
        { login: { accountId: username, amr: options.amr, acr: options.acr, ts: Math.floor(options.now() / 1000), remember: false }, consent: {} },
        { mergeWithLastSubmission: false },
      );
      return redirect(reply, returnTo);
    });

    app.post<{ Params: Params }>(`${mountPath}/interaction/:uid/confirm`, { config: formLimit }, async (request, reply) => {
      const interaction = await load(request, reply, true);
      if (interaction === undefined) return reply;
      const state = await states.get(interaction.uid);
      if (wantsLogin(interaction, state) || interaction.prompt.name !== 'consent' || interaction.session?.accountId === undefined) {
        return redirect(reply, pageUrl(interaction.uid));
      }
      // The person said yes on the confirmation page (a same-origin post bound to this interaction).
      return redirect(reply, await provider.interactionResult(request.raw, reply.raw, { consent: {} }));
    });

    app.post<{ Params: Params }>(`${mountPath}/interaction/:uid/switch`, { config: formLimit }, async (request, reply) => {
      const interaction = await load(request, reply, true);
      if (interaction === undefined) return reply;
      // From the confirmation page: ask for a password although the browser is signed in. A
      // different account's sign-in ends the current browser session (oidc-provider's resume).
      if (!wantsLogin(interaction, await states.get(interaction.uid))) await states.set(interaction.uid, { stage: 'switch' }, interaction.exp * 1000);
      return redirect(reply, pageUrl(interaction.uid));
    });

    app.post<{ Params: Params }>(`${mountPath}/interaction/:uid/enrol/restart`, { config: formLimit }, async (request, reply) => {
      const interaction = await load(request, reply, true);
      if (interaction === undefined) return reply;
      const state = await states.get(interaction.uid);
      if (state?.stage === 'enrol') await states.set(interaction.uid, { ...state, secret: newTotpSecret(), shown: false }, interaction.exp * 1000);
      return redirect(reply, pageUrl(interaction.uid));
    });

    app.post<{ Params: Params }>(`${mountPath}/interaction/:uid/abort`, { config: formLimit }, async (request, reply) => {
      const interaction = await load(request, reply, true);
      if (interaction === undefined) return reply;
      await states.delete(interaction.uid);
      const returnTo = await provider.interactionResult(
        request.raw,
        reply.raw,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      );
      return redirect(reply, returnTo);
    });
  };
}

/** One value per field (the first); repeated or unknown fields are ignored. */
function parseForm(body: string): Form {
  const form: Form = Object.create(null) as Form;
  for (const [key, value] of new URLSearchParams(body)) {
    if (!(key in form)) form[key] = value;
  }
  return form;
}
