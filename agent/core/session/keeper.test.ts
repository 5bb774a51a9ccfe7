/**
 * SessionKeeper scheduling with a fake tunnel (a control channel that records what is sent) and
 * fake timers: when renewals start, what a reply does, when to give up and when to retry, and
 * when the user is told to sign in again. The keeper's home has no IdP sign-in (oidc.json), so
 * renewals carry no ID token and never reach an IdP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ControlMessage } from '../../../shared/wire/index.ts';
import { AgentHome, type DeviceCredentials } from '../state/index.ts';
import { REAUTH_REPLY_TIMEOUT_MS, RENEW_MAX_LEAD_MS, RENEW_MIN_LEAD_MS, RENEW_RETRY_MS, SessionKeeper, SIGN_IN_WARNING_MS, type ControlChannel } from './keeper.ts';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const T0 = Date.parse('2030-01-01T08:00:00.000Z');

/** Never contacted: every renewal in these tests goes over the fake channel. */
const CREDENTIALS: DeviceCredentials = {
  enrollment: { proxyUrl: 'https://127.0.0.1:9', deviceId: 'dev-1', user: 'alice', caFingerprint: 'ff', certNotAfter: '2031-01-01T00:00:00.000Z', enrolledAt: '2030-01-01T00:00:00.000Z' },
  keyPem: 'unused',
  certPem: 'unused',
  caPem: 'unused',
};

class FakeChannel implements ControlChannel {
  readonly sent: ControlMessage[] = [];
  up = true;

  sendControl(message: ControlMessage): boolean {
    if (!this.up) return false;
    this.sent.push(message);
    return true;
  }

