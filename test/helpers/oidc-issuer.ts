/**
 * A tiny external OIDC issuer for integration tests: an HTTPS server on 127.0.0.1 with a
 * throwaway CA, serving only `/.well-known/openid-configuration` and the JWKS of keys the test
 * holds, so tests mint ID tokens themselves (jose `SignJWT`) exactly as an IdP would, and forge
 * the ones an attacker would. Counts requests, can answer the JWKS with an error, and can stop
 * listening (its port then refuses connections) and start again on the same port.
 */
import { randomUUID, type webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { createPinnedFetch } from '../../agent/core/auth/pinned-fetch.ts';
import type { FetchLike } from '../../proxy/identity/index.ts';
import { createCa, createServerCert, type CaKeyPair } from '../../proxy/pki/index.ts';

type CryptoKey = webcrypto.CryptoKey;

export type IssuerKeyAlg = 'RS256' | 'ES256';

/** A signing key pair of the test IdP (or of an attacker), with its `kid`. */
export interface IssuerKey {
  alg: IssuerKeyAlg;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public key as it appears in a JWKS (`kid`, `alg`, `use: sig`). */
  publicJwk: JWK;
  /** The public key as SPKI PEM (what a key-confusion attacker uses as an HMAC secret). */
  publicPem: string;
}

export async function createIssuerKey(alg: IssuerKeyAlg, kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { alg, kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' }, publicPem: await exportSPKI(publicKey) };
}

/** `up` (serve), `jwks-error` (discovery works, the JWKS answers HTTP 500). */
/**
 * How the test IdP answers: `up` normally; `jwks-error` a 500 for the key set; `wrong-issuer` a
 * discovery document naming another issuer (a mix-up attack); `huge-jwks` a key set larger than
 * any sane one (a resource attack on the proxy).
 */
export type IssuerMode = 'up' | 'jwks-error' | 'wrong-issuer' | 'huge-jwks';

export interface TestIssuer {
  /** The issuer URL (`https://127.0.0.1:<port>` plus the optional path). */
  readonly issuer: string;
  readonly port: number;
  /** PEM of the CA that issued the server certificate. */
  readonly ca: CaKeyPair;
  /** A fetch that trusts only {@link ca}: the proxy's `identity.fetch`. */
  readonly fetch: FetchLike;
  /** Keys published in the JWKS (mutable: a test may rotate). */
  published: IssuerKey[];
  mode: IssuerMode;
  /** Requests served, by kind. */
  readonly requests: { discovery: number; jwks: number };
  /** Signs `payload` as this IdP would (first published key by default). */
  sign(payload: JWTPayload, key?: IssuerKey): Promise<string>;
  /** Stops listening and drops open connections: the port refuses connections. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

export interface TestIssuerOptions {
  keys: IssuerKey[];
  /** Reuse a CA (one trust anchor for several issuers); a fresh one by default. */
  ca?: CaKeyPair;
  /** A path the issuer URL ends with, e.g. `/tenant-a`. */
  path?: string;
}

export async function startTestIssuer(options: TestIssuerOptions): Promise<TestIssuer> {
  const ca = options.ca ?? createCa({ commonName: 'Test IdP CA' });
  const tls = createServerCert(ca, ['127.0.0.1', 'localhost']);
  const path = options.path ?? '';
  const sockets = new Set<Socket>();
  const state = {
    published: [...options.keys],
    mode: 'up' as IssuerMode,
    requests: { discovery: 0, jwks: 0 },
    issuer: '',
  };

  const server: Server = createServer({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2' }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === `${path}/.well-known/openid-configuration`) {
      state.requests.discovery++;
      send(200, {
        issuer: state.mode === 'wrong-issuer' ? `${state.issuer}/other-tenant` : state.issuer,
        jwks_uri: `${state.issuer}/jwks`,
        authorization_endpoint: `${state.issuer}/authorize`,
        token_endpoint: `${state.issuer}/token`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      });
      return;
    }
    if (req.method === 'GET' && url.pathname === `${path}/jwks`) {
      state.requests.jwks++;
      if (state.mode === 'jwks-error') send(500, { error: 'server_error' });
      else if (state.mode === 'huge-jwks') send(200, { keys: state.published.map((k) => k.publicJwk), padding: 'x'.repeat(512 * 1024) });
      else send(200, { keys: state.published.map((k) => k.publicJwk) });
      return;
    }
    send(404, { error: 'not_found' });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const stop = () => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });

  await listen(0);
  const { port } = server.address() as AddressInfo;
  state.issuer = `https://127.0.0.1:${port}${path}`;
  const pinned = createPinnedFetch({ ca: ca.certPem, timeoutMs: 3_000 });
  const fetch: FetchLike = (url, init) => pinned(url, init as Parameters<typeof pinned>[1]);

  return {
    issuer: state.issuer,
    port,
    ca,
    fetch,
    get published() {
      return state.published;
    },
    set published(keys: IssuerKey[]) {
      state.published = keys;
    },
    get mode() {
      return state.mode;
    },
    set mode(mode: IssuerMode) {
      state.mode = mode;
    },
    requests: state.requests,
    sign(payload, key) {
      const signer = key ?? state.published[0];
      if (signer === undefined) throw new TypeError('the test issuer has no key to sign with');
      return new SignJWT(payload).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT' }).sign(signer.privateKey);
    },
    stop,
    resume: () => listen(port),
    close: stop,
  };
}
