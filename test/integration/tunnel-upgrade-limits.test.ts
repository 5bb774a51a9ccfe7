/**
 * Tunnel upgrade limits as a big office behind one NAT meets them (issue 7): after a node dies,
 * every agent reconnects to another at once, from the same public address. Accepted upgrades
 * must not use up that address's budget (only refusals do); each device has its own budget, so
 * one agent in a reconnect loop is cut off without touching the others.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceCredentials } from '../../agent/core/state/index.ts';
import { TUNNEL_RATE_PER_MINUTE, TUNNEL_UPGRADES_PER_DEVICE_PER_MINUTE } from '../../proxy/server/app.ts';
import { tryUpgrade } from '../helpers/agent.ts';
import { startStack, TEST_USER, type Stack } from '../helpers/stack.ts';

const NAT = '127.0.6.1';

describe('tunnel upgrade limits', () => {
  let stack: Stack;
  let devices: DeviceCredentials[];

  beforeAll(async () => {
    stack = await startStack();
    const needed = Math.ceil((TUNNEL_RATE_PER_MINUTE + 1) / TUNNEL_UPGRADES_PER_DEVICE_PER_MINUTE);
    devices = [];
    for (let i = 0; i < needed; i++) devices.push(await stack.enroll(TEST_USER));
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  const upgrade = (creds: DeviceCredentials) =>
    tryUpgrade(stack.proxy.url, { ca: stack.proxy.pki.ca.certPem, cert: creds.certPem, key: creds.keyPem }, creds.session?.token, NAT);

  it('lets more agents than the per-source budget connect from one address, and limits each device on its own', async () => {
    let accepted = 0;
    for (const device of devices) {
      for (let i = 0; i < TUNNEL_UPGRADES_PER_DEVICE_PER_MINUTE; i++) {
        const outcome = await upgrade(device);
        expect(outcome.opened, outcome.text).toBe(true);
        accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(TUNNEL_RATE_PER_MINUTE);

    // The first device is over its own budget: 429 with Retry-After, and the others are not affected.
    const looping = await upgrade(devices[0]!);
    expect(looping).toMatchObject({ opened: false, status: 429, body: { code: 'ZG_ERR_RATE_LIMITED', reasons: ['rate-limited'] } });
    expect(Number(looping.retryAfter)).toBeGreaterThan(0);
    expect(looping.body?.message).toMatch(/too many tunnel connections for this device/);

    // The address itself is not blocked: a client without a certificate is refused for what it is.
    const stranger = await tryUpgrade(stack.proxy.url, { ca: stack.proxy.pki.ca.certPem }, undefined, NAT);
    expect(stranger).toMatchObject({ opened: false, status: 401, body: { code: 'ZG_ERR_AUTH_CERT_REQUIRED' } });
  }, 120_000);

  it('cuts off an address after too many refused upgrades, with Retry-After', async () => {
    const source = '127.0.6.2';
    for (let i = 0; i < TUNNEL_RATE_PER_MINUTE; i++) {
      const refused = await tryUpgrade(stack.proxy.url, { ca: stack.proxy.pki.ca.certPem }, undefined, source);
      expect(refused.status).toBe(401);
    }
    const limited = await tryUpgrade(stack.proxy.url, { ca: stack.proxy.pki.ca.certPem }, undefined, source);
    expect(limited).toMatchObject({ opened: false, status: 429, body: { code: 'ZG_ERR_RATE_LIMITED' } });
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    // Even a valid device from that address waits: the address is cut off before any work.
    const device = await tryUpgrade(stack.proxy.url, { ca: stack.proxy.pki.ca.certPem, cert: devices[1]!.certPem, key: devices[1]!.keyPem }, devices[1]!.session?.token, source);
    expect(device.status).toBe(429);
  }, 120_000);
});
