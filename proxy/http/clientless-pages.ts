/**
 * The pages clientless browser access (clientless.ts) shows instead of an app: sign in, not
 * found, refused by the policy (with the reasons and what to do), a managed device required,
 * and the gateway's own refusals. Plain HTML with one same-origin stylesheet and no script, so
 * the console's strict CSP holds for them; they never show a token, a cookie or an upstream
 * address: only our error code, the reasons of the catalogue and their remediation.
 */
import { isReason, REASONS } from '../../shared/reasons.ts';
import { escapeHtml } from '../console/pages.ts';

/** The stylesheet's path: `-` starts no app id (ids match ^[a-z0-9]), so it never shadows an app. */
export const CLIENTLESS_CSS_PATH = '/a/-/page.css';

export interface ClientlessPage {
  status: number;
  code: string;
  title: string;
  html: string;
}

/** What the policy requires of a device, by `require` criterion (decision.data.require keys). */
export const DEVICE_CHECK_LABELS: Readonly<Record<string, string>> = {
  'posture-max-age': 'a recent security check of your device by the Zerogate agent',
  'os-min-version': 'an up-to-date operating system',
  'patch-age': 'recent security updates installed',
  'disk-encryption': 'disk encryption turned on',
  edr: 'the company\'s endpoint security software running',
  firewall: 'the firewall turned on',
  'screen-lock': 'automatic screen lock turned on',
};

export const AGENT_ADVICE = 'Install the Zerogate agent on a company-managed device and sign in with `zerogate login`, then open the app through the agent.';

function layout(title: string, body: string, extraHead = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">${extraHead}
<title>${escapeHtml(title)} - Zerogate</title>
<link rel="stylesheet" href="${CLIENTLESS_CSS_PATH}">
</head>
<body>
<main class="zg-card" aria-labelledby="zg-title">
<p class="zg-brand">Zerogate</p>
<h1 id="zg-title">${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>
`;
}

/** Back-ticked words (commands) become <code>, the rest is escaped. */
function rich(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? `<code>${escapeHtml(part)}</code>` : escapeHtml(part)))
    .join('');
}

function codeLine(code: string): string {
  return `<p class="zg-code">Error code: <code data-code>${escapeHtml(code)}</code></p>`;
}

/** Each reason with its remediation (reasons outside the catalogue are shown without one). */
function reasonList(reasons: readonly string[]): string {
  if (reasons.length === 0) return '';
  const items = reasons
    .map((reason) => {
      const remedy = isReason(reason) ? `<span class="zg-remedy" data-remediation>${rich(REASONS[reason].remediation)}</span>` : '';
      return `<li data-reason="${escapeHtml(reason)}"><code>${escapeHtml(reason)}</code> ${remedy}</li>`;
    })
    .join('\n');
  return `<h2 id="zg-reasons">The reasons, and what to do about each</h2>\n<ul aria-labelledby="zg-reasons" data-testid="reasons">\n${items}\n</ul>`;
}

export function signInPage(appName: string, loginHref: string, bounce: boolean): ClientlessPage {
  // A link from another site does not carry the SameSite=Strict session cookie: one same-origin
  // refresh (no script needed) brings it along when the person is signed in already.
  const head = bounce ? '\n<meta http-equiv="refresh" content="0">' : '';
  const body = `<p role="alert">Sign in to open <strong>${escapeHtml(appName)}</strong> in your browser.</p>
<p><a class="zg-button" href="${escapeHtml(loginHref)}">Sign in</a></p>
${codeLine('ZG_ERR_HTTP_SIGN_IN_REQUIRED')}`;
  return { status: 401, code: 'ZG_ERR_HTTP_SIGN_IN_REQUIRED', title: 'Sign in to continue', html: layout('Sign in to continue', body, head) };
}

export function notFoundPage(): ClientlessPage {
  const body = `<p role="alert">There is no app at this address that can be opened in a browser. Check the link, or open the app through the Zerogate agent.</p>
${codeLine('ZG_ERR_NOT_FOUND')}`;
  return { status: 404, code: 'ZG_ERR_NOT_FOUND', title: 'App not found', html: layout('App not found', body) };
}

/** The policy needs a managed device: which checks, what to do, and every reason. */
export function deviceRequiredPage(appName: string, checks: readonly string[], reasons: readonly string[]): ClientlessPage {
  const required = checks.map((check) => `<li data-check="${escapeHtml(check)}">${escapeHtml(DEVICE_CHECK_LABELS[check] ?? check)}</li>`).join('\n');
  const body = `<p role="alert"><strong>${escapeHtml(appName)}</strong> can only be used from a managed device. Opening it in a browser without the Zerogate agent is not enough.</p>
<h2 id="zg-checks">This app's policy requires</h2>
<ul aria-labelledby="zg-checks" data-testid="required-checks">
${required}
</ul>
<h2 id="zg-todo">What to do</h2>
<p data-testid="advice">${rich(AGENT_ADVICE)} If you cannot, ask your helpdesk.</p>
${reasonList(reasons)}
${codeLine('ZG_ERR_HTTP_DEVICE_REQUIRED')}`;
  return { status: 403, code: 'ZG_ERR_HTTP_DEVICE_REQUIRED', title: 'A managed device is required', html: layout('A managed device is required', body) };
}

/** Any other refusal: the policy (user-not-allowed...), CSRF, or the gateway's (validation, limits, blocks). */
export function refusedPage(status: number, code: string, title: string, message: string, reasons: readonly string[], retryAfter?: number): ClientlessPage {
  const wait = retryAfter === undefined ? '' : `\n<p data-testid="retry-after">Try again in ${Math.max(1, Math.ceil(retryAfter))} seconds.</p>`;
  const body = `<p role="alert">${escapeHtml(message)}</p>${wait}
${reasonList(reasons)}
${codeLine(code)}`;
  return { status, code, title, html: layout(title, body) };
}

/** Titles for the gateway's refusals, by status. */
export function refusalTitle(status: number): string {
  if (status === 400) return 'The app refused this request';
  if (status === 429) return 'Too many requests';
  if (status === 403) return 'Access blocked';
  if (status >= 500) return 'The app did not answer';
  return 'Request refused';
}

/** The pages' only style: served from this origin, so `style-src 'self'` holds. */
export const CLIENTLESS_CSS = `:root{color-scheme:light dark;font-family:system-ui,-apple-system,"Segoe UI",sans-serif;line-height:1.5}
body{margin:0;padding:2rem 1rem;background:Canvas;color:CanvasText}
.zg-card{max-width:40rem;margin:0 auto;padding:1.5rem 2rem;border:1px solid GrayText;border-radius:.5rem}
.zg-brand{margin:0;font-weight:600;letter-spacing:.05em;text-transform:uppercase;font-size:.8rem}
h1{font-size:1.5rem;margin:.25rem 0 1rem}
h2{font-size:1.1rem;margin:1.25rem 0 .5rem}
li{margin:.35rem 0}
.zg-remedy{display:block}
.zg-code{font-size:.9rem}
.zg-button{display:inline-block;padding:.5rem 1.25rem;border-radius:.35rem;background:#1f5fbf;color:#fff;text-decoration:none;font-weight:600}
.zg-button:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
code{font-family:ui-monospace,Menlo,Consolas,monospace}
`;
