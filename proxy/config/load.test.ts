import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isZerogateError, type ZerogateError } from '../../shared/errors.ts';
import { defaultConfig, loadConfig, parseConfig, type ConfigIssue, type PolicyConfig, type ProxyConfig } from './index.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

/** What every http/https app gets without an `http` block. */
const HTTP_DEFAULTS = {
  assertion: true,
  rateLimit: { perIdentityPerMinute: 600, perAppPerMinute: 6000 },
  requestValidation: 'off',
  responseValidation: 'off',
  clientless: false,
  maxBodyBytes: 1024 * 1024,
} as const;

const ANOMALY_DEFAULTS = {
  block: false,
  blockForMs: 15 * 60 * 1000,
  credentialStuffing: { failures: 20, accounts: 5, windowMs: 10 * 60 * 1000 },
  enumeration: { distinctIds: 100, windowMs: 5 * 60 * 1000 },
  exfiltration: { bytes: 100 * 1024 * 1024, windowMs: 10 * 60 * 1000, baselineFactor: 10 },
  unusualAccess: { learningDays: 7, minEvents: 50 },
};

const FILE = 'zerogate.yaml';
const BASE = '/etc/zerogate';

function invalid(text: string): { error: ZerogateError; errors: ConfigIssue[] } {
  try {
    parseConfig(text, FILE, BASE);
  } catch (error) {
    expect(isZerogateError(error, 'ZG_ERR_CONFIG_INVALID')).toBe(true);
    const zerr = error as ZerogateError;
    expect(zerr.detail?.file).toBe(FILE);
    return { error: zerr, errors: zerr.detail?.errors as ConfigIssue[] };
  }
  return expect.unreachable('parseConfig accepted an invalid config');
}

/** The one problem of a config with exactly one. */
function onlyIssue(text: string): ConfigIssue {
  const { error, errors } = invalid(text);
  expect(errors, error.message).toHaveLength(1);
  const [issue] = errors;
  expect(error.message).toContain(issue?.message);
  return issue as ConfigIssue;
}

const FULL = `# every key, none at its default
server:
  listen: "[::]:9443"
  hostnames: [zerogate.example.com, 10.0.0.5]
  publicUrl: https://zerogate.example.com:443/
  tls: { cert: tls/server.crt, key: /secure/server.key }
dataDir: ../var/zerogate
devices: { certTtl: 1d12h }
enrollment: { tokenTtl: 30m, maxTokenTtl: 7d }
audit: { file: logs/audit.jsonl }
store: { url: 'postgresql://zerogate:s3cret@db.internal:5432/zerogate?sslmode=require' }
identity:
  oidc:
    issuer: https://example.okta.com/oauth2/default
    clientId: 0oa1example
    groupsClaim: roles
    mfa: { amr: [hwk], acr: ['urn:okta:loa:2fa:any'] }
  session: { tokenTtl: 5m, maxAge: 8h, mfaMaxAge: 4h }
console:
  roles: { admin: [zerogate-admins], helpdesk: [it-support, zerogate-admins] }
  sessionTtl: 2h
limits:
  maxFramePayload: 131072
  maxStreams: 256
  initialWindow: 1048576
  maxOpensPerSecond: 20
  upstreamConnectTimeout: 2500ms
apps:
  - id: wiki
    name: Engineering wiki
    upstream: http://127.0.0.1:8081
    users: [alice@example.com, bob@example.com]
    policy: engineering
  - id: db
    upstream: tcp://DB.internal:5432
  - id: grafana
    upstream: https://grafana.internal/dashboards?org=1
  - id: v6
    upstream: tcp://[0:0::1]:22
policies:
  engineering:
    mode: report-only
    allow: [{ groups: [engineering] }, { emails: [cto@example.com] }]
    require: { mfa: true, maxAuthAge: 12h }
  empty: {}
`;

