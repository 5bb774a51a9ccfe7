import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Interaction, Provider } from 'oidc-provider';
import { toString as qrToString } from 'qrcode';
import type { FailureLimiter } from './failure-limiter.ts';
import { PAGE_HEADERS, SECURITY_HEADERS } from './html.ts';
import type { LoginState, LoginStates } from './login-state.ts';
import { FORM_BODY_LIMIT, MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, type ResolvedIdpOptions } from './options.ts';
import { enrolPage, loginPage, MESSAGES, messagePage, totpPage } from './pages.ts';
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

/**
 * The sign-in pages of the embedded IdP, as an encapsulated fastify plugin: password, then a
 * TOTP code (or, for a user without one, authenticator enrolment), then back to oidc-provider
 * with `login` and `consent` results. Every request is bound to oidc-provider's interaction
 * cookie (SameSite=Lax, path-scoped to the interaction), checked with `interactionDetails`.
 */
export function interactionRoutes(deps: InteractionDeps): FastifyPluginAsync {
  const { provider, options, directory, states, totp, userLimiter, sourceLimiter, dummyHash } = deps;
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

  function fail(request: FastifyRequest, interaction: Interaction, stage: Stage, reason: string, account: IdpAccount | undefined): void {
    audit.record({
      type: 'login.fail',
      time: options.now(),
      user: account?.username,
      source: request.ip,
      decision: 'deny',
      reasons: reason === 'rate-limited' ? ['rate-limited'] : undefined,
      detail: { stage, reason, client: interaction.params.client_id },
    });
  }

  /** Milliseconds to wait before `username` or this source may try again; 0: go on. */
  const waitFor = (username: string, source: string): number => Math.max(userLimiter.retryAfterMs(username), sourceLimiter.retryAfterMs(source));
  const tooMany = async (reply: FastifyReply, waitMs: number, html: (error: string) => string | Promise<string>): Promise<FastifyReply> => {
    reply.header('retry-after', String(Math.ceil(waitMs / 1000)));
    return send(reply, 429, await html(MESSAGES.rateLimited(Math.ceil(waitMs / 60_000))));
  };
  const countFailure = (username: string, source: string): void => {
    userLimiter.recordFailure(username);
    sourceLimiter.recordFailure(source);
  };

  const codePage = async (interaction: Interaction, state: LoginState, error?: string, showSecret = false): Promise<string> => {
    const uid = interaction.uid;
    const base = { product, username: state.username, action: `${pageUrl(uid)}/totp`, abortAction: `${pageUrl(uid)}/abort`, error };
    if (state.stage === 'totp') return totpPage(base);
    const secret = showSecret
      ? { base32: state.secret, qrDataUri: `data:image/svg+xml;base64,${Buffer.from(await qrToString(totpUri(product, state.username, state.secret), { type: 'svg', margin: 2 })).toString('base64')}` }
      : undefined;
    return enrolPage({ ...base, secret, restartAction: `${pageUrl(uid)}/enrol/restart` });
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

    app.get<{ Params: Params }>(`${mountPath}/interaction/:uid`, async (request, reply) => {
      const interaction = await load(request, reply, false);
      if (interaction === undefined) return reply;
      if (interaction.prompt.name === 'consent' && interaction.session?.accountId !== undefined) {
        // Every client of this IdP is the proxy's own: what it asks for is granted (loadExistingGrant).
        return redirect(reply, await provider.interactionResult(request.raw, reply.raw, { consent: {} }));
      }
      if (interaction.prompt.name !== 'login') return send(reply, 400, messagePage(product, 'Sign-in failed', MESSAGES.expired, true));
      const state = await states.get(interaction.uid);
      if (state === undefined) return send(reply, 200, passwordPage(interaction));
      if (state.stage === 'totp') return send(reply, 200, await codePage(interaction, state));
      // An enrolment secret is shown once; any later view gets a fresh one.
      const shown: LoginState = { ...state, secret: state.shown ? newTotpSecret() : state.secret, shown: true };
      await states.set(interaction.uid, shown, interaction.exp * 1000);
      return send(reply, 200, await codePage(interaction, shown, undefined, true));
    });

    app.post<{ Params: Params; Body: Form }>(`${mountPath}/interaction/:uid/login`, async (request, reply) => {
      const interaction = await load(request, reply, true);
      if (interaction === undefined) return reply;
      if (interaction.prompt.name !== 'login') return redirect(reply, pageUrl(interaction.uid));
      const form = request.body ?? {};
      const username = (form.username ?? '').trim();
      const password = form.password ?? '';
      const source = request.ip;
      const wait = waitFor(username, source);
      if (wait > 0) {
        fail(request, interaction, 'password', 'rate-limited', undefined);
        return tooMany(reply, wait, (error) => passwordPage(interaction, error, username));
      }
      const usable = username.length > 0 && username.length <= MAX_USERNAME_LENGTH && password.length <= MAX_PASSWORD_LENGTH;
      const account = usable ? await directory.find(username) : undefined;
      // Always one scrypt run, whoever the user is: the answer's timing says nothing about the name.
      const matches = await verifyPassword(usable ? password : '', account?.passwordHash ?? dummyHash);
      if (!matches || account === undefined || account.disabled) {
        countFailure(username, source);
        const reason = account === undefined ? 'unknown-user' : account.disabled && matches ? 'user-disabled' : 'bad-password';
        fail(request, interaction, 'password', reason, account);
        return send(reply, 400, passwordPage(interaction, MESSAGES.badCredentials, username));
      }
      const secret = await directory.totpSecret(account);
      const state: LoginState = secret !== undefined ? { stage: 'totp', username } : { stage: 'enrol', username, secret: newTotpSecret(), shown: false };
      await states.set(interaction.uid, state, interaction.exp * 1000);
      return redirect(reply, pageUrl(interaction.uid));
    });

    app.post<{ Params: Params; Body: Form }>(`${mountPath}/interaction/:uid/totp`, async (request, reply) => {
      const interaction = await load(request, reply, true);
      if (interaction === undefined) return reply;
      const state = await states.get(interaction.uid);
      if (state === undefined || interaction.prompt.name !== 'login') return redirect(reply, pageUrl(interaction.uid));
      const { username } = state;
      const source = request.ip;
      const wait = waitFor(username, source);
      const account = await directory.find(username);
      if (wait > 0) {
        fail(request, interaction, 'totp', 'rate-limited', account);
        return tooMany(reply, wait, (error) => codePage(interaction, state, error));
      }
      const secret = account === undefined || account.disabled ? undefined : state.stage === 'totp' ? await directory.totpSecret(account) : state.secret;
      if (account === undefined || account.disabled || secret === undefined) {
        // Disabled, removed or reset since the password step: start again from the password.
        await states.delete(interaction.uid);
        fail(request, interaction, 'totp', account === undefined ? 'unknown-user' : account.disabled ? 'user-disabled' : 'secret-reset', account);
        return send(reply, 400, passwordPage(interaction, MESSAGES.badCredentials));
      }
      const outcome = await totp.verify(username, secret, request.body?.code ?? '');
      if (outcome !== 'ok') {
        countFailure(username, source);
        fail(request, interaction, 'totp', outcome, account);
        return send(reply, 400, await codePage(interaction, state, outcome === 'code-replayed' ? MESSAGES.replayedCode : MESSAGES.badCode));
      }
      const enrolled = state.stage === 'enrol';
      if (enrolled && !(await options.store.setTotpSecret(username, secret, options.now()))) {
        await states.delete(interaction.uid);
        return send(reply, 409, passwordPage(interaction, MESSAGES.alreadyEnrolled, username));
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

    app.post<{ Params: Params }>(`${mountPath}/interaction/:uid/enrol/restart`, async (request, reply) => {
      const interaction = await load(request, reply, true);
      if (interaction === undefined) return reply;
      const state = await states.get(interaction.uid);
      if (state?.stage === 'enrol') await states.set(interaction.uid, { ...state, secret: newTotpSecret(), shown: false }, interaction.exp * 1000);
      return redirect(reply, pageUrl(interaction.uid));
    });

    app.post<{ Params: Params }>(`${mountPath}/interaction/:uid/abort`, async (request, reply) => {
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
