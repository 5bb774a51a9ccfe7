import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkLiteral, dialUpstream, guardedLookup, RESTRICTED_UPSTREAM, type DialGuard } from './upstream.ts';

describe('dialUpstream with a guard (SSRF check at dial time)', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('asks the guard about every address the name resolves to, and connects to a vetted one', async () => {
    const seen: { host: string; address: string; port: number }[] = [];
    const guard: DialGuard = (target) => (seen.push(target), undefined);
    const dialed = await dialUpstream('app', { host: 'localhost', port }, 5_000, guard);
    // localhost may resolve to ::1 first, where nothing listens: then the dial fails as unreachable, not as refused by the guard.
    if (dialed.ok) {
      expect(['127.0.0.1', '::ffff:127.0.0.1']).toContain(dialed.socket.remoteAddress);
      dialed.socket.destroy();
    } else {
      expect(dialed.problem.message).not.toContain('restricted');
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((t) => t.host === 'localhost' && t.port === port)).toBe(true);
    expect(seen.map((t) => t.address)).toEqual(expect.arrayContaining([expect.stringMatching(/^(127\.0\.0\.1|::1)$/)]));
  });

  it('refuses the dial, connecting nowhere, when one address is restricted', async () => {
    let connections = 0;
    server.on('connection', () => connections++);
    const dialed = await dialUpstream('wiki', { host: '127.0.0.1', port }, 5_000, () => 'the proxy itself');
    expect(dialed).toEqual({ ok: false, problem: { code: 'ZG_ERR_UPSTREAM_UNREACHABLE', reasons: [], message: expect.stringContaining('app wiki is unreachable: its upstream resolves to a restricted address') } });
    await new Promise((r) => setTimeout(r, 50));
    expect(connections).toBe(0);
  });

  it('fails as unreachable when the name does not resolve', async () => {
    const dialed = await dialUpstream('x', { host: 'does-not-exist.invalid', port }, 5_000, () => undefined);
    expect(dialed).toMatchObject({ ok: false, problem: { code: 'ZG_ERR_UPSTREAM_UNREACHABLE' } });
  });

  it('dials config apps (no guard) as published', async () => {
    const dialed = await dialUpstream('x', { host: '127.0.0.1', port }, 5_000);
    expect(dialed.ok).toBe(true);
    if (dialed.ok) dialed.socket.destroy();
  });
});

describe('guardedLookup (the same guard for pooled HTTP connections)', () => {
  const lookup = (guard: DialGuard, host: string, all = false) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) => guardedLookup(guard, 80)(host, { all }, (error, address) => resolve({ error, address })));

  it('answers a vetted address, in the form asked for', async () => {
    const one = await lookup(() => undefined, 'localhost');
    expect(one.error).toBeNull();
    expect(['127.0.0.1', '::1']).toContain(one.address);
    const all = await lookup(() => undefined, 'localhost', true);
    expect(all.address).toEqual([expect.objectContaining({ address: expect.any(String), family: expect.any(Number) })]);
  });

  it('fails with RESTRICTED_UPSTREAM when any address is restricted, and ENOTFOUND for names that do not resolve', async () => {
    expect((await lookup((t) => (t.address.startsWith('127.') || t.address === '::1' ? 'loopback' : undefined), 'localhost')).error?.code).toBe(RESTRICTED_UPSTREAM);
    expect((await lookup(() => undefined, 'does-not-exist.invalid')).error?.code).toBe('ENOTFOUND');
  });

  it('checkLiteral judges IP literals only (names go through the lookup)', () => {
    const guard: DialGuard = () => 'metadata';
    expect(checkLiteral(guard, { host: '169.254.169.254', port: 80 })).toBe('metadata');
    expect(checkLiteral(guard, { host: 'metadata.internal', port: 80 })).toBeUndefined();
  });
});
