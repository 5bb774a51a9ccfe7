/**
 * The proxy configuration: the YAML shape an admin writes ({@link ConfigInput}) and the typed,
 * resolved value the proxy runs on ({@link ProxyConfig}). DESIGN.md §3, §6, §9.
 */

/** A host and TCP port, parsed from `host:port` or `[v6]:port`. */
export interface HostPort {
  /** A DNS name or an IP address; IPv6 without brackets. */
  host: string;
  port: number;
}

/** Where an app's traffic goes. The proxy dials only upstreams that an admin published. */
export interface UpstreamConfig {
  protocol: 'tcp' | 'http' | 'https';
  /** Lowercase DNS name or IP address (IPv6 without brackets). */
  host: string;
  /** Explicit for tcp; 80 / 443 when an http / https URL leaves it out. */
  port: number;
  /** The normalised URL, e.g. `tcp://db.internal:5432` or `http://127.0.0.1:8081`. */
  url: string;
}

export interface AppConfig {
  id: string;
  /** Display name; defaults to the id. */
  name: string;
  upstream: UpstreamConfig;
  /** Users admitted besides the policy's `allow` list; with neither, nobody (deny by default). */
  users: string[];
  /** Name of an entry of {@link ProxyConfig.policies}. */
  policy?: string;
  /** HTTP-aware handling (docs/http-apps.md): present, with defaults, for every http/https app; absent for tcp. */
  http?: HttpAppConfig;
}

/** An app's OpenAPI 3 document, read and checked at load. */
export interface OpenApiSource {
  /** The absolute file path it was read from, or `inline` (given as an object, e.g. via the admin API). */
  source: string;
  /** The parsed document: an object with `openapi: 3.x` and `paths`. */
  document: Record<string, unknown>;
}

/** What the proxy does with the HTTP of an http/https app (issue 8, docs/http-apps.md). */
export interface HttpAppConfig {
  /** Add the signed X-Zerogate-Assertion JWT for the upstream. */
  assertion: boolean;
  rateLimit: { perIdentityPerMinute: number; perAppPerMinute: number };
  openapi?: OpenApiSource;
  /** Default: `enforce` with an OpenAPI document, else `off`. */
  requestValidation: 'enforce' | 'report' | 'off';
  /** Undeclared fields in JSON responses. */
  responseValidation: 'off' | 'report' | 'enforce';
  /** Reachable from a browser at /a/<app id>/ without the agent. */
  clientless: boolean;
  /** Largest body buffered for validation, bytes. */
  maxBodyBytes: number;
}

/** Anomaly detectors (issue 8): they always audit; they block only with `block`. Durations in ms. */
export interface AnomalyConfig {
  block: boolean;
  blockForMs: number;
  credentialStuffing: { failures: number; accounts: number; windowMs: number };
  enumeration: { distinctIds: number; windowMs: number };
  exfiltration: { bytes: number; windowMs: number; baselineFactor: number };
  unusualAccess: { learningDays: number; minEvents: number };
}

/** One `allow` item: exactly one kind of criterion, any of whose values admits (DESIGN.md §6). */
export type AllowCriterion =
  /** The user belongs to one of these groups (the IdP's groups claim). */
  | { groups: string[] }
  /** The user's email address is one of these (compared case-insensitively). */
  | { emails: string[] }
  /** The user id (as in an app's `users`) is one of these (exact). */
  | { users: string[] };

/** A CIDR block of `require.sourceCidrs`, parsed. IPv4-mapped IPv6 blocks are stored as IPv4. */
export interface CidrBlock {
  /** Canonical text, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
  cidr: string;
  family: 4 | 6;
  /** The network's first address, canonical (dotted quad, RFC 5952 IPv6). */
  network: string;
  /** Prefix length: 0-32 (IPv4) or 0-128 (IPv6). */
  prefix: number;
}

/** Minimum OS versions per platform: dotted numbers; on Linux, compared with the kernel release. */
export interface OsMinVersionConfig {
  darwin?: string;
  win32?: string;
  linux?: string;
}

/** What a device's posture report must show (DESIGN.md §5, §6). */
export interface PostureRequirementsConfig {
  /** Oldest posture report accepted, measured from when the proxy received it (default 5 min). */
  maxAgeMs: number;
  osMinVersion?: OsMinVersionConfig;
  /** Most days since the last installed update; pending security updates also fail. */
  maxPatchAgeDays?: number;
  diskEncryption?: boolean;
  /** EDR vendor ids, one of which must be running. */
  edr?: string[];
  firewall?: boolean;
  /** `true`: automatic screen lock on; with `maxTimeoutMs`, locking within that time. */
  screenLock?: boolean | { maxTimeoutMs: number };
}

