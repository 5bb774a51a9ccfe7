import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REASONS } from '../../../shared/reasons.ts';
import { enrollWithUrls } from '../../../test/helpers/failover.ts';
import { startEchoStack, TEST_USER, type EchoStack } from '../../../test/helpers/stack.ts';
import { endpointsFor, ProxyEndpoints } from '../http/index.ts';
import { proxyUrlsOf } from '../state/index.ts';
import { appVerdict, fetchApps, MAX_APP_TEXT } from './index.ts';

describe('appVerdict (reading /v1/me/apps defensively)', () => {
  it('keeps the proxy\'s verdict, reasons and remediation', () => {
    expect(appVerdict({ id: 'wiki', name: 'Wiki', protocol: 'http', allowed: false, reasons: ['disk-unencrypted'], remediation: ['Turn on disk encryption.'] })).toEqual({
      id: 'wiki',
      name: 'Wiki',
      protocol: 'http',
      allowed: false,
      reasons: ['disk-unencrypted'],
      remediation: ['Turn on disk encryption.'],
      reportOnly: false,
    });
  });

  it('fills remediation from the reason catalogue when an older proxy sends none', () => {
    expect(appVerdict({ id: 'db', allowed: false, reasons: ['firewall-off', 'firewall-off', 'made-up'] })?.remediation).toEqual([REASONS['firewall-off'].remediation]);
  });

  it('refuses what is not an app, and strips control characters and overlong text', () => {
    expect(appVerdict(null)).toBeUndefined();
    expect(appVerdict({ id: 3, allowed: true })).toBeUndefined();
    expect(appVerdict({ id: 'x', allowed: 'yes' })).toBeUndefined();
    const app = appVerdict({ id: 'x', name: `evil\u001b[2J${'n'.repeat(2 * MAX_APP_TEXT)}`, allowed: true, reportOnly: true });
    expect(app?.name.includes('\u001b')).toBe(false);
    expect(app?.name.length).toBe(MAX_APP_TEXT);
    expect(app?.reportOnly).toBe(true);
  });
});

describe('fetchApps over the endpoints it is given (docs/failover.md)', () => {
  let stack: EchoStack;
  let creds: Awaited<ReturnType<typeof enrollWithUrls>>;
  let deadUrl: string;

  beforeAll(async () => {
    stack = await startEchoStack();
    // A port nothing listens on: connections to it are refused, as to a node whose process died.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    deadUrl = `https://localhost:${port}`;
    creds = await enrollWithUrls(stack.proxy, stack.dir, TEST_USER, [deadUrl, stack.proxy.url], 'apps-host');
  }, 30_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('moves past a node that refuses to the next one, and marks that one in use', async () => {
    const endpoints = new ProxyEndpoints([deadUrl, stack.proxy.url]);
    const apps = await fetchApps(creds, creds.home.loadSession()!.token, endpoints);
    expect(apps.map((a) => a.id)).toEqual(['echo']);
    expect(endpoints.current?.origin).toBe(stack.proxy.url);
  });

  it('uses only the endpoints given, not the enrolment record', async () => {
    const onlyDead = new ProxyEndpoints([deadUrl]);
    await expect(fetchApps(creds, creds.home.loadSession()!.token, onlyDead)).rejects.toMatchObject({ code: 'ZG_ERR_TUNNEL_CONNECT' });
  });

  it('defaults to the enrolment\'s shared endpoints (those the tunnel and session keeper use)', async () => {
    const apps = await fetchApps(creds, creds.home.loadSession()!.token);
    expect(apps.map((a) => a.id)).toEqual(['echo']);
    expect(endpointsFor(proxyUrlsOf(creds.enrollment)).current?.origin).toBe(stack.proxy.url);
  });
});
