/**
 * The few pages the console's server renders itself (a failed sign-in, a missing bundle): plain
 * HTML with no script and no style, so the console's strict CSP holds for them too. They never
 * show a token, a code or what the IdP answered: only our error code and what to do.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

export interface ErrorPage {
  title: string;
  code: string;
  message: string;
  /** A link to offer, e.g. "Try again" to /console/login. */
  link?: { href: string; text: string };
}

export function errorPage(page: ErrorPage): string {
  const link = page.link === undefined ? '' : `\n<p><a href="${escapeHtml(page.link.href)}">${escapeHtml(page.link.text)}</a></p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} - Zerogate console</title>
</head>
<body>
<main>
<h1>${escapeHtml(page.title)}</h1>
<p role="alert">${escapeHtml(page.message)}</p>
<p>Error code: <code>${escapeHtml(page.code)}</code></p>${link}
</main>
</body>
</html>
`;
}
