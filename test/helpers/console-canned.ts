/**
 * A stand-in for the proxy's console routes, for developing and smoke-testing the web console
 * bundle alone: serves a built `dist/` with the console's CSP, and answers a few routes of the
 * API contract (docs/api.md, issue 5) with canned data. Not the proxy: the real end-to-end tests
 * run the console against a real proxy.
 *
 *   npx tsx test/helpers/console-canned.ts [admin|helpdesk|employee]   # after npm run build
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';

/** The console's headers, as the contract gives them. */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export type CannedRole = 'admin' | 'helpdesk' | 'employee';

export interface CannedRequest {
  method: string;
  url: string;
  csrf: string | undefined;
  body: unknown;
}

export interface CannedConsole {
  url: string;
  /** Who is signed in; undefined: nobody (the session route answers 401). */
  role: CannedRole | undefined;
  readonly requests: CannedRequest[];
  close(): Promise<void>;
}

export const CSRF = 'csrf-test-value';
const NOW = Date.parse('2025-05-01T09:00:00Z');
const iso = (minutesAgo: number): string => new Date(NOW - minutesAgo * 60_000).toISOString();

const DISK_REMEDIATION =
  'Your disk is not encrypted. Turn on disk encryption (FileVault, BitLocker or LUKS) and let it finish, then try again; ask your helpdesk if you need help.';

function cannedData(): { apps: Record<string, unknown>[]; policies: Record<string, unknown>[] } {
  return {
    apps: [
      { id: 'wiki', name: 'Engineering wiki', upstream: 'http://wiki.internal:8080', policy: 'engineering', users: [], source: 'config' },
      { id: 'db', name: 'Orders database', upstream: 'tcp://db.internal:5432', users: ['alice@example.com'], source: 'api', updatedAt: iso(60), updatedBy: 'user:root@example.com' },
    ],
    policies: [{ name: 'engineering', source: 'config', usedBy: ['wiki'], policy: { allow: [{ groups: ['engineering'] }], require: { mfa: true, posture: { diskEncryption: true, maxAge: '5m' } } } }],
  };
}

const CHECKS = [
  { check: 'os', status: 'pass', detail: 'Debian 12.5' },
  { check: 'patch', status: 'pass', detail: 'updated 3 days ago' },
  { check: 'diskEncryption', status: 'fail', detail: '/: not encrypted' },
  { check: 'edr', status: 'unknown', detail: 'no known agent process found' },
  { check: 'firewall', status: 'pass', detail: 'nftables active' },
  { check: 'screenLock', status: 'pass', detail: 'locks after 5 minutes' },
];

const DEVICE = { id: 'dev-0123abcd', user: 'alice@example.com', hostname: 'alice-laptop', status: 'active', createdAt: iso(60 * 24 * 30), lastSeenAt: iso(2), certNotAfter: '2026-05-01T09:00:00.000Z', certSerial: '0a1b2c' };
const VERDICTS = [
  { app: 'wiki', name: 'Engineering wiki', allowed: false, reasons: ['disk-unencrypted'], remediation: [DISK_REMEDIATION] },
  { app: 'db', name: 'Orders database', allowed: true, reasons: [], remediation: [] },
];
const DECISION = { id: 42, time: iso(5), type: 'stream.deny', user: 'alice@example.com', device: DEVICE.id, app: 'wiki', code: 'ZG_ERR_POLICY_DENIED', reasons: ['disk-unencrypted'], remediation: [DISK_REMEDIATION] };
const POSTURE = { receivedAt: iso(2), platform: 'linux', osVersion: '12.5', agentVersion: '0.1.0', checks: CHECKS };

function deviceDetail(): Record<string, unknown> {
  return {
    device: DEVICE,
    session: { user: DEVICE.user, method: 'idp', groups: ['engineering'], amr: ['pwd', 'otp'], authTime: iso(30), createdAt: iso(30), expiresAt: iso(-600) },
    posture: POSTURE,
    postureHistory: [{ receivedAt: iso(2), checks: Object.fromEntries(CHECKS.map((c) => [c.check, c.status])) }],
    verdicts: VERDICTS,
    decisions: [DECISION],
  };
}

const CONTENT_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', map: 'application/json' };

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json; charset=utf-8'): void {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': CONSOLE_CSP,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body));
}

