/**
 * The config file's shape as JSON Schema (draft-07), checked with ajv before any semantic check.
 * Every mapping rejects unknown keys, policy criteria included. The schema is exported as the source of the config reference docs;
 * `x-expected` is our annotation: the wording an error uses for "expected ...".
 */

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { DURATION_PATTERN, formatDuration } from '../../shared/duration.ts';
import { EDR_VENDORS, POLICY_DEFAULTS, POLICY_DURATION_BOUNDS, POLICY_LIMITS, VERSION_PATTERN } from '../policy/limits.ts';
import { SIZE_EXPECTED, SIZE_PATTERN } from './size.ts';
import {
  CONFIG_DEFAULTS,
  DURATION_BOUNDS,
  HTTP_BOUNDS,
  ID_PATTERN,
  LIMIT_BOUNDS,
  MAX_APP_NAME_LENGTH,
  MAX_CLAIM_VALUE_LENGTH,
  MAX_CONFIG_USERS,
  MAX_GROUPS,
  MAX_PATH_LENGTH,
  MAX_USER_LENGTH,
  USERNAME_PATTERN,
} from './defaults.ts';
import { describeValue, suggest, type ConfigIssues, type Segment } from './issues.ts';

const CONSOLE_ADMIN_GROUPS: readonly string[] = CONFIG_DEFAULTS.consoleAdminGroups;
const CONSOLE_HELPDESK_GROUPS: readonly string[] = CONFIG_DEFAULTS.consoleHelpdeskGroups;

const DURATION_EXPECTED = 'a duration such as 90s, 10m, 1h30m or 7d';

/** A duration key; `bounds` names its entry of DURATION_BOUNDS when that is not the key's own name. */
const duration = (description: string, fallback: string, bounds?: keyof typeof DURATION_BOUNDS) =>
  ({
    type: 'string',
    pattern: DURATION_PATTERN,
    maxLength: 64,
    default: fallback,
    description,
    'x-expected': DURATION_EXPECTED,
    ...(bounds === undefined ? {} : { 'x-bounds': bounds }),
  }) as const;

const path = (description: string) =>
  ({ type: 'string', minLength: 1, maxLength: MAX_PATH_LENGTH, description, 'x-expected': 'a file path' }) as const;

const limit = (name: keyof typeof LIMIT_BOUNDS, description: string) =>
  ({
    type: 'integer',
    minimum: LIMIT_BOUNDS[name].min,
    maximum: LIMIT_BOUNDS[name].max,
    default: CONFIG_DEFAULTS[name],
    description,
  }) as const;

const policyDuration = (description: string, bounds: keyof typeof POLICY_DURATION_BOUNDS, fallback?: string) => {
  const { min, max } = POLICY_DURATION_BOUNDS[bounds];
  return {
    type: 'string',
    pattern: DURATION_PATTERN,
    maxLength: 64,
    ...(fallback === undefined ? {} : { default: fallback }),
    description: `${description} (${formatDuration(min)} to ${formatDuration(max)}).`,
    'x-expected': DURATION_EXPECTED,
  } as const;
};

/** A non-empty list of `allow` values: group names, email addresses or user ids. */
const allowValues = (expected: string, description: string) =>
  ({
    type: 'array',
    minItems: 1,
    maxItems: POLICY_LIMITS.maxAllowValues,
    items: { type: 'string', minLength: 1, maxLength: POLICY_LIMITS.maxValueLength, pattern: '^\\S+$', 'x-expected': expected },
    description,
  }) as const;

const versionValue = (description: string) =>
  ({
    type: 'string',
    pattern: VERSION_PATTERN,
    description,
    'x-expected': 'a dotted version number such as 14.6 or 10.0.22631 (quoted in YAML)',
  }) as const;

const SCREEN_LOCK_EXPECTED = 'true, false or a mapping { maxTimeout: <duration> }';

