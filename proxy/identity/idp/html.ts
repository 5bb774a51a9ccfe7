import { createHash } from 'node:crypto';

/**
 * The IdP pages' only style sheet. It is inline (one request per page, no static route) and
 * allowed by its hash in the CSP, so no inline script or foreign style can run.
 */
const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f3f4f6;color:#111827;line-height:1.5}',
  'main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.25)}',
  'h1{font-size:1.5rem;margin-top:0}',
  'label{display:block;font-weight:600;margin:1rem 0 .25rem}',
  'input{box-sizing:border-box;width:100%;padding:.6rem;font-size:1rem;border:1px solid #4b5563;border-radius:4px}',
  'input:focus,button:focus{outline:3px solid #1d4ed8;outline-offset:2px}',
  'button{margin-top:1.25rem;padding:.6rem 1.2rem;font-size:1rem;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}',
  'button.link{background:none;color:#1d4ed8;text-decoration:underline;padding:0;margin-top:1rem}',
  '.alert{border-left:4px solid #b91c1c;background:#fef2f2;color:#7f1d1d;padding:.75rem}',
  '.secret{font-family:ui-monospace,monospace;font-size:1.1rem;letter-spacing:.08em;word-break:break-all}',
  'img.qr{display:block;width:14rem;height:14rem;margin:1rem auto}',
  'code.user-code{font-size:1.5rem;letter-spacing:.1em}',
].join('');

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * No script at all (oidc-provider adds the hash of its one auto-submit script to `script-src`
 * where it needs it), images only from `data:` (the QR code), never framed. No `form-action`:
 * browsers apply it to the redirects that follow a form post, and a sign-in ends in a
 * redirect to the client's loopback address.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${STYLE_HASH}`,
  'img-src data:',
  "script-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every IdP response (pages and oidc-provider's own answers). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // same-origin, not no-referrer: with no-referrer browsers send `Origin: null` on form posts,
  // which the interaction routes' origin check (CSRF) must refuse. Nothing leaks cross-origin.
  'referrer-policy': 'same-origin',
};

/** Sign-in pages carry per-user state: never cached. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'content-type': 'text/html; charset=utf-8',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** An error said in words, announced by screen readers as it appears. */
export function alert(message: string | undefined): string {
  return message === undefined ? '' : `<p class="alert" role="alert">${escapeHtml(message)}</p>`;
}

/** One complete page: `heading` is also the document title; `body` is trusted HTML. */
export function page(product: string, heading: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(heading)} · ${escapeHtml(product)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(heading)}</h1>
${body}
</main>
</body>
</html>
`;
}
