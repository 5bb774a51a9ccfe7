import type { Client, ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import { deviceConfirmPage, deviceInputPage, logoutPage, messagePage } from './pages.ts';

/**
 * oidc-provider's page hooks (device flow, logout, errors), rendered with the IdP's own
 * layout. Each sets `ctx.body`; headers (CSP, framing, caching) come from the mount.
 */
export interface ProviderPages {
  userCodeInputSource(ctx: KoaContextWithOIDC, form: string, out: ErrorOut | undefined, err: (Error & { userCode?: string }) | undefined): Promise<void>;
  userCodeConfirmSource(ctx: KoaContextWithOIDC, form: string, client: Client, deviceInfo: { ip?: string; ua?: string } | undefined, userCode: string): Promise<void>;
  successSource(ctx: KoaContextWithOIDC): Promise<void>;
  logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void>;
  renderError(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error): Promise<void>;
}

/** Error names of oidc-provider's user-code re-render errors (lib/helpers/re_render_errors.js). */
const CODE_ERRORS: Record<string, string> = {
  NoCodeError: 'Type the code your device shows.',
  NotFoundError: 'That code is not right. Check the code on your device and type it again.',
  ExpiredError: 'That code has expired. Start the sign-in on your device again to get a new code.',
  AlreadyUsedError: 'That code was already used. Start the sign-in on your device again to get a new code.',
  AbortedError: 'The sign-in was cancelled. You can close this page.',
};

export function providerPages(product: string): ProviderPages {
  const html = (ctx: KoaContextWithOIDC, body: string): void => {
    ctx.type = 'html';
    ctx.body = body;
  };
  return {
    async userCodeInputSource(ctx, form, out, err) {
      const error = err === undefined ? undefined : (CODE_ERRORS[err.name] ?? (err.userCode !== undefined ? CODE_ERRORS.NotFoundError : 'Something went wrong. Try again.'));
      html(
        ctx,
        deviceInputPage({
          product,
          action: attribute(form, 'action') ?? '',
          xsrf: hiddenValue(form, 'xsrf') ?? '',
          userCode: err?.userCode,
          error: out === undefined && err === undefined ? undefined : error,
        }),
      );
    },
    async userCodeConfirmSource(ctx, form, client, deviceInfo, userCode) {
      html(
        ctx,
        deviceConfirmPage({
          product,
          form,
          clientName: client.clientName ?? client.clientId,
          userCode,
          requestedFrom: deviceInfo?.ip,
        }),
      );
    },
    async successSource(ctx) {
      html(ctx, messagePage(product, 'Device connected', 'You are signed in on your device. You can close this page and go back to it.', false));
    },
    async logoutSource(ctx, form) {
      html(ctx, logoutPage({ product, form }));
    },
    async postLogoutSuccessSource(ctx) {
      html(ctx, messagePage(product, 'Signed out', `You are signed out of ${product}.`, false));
    },
    async renderError(ctx, out) {
      // `out` is oidc-provider's client-safe rendering (error code and description), never internals.
      const detail = out.error_description === undefined ? out.error : `${out.error}: ${out.error_description}`;
      html(ctx, messagePage(product, 'Sign-in failed', `The sign-in could not go on (${detail}). Go back to the app that sent you here and try again.`, true));
    },
  };
}

/** The value of `name="..."` attribute `name` in oidc-provider's generated form. */
function attribute(form: string, name: string): string | undefined {
  return new RegExp(`\\s${name}="([^"]*)"`).exec(form)?.[1];
}

function hiddenValue(form: string, name: string): string | undefined {
  return new RegExp(`name="${name}" value="([^"]*)"`).exec(form)?.[1];
}
