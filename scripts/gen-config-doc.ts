/**
 * Generates docs/config.md: a hand-written introduction and full example (below, in this file)
 * around a reference generated from `CONFIG_SCHEMA` (every key, its type, default, bounds and
 * description). The schema is the single source: to change the reference, change the schema.
 *
 *   npx tsx scripts/gen-config-doc.ts > docs/config.md    # or: --write
 *
 * `test/docs/config-doc.test.ts` regenerates the page and fails when the committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CONFIG_SCHEMA, DURATION_BOUNDS } from '../proxy/config/index.ts';
import { DURATION_PATTERN, formatDuration } from '../shared/duration.ts';

/** The part of JSON Schema that CONFIG_SCHEMA uses. */
interface SchemaNode {
  type?: string;
  enum?: readonly string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  propertyNames?: SchemaNode;
  required?: readonly string[];
  items?: SchemaNode;
  oneOf?: readonly SchemaNode[];
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  'x-expected'?: string;
}

interface Row {
  key: string;
  type: string;
  default: string;
  bounds: string;
  description: string;
}

export const DOC_FILE = resolve(import.meta.dirname, '..', 'docs', 'config.md');

/** The heading of the full example; the test parses the first yaml block after it. */
export const EXAMPLE_HEADING = '## Full example';

const code = (text: string): string => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function bytes(n: number): string | undefined {
  const units: Array<[string, number]> = [['MiB', 1024 * 1024], ['KiB', 1024]];
  for (const [unit, size] of units) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return undefined;
}

function isDuration(node: SchemaNode): boolean {
  return node.type === 'string' && node.pattern === DURATION_PATTERN;
}

function typeOf(node: SchemaNode): string {
  if (node.oneOf !== undefined) return node.oneOf.map(typeOf).join(' or ');
  if (node.enum !== undefined) return 'enum';
  if (isDuration(node)) return 'duration';
  if (node.type === 'array') {
    const item = node.items ?? {};
    return item.type === 'object' ? 'list of mappings' : `list of ${item.type ?? 'values'}s`;
  }
  if (node.type === 'object') return 'mapping';
  return node.type ?? 'any';
}

function formatDefault(value: unknown, node: SchemaNode): string {
  if (value === undefined) return '';
  if (typeof value === 'number') {
    const human = /\bbytes\b/.test(node.description ?? '') ? bytes(value) : undefined;
    return human === undefined ? code(String(value)) : `${code(String(value))} (${human})`;
  }
  if (Array.isArray(value)) return code(`[${value.map(String).join(', ')}]`);
  if (value !== null && typeof value === 'object') return code(Object.keys(value).length === 0 ? '{}' : JSON.stringify(value));
  return code(String(value));
}

function lengthBounds(node: SchemaNode): string | undefined {
  const { minLength: min, maxLength: max } = node;
  if (min !== undefined && max !== undefined) return `${min} to ${max} characters`;
  if (max !== undefined) return `at most ${max} characters`;
  if (min !== undefined) return `at least ${min} characters`;
  return undefined;
}