/** What a posture report must show (DESIGN.md §5, §6). */
const postureSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Device posture; any key here requires a posture report. Missing: `posture-missing`; older than maxAge: `posture-stale`.',
  properties: {
    maxAge: policyDuration('Oldest posture report accepted, from when the proxy received it', 'postureMaxAge', POLICY_DEFAULTS.postureMaxAge),
    osMinVersion: {
      type: 'object',
      additionalProperties: false,
      description: 'Minimum OS version per platform; a platform not listed has no minimum. Unknown version: `os-outdated`.',
      properties: {
        darwin: versionValue('macOS version, e.g. "14.6".'),
        win32: versionValue('Windows version with build, e.g. "10.0.22631".'),
        linux: versionValue('Linux kernel release, e.g. "6.1" (the distribution version is not compared).'),
      },
    },
    maxPatchAgeDays: {
      type: 'integer',
      minimum: POLICY_LIMITS.maxPatchAgeDays.min,
      maximum: POLICY_LIMITS.maxPatchAgeDays.max,
      description: 'Most days since the last installed update; pending security updates or an unknown last update: `patch-outdated`.',
    },
    diskEncryption: { type: 'boolean', description: 'true: the system disk must be encrypted (check passing); else `disk-unencrypted`.' },
    edr: {
      type: 'array',
      minItems: 1,
      maxItems: EDR_VENDORS.length,
      items: { type: 'string', enum: [...EDR_VENDORS] },
      description: 'EDR agents accepted: one of them must be running; else `edr-missing`.',
    },
    firewall: { type: 'boolean', description: 'true: the host firewall must be on; else `firewall-off`.' },
    screenLock: {
      description: 'true: automatic screen lock must be on; `{ maxTimeout: 10m }`: and lock within that time. Else `screen-lock-off`.',
      oneOf: [
        { type: 'boolean', 'x-expected': SCREEN_LOCK_EXPECTED },
        {
          type: 'object',
          additionalProperties: false,
          required: ['maxTimeout'],
          'x-expected': SCREEN_LOCK_EXPECTED,
          properties: {
            maxTimeout: policyDuration('Longest inactivity before the screen locks', 'screenLockMaxTimeout'),
          },
        },
      ],
    },
  },
} as const;

const ALLOW_ITEM_EXPECTED = 'a mapping with exactly one of: groups, emails, users';

const policySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: {
      enum: ['enforce', 'report-only'],
      default: CONFIG_DEFAULTS.policyMode,
      description: '`report-only` logs would-deny decisions of `require` but lets access continue; `allow` is always enforced.',
    },
    allow: {
      type: 'array',
      maxItems: POLICY_LIMITS.maxAllowItems,
      items: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        maxProperties: 1,
        'x-expected': ALLOW_ITEM_EXPECTED,
        properties: {
          groups: allowValues('a group name', 'Admits members of any of these groups (exact match).'),
          emails: allowValues('an email address', 'Admits these email addresses (case-insensitive).'),
          users: allowValues('a user id', 'Admits these user ids, as in an app\'s `users` (exact match).'),
        },
      },
      description:
        'Who is admitted, besides the app\'s `users`: items of exactly one of groups, emails, users; any matching item admits. Nobody matching: `user-not-allowed`.',
    },
    require: {
      type: 'object',
      additionalProperties: false,
      description: 'What every admitted access must also satisfy; each failing key adds its reason.',
      properties: {
        mfa: { type: 'boolean', description: 'true: the sign-in used a second factor; else `mfa-required`.' },
        maxAuthAge: policyDuration('Oldest sign-in accepted; else `auth-too-old`', 'maxAuthAge'),
        posture: postureSchema,
        sourceCidrs: {
          type: 'array',
          minItems: 1,
          maxItems: POLICY_LIMITS.maxSourceCidrs,
          items: {
            type: 'string',
            minLength: 1,
            maxLength: 64,
            'x-expected': 'an IPv4 or IPv6 network in CIDR notation, such as 10.0.0.0/8 or fd00::/8',
          },
          description: 'Networks the connection must come from (IPv4, IPv6; IPv4-mapped IPv6 counts as IPv4); else `source-not-allowed`.',
        },
      },
    },
  },
} as const;

/** A byte size: `1MiB`, `512KiB` or a number of bytes (bounds are checked by the resolver). */
const size = (description: string, fallback: string) =>
  ({
    description,
    default: fallback,
    oneOf: [
      { type: 'string', pattern: SIZE_PATTERN, maxLength: 32, 'x-expected': SIZE_EXPECTED },
      { type: 'integer', minimum: 0, 'x-expected': SIZE_EXPECTED },
    ],
  }) as const;