describe('parseConfig: valid configs', () => {
  it('resolves a full config into typed values', () => {
    const config = parseConfig(FULL, FILE, BASE);
    expect(config).toEqual<ProxyConfig>({
      server: {
        listen: { host: '::', port: 9443 },
        hostnames: ['zerogate.example.com', '10.0.0.5'],
        publicUrl: 'https://zerogate.example.com',
        tls: { certFile: '/etc/zerogate/tls/server.crt', keyFile: '/secure/server.key' },
      },
      dataDir: '/etc/var/zerogate',
      devices: { certTtlMs: D + 12 * H },
      enrollment: { tokenTtlMs: 30 * M, maxTokenTtlMs: 7 * D },
      audit: { file: '/etc/zerogate/logs/audit.jsonl' },
      store: { url: 'postgresql://zerogate:s3cret@db.internal:5432/zerogate?sslmode=require' },
      metrics: { public: false },
      identity: {
        provider: 'oidc',
        embedded: { users: [] },
        oidc: {
          issuer: 'https://example.okta.com/oauth2/default',
          clientId: '0oa1example',
          scopes: ['openid', 'email', 'profile', 'offline_access'],
          groupsClaim: 'roles',
          userClaim: 'email',
          mfa: { amr: ['hwk'], acr: ['urn:okta:loa:2fa:any'], enforcedByIdp: false },
          acrValues: [],
        },
        session: { tokenTtlMs: 5 * M, maxAgeMs: 8 * H, mfaMaxAgeMs: 4 * H },
      },
      console: { roles: { admin: ['zerogate-admins'], helpdesk: ['it-support', 'zerogate-admins'] }, sessionTtlMs: 2 * H },
      limits: {
        maxFramePayload: 131072,
        maxStreams: 256,
        initialWindow: 1048576,
        maxOpensPerSecond: 20,
        upstreamConnectTimeoutMs: 2500,
      },
      apps: [
        {
          id: 'wiki',
          name: 'Engineering wiki',
          upstream: { protocol: 'http', host: '127.0.0.1', port: 8081, url: 'http://127.0.0.1:8081' },
          users: ['alice@example.com', 'bob@example.com'],
          policy: 'engineering',
          http: { ...HTTP_DEFAULTS, rateLimit: { ...HTTP_DEFAULTS.rateLimit } },
        },
        {
          id: 'db',
          name: 'db',
          upstream: { protocol: 'tcp', host: 'db.internal', port: 5432, url: 'tcp://db.internal:5432' },
          users: [],
        },
        {
          id: 'grafana',
          name: 'grafana',
          upstream: {
            protocol: 'https',
            host: 'grafana.internal',
            port: 443,
            url: 'https://grafana.internal/dashboards?org=1',
          },
          users: [],
          http: { ...HTTP_DEFAULTS, rateLimit: { ...HTTP_DEFAULTS.rateLimit } },
        },
        {
          id: 'v6',
          name: 'v6',
          upstream: { protocol: 'tcp', host: '::1', port: 22, url: 'tcp://[::1]:22' },
          users: [],
        },
      ],
      policies: {
        engineering: {
          mode: 'report-only',
          allow: [{ groups: ['engineering'] }, { emails: ['cto@example.com'] }],
          require: { mfa: true, maxAuthAgeMs: 12 * H },
        },
        empty: { mode: 'enforce', allow: [], require: {} },
      },
      anomalies: ANOMALY_DEFAULTS,
    });
    expect(config.apps[1]).not.toHaveProperty('policy');
  });

  it('fills every default for an empty file, a comment-only file and `{}`', () => {
    const expected: ProxyConfig = {
      server: {
        listen: { host: '0.0.0.0', port: 8443 },
        hostnames: ['localhost', '127.0.0.1', '::1'],
        publicUrl: 'https://localhost:8443',
      },
      dataDir: '/etc/zerogate/zerogate-data',
      devices: { certTtlMs: 7 * D },
      enrollment: { tokenTtlMs: H, maxTokenTtlMs: 30 * D },
      audit: { file: 'stdout' },
      store: { url: undefined },
      metrics: { public: false },
      identity: {
        provider: 'embedded',
        embedded: { users: [] },
        oidc: undefined,
        session: { tokenTtlMs: 10 * M, maxAgeMs: 12 * H, mfaMaxAgeMs: 12 * H },
      },
      console: { roles: { admin: ['admin'], helpdesk: ['helpdesk'] }, sessionTtlMs: 8 * H },
      limits: {
        maxFramePayload: 65536,
        maxStreams: 1024,
        initialWindow: 262144,
        maxOpensPerSecond: 100,
        upstreamConnectTimeoutMs: 10 * S,
      },
      apps: [],
      policies: {},
      anomalies: ANOMALY_DEFAULTS,
    };
    for (const text of ['', '# nothing yet\n', '{}\n']) {
      const config = parseConfig(text, FILE, BASE);
      expect(config).toEqual(expected);
      expect(config.server).not.toHaveProperty('tls');
    }
  });

  it('derives publicUrl from the first hostname and the listen port', () => {
    const v6 = parseConfig('server: { listen: "127.0.0.1:9000", hostnames: ["::1", localhost] }', FILE, BASE);
    expect(v6.server.publicUrl).toBe('https://[::1]:9000');
    const on443 = parseConfig('server: { listen: "0.0.0.0:443", hostnames: [Proxy.Example.com] }', FILE, BASE);
    expect(on443.server.publicUrl).toBe('https://proxy.example.com');
    expect(on443.server.hostnames).toEqual(['proxy.example.com']);
  });

  it('accepts audit none and absolute paths as they are', () => {
    const config = parseConfig('audit: { file: none }\ndataDir: /var/lib/zerogate\n', FILE, BASE);
    expect(config.audit.file).toBe('none');
    expect(config.dataDir).toBe('/var/lib/zerogate');
  });

  it('resolves relative paths against a relative baseDir from the working directory', () => {
    const config = parseConfig('dataDir: data', FILE, 'conf');
    expect(config.dataDir).toBe(join(process.cwd(), 'conf', 'data'));
  });

  it('accepts a publicUrl host that is not in hostnames when the admin supplies the certificate', () => {
    const config = parseConfig(
      'server: { publicUrl: "https://edge.example.com", tls: { cert: a.pem, key: b.pem } }',
      FILE,
      BASE,
    );
    expect(config.server.publicUrl).toBe('https://edge.example.com');
  });
});