function boundsOf(key: string, node: SchemaNode): string {
  const parts: string[] = [];
  if (node.enum !== undefined) parts.push(`one of ${node.enum.map(code).join(', ')}`);
  if (isDuration(node)) {
    const name = typeof (node as Record<string, unknown>)['x-bounds'] === 'string' ? ((node as Record<string, unknown>)['x-bounds'] as string) : key;
    const bounds = DURATION_BOUNDS[name as keyof typeof DURATION_BOUNDS];
    parts.push(bounds === undefined ? 'a duration' : `${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}`);
    return parts.join('; ');
  }
  const expected = node['x-expected'] ?? node.oneOf?.find((branch) => branch['x-expected'] !== undefined)?.['x-expected'];
  if (expected !== undefined) parts.push(expected);
  if (node.type === 'integer' && node.minimum !== undefined && node.maximum !== undefined) {
    const low = bytes(node.minimum);
    const high = bytes(node.maximum);
    const human = /\bbytes\b/.test(node.description ?? '') && low !== undefined && high !== undefined ? ` (${low} to ${high})` : '';
    parts.push(`${node.minimum} to ${node.maximum}${human}`);
  }
  if (node.pattern !== undefined && node['x-expected'] === undefined) parts.push(`matches ${code(node.pattern)}`);
  else if (node.pattern !== undefined) parts.push(`pattern ${code(node.pattern)}`);
  const length = lengthBounds(node);
  if (length !== undefined) parts.push(length);
  if (node.type === 'array') {
    if (node.minItems !== undefined) parts.push(`at least ${node.minItems} item${node.minItems === 1 ? '' : 's'}`);
    const item = node.items;
    if (item !== undefined && item.type !== 'object') {
      const inner = boundsOf('', item);
      if (inner !== '') parts.push(`each: ${inner}`);
    }
  }
  if (node.type === 'object' && node.required !== undefined && node.required.length > 0) {
    parts.push(`requires ${node.required.map(code).join(', ')}`);
  }
  return parts.join('; ');
}

/** One row per key, depth first, in schema order; nested mappings and list items get their own rows. */
function rowsOf(path: string, key: string, node: SchemaNode, required: boolean, out: Row[]): Row[] {
  out.push({
    key: code(path),
    type: typeOf(node),
    default: required ? '*required*' : formatDefault(node.default, node),
    bounds: boundsOf(key, node),
    description: node.description ?? '',
  });
  childRows(path, node, out);
  return out;
}

function childRows(path: string, node: SchemaNode, out: Row[]): void {
  for (const branch of node.oneOf ?? []) childRows(path, branch, out);
  if (node.type === 'object' && node.properties !== undefined) {
    for (const [name, child] of Object.entries(node.properties)) {
      rowsOf(`${path}.${name}`, name, child, node.required?.includes(name) ?? false, out);
    }
  }
  if (node.type === 'object' && typeof node.additionalProperties === 'object') {
    const entry = node.additionalProperties;
    const names = node.propertyNames?.['x-expected'];
    out.push({
      key: code(`${path}.<name>`),
      type: typeOf(entry),
      default: '',
      bounds: [names === undefined ? undefined : `name: ${names}`, node.propertyNames?.pattern === undefined ? undefined : `pattern ${code(node.propertyNames.pattern)}`]
        .filter((part) => part !== undefined)
        .join('; '),
      description: entry.description ?? 'One entry; its keys follow.',
    });
    childRows(`${path}.<name>`, entry, out);
  }
  if (node.type === 'array' && node.items?.type === 'object') {
    const item = node.items;
    for (const [name, child] of Object.entries(item.properties ?? {})) {
      rowsOf(`${path}[].${name}`, name, child, item.required?.includes(name) ?? false, out);
    }
  }
}