/** An integer setting bounded by its entry of HTTP_BOUNDS. */
const bounded = (name: keyof typeof HTTP_BOUNDS, description: string, fallback: number) =>
  ({ type: 'integer', minimum: HTTP_BOUNDS[name].min, maximum: HTTP_BOUNDS[name].max, default: fallback, description }) as const;

const OPENAPI_EXPECTED = 'a file path to an OpenAPI 3 document (JSON or YAML), or the document itself as a mapping';

/** What the proxy does with an http/https app's HTTP (docs/http-apps.md). */
const httpSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'HTTP handling of an http:// or https:// app (docs/http-apps.md); defaults apply to every such app. Not allowed on tcp apps.',
  properties: {
    assertion: { type: 'boolean', default: true, description: 'Send the upstream a signed X-Zerogate-Assertion JWT (user, groups, device, posture), verifiable with the JWKS at /.well-known/zerogate/jwks.json.' },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      description: 'Requests per minute; over either limit: 429 with Retry-After, audited.',
      properties: {
        perIdentityPerMinute: bounded('perIdentityPerMinute', 'Requests per minute of one user to this app.', CONFIG_DEFAULTS.httpPerIdentityPerMinute),
        perAppPerMinute: bounded('perAppPerMinute', 'Requests per minute to this app from everyone (on this proxy node).', CONFIG_DEFAULTS.httpPerAppPerMinute),
      },
    },
    openapi: {
      description: `The app's OpenAPI 3.0/3.1 document: a file path relative to the config file (JSON or YAML, at most ${HTTP_BOUNDS.openapiBytes.max / 1024 / 1024} MiB, read at load), or (admin API) the document inline.`,
      oneOf: [
        { type: 'string', minLength: 1, maxLength: MAX_PATH_LENGTH, 'x-expected': OPENAPI_EXPECTED },
        { type: 'object', 'x-expected': OPENAPI_EXPECTED },
      ],
    },
    requestValidation: {
      enum: ['enforce', 'report', 'off'],
      description: 'Requests that do not match `openapi` (method, path, parameters, body): `enforce` refuses them with 400 and an incident, `report` only audits. Default: enforce with `openapi`, else off (which is the only value allowed without it).',
    },
    responseValidation: {
      enum: ['off', 'report', 'enforce'],
      default: 'off',
      description: 'JSON response fields `openapi` does not declare (excessive data exposure): `report` audits, `enforce` replaces the answer with 502. Needs `openapi` unless off.',
    },
    clientless: { type: 'boolean', default: false, description: 'Reachable from a browser at /a/<app id>/ without the agent (OIDC sign-in at the proxy; no device, so posture requirements fail).' },
    maxBodyBytes: size(`Largest request or response body buffered for validation (${HTTP_BOUNDS.maxBodyBytes.min / 1024} KiB to ${HTTP_BOUNDS.maxBodyBytes.max / 1024 / 1024} MiB); a larger one that must be validated is refused with 413.`, CONFIG_DEFAULTS.httpMaxBodyBytes),
  },
} as const;

