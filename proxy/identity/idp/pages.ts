import { alert, escapeHtml, page } from './html.ts';

/**
 * The embedded IdP's pages: plain HTML forms that work without JavaScript, every input with a
 * label, errors in words (`role="alert"`), one `<main>` and one `<h1>` per page.
 */

export const MESSAGES = {
  /** The same words for an unknown user, a wrong password and a disabled account: no enumeration. */
  badCredentials: 'Wrong username or password.',
  badCode: 'That code is not right. Check that the time on your phone is correct, wait for a new code and try again.',
  replayedCode: 'That code was already used. Wait for the next code from your authenticator app and type it.',
  rateLimited: (minutes: number) => `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
  tooManyAtOnce: 'Too many sign-in attempts at the same time. Wait a few seconds and try again.',
  busy: 'The sign-in service is busy. Wait a few seconds and try again.',
  expired: 'This sign-in has expired or was started in another browser. Go back to the app that sent you here and sign in again.',
  alreadyEnrolled: 'An authenticator app was set up for your account in the meantime. Sign in again with its code.',
} as const;

export interface LoginPageInput {
  product: string;
  action: string;
  abortAction: string;
  username?: string | undefined;
  error?: string | undefined;
}

export function loginPage(input: LoginPageInput): string {
  return page(
    input.product,
    `Sign in to ${input.product}`,
    `${alert(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required${input.username ? ` value="${escapeHtml(input.username)}"` : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${input.username ? ' autofocus' : ''}>
<button type="submit">Continue</button>
</form>
${cancelForm(input.abortAction)}`,
  );
}

export interface CodePageInput {
  product: string;
  username: string;
  action: string;
  abortAction: string;
  error?: string | undefined;
}

export function totpPage(input: CodePageInput): string {
  return page(
    input.product,
    'Enter your verification code',
    `${alert(input.error)}
<p>You are signing in as <strong>${escapeHtml(input.username)}</strong>. Open the authenticator app on your phone and type the ${CODE_DIGITS_WORD} code it shows for ${escapeHtml(input.product)}.</p>
${codeForm(input.action, 'Verify')}
${cancelForm(input.abortAction)}`,
  );
}

export interface EnrolPageInput extends CodePageInput {
  /** Shown only the first time this secret is displayed; later renders omit it. */
  secret?: { base32: string; qrDataUri: string } | undefined;
  restartAction: string;
}

export function enrolPage(input: EnrolPageInput): string {
  const secret = input.secret;
  const setup =
    secret === undefined
      ? `<p>Type the code your authenticator app shows for ${escapeHtml(input.product)}. If you did not add the account to the app, ask for a new QR code.</p>`
      : `<p>Your account <strong>${escapeHtml(input.username)}</strong> needs a second step to sign in. Set it up once:</p>
<ol>
<li>Install an authenticator app on your phone (for example Google Authenticator, Microsoft Authenticator, FreeOTP or 1Password).</li>
<li>In the app, add an account and scan this QR code.</li>
<li>Type the ${CODE_DIGITS_WORD} code the app then shows.</li>
</ol>
<img class="qr" src="${escapeHtml(secret.qrDataUri)}" alt="QR code that adds ${escapeHtml(input.product)} to an authenticator app. If you cannot scan it, type the setup key shown below instead.">
<p>Cannot scan? Choose to enter a setup key in the app and type this key (time based):</p>
<p class="secret" id="setup-key">${escapeHtml(groupSecret(secret.base32))}</p>
<p>This key is shown only once. Do not share it.</p>`;
  return page(
    input.product,
    'Set up your authenticator app',
    `${alert(input.error)}
${setup}
${codeForm(input.action, 'Verify and finish setup')}
<form method="post" action="${escapeHtml(input.restartAction)}"><button type="submit" class="link">Show a new QR code</button></form>
${cancelForm(input.abortAction)}`,
  );
}

export interface ConfirmPageInput {
  product: string;
  /** The account the browser is signed in as. */
  username: string;
  /** The client's name, e.g. `Zerogate agent`. */
  clientName: string;
  /** A device authorization (RFC 8628): the client runs on another device, not on this computer. */
  device: boolean;
  action: string;
  switchAction: string;
  abortAction: string;
}

/**
 * The browser is signed in already (single sign-on): nothing is granted until the person says
 * so here, so that a web page cannot send the browser to the authorization endpoint and have a
 * code delivered to a loopback port without a click (RFC 8252 §8.6).
 */
export function confirmPage(input: ConfirmPageInput): string {
  const where = input.device ? 'on the device you are connecting' : 'on this computer';
  return page(
    input.product,
    `Continue as ${input.username}?`,
    `<p>The <strong>${escapeHtml(input.clientName)}</strong> ${where} wants to sign in to ${escapeHtml(input.product)} as <strong>${escapeHtml(input.username)}</strong>.</p>
<p>Continue only if you started this sign-in just now. If you did not, choose Cancel.</p>
<form method="post" action="${escapeHtml(input.action)}"><button type="submit">Continue</button></form>
<form method="post" action="${escapeHtml(input.switchAction)}"><button type="submit" class="link">Not you? Sign in as someone else</button></form>
${cancelForm(input.abortAction)}`,
  );
}

/** A page that only says something (expired sign-in, refusal, success). */
export function messagePage(product: string, heading: string, message: string, isError: boolean): string {
  return page(product, heading, isError ? alert(message) : `<p>${escapeHtml(message)}</p>`);
}

export interface DeviceInputInput {
  product: string;
  action: string;
  xsrf: string;
  userCode?: string | undefined;
  error?: string | undefined;
}

/** RFC 8628 §3.3: the page where the user types the code their device shows. */
export function deviceInputPage(input: DeviceInputInput): string {
  return page(
    input.product,
    `Connect a device to ${input.product}`,
    `${alert(input.error)}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="xsrf" value="${escapeHtml(input.xsrf)}">
<label for="user_code">Code shown on your device</label>
<input id="user_code" name="user_code" type="text" autocomplete="off" autocapitalize="characters" spellcheck="false" required autofocus${input.userCode ? ` value="${escapeHtml(input.userCode)}"` : ''}>
<button type="submit">Continue</button>
</form>`,
  );
}

export interface DeviceConfirmInput {
  product: string;
  /** oidc-provider's confirmation form (hidden inputs only), id `op.deviceConfirmForm`. */
  form: string;
  clientName: string;
  userCode: string;
  requestedFrom?: string | undefined;
}

/** RFC 8628 §5.4: the user confirms the code matches before anything is granted. */
export function deviceConfirmPage(input: DeviceConfirmInput): string {
  return page(
    input.product,
    'Confirm the device',
    `<p><strong>${escapeHtml(input.clientName)}</strong> asks to sign in with your account.</p>
<p>Check that your device shows this code:</p>
<p><code class="user-code">${escapeHtml(input.userCode)}</code></p>
${input.requestedFrom ? `<p>The request came from the address ${escapeHtml(input.requestedFrom)}.</p>` : ''}
<p>If you did not start this, or the code is different, choose Cancel.</p>
${input.form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" class="link">Cancel</button>`,
  );
}

export interface LogoutInput {
  product: string;
  /** oidc-provider's logout form (hidden inputs only), id `op.logoutForm`. */
  form: string;
}

export function logoutPage(input: LogoutInput): string {
  return page(
    input.product,
    `Sign out of ${input.product}?`,
    `${input.form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="link">No, stay signed in</button>`,
  );
}

const CODE_DIGITS_WORD = '6-digit';

function codeForm(action: string, label: string): string {
  return `<form method="post" action="${escapeHtml(action)}">
<label for="code">${CODE_DIGITS_WORD} code</label>
<input id="code" name="code" type="text" inputmode="numeric" pattern="[0-9 ]{6,7}" maxlength="7" autocomplete="one-time-code" required autofocus>
<button type="submit">${escapeHtml(label)}</button>
</form>`;
}

function cancelForm(action: string): string {
  return `<form method="post" action="${escapeHtml(action)}"><button type="submit" class="link">Cancel sign-in</button></form>`;
}

/** Groups of four, as authenticator apps show keys. */
function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}