describe('parseConfig: errors name the file, path, line, expected and found', () => {
  it('rejects an unknown key and lists the known ones', () => {
    const issue = onlyIssue('server:\n  listen: "0.0.0.0:8443"\n  lisen: "x"\n');
    expect(issue).toMatchObject({ path: 'server.lisen', line: 3, column: 3, found: '"lisen"' });
    expect(issue.message).toBe(
      'zerogate.yaml:3:3: server.lisen: unknown key "lisen" (expected one of: listen, hostnames, publicUrl, appsUrl, tls); did you mean "listen"?',
    );
  });

  it('rejects unknown top-level keys without a far-fetched suggestion', () => {
    const issue = onlyIssue('colour: blue\n');
    expect(issue.message).toBe(
      'zerogate.yaml:1:1: colour: unknown key "colour" (expected one of: server, dataDir, devices, enrollment, audit, store, metrics, identity, console, limits, apps, policies, anomalies)',
    );
  });

  it('rejects a wrong type with what was expected and found', () => {
    const issue = onlyIssue('apps:\n  - id: wiki\n    upstream: http://h:1\n    users: alice@example.com\n');
    expect(issue).toMatchObject({
      path: 'apps[0].users',
      line: 4,
      column: 12,
      expected: 'a list',
      found: '"alice@example.com"',
    });
    expect(issue.message).toBe('zerogate.yaml:4:12: apps[0].users: expected a list, found "alice@example.com"');
  });

  it('reports a missing required key at its mapping', () => {
    const issue = onlyIssue('apps:\n  - id: wiki\n  - id: db\n    upstream: tcp://db:5432\n');
    expect(issue).toMatchObject({ path: 'apps[0].upstream', line: 2, expected: 'a value for "upstream"', found: 'nothing' });
    expect(issue.message).toBe('zerogate.yaml:2:5: apps[0].upstream: missing required key "upstream"');
  });

  it('reports an empty value as such', () => {
    const issue = onlyIssue('apps:\n');
    expect(issue).toMatchObject({ path: 'apps', line: 1, expected: 'a list', found: 'an empty value' });
  });

  it('reports YAML syntax errors with their line and the parser code', () => {
    const { error, errors } = invalid('server:\n  listen: [0.0.0.0:8443\napps: []\n');
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatchObject({ path: '', line: 3, expected: 'valid YAML' });
    expect(error.message).toMatch(/^invalid config zerogate\.yaml \(\d+ errors?\):\n {2}zerogate\.yaml:3:\d+: YAML syntax error: /);
  });

  it('rejects duplicate keys (YAML would otherwise keep the last one silently)', () => {
    const issue = onlyIssue('dataDir: a\ndataDir: b\n');
    expect(issue).toMatchObject({ line: 2, column: 1 });
    expect(issue.message).toContain('(DUPLICATE_KEY)');
  });

  it('rejects unresolved tags instead of reading them as strings', () => {
    const issue = onlyIssue('dataDir: !env DATA_DIR\n');
    expect(issue.message).toContain('TAG_RESOLVE_FAILED');
    expect(issue.line).toBe(1);
  });

  it('rejects several documents in one file', () => {
    expect(onlyIssue('dataDir: a\n---\ndataDir: b\n').message).toContain('MULTIPLE_DOCS');
  });

  it('rejects a root that is not a mapping', () => {
    const issue = onlyIssue('- a\n- b\n');
    expect(issue).toMatchObject({ path: '', line: 1, expected: 'a mapping', found: 'a list of 2' });
  });

  it('rejects an alias bomb without expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) bomb.push(`${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${i === 0 ? 'a' : 'bcdefghi'[i - 1]}`).join(', ')}]`);
    const { errors } = invalid(`${bomb.join('\n')}\n`);
    expect(errors[0]?.expected).toBe('a document with at most 100 alias expansions');
  });

  it('does not let __proto__ reach the prototype (regression: prototype pollution)', () => {
    const { errors } = invalid('__proto__: { polluted: true }\npolicies:\n  __proto__: { mode: enforce }\n');
    expect(errors.map((issue) => issue.path)).toEqual(['__proto__', 'policies.__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('durations', () => {
    it('rejects a malformed duration', () => {
      const issue = onlyIssue('devices:\n  certTtl: 7 days\n');
      expect(issue).toMatchObject({
        path: 'devices.certTtl',
        line: 2,
        column: 12,
        expected: 'a duration such as 90s, 10m, 1h30m or 7d',
        found: '"7 days"',
      });
    });

    it('rejects a number where a duration is expected', () => {
      const issue = onlyIssue('limits: { upstreamConnectTimeout: 10 }\n');
      expect(issue).toMatchObject({ path: 'limits.upstreamConnectTimeout', expected: 'a duration such as 90s, 10m, 1h30m or 7d', found: '10' });
    });

    it.each([
      ['devices: { certTtl: 4m }', 'devices.certTtl', 'a duration from 5m to 397d'],
      ['devices: { certTtl: 398d }', 'devices.certTtl', 'a duration from 5m to 397d'],
      ['enrollment: { maxTokenTtl: 91d }', 'enrollment.maxTokenTtl', 'a duration from 1m to 90d'],
      ['limits: { upstreamConnectTimeout: 50ms }', 'limits.upstreamConnectTimeout', 'a duration from 100ms to 5m'],
    ])('enforces bounds: %s', (text, path, expected) => {
      expect(onlyIssue(text)).toMatchObject({ path, line: 1, expected });
    });

    it('requires tokenTtl to be at most maxTokenTtl', () => {
      const issue = onlyIssue('enrollment:\n  tokenTtl: 2d\n  maxTokenTtl: 1d\n');
      expect(issue).toMatchObject({ path: 'enrollment.tokenTtl', line: 2, expected: 'at most enrollment.maxTokenTtl (1d)', found: '"2d"' });
    });
  });

  describe('identity', () => {
    const HASH = 'scrypt$N=16384,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';

    it('resolves embedded users with their groups and TOTP secret', () => {
      const config = parseConfig(`identity:\n  users:\n    - { username: alice, email: alice@example.com, groups: [eng], passwordHash: "${HASH}", totpSecret: JBSWY3DPEHPK3PXP }\n`, FILE, BASE);
      expect(config.identity).toMatchObject({
        provider: 'embedded',
        oidc: undefined,
        embedded: { users: [{ username: 'alice', email: 'alice@example.com', groups: ['eng'], passwordHash: HASH, totpSecret: 'JBSWY3DPEHPK3PXP' }] },
      });
    });

    it.each([
      ['identity: { oidc: { issuer: "http://idp.example.com", clientId: c } }', 'identity.oidc.issuer', 'an https:// issuer URL without query or fragment'],
      ['identity: { oidc: { issuer: "https://idp.example.com?x=1", clientId: c } }', 'identity.oidc.issuer', 'an https:// issuer URL without query or fragment'],
      ['identity: { oidc: { issuer: "https://idp.example.com", clientId: c, scopes: [email] } }', 'identity.oidc.scopes', 'a list that includes openid'],
      ['identity: { session: { tokenTtl: 30s } }', 'identity.session.tokenTtl', 'a duration from 1m to 1d'],
      ['identity: { session: { maxAge: 91d } }', 'identity.session.maxAge', 'a duration from 5m to 90d'],
      [`identity: { users: [{ username: alice, email: a@example.com, passwordHash: hunter2 }] }`, 'identity.users[0].passwordHash', 'an scrypt hash (scrypt$...) from `zerogate-proxy user hash-password`'],
      [`identity: { users: [{ username: Alice, email: a@example.com, passwordHash: "${HASH}" }] }`, 'identity.users[0].username', 'a username of lowercase letters, digits, ".", "_" and "-" (at most 64)'],
      [`identity: { users: [{ username: alice, email: a@example.com, passwordHash: "${HASH}", totpSecret: "123" }] }`, 'identity.users[0].totpSecret', 'a base32 TOTP secret (A-Z, 2-7; at least 16 characters)'],
    ])('rejects %s', (text, path, expected) => {
      expect(onlyIssue(`${text}\n`)).toMatchObject({ path, expected });
    });

    it('rejects a username listed twice, pointing at the second', () => {
      const user = `{ username: alice, email: a@example.com, passwordHash: "${HASH}" }`;
      expect(onlyIssue(`identity:\n  users:\n    - ${user}\n    - ${user}\n`)).toMatchObject({
        path: 'identity.users[1].username',
        line: 4,
        expected: 'a unique username (identity.users[0] already uses it)',
      });
    });
  });

  describe('console', () => {
    it('resolves roles (duplicates dropped) and the session lifetime', () => {
      const config = parseConfig('console:\n  roles: { admin: [ops, ops], helpdesk: [] }\n  sessionTtl: 24h\n', FILE, BASE);
      expect(config.console).toEqual({ roles: { admin: ['ops'], helpdesk: [] }, sessionTtlMs: 24 * H });
    });

    it('keeps the default of a role list left out', () => {
      expect(parseConfig('console: { roles: { helpdesk: [support] } }\n', FILE, BASE).console.roles).toEqual({ admin: ['admin'], helpdesk: ['support'] });
    });

    it.each([
      ['console: { sessionTtl: 4m }', 'console.sessionTtl', 'a duration from 5m to 1d'],
      ['console: { sessionTtl: 25h }', 'console.sessionTtl', 'a duration from 5m to 1d'],
      ['console: { sessionTtl: 8 }', 'console.sessionTtl', 'a duration such as 90s, 10m, 1h30m or 7d'],
      ['console: { roles: { admin: ["has space"] } }', 'console.roles.admin[0]', 'a group name'],
      ['console: { roles: { admin: admin } }', 'console.roles.admin', 'a list'],
    ])('rejects %s', (text, path, expected) => {
      expect(onlyIssue(`${text}\n`)).toMatchObject({ path, expected });
    });

    it('rejects unknown keys in console and in its roles, with a suggestion', () => {
      expect(onlyIssue('console: { sessionTTL: 1h }\n')).toMatchObject({ path: 'console.sessionTTL', expected: 'one of: roles, sessionTtl' });
      expect(onlyIssue('console: { roles: { admins: [ops] } }\n').message).toContain('did you mean "admin"?');
      expect(onlyIssue('console: { roles: { employee: [all] } }\n')).toMatchObject({ path: 'console.roles.employee', expected: 'one of: admin, helpdesk' });
    });
  });

  describe('server', () => {
    it.each([
      ['"8443"', 'host:port, such as 0.0.0.0:8443 or [::]:8443'],
      ['":8443"', 'host:port, such as 0.0.0.0:8443 or [::]:8443 (the host is required)'],
      ['"::1:8443"', 'host:port, such as 0.0.0.0:8443 or [::]:8443 (IPv6 addresses go in brackets)'],
      ['"0.0.0.0:70000"', 'host:port, such as 0.0.0.0:8443 or [::]:8443 (port 0-65535)'],
      ['"300.1.1.1:80"', 'host:port, such as 0.0.0.0:8443 or [::]:8443 (the host is not a DNS name or IP address)'],
    ])('rejects listen %s', (value, expected) => {
      expect(onlyIssue(`server:\n  listen: ${value}\n`)).toMatchObject({ path: 'server.listen', line: 2, column: 11, expected });
    });

    it('rejects bad and duplicate hostnames', () => {
      const { errors } = invalid('server:\n  hostnames:\n    - localhost\n    - "*.example.com"\n    - LOCALHOST\n');
      expect(errors).toMatchObject([
        { path: 'server.hostnames[1]', line: 4, expected: 'a DNS name or IP address (no wildcard)', found: '"*.example.com"' },
        { path: 'server.hostnames[2]', line: 5, expected: 'a name not already listed (same as server.hostnames[0])' },
      ]);
    });

    it('rejects an empty hostnames list', () => {
      expect(onlyIssue('server: { hostnames: [] }')).toMatchObject({ path: 'server.hostnames', expected: 'a list of at least 1' });
    });

    it.each([
      ['http://localhost:8443', '(the proxy serves only TLS)'],
      ['https://localhost:8443/zerogate', 'without a path, query or fragment'],
      ['https://admin:pw@localhost:8443', 'without user:password@'],
      ['not a url', 'an https:// URL such as https://zerogate.example.com:8443'],
    ])('rejects publicUrl %s', (value, expected) => {
      const issue = onlyIssue(`server: { publicUrl: "${value}" }`);
      expect(issue.path).toBe('server.publicUrl');
      expect(issue.expected).toContain(expected);
      expect(issue.found).not.toContain('pw');
    });

    it('rejects a publicUrl host the generated certificate would not cover', () => {
      expect(onlyIssue('server: { publicUrl: "https://other.example.com" }')).toMatchObject({
        path: 'server.publicUrl',
        expected: 'a URL whose host is one of server.hostnames (localhost, 127.0.0.1, ::1), or server.tls',
      });
    });

    it('requires both tls files', () => {
      expect(onlyIssue('server:\n  tls:\n    cert: a.pem\n')).toMatchObject({ path: 'server.tls.key', line: 3 });
    });

    it('refuses "~" paths, which nothing expands', () => {
      expect(onlyIssue('audit: { file: ~/audit.log }')).toMatchObject({ path: 'audit.file', found: '"~/audit.log"' });
    });
  });

  describe('apps', () => {
    const app = (fields: string) => `apps:\n  - id: wiki\n    ${fields}\n`;

    it.each([
      ['upstream: ftp://files:21', '(scheme tcp://, http:// or https://)'],
      ['upstream: 127.0.0.1:8081', '(scheme tcp://, http:// or https://)'],
      ['upstream: tcp://db.internal', 'tcp://host:port (a tcp upstream needs a port)'],
      ['upstream: tcp://db.internal:5432/postgres', 'tcp://host:port with nothing after the port'],
      ['upstream: tcp://db.internal:5432?x=1', 'tcp://host:port with nothing after the port'],
      ['upstream: tcp://db.internal:99999', 'a URL such as tcp://db.internal:5432 or http://127.0.0.1:8081'],
      ['upstream: http://wiki#top', 'without a #fragment'],
      ['upstream: "tcp://bad host:1"', 'a URL such as'],
    ])('rejects %s', (fields, expected) => {
      const issue = onlyIssue(app(fields));
      expect(issue).toMatchObject({ path: 'apps[0].upstream', line: 3, column: 15 });
      expect(issue.expected).toContain(expected);
      expect(issue.message).toContain(`zerogate.yaml:3:15: apps[0].upstream: expected ${issue.expected}, found `);
    });

    it('never shows upstream credentials', () => {
      const issue = onlyIssue(app('upstream: http://admin:hunter2@wiki:8080'));
      expect(issue.expected).toContain('without user:password@');
      expect(issue.found).toBe('"http://***@wiki:8080"');
      expect(issue.message).not.toContain('hunter2');
    });

    it('rejects a bad app id', () => {
      expect(onlyIssue('apps:\n  - id: Wiki_1\n    upstream: tcp://h:1\n')).toMatchObject({
        path: 'apps[0].id',
        line: 2,
        column: 9,
        found: '"Wiki_1"',
        expected: 'an id of lowercase letters, digits and "-" (at most 63, not starting with "-")',
      });
    });

    it('rejects duplicate app ids, pointing at the second', () => {
      const issue = onlyIssue('apps:\n  - { id: wiki, upstream: "tcp://a:1" }\n  - { id: db, upstream: "tcp://b:1" }\n  - { id: wiki, upstream: "tcp://c:1" }\n');
      expect(issue).toMatchObject({ path: 'apps[2].id', line: 4, expected: 'a unique app id (apps[0] already uses it)', found: '"wiki"' });
    });

    it('rejects a policy reference to an unknown policy, with a suggestion', () => {
      const issue = onlyIssue(`${app('upstream: tcp://h:1\n    policy: enginering')}policies:\n  engineering: {}\n  ops: {}\n`);
      expect(issue).toMatchObject({
        path: 'apps[0].policy',
        line: 4,
        expected: 'the name of a policy under policies (defined: engineering, ops)',
        found: '"enginering"; did you mean "engineering"?',
      });
    });

    it('rejects a policy reference when there are no policies', () => {
      expect(onlyIssue(app('upstream: tcp://h:1\n    policy: constructor')).expected).toBe(
        'the name of a policy under policies (none defined)',
      );
    });
  });

  describe('policies', () => {
    it('rejects a bad mode, a bad name and an unknown key', () => {
      const { errors } = invalid('policies:\n  Eng: { mode: block }\n  ops:\n    allow: {groups: [ops]}\n    deny: []\n');
      expect(errors).toMatchObject([
        { path: 'policies.Eng', line: 2, column: 3, found: '"Eng"' },
        { path: 'policies.Eng.mode', line: 2, expected: 'one of: enforce, report-only', found: '"block"' },
        { path: 'policies.ops.allow', line: 4, expected: 'a list', found: 'a mapping' },
        { path: 'policies.ops.deny', line: 5, expected: 'one of: mode, allow, require' },
      ]);
    });

    it('resolves every criterion into typed values: durations in ms, CIDRs parsed, posture maxAge defaulted', () => {
      const config = parseConfig(
        [
          'policies:',
          '  eng:',
          '    allow: [{ groups: [engineering] }, { emails: [cto@example.com] }, { users: [bob] }]',
          '    require:',
          '      mfa: true',
          '      maxAuthAge: 12h',
          '      posture:',
          '        osMinVersion: { darwin: "14.6", win32: "10.0.22631", linux: "6.1" }',
          '        maxPatchAgeDays: 30',
          '        diskEncryption: true',
          '        edr: [crowdstrike, sentinelone, defender, crowdstrike]',
          '        firewall: false',
          '        screenLock: { maxTimeout: 10m }',
          '      sourceCidrs: [10.0.0.0/8, "::ffff:192.168.0.0/112", "2001:DB8:0:0::/32", 192.0.2.7]',
          '  lock:',
          '    require: { posture: { maxAge: 2m, screenLock: true } }',
          '',
        ].join('\n'),
        FILE,
        BASE,
      );
      expect(config.policies).toEqual<ProxyConfig['policies']>({
        eng: {
          mode: 'enforce',
          allow: [{ groups: ['engineering'] }, { emails: ['cto@example.com'] }, { users: ['bob'] }],
          require: {
            mfa: true,
            maxAuthAgeMs: 12 * H,
            posture: {
              maxAgeMs: 5 * M,
              osMinVersion: { darwin: '14.6', win32: '10.0.22631', linux: '6.1' },
              maxPatchAgeDays: 30,
              diskEncryption: true,
              edr: ['crowdstrike', 'sentinelone', 'defender'],
              firewall: false,
              screenLock: { maxTimeoutMs: 10 * M },
            },
            sourceCidrs: [
              { cidr: '10.0.0.0/8', family: 4, network: '10.0.0.0', prefix: 8 },
              // an IPv4-mapped block is the IPv4 block it covers
              { cidr: '192.168.0.0/16', family: 4, network: '192.168.0.0', prefix: 16 },
              { cidr: '2001:db8::/32', family: 6, network: '2001:db8::', prefix: 32 },
              // a bare address is one host
              { cidr: '192.0.2.7/32', family: 4, network: '192.0.2.7', prefix: 32 },
            ],
          },
        },
        lock: { mode: 'enforce', allow: [], require: { posture: { maxAgeMs: 2 * M, screenLock: true } } },
      });
    });

    it('rejects an unknown criterion key at every level, with a suggestion', () => {
      const { errors } = invalid(
        [
          'policies:',
          '  eng:',
          '    allow: [{ grups: [eng] }]', // 3
          '    require:',
          '      mfaa: true', // 5
          '      posture:',
          '        firewal: true', // 7
          '        osMinVersion: { bsd: "14" }', // 8
          '        screenLock: { maxTimeout: 5m, grace: 5s }', // 9
          '',
        ].join('\n'),
      );
      expect(errors.map((issue) => issue.message)).toEqual([
        'zerogate.yaml:3:15: policies.eng.allow[0].grups: unknown key "grups" (expected one of: groups, emails, users); did you mean "groups"?',
        'zerogate.yaml:5:7: policies.eng.require.mfaa: unknown key "mfaa" (expected one of: mfa, maxAuthAge, posture, sourceCidrs); did you mean "mfa"?',
        'zerogate.yaml:7:9: policies.eng.require.posture.firewal: unknown key "firewal" (expected one of: maxAge, osMinVersion, maxPatchAgeDays, diskEncryption, edr, firewall, screenLock); did you mean "firewall"?',
        'zerogate.yaml:8:25: policies.eng.require.posture.osMinVersion.bsd: unknown key "bsd" (expected one of: darwin, win32, linux)',
        'zerogate.yaml:9:39: policies.eng.require.posture.screenLock.grace: unknown key "grace" (expected one of: maxTimeout)',
      ]);
    });

    it('rejects an empty allow item, one with two kinds, and an empty list', () => {
      const { errors } = invalid('policies:\n  eng:\n    allow:\n      - {}\n      - { groups: [a], emails: [b@example.com] }\n      - { users: [] }\n');
      expect(errors).toMatchObject([
        { path: 'policies.eng.allow[0]', line: 4, expected: 'a mapping with exactly one of: groups, emails, users', found: 'an empty mapping' },
        { path: 'policies.eng.allow[1]', line: 5, expected: 'a mapping with exactly one of: groups, emails, users', found: 'a mapping with 2 keys (groups, emails)' },
        { path: 'policies.eng.allow[2].users', line: 6, expected: 'a list of at least 1', found: 'an empty list' },
      ]);
    });

    it.each([
      ['10.1.2.3/8', 'a network address with its host bits zero, such as 10.0.0.0/8 (or 10.1.2.3/32 for one host)'],
      ['"2001:db8::1/32"', 'a network address with its host bits zero, such as 2001:db8::/32 (or 2001:db8::1/128 for one host)'],
      ['"300.0.0.0/8"', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8'],
      ['"010.0.0.0/8"', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8'],
      ['"10.0.0.0/33"', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8 (an IPv4 prefix length is 0 to 32)'],
      ['"fd00::/129"', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8 (an IPv6 prefix length is 0 to 128)'],
      ['"fe80::%eth0/64"', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8'],
      ['office', 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8'],
    ])('rejects the source CIDR %s', (cidr, expected) => {
      const issue = onlyIssue(`policies:\n  eng:\n    require:\n      sourceCidrs: [${cidr}]\n`);
      expect(issue).toMatchObject({ path: 'policies.eng.require.sourceCidrs[0]', line: 4, column: 21, expected });
    });

    it('rejects a CIDR listed twice, however written', () => {
      expect(onlyIssue('policies:\n  eng:\n    require:\n      sourceCidrs: [fd00::/8, "FD00:0::/8"]\n')).toMatchObject({
        path: 'policies.eng.require.sourceCidrs[1]',
        expected: 'a network not already listed (same as sourceCidrs[0])',
      });
    });

    it.each([
      ['"14.6a"', '"14.6a"'],
      ['14.6', '14.6'],
      ['"v14"', '"v14"'],
      ['"14..6"', '"14..6"'],
    ])('rejects the OS version %s (versions are quoted dotted numbers: YAML reads 14.10 as 14.1)', (version, found) => {
      expect(onlyIssue(`policies:\n  eng:\n    require:\n      posture:\n        osMinVersion: { darwin: ${version} }\n`)).toMatchObject({
        path: 'policies.eng.require.posture.osMinVersion.darwin',
        line: 5,
        expected: 'a dotted version number such as 14.6 or 10.0.22631 (quoted in YAML)',
        found,
      });
    });

    it.each([
      ['maxAuthAge: 30s', 'policies.eng.require.maxAuthAge', 'a duration from 1m to 90d', '"30s"'],
      ['maxAuthAge: 12 hours', 'policies.eng.require.maxAuthAge', 'a duration such as 90s, 10m, 1h30m or 7d', '"12 hours"'],
      ['posture: { maxAge: 1m }', 'policies.eng.require.posture.maxAge', 'a duration from 2m to 7d', '"1m"'],
      ['posture: { maxPatchAgeDays: 0 }', 'policies.eng.require.posture.maxPatchAgeDays', 'an integer from 1 to 3650', '0'],
      ['posture: { edr: [crowdstrik] }', 'policies.eng.require.posture.edr[0]', 'one of: crowdstrike, sentinelone, defender, elastic, sophos, clamav, carbonblack, cortex, bitdefender', '"crowdstrik"'],
      ['posture: { edr: [] }', 'policies.eng.require.posture.edr', 'a list of at least 1', 'an empty list'],
      ['posture: { firewall: "yes" }', 'policies.eng.require.posture.firewall', 'true or false', '"yes"'],
      ['posture: { screenLock: "on" }', 'policies.eng.require.posture.screenLock', 'true, false or a mapping { maxTimeout: <duration> }', '"on"'],
      ['posture: { screenLock: {} }', 'policies.eng.require.posture.screenLock.maxTimeout', 'a value for "maxTimeout"', 'nothing'],
      ['posture: { screenLock: { maxTimeout: 2s } }', 'policies.eng.require.posture.screenLock.maxTimeout', 'a duration from 5s to 1d', '"2s"'],
      ['mfa: 1', 'policies.eng.require.mfa', 'true or false', '1'],
      ['sourceCidrs: []', 'policies.eng.require.sourceCidrs', 'a list of at least 1', 'an empty list'],
    ])('rejects require %s', (text, path, expected, found) => {
      expect(onlyIssue(`policies:\n  eng:\n    require:\n      ${text}\n`)).toMatchObject({ path, line: 4, expected, found });
    });
  });

  describe('limits', () => {
    it.each([
      ['maxFramePayload: 512', 'limits.maxFramePayload', 'an integer from 1024 to 1048576', '512'],
      ['maxStreams: 0', 'limits.maxStreams', 'an integer from 1 to 65536', '0'],
      ['initialWindow: 1.5', 'limits.initialWindow', 'an integer', '1.5'],
      ['maxOpensPerSecond: "100"', 'limits.maxOpensPerSecond', 'an integer', '"100"'],
    ])('rejects %s', (fields, path, expected, found) => {
      expect(onlyIssue(`limits:\n  ${fields}\n`)).toMatchObject({ path, line: 2, column: expect.any(Number), expected, found });
    });
  });

  it('truncates found values to 60 characters', () => {
    const issue = onlyIssue(`server:\n  listen: "${'a'.repeat(200)}"\n`);
    expect(issue.found).toHaveLength(60);
    expect(issue.found.endsWith('...')).toBe(true);
  });

  it('reports every problem at once, in document order, one per line', () => {
    const { error, errors } = invalid(
      [
        'server:',
        '  listen: nowhere', // 2
        'devices: { certTtl: 1m }', // 3
        'colour: blue', // 4
        'apps:',
        '  - { id: a, upstream: "tcp://a" }', // 6
        '  - { id: a, upstream: "tcp://a:1", policy: p }', // 7
        '',
      ].join('\n'),
    );
    expect(errors.map((issue) => [issue.path, issue.line])).toEqual([
      ['server.listen', 2],
      ['devices.certTtl', 3],
      ['colour', 4],
      ['apps[0].upstream', 6],
      ['apps[1].id', 7],
      ['apps[1].policy', 7],
    ]);
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('invalid config zerogate.yaml (6 errors):');
    expect(lines.slice(1)).toEqual(errors.map((issue) => `  ${issue.message}`));
    for (const issue of errors) expect(issue.message.startsWith(`zerogate.yaml:${issue.line}:`)).toBe(true);
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zerogate-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file and resolves paths relative to its folder', () => {
    mkdirSync(join(dir, 'etc'));
    const file = join(dir, 'etc', 'zerogate.yaml');
    writeFileSync(file, 'dataDir: ../data\naudit: { file: audit.jsonl }\n');
    const config = loadConfig(file);
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.audit.file).toBe(join(dir, 'etc', 'audit.jsonl'));
  });

  it('names the file in ZG_ERR_CONFIG_INVALID', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'dataDir: [a]\n');
    try {
      loadConfig(file);
      expect.unreachable();
    } catch (error) {
      expect(isZerogateError(error, 'ZG_ERR_CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain(`${file}:1:10: dataDir: expected a file path, found a list of 1`);
    }
  });

  it('fails with ZG_ERR_CONFIG_NOT_FOUND for a missing file', () => {
    const file = join(dir, 'missing.yaml');
    try {
      loadConfig(file);
      expect.unreachable();
    } catch (error) {
      expect(isZerogateError(error, 'ZG_ERR_CONFIG_NOT_FOUND')).toBe(true);
      expect((error as ZerogateError).message).toBe(`config file ${file} not found`);
      expect((error as ZerogateError).detail).toEqual({ file, reason: 'ENOENT' });
    }
  });

  it('fails with ZG_ERR_CONFIG_NOT_FOUND for a folder', () => {
    expect(() => loadConfig(dir)).toThrow(expect.objectContaining({ code: 'ZG_ERR_CONFIG_NOT_FOUND', detail: { file: dir, reason: 'EISDIR' } }));
  });
});

describe('defaultConfig', () => {
  it('is the all-defaults config resolved against the working directory', () => {
    expect(defaultConfig()).toEqual(parseConfig('', FILE, process.cwd()));
  });

  it('validates its input like a file, without positions', () => {
    const config = defaultConfig(
      { dataDir: 'demo', apps: [{ id: 'wiki', upstream: 'http://127.0.0.1:8081', users: ['alice@example.com'] }] },
      '/srv',
    );
    expect(config.dataDir).toBe('/srv/demo');
    expect(config.apps[0]?.upstream.url).toBe('http://127.0.0.1:8081');

    try {
      defaultConfig({ server: { listen: 'nowhere' }, limits: { maxStreams: -1 } });
      expect.unreachable();
    } catch (error) {
      expect(isZerogateError(error, 'ZG_ERR_CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toBe(
        [
          'invalid config <defaultConfig> (2 errors):',
          // without positions: shape problems first, then semantic ones
          '  <defaultConfig>: limits.maxStreams: expected an integer from 1 to 65536, found -1',
          '  <defaultConfig>: server.listen: expected host:port, such as 0.0.0.0:8443 or [::]:8443, found "nowhere"',
        ].join('\n'),
      );
    }
  });

  it('does not share objects with its input', () => {
    const input = { policies: { eng: { allow: [{ groups: ['eng'] }], require: { mfa: true } } } };
    const config = defaultConfig(input);
    const eng = config.policies.eng as PolicyConfig;
    eng.require.mfa = false;
    (eng.allow[0] as { groups: string[] }).groups.push('ops');
    expect(input.policies.eng).toEqual({ allow: [{ groups: ['eng'] }], require: { mfa: true } });
  });
});

describe('parseConfig: store', () => {
  it('takes a postgres:// or postgresql:// URL; absent means SQLite in the data dir', () => {
    expect(parseConfig('', FILE, BASE).store).toEqual({ url: undefined });
    expect(parseConfig('store: {}', FILE, BASE).store).toEqual({ url: undefined });
    expect(parseConfig('store: { url: "postgres://zg@10.0.0.9/zerogate" }', FILE, BASE).store.url).toBe('postgres://zg@10.0.0.9/zerogate');
    expect(parseConfig('store: { url: "postgresql://zg:pw@[fd00::1]:6432/zg?sslmode=verify-full" }', FILE, BASE).store.url).toBe('postgresql://zg:pw@[fd00::1]:6432/zg?sslmode=verify-full');
  });

  it('refuses other URLs and unknown keys, never showing the password', () => {
    const error = (() => {
      try {
        parseConfig('store: { url: "mysql://root:Sup3rSecretPw@db/zg", uri: x }', FILE, BASE);
      } catch (e) {
        return e as Error & { detail: { errors: ConfigIssue[] } };
      }
      throw new Error('accepted');
    })();
    expect(error.message).not.toContain('Sup3rSecretPw');
    expect(JSON.stringify(error.detail)).not.toContain('Sup3rSecretPw');
    expect(error.detail.errors.map((e) => e.path)).toEqual(['store.url', 'store.uri']);
    expect(error.detail.errors[0]).toMatchObject({ expected: 'a postgres:// or postgresql:// URL with a host', found: '"mysql://root:***@db/zg"' });
    // Not a URL at all (a password pasted in the wrong place?): withheld entirely.
    expect(onlyIssue('store: { url: "hunter2 hunter2" }')).toMatchObject({ path: 'store.url', found: '"(not a URL; not shown)"' });
    expect(onlyIssue('store: { url: "postgres:///only-a-socket" }')).toMatchObject({ path: 'store.url' });
    expect(onlyIssue('store: { url: 5432 }')).toMatchObject({ path: 'store.url', expected: 'a postgres:// or postgresql:// URL' });
  });
});