/** Anomaly detectors (issue 8). */
const anomaliesSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Anomaly detection on HTTP apps (docs/http-apps.md): each detector audits an `anomaly` incident when it fires; with `block`, the identity or source is also refused for `blockFor`.',
  properties: {
    block: { type: 'boolean', default: false, description: 'true: a fired detector also blocks the identity or source (403 ZG_ERR_HTTP_BLOCKED with Retry-After).' },
    blockFor: duration('How long a block lasts (1m to 1d).', CONFIG_DEFAULTS.anomalyBlockFor, 'anomalyBlockFor'),
    credentialStuffing: {
      type: 'object',
      additionalProperties: false,
      description: 'Failed logins (401/403 answers to login-like requests) from one source across several accounts.',
      properties: {
        failures: bounded('credentialStuffingFailures', 'Failures from one source within the window.', CONFIG_DEFAULTS.credentialStuffingFailures),
        accounts: bounded('credentialStuffingAccounts', 'Distinct accounts among them.', CONFIG_DEFAULTS.credentialStuffingAccounts),
        window: duration('The sliding window (1m to 1d).', CONFIG_DEFAULTS.credentialStuffingWindow, 'credentialStuffingWindow'),
      },
    },
    enumeration: {
      type: 'object',
      additionalProperties: false,
      description: 'One identity walking many object ids of one endpoint template (OWASP API1).',
      properties: {
        distinctIds: bounded('enumerationDistinctIds', 'Distinct ids of one template within the window.', CONFIG_DEFAULTS.enumerationDistinctIds),
        window: duration('The sliding window (10s to 1d).', CONFIG_DEFAULTS.enumerationWindow, 'enumerationWindow'),
      },
    },
    exfiltration: {
      type: 'object',
      additionalProperties: false,
      description: 'Unusual data volume out to one identity.',
      properties: {
        bytes: size('Response bytes to one identity within the window that fire at least (1 MiB to 1024 GiB).', CONFIG_DEFAULTS.exfiltrationBytes),
        window: duration('The sliding window (1m to 1d).', CONFIG_DEFAULTS.exfiltrationWindow, 'exfiltrationWindow'),
        baselineFactor: bounded('exfiltrationBaselineFactor', 'And more than this many times the identity\'s own usual volume per window.', CONFIG_DEFAULTS.exfiltrationBaselineFactor),
      },
    },
    unusualAccess: {
      type: 'object',
      additionalProperties: false,
      description: 'A new hour of day or a new source network for an identity, after learning.',
      properties: {
        learningDays: bounded('unusualAccessLearningDays', 'Days of history before the detector judges an identity.', CONFIG_DEFAULTS.unusualAccessLearningDays),
        minEvents: bounded('unusualAccessMinEvents', 'And at least this many requests seen.', CONFIG_DEFAULTS.unusualAccessMinEvents),
      },
    },
  },
} as const;

const appSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'upstream'],
  properties: {
    id: {
      type: 'string',
      pattern: ID_PATTERN,
      description: 'Unique id, used by `zerogate connect <id>`.',
      'x-expected': 'an id of lowercase letters, digits and "-" (at most 63, not starting with "-")',
    },
    name: { type: 'string', minLength: 1, maxLength: MAX_APP_NAME_LENGTH, description: 'Display name; default: the id.' },
    upstream: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_PATH_LENGTH,
      description: 'tcp://host:port, http://host[:port] or https://host[:port]; the only place the proxy dials for this app.',
      'x-expected': 'a URL such as tcp://db.internal:5432 or http://127.0.0.1:8081',
    },
    users: {
      type: 'array',
      items: {
        type: 'string',
        minLength: 1,
        maxLength: MAX_USER_LENGTH,
        pattern: '^\\S+$',
        'x-expected': 'a user (email address or name)',
      },
      description: 'Users who may use the app (besides those its policy\'s `allow` admits; its `require` applies to all); absent or empty with no policy: nobody.',
    },
    policy: {
      type: 'string',
      pattern: ID_PATTERN,
      description: 'Name of an entry of `policies`.',
      'x-expected': 'a policy name',
    },
    http: httpSchema,
  },
} as const;

const claimValue = (expected: string) =>
  ({ type: 'string', minLength: 1, maxLength: MAX_CLAIM_VALUE_LENGTH, pattern: '^\\S+$', 'x-expected': expected }) as const;

const claimList = (expected: string, description: string, fallback?: readonly string[]) =>
  ({
    type: 'array',
    maxItems: MAX_GROUPS,
    items: claimValue(expected),
    description,
    ...(fallback === undefined ? {} : { default: [...fallback] }),
  }) as const;

const idpUserSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'email', 'passwordHash'],
  properties: {
    username: {
      type: 'string',
      pattern: USERNAME_PATTERN,
      description: 'What the user types at sign-in; the user id in apps, policies and audit.',
      'x-expected': 'a username of lowercase letters, digits, ".", "_" and "-" (at most 64)',
    },
    email: { type: 'string', minLength: 3, maxLength: MAX_USER_LENGTH, pattern: '^[^\\s@]+@[^\\s@]+$', description: 'The `email` claim.', 'x-expected': 'an email address' },
    name: { type: 'string', minLength: 1, maxLength: MAX_APP_NAME_LENGTH, description: 'Display name.' },
    groups: claimList('a group name', 'Groups (the `groups` claim), e.g. admin, helpdesk, engineering.'),
    passwordHash: {
      type: 'string',
      pattern: '^scrypt\\$',
      maxLength: 512,
      description: 'An scrypt hash from `zerogate-proxy user hash-password`; never a plain password.',
      'x-expected': 'an scrypt hash (scrypt$...) from `zerogate-proxy user hash-password`',
    },
    totpSecret: {
      type: 'string',
      pattern: '^[A-Z2-7]{16,128}=*$',
      description: 'Base32 TOTP secret; absent: the user sets up an authenticator app at first sign-in.',
      'x-expected': 'a base32 TOTP secret (A-Z, 2-7; at least 16 characters)',
    },
  },
} as const;

const identitySchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Who signs in: the embedded IdP (users below) or an external OIDC IdP (`oidc`), and session lifetimes.',
  properties: {
    users: {
      type: 'array',
      maxItems: MAX_CONFIG_USERS,
      items: idpUserSchema,
      default: [],
      description: 'Users of the embedded IdP at /idp (more can live in the store: `zerogate-proxy user add`). Ignored with `oidc`.',
    },
    oidc: {
      type: 'object',
      additionalProperties: false,
      required: ['issuer', 'clientId'],
      description: 'An external OpenID Connect IdP (Okta, Entra ID, Keycloak, Google); replaces the embedded IdP.',
      properties: {
        issuer: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_PATH_LENGTH,
          description: 'The issuer URL exactly as in the IdP\'s discovery document (https).',
          'x-expected': 'an https:// issuer URL',
        },
        clientId: { type: 'string', minLength: 1, maxLength: MAX_CLAIM_VALUE_LENGTH, description: 'The client the agent signs in with: a native (public) app with PKCE and a loopback redirect.' },
        clientSecret: { type: 'string', minLength: 1, maxLength: 1024, description: 'A confidential secret of this client, for the proxy\'s own use (the console); never sent to agents.' },
        agentClientSecret: {
          type: 'string',
          minLength: 1,
          maxLength: 1024,
          description: 'Only for IdPs whose desktop-app clients have a secret that is not confidential (Google): published to every agent, which sends it at the token endpoint.',
        },
        scopes: claimList('a scope', 'Scopes the agent asks for; `openid` is required, `offline_access` gives refresh tokens.', CONFIG_DEFAULTS.oidcScopes),
        groupsClaim: { ...claimValue('a claim name'), default: CONFIG_DEFAULTS.groupsClaim, description: 'ID token claim with the user\'s groups.' },
        userClaim: { ...claimValue('a claim name'), default: CONFIG_DEFAULTS.userClaim, description: 'ID token claim that names the user in apps, policies and audit.' },
        mfa: {
          type: 'object',
          additionalProperties: false,
          description: 'What counts as MFA: any listed `amr` value in the token, or its `acr` among the listed ones.',
          properties: {
            amr: claimList('an amr value', 'amr values meaning MFA (RFC 8176).', CONFIG_DEFAULTS.mfaAmr),
            acr: claimList('an acr value', 'acr values meaning MFA.', []),
            enforcedByIdp: {
              type: 'boolean',
              default: false,
              description:
                'true: the IdP itself requires MFA for this client (e.g. Entra ID Conditional Access) and its ID tokens carry no amr/acr to prove it (Entra v2.0, Google): every sign-in counts as MFA. Only when the IdP really enforces it.',
            },
          },
        },
        acrValues: claimList('an acr value', '`acr_values` the agent requests at sign-in.', []),
      },
    },
    session: {
      type: 'object',
      additionalProperties: false,
      description: 'Session tokens (DESIGN.md §3).',
      properties: {
        tokenTtl: duration('Lifetime of one session token; renewed in-band before it expires.', CONFIG_DEFAULTS.sessionTokenTtl, 'sessionTokenTtl'),
        maxAge: duration('Longest a sign-in lasts, however often renewed.', CONFIG_DEFAULTS.sessionMaxAge, 'sessionMaxAge'),
        mfaMaxAge: duration('Oldest MFA (auth_time) accepted at sign-in and renewal.', CONFIG_DEFAULTS.mfaMaxAge, 'mfaMaxAge'),
      },
    },
  },
} as const;

const consoleSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'The web console at /console/ (docs/console.md): who gets which role, and how long a sign-in lasts.',
  properties: {
    roles: {
      type: 'object',
      additionalProperties: false,
      description: 'Console roles by IdP group (the groups claim). `admin` wins when a user is in both lists; a user in neither is an `employee` (sees only their own devices).',
      properties: {
        admin: claimList('a group name', 'Groups whose members are console admins (every page, every change).', CONSOLE_ADMIN_GROUPS),
        helpdesk: claimList('a group name', 'Groups whose members get the helpdesk role (read devices, sessions, decisions; "Why blocked?").', CONSOLE_HELPDESK_GROUPS),
      },
    },
    sessionTtl: duration('How long a console sign-in lasts; then the person signs in again (5m to 1d).', CONFIG_DEFAULTS.consoleSessionTtl, 'consoleSessionTtl'),
  },
} as const;

/** JSON Schema of the proxy config file. */
export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Zerogate proxy configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      description: 'The TLS server: API, console, embedded IdP and tunnel on one port.',
      properties: {
        listen: {
          type: 'string',
          minLength: 1,
          maxLength: 300,
          default: CONFIG_DEFAULTS.listen,
          description: 'host:port or [v6]:port the TLS server listens on.',
          'x-expected': 'host:port, such as 0.0.0.0:8443 or [::]:8443',
        },
        hostnames: {
          type: 'array',
          minItems: 1,
          items: { type: 'string', minLength: 1, maxLength: 253, 'x-expected': 'a DNS name or IP address' },
          default: CONFIG_DEFAULTS.hostnames,
          description: 'Names and addresses of the generated server certificate; no duplicates.',
        },
        publicUrl: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_PATH_LENGTH,
          description: 'https:// origin agents and browsers use; default: https://<first hostname>:<listen port>.',
          'x-expected': 'an https:// URL such as https://zerogate.example.com:8443',
        },
        appsUrl: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_PATH_LENGTH,
          description: 'https:// origin of clientless browser access (/a/<app>/), served by the same listener; its host must be in hostnames and differ from publicUrl\'s, so apps never share the console\'s origin or cookies. Required when an app has http.clientless.',
          'x-expected': 'an https:// URL such as https://apps.example.com:8443',
        },
        tls: {
          type: 'object',
          additionalProperties: false,
          required: ['cert', 'key'],
          description: 'An admin-supplied server certificate instead of the generated one.',
          properties: {
            cert: path('PEM certificate chain, relative to the config file.'),
            key: path('PEM private key, relative to the config file.'),
          },
        },
      },
    },
    dataDir: {
      ...path('CA, server certificate and store; relative to the config file.'),
      default: CONFIG_DEFAULTS.dataDir,
    },
    devices: {
      type: 'object',
      additionalProperties: false,
      description: 'Device certificates.',
      properties: {
        certTtl: duration('Lifetime of device certificates (5m to 397d).', CONFIG_DEFAULTS.certTtl),
      },
    },
    enrollment: {
      type: 'object',
      additionalProperties: false,
      description: 'One-time enrolment tokens (`zerogate-proxy token create`).',
      properties: {
        tokenTtl: duration('Default lifetime of one-time enrolment tokens (1m to maxTokenTtl).', CONFIG_DEFAULTS.tokenTtl),
        maxTokenTtl: duration('Longest lifetime `token create --ttl` may ask for (1m to 90d).', CONFIG_DEFAULTS.maxTokenTtl),
      },
    },
    audit: {
      type: 'object',
      additionalProperties: false,
      description: 'Where audit events are written as JSON lines.',
      properties: {
        file: {
          type: 'string',
          minLength: 1,
          maxLength: MAX_PATH_LENGTH,
          default: CONFIG_DEFAULTS.auditFile,
          description: '`stdout`, `none`, or a JSON-lines file path relative to the config file.',
          'x-expected': 'stdout, none or a file path',
        },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      description: 'Where devices, sessions, revocations, catalogue, posture and audit are kept. Absent: SQLite (`zerogate.db`) in the data dir, for one node. Several nodes share one PostgreSQL database (docs/scale-out.md).',
      properties: {
        url: {
          // No pattern here: a pattern error would echo the value; the resolver checks it and
          // shows it with the password masked.
          type: 'string',
          minLength: 1,
          maxLength: MAX_PATH_LENGTH,
          description:
            'postgres:// or postgresql:// URL of the PostgreSQL database (libpq URL parameters such as `sslmode` apply; `options=-c search_path=<schema>` picks a schema). Never shown with its password in errors and logs.',
          'x-expected': 'a postgres:// or postgresql:// URL',
        },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      description: '`GET /metrics` (Prometheus): app ids and counts, no identities.',
      properties: {
        public: {
          type: 'boolean',
          default: false,
          description:
            'false: a scrape needs an API token (`zerogate-proxy api-token create`, any role) as a bearer token; true: anyone who reaches the port may read the metrics (only behind a network you trust).',
        },
      },
    },
    identity: identitySchema,
    console: consoleSchema,
    limits: {
      type: 'object',
      additionalProperties: false,
      description: 'Tunnel limits (DESIGN.md §4).',
      properties: {
        maxFramePayload: limit('maxFramePayload', 'Largest DATA frame payload, bytes.'),
        maxStreams: limit('maxStreams', 'Concurrent streams per tunnel.'),
        initialWindow: limit('initialWindow', 'Initial per-stream flow-control credit, bytes.'),
        maxOpensPerSecond: limit('maxOpensPerSecond', 'Stream opens per second per device.'),
        upstreamConnectTimeout: duration('Time to connect to an upstream (100ms to 5m).', CONFIG_DEFAULTS.upstreamConnectTimeout),
      },
    },
    apps: { type: 'array', items: appSchema, default: [], description: 'Published apps; ids are unique.' },
    policies: {
      type: 'object',
      propertyNames: { pattern: ID_PATTERN, 'x-expected': 'a policy name of lowercase letters, digits and "-"' },
      additionalProperties: policySchema,
      default: {},
      description: 'Policies by name (DESIGN.md §6).',
    },
    anomalies: anomaliesSchema,
  },
} as const;

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'an empty value',
};

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'x-bounds', schemaType: 'string' });
    compiled = ajv.compile(CONFIG_SCHEMA);
  }
  return compiled;
}