const error = (status: number, code: string, message: string): Record<string, unknown> => ({ statusCode: status, code, error: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Bad Request', message });

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

/** Serves `distDir` at /console/ and the canned API on 127.0.0.1 (a secure context for the browser). */
export async function startCannedConsole(distDir: string, role: CannedRole | undefined = 'admin'): Promise<CannedConsole> {
  const data = cannedData();
  const requests: CannedRequest[] = [];
  const state: CannedConsole = { url: '', role, requests, close: () => new Promise((done) => server.close(() => done())) };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const body = method === 'GET' ? undefined : await readBody(req);
    const csrfHeader = req.headers['x-zerogate-csrf'];
    requests.push({ method, url: url.pathname + url.search, csrf: typeof csrfHeader === 'string' ? csrfHeader : undefined, body });
    const path = url.pathname;
    if (path.startsWith('/console/assets/')) {
      const file = path.slice('/console/assets/'.length);
      if (!/^[\w.-]+$/.test(file)) return send(res, 404, error(404, 'ZG_ERR_NOT_FOUND', 'no such file'));
      try {
        return send(res, 200, readFileSync(join(distDir, 'assets', file)), CONTENT_TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream');
      } catch {
        return send(res, 404, error(404, 'ZG_ERR_NOT_FOUND', 'no such file'));
      }
    }
    const who = state.role;
    if (method !== 'GET' && who !== undefined && csrfHeader !== CSRF) return send(res, 403, error(403, 'ZG_ERR_CONSOLE_CSRF', 'missing or wrong CSRF header'));
    if (path === '/console/api/session') {
      if (who === undefined) return send(res, 401, error(401, 'ZG_ERR_CONSOLE_SESSION_REQUIRED', 'sign in to the console'));
      const user = who === 'employee' ? 'alice@example.com' : `${who}@example.com`;
      return send(res, 200, { user, name: who === 'employee' ? 'Alice Example' : `Ada ${who}`, groups: [who], role: who, csrf: CSRF, expiresAt: iso(-480) });
    }
    if (path === '/console/logout' && method === 'POST') {
      state.role = undefined;
      return send(res, 204, undefined);
    }
    if (path.startsWith('/console')) return send(res, 200, readFileSync(join(distDir, 'index.html')), 'text/html; charset=utf-8');
    if (who === undefined) return send(res, 401, error(401, 'ZG_ERR_CONSOLE_SESSION_REQUIRED', 'sign in to the console'));
    if (path.startsWith('/v1/me/')) return send(res, 200, { items: [{ device: { id: DEVICE.id, hostname: DEVICE.hostname, status: 'active', current: false, createdAt: DEVICE.createdAt, lastSeenAt: DEVICE.lastSeenAt, certNotAfter: DEVICE.certNotAfter }, posture: POSTURE, verdicts: VERDICTS }] });
    if (who === 'employee' || (path.startsWith('/v1/admin/') && who !== 'admin')) return send(res, 403, error(403, 'ZG_ERR_API_FORBIDDEN', 'your role may not call this route'));
    return route(method, path, body, res);
  }

  function route(method: string, path: string, body: unknown, res: ServerResponse): void {
    const b = (body ?? {}) as Record<string, unknown>;
    if (method === 'GET' && path === '/v1/helpdesk/apps') return send(res, 200, { items: data.apps });
    if (method === 'GET' && path === '/v1/helpdesk/policies') return send(res, 200, { items: data.policies });
    if (method === 'POST' && path === '/v1/admin/apps') {
      if (data.apps.some((a) => a.id === b.id)) return send(res, 409, error(409, 'ZG_ERR_API_CONFLICT', `an app with id ${String(b.id)} exists`));
      const app = { ...b, name: b.name ?? b.id, users: b.users ?? [], source: 'api', updatedAt: iso(0), updatedBy: 'user:admin@example.com' };
      delete (app as Record<string, unknown>).reason;
      data.apps.push(app);
      return send(res, 201, app);
    }
    if (method === 'POST' && path === '/v1/admin/policies/validate') {
      const policy = (b.policy ?? {}) as { require?: { mfa?: unknown } };
      if (policy.require?.mfa !== undefined && typeof policy.require.mfa !== 'boolean') {
        return send(res, 400, { ...error(400, 'ZG_ERR_BAD_REQUEST', 'the policy is not valid'), valid: false, errors: [{ path: 'policy.require.mfa', expected: 'a boolean', found: JSON.stringify(policy.require.mfa), message: 'must be true or false' }] });
      }
      return send(res, 200, { valid: true, policy: { mode: 'enforce', allow: [], require: {} } });
    }
    if (method === 'GET' && path === '/v1/helpdesk/devices') return send(res, 200, { items: [DEVICE] });
    if (method === 'GET' && path === `/v1/helpdesk/devices/${DEVICE.id}`) return send(res, 200, deviceDetail());
    if (method === 'GET' && path === '/v1/helpdesk/decisions') return send(res, 200, { items: [DECISION] });
    return send(res, 404, error(404, 'ZG_ERR_NOT_FOUND', `no canned answer for ${method} ${path}`));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, error(500, 'ZG_ERR_INTERNAL', String(e))));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const role = (process.argv[2] ?? 'admin') as CannedRole;
  const canned = await startCannedConsole(resolve(import.meta.dirname, '../../proxy/console/dist'), role);
  console.log(`canned console (${role}) at ${canned.url}/console/`);
}