function table(rows: Row[]): string {
  const lines = ['| key | type | default | bounds | description |', '|---|---|---|---|---|'];
  for (const row of rows) {
    lines.push(`| ${[row.key, row.type, row.default, row.bounds, row.description].map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The generated reference: one section per top-level key. */
export function renderReference(): string {
  const schema = CONFIG_SCHEMA as unknown as SchemaNode;
  const sections: string[] = [];
  for (const [name, node] of Object.entries(schema.properties ?? {})) {
    const rows = rowsOf(name, name, node, schema.required?.includes(name) ?? false, []);
    // A section's own row says nothing its heading does not, unless it carries a default.
    if (node.type === 'object' && node.default === undefined) rows.shift();
    sections.push(`### \`${name}\`\n\n${cell(node.description ?? '')}\n\n${table(rows)}\n`);
  }
  return sections.join('\n');
}

const INTRO = `# Proxy configuration

The proxy reads one YAML file, \`zerogate.yaml\`. \`zerogate-proxy init --dir D\` writes a
starter file with every common key and its default; the [full example](#full-example) below
shows all of them. This page is for the administrators who run a proxy.

**Which file.** Every \`zerogate-proxy\` command that needs the config (\`serve\`,
\`token create\`, \`device list\`, \`device revoke\`) takes \`--config F\`; without it, the
file named by the environment variable \`ZEROGATE_CONFIG\`, else \`./zerogate.yaml\` in the
current folder.

**When it is read.** At start. The proxy does not watch the file: after editing apps or
limits, restart \`zerogate-proxy serve\`. Tunnels that were open reconnect by themselves. The
CLI commands read the file each time they run, so \`token create\` and \`device revoke\` can run
while the proxy is up (they share its store).

**Rules.**

- Unknown keys are errors (a misspelt key would otherwise silently mean its default); the
  error suggests the nearest known key.
- Duplicate keys, YAML warnings (an unknown \`!tag\`) and more than 100 alias expansions are
  errors too: a config must mean exactly one thing. An empty file is the all-defaults config.
- Relative paths (\`dataDir\`, \`audit.file\`, \`server.tls.cert\`/\`key\`) are relative to the
  folder of the config file, not to the current folder. \`~\` is not expanded.
- Durations are written as \`<number><unit>\` parts, largest first, each unit at most once:
  \`d\` (24 h), \`h\`, \`m\`, \`s\`, \`ms\`. \`90s\`, \`10m\`, \`1h30m\`, \`7d\` and \`250ms\` are
  durations; \`1.5h\`, \`1h 30m\` and \`30\` are not.
- The proxy checks the whole file and reports **every** problem at once, then refuses to start
  (\`ZG_ERR_CONFIG_INVALID\`, see [errors.md](errors.md)). Each line gives the file, line and
  column, the key, what was expected and what was found:

  \`\`\`text
  error ZG_ERR_CONFIG_INVALID: invalid config /etc/zerogate/zerogate.yaml (2 errors):
    /etc/zerogate/zerogate.yaml:2:3: server.listn: unknown key "listn" (expected one of: listen, hostnames, publicUrl, appsUrl, tls); did you mean "listen"?
    /etc/zerogate/zerogate.yaml:4:15: limits.maxStreams: expected an integer from 1 to 65536, found 0
  \`\`\`

**Checks beyond the table.** Besides the bounds below, the proxy checks: \`server.hostnames\`
are DNS names or IP addresses (no wildcards) without duplicates; without \`server.tls\`, the
host of \`server.publicUrl\` must be one of \`server.hostnames\` (the generated certificate names
only those); so must the host of \`server.appsUrl\`, which must also differ from
the host of \`server.publicUrl\`, and is required by any app with \`http.clientless: true\` (clientless apps
are served on their own origin, never the console's: [clientless.md](clientless.md));
\`enrollment.tokenTtl\` is at most \`enrollment.maxTokenTtl\`; app ids are unique;
an app's \`policy\` names an entry of \`policies\`; an upstream is \`tcp://host:port\` (port
required, nothing after it) or \`http(s)://host[:port][/path]\`, never with \`user:password@\`
or a \`#fragment\`.

**Who may use an app.** An app admits the users in its \`users\` list (the user who signed in,
or the \`--user\` of \`zerogate-proxy token create\` for a device enrolled with a token, spelt
exactly the same: the match is case-sensitive) and, when it names a \`policy\`, everyone the
policy's \`allow\` admits (groups, email addresses, user ids). The policy's \`require\` then
says what the sign-in (MFA, its age), the device's posture and the source network must show.
The proxy enforces it on every connection to the app, shows it in \`zerogate apps\`, and
decides again while connections live: a connection the policy no longer allows (a new posture
report, a report growing stale) is reset. An app with neither \`users\` nor a policy that
admits the user admits nobody. Every criterion is in [policy.md](policy.md), the reasons a
refusal gives and what users do about them in [reasons.md](reasons.md). With
\`mode: report-only\` a policy's requirements are logged (\`stream.would-deny\` audit events)
but not enforced.

**Data dir.** \`dataDir\` holds the device CA (\`ca.pem\`, \`ca.key\`), the server certificate
(\`server.pem\`, \`server.key\`) and the store (\`zerogate.db\`, SQLite) unless \`store.url\` names a PostgreSQL database
([scale-out.md](scale-out.md)). Keys are written with
mode 0600 and the folder with 0700. Back up \`ca.key\` and \`zerogate.db\`: without the CA key
every device must enrol again. The server certificate is re-issued at start when it does not
cover every entry of \`server.hostnames\` or expires within 30 days.
`;

const EXAMPLE = `${EXAMPLE_HEADING}

Every key, with its default where it has one. Copy what you need: keys you leave out take
their defaults.

\`\`\`yaml
# /etc/zerogate/zerogate.yaml
server:
  listen: "0.0.0.0:8443"                    # one TLS port: API, enrolment and tunnel
  hostnames: [zerogate.example.com, apps.zerogate.example.com, 10.0.0.5]
  publicUrl: https://zerogate.example.com:8443
  appsUrl: https://apps.zerogate.example.com:8443   # clientless apps' own origin (docs/clientless.md); unset: no clientless
  # An admin-supplied certificate instead of the generated one (paths relative to this file).
  # With it, publicUrl may name any host the certificate covers.
  # tls:
  #   cert: ./tls/fullchain.pem
  #   key: ./tls/privkey.pem
dataDir: ./zerogate-data                    # CA, server certificate, store; back it up
devices:
  certTtl: 7d                               # device certificates are short-lived
enrollment:
  tokenTtl: 1h                              # default lifetime of a one-time enrolment token
  maxTokenTtl: 30d                          # longest --ttl that token create accepts
audit:
  file: /var/log/zerogate/audit.jsonl       # or stdout (the default), or none
# Several proxy nodes share one PostgreSQL database (docs/scale-out.md); leave out for SQLite
# (zerogate.db in dataDir, one node). The password is never shown in errors or logs.
# store:
#   url: postgresql://zerogate:change-me@db.internal:5432/zerogate?sslmode=verify-full
metrics:
  public: false                             # true: GET /metrics without an API token
identity:
  # The embedded IdP at /idp (the default). Hashes come from \`zerogate-proxy user hash-password\`;
  # more users can live in the store (\`zerogate-proxy user add\`).
  users:
    - username: alice
      email: alice@example.com
      name: Alice Example
      groups: [engineering, admin]
      passwordHash: "scrypt$N=16384,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
      totpSecret: JBSWY3DPEHPK3PXPJBSWY3DP      # leave out: Alice sets up her authenticator at first sign-in
  # An external IdP instead (see docs/identity.md for Okta, Entra ID, Keycloak and Google):
  # oidc:
  #   issuer: https://example.okta.com/oauth2/default
  #   clientId: 0oa1b2c3d4e5f6g7h8i9
  #   clientSecret: for-the-proxy-only          # never sent to agents
  #   agentClientSecret: GOCSPX-example         # Google desktop clients only: published to agents
  #   scopes: [openid, email, profile, offline_access, groups]
  #   groupsClaim: groups
  #   userClaim: email
  #   mfa: { amr: [mfa, otp, hwk], acr: [], enforcedByIdp: false }
  #   acrValues: []
  session:
    tokenTtl: 10m                           # one session token; the agent renews it in-band
    maxAge: 12h                             # then the user signs in again
    mfaMaxAge: 12h                          # oldest MFA accepted at sign-in and renewal
console:                                    # the web console at /console/ (docs/console.md)
  roles:                                    # by IdP group; admin wins; anyone else: employee
    admin: [admin]
    helpdesk: [helpdesk]
  sessionTtl: 8h                            # then the person signs in to the console again
limits:
  maxFramePayload: 65536                    # bytes of one DATA frame (64 KiB)
  maxStreams: 1024                          # connections at once on one tunnel
  initialWindow: 262144                     # per-connection flow-control credit (256 KiB)
  maxOpensPerSecond: 100                    # new connections per second per device
  upstreamConnectTimeout: 10s
apps:
  - id: wiki                                # zerogate connect wiki
    name: Engineering wiki
    upstream: http://wiki.internal:8081
    users: [alice@example.com, bob@example.com]
    http:                                   # http(s) apps only; these are the defaults (docs/http-apps.md)
      assertion: true                       # signed X-Zerogate-Assertion for the upstream
      rateLimit: { perIdentityPerMinute: 600, perAppPerMinute: 6000 }   # then 429 + Retry-After
      # An OpenAPI 3 document enables validation, e.g. openapi: ./wiki-openapi.yaml (JSON or YAML,
      # relative to this file); the admin API takes the document inline instead.
      requestValidation: off                # enforce | report | off (enforce by default with openapi)
      responseValidation: off               # off | report | enforce: undeclared JSON response fields
      clientless: false                     # true: browsers reach it at /a/wiki/ without the agent
      maxBodyBytes: 1MiB                    # largest body buffered for validation
  - id: db
    name: Orders database
    upstream: tcp://db.internal:5432
    users: [alice@example.com]
    policy: engineering                     # its allow admits more users; its require must pass
policies:                                   # every criterion and its reason: docs/policy.md
  engineering:
    mode: enforce                           # or report-only: log would-deny, let access continue
    allow: [{ groups: [engineering] }, { emails: [cto@example.com] }]   # any item admits
    require:                                # every key must pass
      mfa: true
      maxAuthAge: 12h
      posture:                              # needs a posture report received within maxAge
        maxAge: 5m
        osMinVersion: { darwin: "14.6", win32: "10.0.22631", linux: "6.1" }   # quoted; kernel on linux
        maxPatchAgeDays: 30
        diskEncryption: true
        edr: [crowdstrike, sentinelone, defender]   # one of them running
        firewall: true
        screenLock: { maxTimeout: 10m }     # or true: any timeout
      sourceCidrs: [10.0.0.0/8, "fd00::/8"]
anomalies:                                  # detectors on http apps always audit; block only if true
  block: false
  blockFor: 15m
  credentialStuffing: { failures: 20, accounts: 5, window: 10m }   # failed logins from one source
  enumeration: { distinctIds: 100, window: 5m }                   # one identity walking object ids
  exfiltration: { bytes: 100MiB, window: 10m, baselineFactor: 10 } # bytes out vs its own baseline
  unusualAccess: { learningDays: 7, minEvents: 50 }               # new hour or network after learning
\`\`\`
`;

/** The whole page. */
export function renderConfigDoc(): string {
  return `<!-- Generated by scripts/gen-config-doc.ts from CONFIG_SCHEMA: edit the script or the schema, then run
     npx tsx scripts/gen-config-doc.ts > docs/config.md -->
${INTRO}
## Reference

Generated from the config schema (\`CONFIG_SCHEMA\` in \`proxy/config/schema.ts\`). A key
written \`a.b\` is key \`b\` in mapping \`a\`; \`apps[].id\` is \`id\` in each item of the list
\`apps\`; \`policies.<name>\` is each entry of the mapping \`policies\`. An empty default means the
key has none (it is optional, or its default is described).

${renderReference()}
${EXAMPLE}`;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const text = renderConfigDoc();
  if (process.argv.includes('--write')) {
    writeFileSync(DOC_FILE, text);
    process.stderr.write(`wrote ${join('docs', 'config.md')}\n`);
  } else {
    process.stdout.write(text);
  }
}
