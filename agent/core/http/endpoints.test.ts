/** Endpoint resolution and rotation: the order given, sticky, one endpoint per resolved address. */
import { describe, expect, it } from 'vitest';
import { describeEndpoint, endpointsFor, ProxyEndpoints, RESOLVE_TTL_MS, sharedEndpoints, systemLookup, type LookupAll } from './endpoints.ts';

const A = 'https://a.example:8443';
const B = 'https://b.example:8443';
const C = 'https://10.0.0.3:8443';

/** A resolver with fixed answers that counts its calls (the real one is tested below). */
function fixedLookup(answers: Record<string, string[]>): LookupAll & { calls: number } {
  const lookup = Object.assign(
    async (name: string) => {
      lookup.calls++;
      const list = answers[name];
      if (list === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    },
    { calls: 0 },
  );
  return lookup;
}

const labels = (list: { origin: string; address: string }[]): string[] => list.map((e) => `${e.origin}@${e.address}`);

describe('ProxyEndpoints', () => {
  it('gives one endpoint per address of each URL, in the order given, IP literals without a lookup', async () => {
    const lookup = fixedLookup({ 'a.example': ['192.0.2.1', '2001:db8::1'], 'b.example': ['192.0.2.2'] });
    const endpoints = new ProxyEndpoints([A, B, C], { lookup });
    const all = await endpoints.resolve();
    expect(labels(all)).toEqual([`${A}@192.0.2.1`, `${A}@2001:db8::1`, `${B}@192.0.2.2`, `${C}@10.0.0.3`]);
    expect(all[1]).toEqual({ origin: A, hostname: 'a.example', port: 8443, address: '2001:db8::1', family: 6 });
    expect(describeEndpoint(all[1]!)).toBe(`${A} ([2001:db8::1])`);
    expect(describeEndpoint(all[3]!)).toBe(C);
    expect(lookup.calls).toBe(2);
  });

  it('drops duplicate URLs and addresses, and skips a name that does not resolve while others do', async () => {
    const lookup = fixedLookup({ 'b.example': ['192.0.2.2', '192.0.2.2'] });
    const endpoints = new ProxyEndpoints([A, `${B}/`, B], { lookup });
    expect(endpoints.origins).toEqual([A, B]);
    expect(labels(await endpoints.resolve())).toEqual([`${B}@192.0.2.2`]);
  });

  it('fails with ZG_ERR_TUNNEL_CONNECT when no name resolves', async () => {
    const endpoints = new ProxyEndpoints([A], { lookup: fixedLookup({}) });
    await expect(endpoints.resolve()).rejects.toMatchObject({ code: 'ZG_ERR_TUNNEL_CONNECT' });
  });

  it('reuses a resolution for RESOLVE_TTL_MS, and looks again after invalidate()', async () => {
    let now = 1_000;
    const lookup = fixedLookup({ 'a.example': ['192.0.2.1'] });
    const endpoints = new ProxyEndpoints([A], { lookup, now: () => now });
    await endpoints.resolve();
    now += RESOLVE_TTL_MS - 1;
    await endpoints.resolve();
    expect(lookup.calls).toBe(1);
    now += 1;
    await endpoints.resolve();
    expect(lookup.calls).toBe(2);
    endpoints.invalidate();
    await endpoints.resolve();
    expect(lookup.calls).toBe(3);
  });

  it('starts a round at the endpoint in use (sticky), else at the first; after a drop, at the next one', async () => {
    const lookup = fixedLookup({ 'a.example': ['192.0.2.1'], 'b.example': ['192.0.2.2'] });
    const endpoints = new ProxyEndpoints([A, B, C], { lookup });
    const [a, b, c] = await endpoints.resolve();
    expect(labels(await endpoints.round())).toEqual(labels([a!, b!, c!]));
    endpoints.markWorking(b!);
    expect(endpoints.current).toBe(b);
    expect(labels(await endpoints.round())).toEqual(labels([b!, c!, a!]));
    // The tunnel to C dropped: A next, C last (it may be back by then).
    expect(labels(await endpoints.round({ after: c! }))).toEqual(labels([a!, b!, c!]));
    expect(labels(await endpoints.round({ after: b! }))).toEqual(labels([c!, a!, b!]));
  });

  it('refuses URLs that are not https, and an empty list (misuse: TypeError)', () => {
    expect(() => new ProxyEndpoints([])).toThrow(TypeError);
    expect(() => new ProxyEndpoints(['http://a.example'])).toThrow(TypeError);
  });

  it('resolves a real name with the system resolver, keeping the name for TLS', async () => {
    const endpoints = new ProxyEndpoints(['https://localhost:9'], { lookup: systemLookup });
    const all = await endpoints.resolve();
    expect(all.length).toBeGreaterThan(0);
    for (const endpoint of all) expect(endpoint).toMatchObject({ hostname: 'localhost', port: 9, origin: 'https://localhost:9' });
    expect(all.map((e) => e.address)).toEqual(expect.arrayContaining([expect.stringMatching(/^(127\.|::1$)/)]));
  });
});

describe('endpointsFor', () => {
  it('shares one object per list, registered under the first origin', () => {
    const first = endpointsFor(['https://shared-1.example', 'https://shared-2.example']);
    expect(endpointsFor(['https://shared-1.example', 'https://shared-2.example'])).toBe(first);
    expect(sharedEndpoints('https://shared-1.example')).toBe(first);
    // A new list for the same deployment (a node added at login) replaces it.
    const next = endpointsFor(['https://shared-1.example', 'https://shared-3.example']);
    expect(next).not.toBe(first);
    expect(sharedEndpoints('https://shared-1.example')).toBe(next);
    expect(sharedEndpoints('https://shared-2.example')).toBeUndefined();
  });
});