/** Checks `value` against {@link CONFIG_SCHEMA}, adding every violation to `issues`. */
export function checkShape(value: unknown, issues: ConfigIssues): void {
  const validate = validator();
  if (validate(value)) return;
  for (const error of withoutOneOfNoise(validate.errors ?? [])) addAjvError(error, value, issues);
}

/** `.../oneOf/<n>/...`: the oneOf's schema path and the branch. */
const ONE_OF_BRANCH = /^(.*\/oneOf)\/(\d+)\//;

/**
 * A `oneOf` of differently typed branches (`screenLock: true | { maxTimeout }`) fails with an
 * error per branch plus one for the `oneOf`. Only the branch whose type fits the value says
 * something useful; the other branches' type errors (and the summary) are noise. When no branch
 * fits the type, the first branch's type error stays (its `x-expected` names every form).
 */
function withoutOneOfNoise(errors: readonly ErrorObject[]): ErrorObject[] {
  // Where a branch got past its type check: [oneOf schema path, instance path under it].
  const fitting: Array<[string, string]> = [];
  for (const error of errors) {
    const branch = ONE_OF_BRANCH.exec(error.schemaPath);
    if (branch?.[1] !== undefined && error.keyword !== 'type') fitting.push([branch[1], error.instancePath]);
  }
  return errors.filter((error) => {
    if (error.keyword === 'oneOf') {
      return !errors.some((other) => other.schemaPath.startsWith(`${error.schemaPath}/`) && other.instancePath.startsWith(error.instancePath));
    }
    const branch = ONE_OF_BRANCH.exec(error.schemaPath);
    if (branch?.[1] === undefined || error.keyword !== 'type') return true;
    const oneOf = branch[1];
    const at = error.instancePath;
    return !fitting.some(([path, instance]) => path === oneOf && (instance === at || instance.startsWith(`${at}/`)));
  });
}

