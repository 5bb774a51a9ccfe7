/** The RFC 8252 §7.3 loopback redirect receiver, on its own. */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { LoopbackReceiver } from './loopback-server.ts';

const STATE = 'a-state-value-of-enough-length';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, options: { method?: string; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', agent: false, headers: options.host === undefined ? {} : { host: options.host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

let receiver: LoopbackReceiver | undefined;

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('LoopbackReceiver', () => {
  it('listens on 127.0.0.1 with an ephemeral port and a /callback redirect URI', async () => {
    receiver = await LoopbackReceiver.start({ expectedState: STATE });
    expect(receiver.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d{2,5}\/callback$/);
    expect(receiver.redirectUri).not.toMatch(/:0\//);
  });

  it('accepts exactly one callback with the right state and answers with a plain page', async () => {
    receiver = await LoopbackReceiver.start({ expectedState: STATE });
    const answer = get(`${receiver.redirectUri}?code=abc&state=${STATE}`);
    const callback = await receiver.callback;
    expect(callback.url.searchParams.get('code')).toBe('abc');
    callback.respond({ ok: true });
    callback.respond({ ok: false, message: 'ignored: the browser already has its page' });
    const page = await answer;
    expect(page.status).toBe(200);
    expect(page.body).toContain('Signed in to Zerogate, you can close this tab.');
    expect(page.body).not.toContain('<script');
    expect(page.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'",
      'referrer-policy': 'no-referrer',
    });
    expect((await get(`${receiver.redirectUri}?code=again&state=${STATE}`)).status).toBe(409);
  });

  it('ignores other paths, other methods, other Host headers and other states', async () => {
    receiver = await LoopbackReceiver.start({ expectedState: STATE });
    const base = new URL(receiver.redirectUri);
    expect((await get(new URL('/favicon.ico', base).href)).status).toBe(404);
    expect((await get(new URL('/callback/extra?state=' + STATE, base).href)).status).toBe(404);
    expect((await get(`${receiver.redirectUri}?state=${STATE}`, { method: 'POST' })).status).toBe(405);
    expect((await get(`${receiver.redirectUri}?state=${STATE}`, { host: `evil.example:${base.port}` })).status).toBe(400);
    const wrong = await get(`${receiver.redirectUri}?code=abc&state=not-it`);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toContain('does not belong to the sign-in in progress');

    let settled = false;
    void receiver.callback.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
  });

  it('escapes the error text it shows', async () => {
    receiver = await LoopbackReceiver.start({ expectedState: STATE });
    const answer = get(`${receiver.redirectUri}?error=access_denied&state=${STATE}`);
    (await receiver.callback).respond({ ok: false, message: '<img src=x onerror=alert(1)>' });
    const page = await answer;
    expect(page.status).toBe(400);
    expect(page.body).toContain('Sign-in failed: &#60;img src=x onerror=alert(1)&#62;');
    expect(page.body).not.toContain('<img');
  });

  it('answers a callback left without an outcome when it closes, then refuses connections', async () => {
    receiver = await LoopbackReceiver.start({ expectedState: STATE });
    const answer = get(`${receiver.redirectUri}?code=abc&state=${STATE}`);
    await receiver.callback;
    await receiver.close();
    const page = await answer;
    expect(page.body).toContain('the sign-in was interrupted');
    await expect(get(receiver.redirectUri)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('closes promptly even with an idle keep-alive connection open', async () => {
    receiver = await LoopbackReceiver.start({ expectedState: STATE });
    const started = Date.now();
    await get(new URL('/favicon.ico', receiver.redirectUri).href);
    await receiver.close();
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('wants an unguessable state', async () => {
    await expect(LoopbackReceiver.start({ expectedState: 'short' })).rejects.toBeInstanceOf(TypeError);
  });
});