  get reauths(): ControlMessage[] {
    return this.sent.filter((m) => m.type === 'reauth');
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();

let dir: string;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  dir = mkdtempSync(join(tmpdir(), 'zg-keeper-'));
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** A keeper over a fake channel for a session whose token expires in `tokenIn` and which ends in `endsIn`. */
function setup(tokenIn: number, endsIn: number) {
  const home = new AgentHome(join(dir, 'home'));
  home.saveSession({ sessionId: 'sess-1', user: 'alice', token: 'token-0', expiresAt: iso(Date.now() + tokenIn), sessionExpiresAt: iso(Date.now() + endsIn) });
  const warnings: { at: number; message: string }[] = [];
  const keeper = new SessionKeeper({ home, credentials: CREDENTIALS, warn: (message) => warnings.push({ at: Date.now(), message }), now: () => Date.now() });
  const channel = new FakeChannel();
  keeper.attach(channel);
  return { home, keeper, channel, warnings, sessionEnd: T0 + endsIn };
}

/** Lets the renewal's awaits run (no timer moves). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
}

/** The proxy's answer to a reauth: a new token `n` valid for `ttl`, capped at the session's end. */
function granted(n: number, ttl: number, sessionEnd: number): ControlMessage {
  return { type: 'reauth', ok: true, token: `token-${n}`, expiresAt: iso(Math.min(Date.now() + ttl, sessionEnd)), sessionExpiresAt: iso(sessionEnd) };
}

function refused(code: string, reasons: string[] = []): ControlMessage {
  return { type: 'reauth', ok: false, code, reasons, message: `refused: ${code}` };
}

/** The outcome of a renewal promise, without an unhandled rejection while timers move. */
function outcome(promise: Promise<void>): Promise<{ ok: true } | { ok: false; error: { code?: string; reasons?: readonly string[] } }> {
  return promise.then(
    () => ({ ok: true as const }),
    (error: { code?: string; reasons?: readonly string[] }) => ({ ok: false as const, error }),
  );
}

describe('SessionKeeper: in-band renewal', () => {
  it('sends one reauth and takes the new token from the reply handleControl delivers, saving it', async () => {
    const { home, keeper, channel, sessionEnd } = setup(10 * MINUTE, 12 * 60 * MINUTE);
    expect(keeper.bearer()).toBe('token-0');
    const first = keeper.renewNow();
    // A second call while one is in flight joins it.
    expect(keeper.renewNow()).toBe(first);
    await settle();
    expect(channel.reauths).toEqual([{ type: 'reauth' }]);

    // Other control messages are not the keeper's.
    expect(keeper.handleControl({ type: 'notice', level: 'warning', message: 'x' })).toBe(false);
    const reply = granted(1, 10 * MINUTE, sessionEnd);
    expect(keeper.handleControl(reply)).toBe(true);
    await first;

    expect(keeper.bearer()).toBe('token-1');
    expect(home.loadSession()).toEqual({ sessionId: 'sess-1', user: 'alice', token: 'token-1', expiresAt: reply.expiresAt, sessionExpiresAt: reply.sessionExpiresAt });
    expect(channel.reauths).toHaveLength(1);
  });

  it('ignores a reauth answer nobody waits for', () => {
    const { keeper } = setup(10 * MINUTE, 60 * MINUTE);
    expect(keeper.handleControl(granted(9, 10 * MINUTE, T0 + 60 * MINUTE))).toBe(true);
    expect(keeper.bearer()).toBe('token-0');
  });
});

describe('SessionKeeper: scheduling', () => {
  it('renews a quarter of the lifetime before expiry, at most 2 min and at least 5 s ahead, and again after each renewal', async () => {
    const { keeper, channel, sessionEnd } = setup(10 * MINUTE, 12 * 60 * MINUTE);
    keeper.start();
    // 10 min token: a quarter is 2.5 min, capped at RENEW_MAX_LEAD_MS.
    await vi.advanceTimersByTimeAsync(10 * MINUTE - RENEW_MAX_LEAD_MS - 1);
    expect(channel.reauths).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(channel.reauths).toHaveLength(1);
    keeper.handleControl(granted(1, 10 * MINUTE, sessionEnd));
    await settle();
    expect(keeper.bearer()).toBe('token-1');

    await vi.advanceTimersByTimeAsync(10 * MINUTE - RENEW_MAX_LEAD_MS - 1);
    expect(channel.reauths).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(channel.reauths).toHaveLength(2);
    keeper.stop();
  });

  it('renews a short token RENEW_MIN_LEAD_MS before it expires', async () => {
    const { keeper, channel } = setup(12 * SECOND, 60 * MINUTE);
    keeper.start();
    await vi.advanceTimersByTimeAsync(12 * SECOND - RENEW_MIN_LEAD_MS - 1);
    expect(channel.reauths).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(channel.reauths).toHaveLength(1);
    keeper.stop();
  });

  it('sends nothing once stopped', async () => {
    const { keeper, channel } = setup(10 * MINUTE, 60 * MINUTE);
    keeper.start();
    keeper.stop();
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(channel.reauths).toHaveLength(0);
  });
});

describe('SessionKeeper: refusals and failures', () => {
  it('stops for good after a final refusal: one warning telling the user to sign in again, the old token kept, no retries', async () => {
    const { home, keeper, channel, warnings } = setup(10 * MINUTE, 12 * 60 * MINUTE);
    keeper.start();
    await vi.advanceTimersByTimeAsync(10 * MINUTE - RENEW_MAX_LEAD_MS);
    await settle();
    expect(channel.reauths).toHaveLength(1);
    keeper.handleControl(refused('ZG_ERR_AUTH_REAUTH_REQUIRED', ['token-expired']));
    await settle();

    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('ZG_ERR_AUTH_REAUTH_REQUIRED');
    expect(warnings[0]!.message).toContain('zerogate login');
    expect(keeper.bearer()).toBe('token-0');
    expect(home.loadSession()?.token).toBe('token-0');

    // No retry, however long; and nothing before the next connection either.
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    await keeper.ensureFresh();
    expect(channel.reauths).toHaveLength(1);
    expect(warnings).toHaveLength(1);
  });

  it('rejects renewNow with the refusal code and reasons the proxy sent', async () => {
    const { keeper, warnings } = setup(10 * MINUTE, 60 * MINUTE);
    const result = outcome(keeper.renewNow());
    await settle();
    keeper.handleControl(refused('ZG_ERR_AUTH_USER_MISMATCH', ['user-not-allowed']));
    expect(await result).toEqual({ ok: false, error: expect.objectContaining({ code: 'ZG_ERR_AUTH_USER_MISMATCH', reasons: ['user-not-allowed'] }) });
    expect(warnings).toHaveLength(1);
  });

  it('retries a transient refusal after RENEW_RETRY_MS, without bothering the user', async () => {
    const { keeper, channel, warnings, sessionEnd } = setup(10 * MINUTE, 12 * 60 * MINUTE);
    keeper.start();
    const result = outcome(keeper.renewNow());
    await settle();
    keeper.handleControl(refused('ZG_ERR_RATE_LIMITED', ['rate-limited']));
    expect(await result).toEqual({ ok: false, error: expect.objectContaining({ code: 'ZG_ERR_RATE_LIMITED' }) });
    expect(warnings).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(RENEW_RETRY_MS - 1);
    expect(channel.reauths).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(channel.reauths).toHaveLength(2);
    keeper.handleControl(granted(1, 10 * MINUTE, sessionEnd));
    await settle();
    expect(keeper.bearer()).toBe('token-1');
    keeper.stop();
  });

  it('treats a code it does not know as transient (ZG_ERR_INTERNAL)', async () => {
    const { keeper, channel, warnings } = setup(10 * MINUTE, 60 * MINUTE);
    keeper.start();
    const result = outcome(keeper.renewNow());
    await settle();
    keeper.handleControl(refused('ZG_ERR_FROM_THE_FUTURE'));
    expect(await result).toEqual({ ok: false, error: expect.objectContaining({ code: 'ZG_ERR_INTERNAL' }) });
    expect(warnings).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(RENEW_RETRY_MS);
    await settle();
    expect(channel.reauths).toHaveLength(2);
    keeper.stop();
  });

  it('gives up waiting for an answer after REAUTH_REPLY_TIMEOUT_MS and retries later', async () => {
    const { keeper, channel, warnings } = setup(10 * MINUTE, 60 * MINUTE);
    keeper.start();
    const result = outcome(keeper.renewNow());
    await settle();
    await vi.advanceTimersByTimeAsync(REAUTH_REPLY_TIMEOUT_MS);
    expect(await result).toEqual({ ok: false, error: expect.objectContaining({ code: 'ZG_ERR_TUNNEL_CLOSED' }) });
    expect(warnings).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(RENEW_RETRY_MS);
    await settle();
    expect(channel.reauths).toHaveLength(2);
    keeper.stop();
  });
});

describe('SessionKeeper: the session-end warning', () => {
  it('warns once at start when the session ends within SIGN_IN_WARNING_MS, and renews no further than the end', async () => {
    const { keeper, channel, warnings, sessionEnd } = setup(5 * MINUTE, SIGN_IN_WARNING_MS - MINUTE);
    keeper.start();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('zerogate login');
    expect(warnings[0]!.message).toContain(new Date(sessionEnd).toLocaleTimeString());

    await vi.advanceTimersByTimeAsync(5 * MINUTE - 75 * SECOND);
    await settle();
    expect(channel.reauths).toHaveLength(1);
    // The proxy caps the token at the session's end: nothing more to renew into.
    keeper.handleControl(granted(1, 10 * MINUTE, sessionEnd));
    await settle();
    expect(keeper.session?.expiresAt).toBe(iso(sessionEnd));
    await vi.advanceTimersByTimeAsync(60 * MINUTE);
    expect(channel.reauths).toHaveLength(1);
    expect(warnings).toHaveLength(1);
  });

  it('does not warn while the session end is further away than SIGN_IN_WARNING_MS', async () => {
    const { keeper, warnings } = setup(10 * MINUTE, SIGN_IN_WARNING_MS + MINUTE);
    keeper.start();
    expect(warnings).toHaveLength(0);
    keeper.stop();
  });

  it('warns SIGN_IN_WARNING_MS before the end even when the last renewal came earlier (token lifetime longer than the warning)', async () => {
    // A 1 h token in a 90 min session: the renewal at ~58 min is capped at the end (90 min).
    const { keeper, channel, warnings, sessionEnd } = setup(60 * MINUTE, 90 * MINUTE);
    keeper.start();
    await vi.advanceTimersByTimeAsync(60 * MINUTE - RENEW_MAX_LEAD_MS);
    await settle();
    expect(channel.reauths).toHaveLength(1);
    keeper.handleControl(granted(1, 60 * MINUTE, sessionEnd));
    await settle();
    expect(keeper.session?.expiresAt).toBe(iso(sessionEnd));
    expect(warnings).toHaveLength(0);

    await vi.advanceTimersByTimeAsync(sessionEnd - SIGN_IN_WARNING_MS - Date.now() - 1);
    expect(warnings).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ at: sessionEnd - SIGN_IN_WARNING_MS });
    expect(warnings[0]!.message).toContain('zerogate login');
    await vi.advanceTimersByTimeAsync(SIGN_IN_WARNING_MS);
    expect(warnings).toHaveLength(1);
    expect(channel.reauths).toHaveLength(1);
    keeper.stop();
  });

  it('warns on time when the window opens before the next renewal is due', async () => {
    // A 30 min token in a 35 min session: the warning (at 25 min) comes before the renewal (at 28 min).
    const { keeper, channel, warnings, sessionEnd } = setup(30 * MINUTE, 35 * MINUTE);
    keeper.start();
    await vi.advanceTimersByTimeAsync(25 * MINUTE);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ at: sessionEnd - SIGN_IN_WARNING_MS });
    expect(channel.reauths).toHaveLength(0);
    // The renewal still comes when it is due.
    await vi.advanceTimersByTimeAsync(3 * MINUTE - 1);
    expect(channel.reauths).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(channel.reauths).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    keeper.stop();
  });
});