/** What every admitted access must also satisfy; an absent key requires nothing. */
export interface PolicyRequirementsConfig {
  mfa?: boolean;
  /** Oldest sign-in (`auth_time`) accepted. */
  maxAuthAgeMs?: number;
  posture?: PostureRequirementsConfig;
  /** Source addresses accepted; absent: any. */
  sourceCidrs?: CidrBlock[];
}

/** A policy, typed (DESIGN.md §6; evaluated by `proxy/policy`'s `evaluate`). */
export interface PolicyConfig {
  /** `report-only`: failing requirements are logged as would-deny, access continues. */
  mode: 'enforce' | 'report-only';
  /** Who is admitted (besides an app's `users`): any matching item admits. */
  allow: AllowCriterion[];
  require: PolicyRequirementsConfig;
}

/** Tunnel limits (DESIGN.md §4). */
export interface TunnelLimitsConfig {
  maxFramePayload: number;
  maxStreams: number;
  initialWindow: number;
  maxOpensPerSecond: number;
  upstreamConnectTimeoutMs: number;
}

/** A user of the embedded IdP, from the config file. */
export interface IdpUserConfig {
  username: string;
  email: string;
  name?: string;
  groups: string[];
  /** `scrypt$...`, from `zerogate-proxy user hash-password`. */
  passwordHash: string;
  /** Base32 TOTP secret; absent: the user enrols an authenticator at first sign-in. */
  totpSecret?: string;
}

/** An external OpenID Connect provider (DESIGN.md §6). */
export interface OidcProviderConfig {
  issuer: string;
  /** The client the agent signs in with (a native/public client with PKCE). */
  clientId: string;
  clientSecret?: string;
  scopes: string[];
  /** The ID token claim holding the user's groups (a list or one string). */
  groupsClaim: string;
  /** The ID token claim that names the user (matched against app `users` and policies). */
  userClaim: string;
  /**
   * A sign-in counts as MFA when `amr` holds one of `amr`, or `acr` is one of `acr`, or always
   * with `enforcedByIdp` (the IdP enforces MFA and its tokens cannot show it).
   */
  mfa: { amr: string[]; acr: string[]; enforcedByIdp: boolean };
  /** A non-confidential desktop-app client secret, published to agents (Google). */
  agentClientSecret?: string;
  /** `acr_values` the agent asks for; empty: none. */
  acrValues: string[];
}

/** Identity: who signs in (embedded IdP or an external one) and how long sessions last. */
export interface IdentityConfig {
  /** `embedded`: the proxy's own IdP at `/idp`; `oidc`: the IdP in {@link IdentityConfig.oidc}. */
  provider: 'embedded' | 'oidc';
  embedded: { users: IdpUserConfig[] };
  oidc: OidcProviderConfig | undefined;
  session: {
    /** Lifetime of one session token (default 10 min); the agent renews it in-band. */
    tokenTtlMs: number;
    /** The longest a sign-in lasts, however often its tokens are renewed. */
    maxAgeMs: number;
    /** The oldest `auth_time` accepted at sign-in and at renewal. */
    mfaMaxAgeMs: number;
  };
}

/** Console roles, by IdP group: `admin` wins over `helpdesk`; anyone else is an `employee`. */
export interface ConsoleRolesConfig {
  admin: string[];
  helpdesk: string[];
}

/** The web console at `/console/` (docs/console.md). */
export interface ConsoleConfig {
  roles: ConsoleRolesConfig;
  /** How long a console sign-in lasts (the session cookie's lifetime). */
  sessionTtlMs: number;
}

export interface ProxyConfig {
  server: {
    listen: HostPort;
    /** Names and addresses the generated server certificate covers. */
    hostnames: string[];
    /** The origin agents and browsers use, e.g. `https://zerogate.example.com:8443`. */
    publicUrl: string;
    /**
     * The separate origin of clientless browser access (`/a/<app>/`), e.g.
     * `https://apps.example.com:8443`: apps never run on the console's origin. Unset: no clientless.
     */
    appsUrl?: string;
    /** An admin-supplied server certificate; absolute paths. */
    tls?: { certFile: string; keyFile: string };
  };
  /** Absolute path. */
  dataDir: string;
  devices: { certTtlMs: number };
  enrollment: { tokenTtlMs: number; maxTokenTtlMs: number };
  /** `stdout`, `none`, or an absolute file path. */
  audit: { file: 'stdout' | 'none' | (string & {}) };
  /** Where the store lives: a PostgreSQL URL, or undefined for SQLite in {@link ProxyConfig.dataDir}. */
  store: { url: string | undefined };
  identity: IdentityConfig;
  /** `GET /metrics`: `public` false requires an API token. */
  metrics: { public: boolean };
  console: ConsoleConfig;
  limits: TunnelLimitsConfig;
  apps: AppConfig[];
  policies: Record<string, PolicyConfig>;
  anomalies: AnomalyConfig;
}

