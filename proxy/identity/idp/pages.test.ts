import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, escapeHtml } from './html.ts';
import { confirmPage, enrolPage, loginPage, MESSAGES } from './pages.ts';

describe('IdP pages', () => {
  it('carry exactly the style sheet the CSP allows by hash, and no script', () => {
    const html = loginPage({ product: 'Zerogate', action: '/idp/interaction/x/login', abortAction: '/idp/interaction/x/abort' });
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1];
    expect(style).toBeDefined();
    const hash = createHash('sha256').update(style!).digest('base64');
    expect(CONTENT_SECURITY_POLICY).toContain(`style-src 'sha256-${hash}'`);
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);
  });

  it('escapes everything that comes from a request', () => {
    const html = loginPage({ product: 'Zerogate', action: '/a', abortAction: '/b', username: '"><img src=x onerror=alert(1)>', error: MESSAGES.badCredentials });
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).toContain(`<p class="alert" role="alert">${MESSAGES.badCredentials}</p>`);
    expect(escapeHtml(`<'&">`)).toBe('&lt;&#39;&amp;&quot;&gt;');
  });

  it('describes the QR code in words and shows the setup key as text', () => {
    const html = enrolPage({
      product: 'Zerogate',
      username: 'bob',
      action: '/t',
      abortAction: '/a',
      restartAction: '/r',
      secret: { base32: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', qrDataUri: 'data:image/svg+xml;base64,AAAA' },
    });
    expect(html).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,AAAA" alt="QR code that adds Zerogate to an authenticator app\./);
    expect(html).toContain('ABCD EFGH IJKL MNOP QRST UVWX YZ23 4567');
    expect(html).toMatch(/<label for="code">6-digit code<\/label>/);
  });

  it('names the account and the client on the confirmation page, escaped, with three plain forms', () => {
    const html = confirmPage({ product: 'Zerogate', username: '<b>eve</b>', clientName: 'Agent "x"', device: false, action: '/c', switchAction: '/s', abortAction: '/a' });
    expect(html).toContain('<h1>Continue as &lt;b&gt;eve&lt;/b&gt;?</h1>');
    expect(html).toContain('The <strong>Agent &quot;x&quot;</strong> on this computer wants to sign in to Zerogate as <strong>&lt;b&gt;eve&lt;/b&gt;</strong>.');
    expect([...html.matchAll(/<form method="post" action="([^"]+)">/g)].map((m) => m[1])).toEqual(['/c', '/s', '/a']);
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);
  });
});
