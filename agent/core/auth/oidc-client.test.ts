/**
 * Discovery over the pinned CA: the real oidc-provider, and hand-made servers for the ways a
 * discovery document can be wrong.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, createServerCert, type CertKeyPair } from '../../../proxy/pki/index.ts';
import { expectZgRejection } from '../../../proxy/pki/test-helpers.ts';
import { discoverIssuer, OidcClient, type OidcSettings } from './index.ts';
import { startTestIdp, TEST_CLIENT_ID, TEST_SCOPES, type TestIdp } from './test-idp.ts';

let ca: CertKeyPair;
let otherCa: CertKeyPair;
let idp: TestIdp;
let fake: Server;
let fakeOrigin: string;

/** Discovery documents that are wrong in one way each, at `<fake>/<case>/.well-known/openid-configuration`. */
function fakeIdp(req: IncomingMessage, res: ServerResponse): void {
  const [, name] = /^\/([a-z-]+)\//.exec(req.url ?? '') ?? [];
  switch (name) {
    case 'other-issuer':
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: 'https://somewhere-else.example', authorization_endpoint: 'https://somewhere-else.example/auth' }));
      return;
    case 'down':
      res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>maintenance</h1>');
      return;
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>a login page</h1>');
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  ca = createCa({ commonName: 'discovery test CA' });
  otherCa = createCa({ commonName: 'someone else' });
  const tls = createServerCert(ca, ['127.0.0.1']);
  idp = await startTestIdp(tls);
  fake = createServer({ cert: tls.certPem, key: tls.keyPem }, fakeIdp);
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  fakeOrigin = `https://127.0.0.1:${(fake.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await idp?.close();
  fake?.closeAllConnections();
  fake?.close();
});

function settings(overrides: Partial<OidcSettings> = {}): OidcSettings {
  return { issuer: idp.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, ...overrides };
}

describe('discoverIssuer', () => {
  it('discovers the IdP through the pinned CA', async () => {
    const client = await discoverIssuer(settings({ acrValues: 'urn:zerogate:mfa' }), { ca: ca.certPem });
    expect(client).toBeInstanceOf(OidcClient);
    expect(client.issuer).toBe(idp.issuer);
    expect(client.clientId).toBe(TEST_CLIENT_ID);
    expect(client.scopes).toEqual(TEST_SCOPES);
    expect(client.acrValues).toBe('urn:zerogate:mfa');
    expect(client.supportsDeviceCode).toBe(true);
    expect(client.supportsRevocation).toBe(true);
    expect(Object.isFrozen(client)).toBe(true);
  });

  it('refuses the IdP when its certificate comes from another CA than the pinned one', async () => {
    const error = await expectZgRejection(discoverIssuer(settings(), { ca: otherCa.certPem }), 'ZG_ERR_AUTH_IDP_UNTRUSTED');
    expect(error.message).toContain(idp.issuer);
    expect(error.statusCode).toBe(502);
  });

  it('refuses it too with only the system trust store', async () => {
    await expectZgRejection(discoverIssuer(settings(), {}), 'ZG_ERR_AUTH_IDP_UNTRUSTED');
  });

  it('refuses a discovery document that names another issuer (OpenID Connect Discovery §4.3)', async () => {
    await expectZgRejection(discoverIssuer(settings({ issuer: `${fakeOrigin}/other-issuer` }), { ca: ca.certPem }), 'ZG_ERR_AUTH_IDP_MISCONFIGURED');
  });

  it('tells an IdP that is down from one that is misconfigured', async () => {
    await expectZgRejection(discoverIssuer(settings({ issuer: `${fakeOrigin}/down` }), { ca: ca.certPem }), 'ZG_ERR_AUTH_IDP_UNAVAILABLE');
    await expectZgRejection(discoverIssuer(settings({ issuer: `${fakeOrigin}/html` }), { ca: ca.certPem }), 'ZG_ERR_AUTH_IDP_MISCONFIGURED');
    await expectZgRejection(discoverIssuer(settings({ issuer: `${fakeOrigin}/missing` }), { ca: ca.certPem }), 'ZG_ERR_AUTH_IDP_MISCONFIGURED');
  });

  it('reports an unreachable IdP as ZG_ERR_AUTH_IDP_UNAVAILABLE', async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));
    await expectZgRejection(discoverIssuer(settings({ issuer: `https://127.0.0.1:${port}` }), { ca: ca.certPem }), 'ZG_ERR_AUTH_IDP_UNAVAILABLE');
  });

  it('accepts only an https issuer and scopes with openid', async () => {
    await expectZgRejection(discoverIssuer(settings({ issuer: 'http://127.0.0.1:1' }), {}), 'ZG_ERR_AUTH_IDP_MISCONFIGURED');
    await expectZgRejection(discoverIssuer(settings({ issuer: 'not a url' }), {}), 'ZG_ERR_AUTH_IDP_MISCONFIGURED');
    await expectZgRejection(discoverIssuer(settings({ issuer: 'https://idp.example/?tenant=1' }), {}), 'ZG_ERR_AUTH_IDP_MISCONFIGURED');
    await expectZgRejection(discoverIssuer(settings({ scopes: ['email', 'profile'] }), {}), 'ZG_ERR_AUTH_IDP_MISCONFIGURED');
  });

  it('rejects settings of the wrong shape with a TypeError', async () => {
    await expect(discoverIssuer(settings({ clientId: '' }), {})).rejects.toBeInstanceOf(TypeError);
    await expect(discoverIssuer(settings({ scopes: ['openid', 'two words'] }), {})).rejects.toBeInstanceOf(TypeError);
    await expect(discoverIssuer(settings(), { ca: 'not a certificate' })).rejects.toBeInstanceOf(TypeError);
    expect(() => new OidcClient({} as never, settings())).toThrow(TypeError);
  });
});