/** JSON pointer → path segments, with list indexes as numbers (looked up in the data). */
function segmentsOf(pointer: string, root: unknown): Segment[] {
  if (pointer === '') return [];
  const segments: Segment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      segments.push(Number(key));
      node = node[Number(key)];
    } else {
      segments.push(key);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return segments;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function addAjvError(error: ErrorObject, root: unknown, issues: ConfigIssues): void {
  const at = segmentsOf(error.instancePath, root);
  const parentSchema = (error.parentSchema ?? {}) as Record<string, unknown>;
  const annotated = typeof parentSchema['x-expected'] === 'string' ? parentSchema['x-expected'] : undefined;
  const params = error.params as Record<string, unknown>;
  const lastKey = at.at(-1);

  // A key that breaks `propertyNames` (policy names): report the key, not the mapping.
  const propertyName = (error as { propertyName?: string }).propertyName;
  if (error.keyword === 'propertyNames') return; // its nested error carries the detail
  if (propertyName !== undefined) {
    issues.add({
      segments: [...at, propertyName],
      at: 'key',
      expected: annotated ?? 'a valid key',
      found: describeValue(propertyName),
    });
    return;
  }

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((parentSchema.properties ?? {}) as Record<string, unknown>);
      const expected = `one of: ${known.join(', ')}`;
      const hint = suggest(key, known);
      issues.add({
        segments: [...at, key],
        at: 'key',
        expected,
        found: describeValue(key),
        text: `unknown key ${JSON.stringify(key)} (expected ${expected})${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
      });
      return;
    }
    case 'required': {
      const key = String(params.missingProperty);
      issues.add({
        segments: [...at, key],
        at: 'parent',
        expected: `a value for ${JSON.stringify(key)}`,
        found: 'nothing',
        text: `missing required key ${JSON.stringify(key)}`,
      });
      return;
    }
    case 'type': {
      const words = String(params.type)
        .split(',')
        .map((type) => TYPE_WORDS[type] ?? type)
        .join(' or ');
      issues.add({ segments: at, expected: annotated ?? words, found: describeValue(error.data, lastKey) });
      return;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String).join(', ');
      issues.add({ segments: at, expected: `one of: ${allowed}`, found: describeValue(error.data, lastKey) });
      return;
    }
    case 'minimum':
    case 'maximum': {
      const { minimum, maximum } = parentSchema;
      const expected =
        typeof minimum === 'number' && typeof maximum === 'number'
          ? `an integer from ${minimum} to ${maximum}`
          : `a number ${String(params.comparison)} ${String(params.limit)}`;
      issues.add({ segments: at, expected, found: describeValue(error.data, lastKey) });
      return;
    }
    case 'minLength':
      issues.add({
        segments: at,
        expected: params.limit === 1 ? (annotated ?? 'a non-empty string') : `at least ${String(params.limit)} characters`,
        found: describeValue(error.data, lastKey),
      });
      return;
    case 'maxLength':
      issues.add({
        segments: at,
        expected: `at most ${String(params.limit)} characters`,
        found: `${(error.data as string).length} characters`,
      });
      return;
    case 'minProperties':
    case 'maxProperties': {
      const count = isRecord(error.data) ? Object.keys(error.data).length : 0;
      issues.add({
        segments: at,
        expected: annotated ?? `a mapping with ${error.keyword === 'minProperties' ? 'at least' : 'at most'} ${String(params.limit)} keys`,
        found: count === 0 ? 'an empty mapping' : `a mapping with ${count} keys (${Object.keys(error.data as object).join(', ')})`,
      });
      return;
    }
    case 'minItems':
      issues.add({
        segments: at,
        expected: `a list of at least ${String(params.limit)}`,
        found: describeValue(error.data, lastKey),
      });
      return;
    case 'pattern':
      issues.add({
        segments: at,
        expected: annotated ?? `a string matching ${String(params.pattern)}`,
        found: describeValue(error.data, lastKey),
      });
      return;
    default:
      issues.add({
        segments: at,
        expected: annotated ?? error.message ?? error.keyword,
        found: describeValue(error.data, lastKey),
      });
  }
}