/** An app's `http` block as written (sizes like `1MiB`; `openapi` a file path or the document inline). */
export interface HttpAppInput {
  assertion?: boolean;
  rateLimit?: { perIdentityPerMinute?: number; perAppPerMinute?: number };
  openapi?: string | Record<string, unknown>;
  requestValidation?: 'enforce' | 'report' | 'off';
  responseValidation?: 'off' | 'report' | 'enforce';
  clientless?: boolean;
  maxBodyBytes?: string | number;
}

/** `anomalies` as written (durations like `10m`, sizes like `100MiB`). */
export interface AnomalyInput {
  block?: boolean;
  blockFor?: string;
  credentialStuffing?: { failures?: number; accounts?: number; window?: string };
  enumeration?: { distinctIds?: number; window?: string };
  exfiltration?: { bytes?: string | number; window?: string; baselineFactor?: number };
  unusualAccess?: { learningDays?: number; minEvents?: number };
}

/** An app as written in the config file. */
export interface AppInput {
  id: string;
  name?: string;
  upstream: string;
  users?: string[];
  policy?: string;
  http?: HttpAppInput;
}

/** A policy as written in the config file. */
export interface PolicyInput {
  mode?: 'enforce' | 'report-only';
  allow?: AllowCriterion[];
  require?: {
    mfa?: boolean;
    maxAuthAge?: string;
    posture?: {
      maxAge?: string;
      osMinVersion?: OsMinVersionConfig;
      maxPatchAgeDays?: number;
      diskEncryption?: boolean;
      edr?: string[];
      firewall?: boolean;
      screenLock?: boolean | { maxTimeout: string };
    };
    sourceCidrs?: string[];
  };
}

/**
 * The config file's shape (what {@link CONFIG_SCHEMA} describes), for building a config in
 * code with the same validation as a file (`defaultConfig`). Durations are strings (`10m`),
 * paths are relative to the base folder.
 */
export interface ConfigInput {
  server?: {
    listen?: string;
    hostnames?: string[];
    publicUrl?: string;
    appsUrl?: string;
    tls?: { cert: string; key: string };
  };
  dataDir?: string;
  devices?: { certTtl?: string };
  enrollment?: { tokenTtl?: string; maxTokenTtl?: string };
  audit?: { file?: string };
  store?: { url?: string };
  metrics?: { public?: boolean };
  identity?: {
    users?: { username: string; email: string; name?: string; groups?: string[]; passwordHash: string; totpSecret?: string }[];
    oidc?: {
      issuer: string;
      clientId: string;
      clientSecret?: string;
      scopes?: string[];
      groupsClaim?: string;
      userClaim?: string;
      mfa?: { amr?: string[]; acr?: string[]; enforcedByIdp?: boolean };
      agentClientSecret?: string;
      acrValues?: string[];
    };
    session?: { tokenTtl?: string; maxAge?: string; mfaMaxAge?: string };
  };
  console?: { roles?: { admin?: string[]; helpdesk?: string[] }; sessionTtl?: string };
  limits?: {
    maxFramePayload?: number;
    maxStreams?: number;
    initialWindow?: number;
    maxOpensPerSecond?: number;
    upstreamConnectTimeout?: string;
  };
  apps?: AppInput[];
  policies?: Record<string, PolicyInput>;
  anomalies?: AnomalyInput;
}

/** One problem found in a config, as listed in `ZerogateError.detail.errors`. */
export interface ConfigIssue {
  /** Where in the document, e.g. `apps[1].upstream`; empty for document-level (syntax) errors. */
  path: string;
  /** 1-based, when the position is known. */
  line: number | undefined;
  /** 1-based, when the position is known. */
  column: number | undefined;
  expected: string;
  /** What was there, at most 60 characters. */
  found: string;
  /** The whole line as printed in the error message. */
  message: string;
}
