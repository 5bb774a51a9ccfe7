/**
 * Semantic checks and resolution: from the parsed document (already shape-checked, possibly
 * with shape errors) to a typed {@link ProxyConfig}. It reads the value defensively, so it can
 * run even when the schema failed and report the problems the schema cannot see in the same
 * error: durations and their bounds, addresses, duplicate ids, policy references, CIDR blocks.
 */

import { isAbsolute, resolve as resolvePath } from 'node:path';
import { formatDuration, tryParseDuration } from '../../shared/duration.ts';
import { isHostOrIp, normalizeHost, parseHostPort, parsePublicUrl, parseUpstream, urlHost } from './address.ts';
import { CONFIG_DEFAULTS, DURATION_BOUNDS, ID_PATTERN, LIMIT_BOUNDS } from './defaults.ts';
import { describeValue, suggest, truncate, type ConfigIssues, type Segment } from './issues.ts';
import { resolveAnomalies, resolveHttp } from './resolve-http.ts';
import { isPostgresUrl, redactStoreUrl } from '../store/url.ts';
import { parseCidr } from '../policy/cidr.ts';
import { POLICY_DEFAULTS, POLICY_DURATION_BOUNDS } from '../policy/limits.ts';
import type {
  AllowCriterion,
  AppConfig,
  CidrBlock,
  HostPort,
  IdentityConfig,
  IdpUserConfig,
  OsMinVersionConfig,
  PolicyConfig,
  PolicyRequirementsConfig,
  PostureRequirementsConfig,
  ProxyConfig,
} from './types.ts';

type Fields = Record<string, unknown>;

const POLICY_NAME = new RegExp(ID_PATTERN, 'u');

function isFields(value: unknown): value is Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function fields(value: unknown): Fields {
  return isFields(value) ? value : {};
}

/** The entry of a mapping, `undefined` when the mapping or the key is absent (no prototype lookups). */
function entry(value: unknown, key: string): unknown {
  return isFields(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/**
 * Resolves `raw` (the parsed config document) against `baseDir`, adding every semantic problem
 * to `issues`. The result is meaningful only when `issues` stays empty.
 */
export function resolveConfig(raw: unknown, baseDir: string, issues: ConfigIssues, options: { readFiles?: boolean } = {}): ProxyConfig {
  const ctx = { issues, baseDir, readFiles: options.readFiles !== false };
  const server = entry(raw, 'server');
  const devices = entry(raw, 'devices');
  const enrollment = entry(raw, 'enrollment');
  const limits = entry(raw, 'limits');

  const policies = resolvePolicies(ctx, entry(raw, 'policies'));
  const maxTokenTtlMs = duration(ctx, ['enrollment', 'maxTokenTtl'], entry(enrollment, 'maxTokenTtl'), 'maxTokenTtl');
  const tokenTtlMs = duration(ctx, ['enrollment', 'tokenTtl'], entry(enrollment, 'tokenTtl'), 'tokenTtl');
  if (tokenTtlMs > maxTokenTtlMs && !issues.has(['enrollment', 'tokenTtl']) && !issues.has(['enrollment', 'maxTokenTtl'])) {
    issues.add({
      segments: ['enrollment', 'tokenTtl'],
      expected: `at most enrollment.maxTokenTtl (${formatDuration(maxTokenTtlMs)})`,
      found: describeValue(entry(enrollment, 'tokenTtl') ?? CONFIG_DEFAULTS.tokenTtl),
    });
  }

  const config: ProxyConfig = {
    server: resolveServer(ctx, server),
    dataDir: filePath(ctx, ['dataDir'], entry(raw, 'dataDir'), CONFIG_DEFAULTS.dataDir),
    devices: { certTtlMs: duration(ctx, ['devices', 'certTtl'], entry(devices, 'certTtl'), 'certTtl') },
    enrollment: { tokenTtlMs, maxTokenTtlMs },
    audit: { file: auditFile(ctx, entry(entry(raw, 'audit'), 'file')) },
    store: { url: storeUrl(ctx, entry(entry(raw, 'store'), 'url')) },
    metrics: { public: entry(entry(raw, 'metrics'), 'public') === true },
    identity: resolveIdentity(ctx, entry(raw, 'identity')),
    console: resolveConsole(ctx, entry(raw, 'console')),
    limits: {
      maxFramePayload: integer(entry(limits, 'maxFramePayload'), 'maxFramePayload'),
      maxStreams: integer(entry(limits, 'maxStreams'), 'maxStreams'),
      initialWindow: integer(entry(limits, 'initialWindow'), 'initialWindow'),
      maxOpensPerSecond: integer(entry(limits, 'maxOpensPerSecond'), 'maxOpensPerSecond'),
      upstreamConnectTimeoutMs: duration(
        ctx,
        ['limits', 'upstreamConnectTimeout'],
        entry(limits, 'upstreamConnectTimeout'),
        'upstreamConnectTimeout',
      ),
    },
    apps: resolveApps(ctx, entry(raw, 'apps'), policies),
    policies,
    anomalies: resolveAnomalies(ctx, entry(raw, 'anomalies')),
  };
  requireAppsUrl(ctx, config);
  return config;
}

/** Clientless access needs its own origin: on the console's it would expose the console's API to the app's scripts. */
function requireAppsUrl(ctx: Context, config: ProxyConfig): void {
  if (config.server.appsUrl !== undefined || ctx.issues.has(['server', 'appsUrl'])) return;
  for (const [index, app] of config.apps.entries()) {
    if (app.http?.clientless !== true) continue;
    ctx.issues.add({
      segments: ['apps', index, 'http', 'clientless'],
      expected: 'false while server.appsUrl is unset: clientless apps are served from their own origin (set server.appsUrl, e.g. https://apps.example.com:8443, a name in server.hostnames); they are no longer allowed on the console\'s origin',
      found: describeValue(true),
    });
  }
}

interface Context {
  issues: ConfigIssues;
  baseDir: string;
  readFiles: boolean;
}

function resolveServer(ctx: Context, server: unknown): ProxyConfig['server'] {
  const listenRaw = entry(server, 'listen');
  let listen: HostPort = { host: '0.0.0.0', port: 8443 };
  const listenText = text(listenRaw, CONFIG_DEFAULTS.listen);
  const parsedListen = parseHostPort(listenText);
  if (parsedListen.ok) listen = parsedListen.value;
  else ctx.issues.add({ segments: ['server', 'listen'], expected: parsedListen.expected, found: describeValue(listenRaw) });

  const hostnamesRaw = entry(server, 'hostnames');
  const hostnames: string[] = [];
  const seen = new Map<string, number>();
  const list = Array.isArray(hostnamesRaw) ? hostnamesRaw : [...CONFIG_DEFAULTS.hostnames];
  for (const [index, item] of list.entries()) {
    if (typeof item !== 'string') continue;
    const segments = ['server', 'hostnames', index];
    if (!isHostOrIp(item)) {
      ctx.issues.add({ segments, expected: 'a DNS name or IP address (no wildcard)', found: describeValue(item) });
      continue;
    }
    const host = normalizeHost(item);
    const first = seen.get(host);
    if (first !== undefined) {
      ctx.issues.add({
        segments,
        expected: `a name not already listed (same as server.hostnames[${first}])`,
        found: describeValue(item),
      });
      continue;
    }
    seen.set(host, index);
    hostnames.push(host);
  }

  const tlsRaw = entry(server, 'tls');
  const tls = isFields(tlsRaw)
    ? {
        certFile: filePath(ctx, ['server', 'tls', 'cert'], entry(tlsRaw, 'cert'), ''),
        keyFile: filePath(ctx, ['server', 'tls', 'key'], entry(tlsRaw, 'key'), ''),
      }
    : undefined;

  const publicRaw = entry(server, 'publicUrl');
  let publicUrl = '';
  if (typeof publicRaw === 'string') {
    const parsed = parsePublicUrl(publicRaw);
    if (!parsed.ok) {
      ctx.issues.add({ segments: ['server', 'publicUrl'], expected: parsed.expected, found: describeValue(publicRaw) });
    } else if (tls === undefined && hostnames.length > 0 && !seen.has(parsed.value.host)) {
      // The generated certificate names only `hostnames`: agents would fail TLS on any other name.
      ctx.issues.add({
        segments: ['server', 'publicUrl'],
        expected: `a URL whose host is one of server.hostnames (${hostnames.join(', ')}), or server.tls`,
        found: describeValue(publicRaw),
      });
    } else {
      publicUrl = parsed.value.origin;
    }
  } else if (hostnames[0] !== undefined) {
    publicUrl = new URL(`https://${urlHost(hostnames[0])}:${listen.port}`).origin;
  }

  const appsUrl = resolveAppsUrl(ctx, entry(server, 'appsUrl'), { hostnames, seen, publicUrl, tls: tls !== undefined });
  return {
    listen,
    hostnames,
    publicUrl,
    ...(appsUrl === undefined ? {} : { appsUrl }),
    ...(tls === undefined ? {} : { tls }),
  };
}

/**
 * `server.appsUrl`: an https origin on another host than publicUrl's (clientless apps must not share the
 * console's origin, or an app's script could call the console's API with the admin's cookie),
 * whose host the generated certificate names.
 */
function resolveAppsUrl(ctx: Context, raw: unknown, server: { hostnames: string[]; seen: ReadonlyMap<string, number>; publicUrl: string; tls: boolean }): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const segments = ['server', 'appsUrl'];
  const parsed = parsePublicUrl(raw);
  if (!parsed.ok) {
    ctx.issues.add({ segments, expected: parsed.expected.replace('zerogate.example.com', 'apps.example.com'), found: describeValue(raw) });
    return undefined;
  }
  if (!server.tls && server.hostnames.length > 0 && !server.seen.has(parsed.value.host)) {
    ctx.issues.add({ segments, expected: `a URL whose host is one of server.hostnames (${server.hostnames.join(', ')}), or server.tls`, found: describeValue(raw) });
    return undefined;
  }
  // Another host name, not just another port: browsers send cookies to every port of a host.
  if (server.publicUrl !== '' && parsed.value.host === normalizeHost(new URL(server.publicUrl).hostname)) {
    ctx.issues.add({ segments, expected: 'a host name other than server.publicUrl\'s (cookies are shared by every port of a host): apps must not share the console\'s origin', found: describeValue(raw) });
    return undefined;
  }
  return parsed.value.origin;
}

function resolvePolicies(ctx: Context, raw: unknown): Record<string, PolicyConfig> {
  const policies: Record<string, PolicyConfig> = {};
  for (const [name, value] of Object.entries(fields(raw))) {
    // The schema reports bad names; skipping them here keeps `__proto__` from being assigned.
    if (!POLICY_NAME.test(name)) continue;
    const at: Segment[] = ['policies', name];
    policies[name] = {
      mode: entry(value, 'mode') === 'report-only' ? 'report-only' : 'enforce',
      allow: resolveAllow(entry(value, 'allow')),
      require: resolveRequire(ctx, [...at, 'require'], entry(value, 'require')),
    };
  }
  return policies;
}

const ALLOW_KINDS = ['groups', 'emails', 'users'] as const;

/** Items with exactly one known kind and its strings; the schema reports anything else. */
function resolveAllow(raw: unknown): AllowCriterion[] {
  const allow: AllowCriterion[] = [];
  for (const item of Array.isArray(raw) ? raw : []) {
    if (!isFields(item) || Object.keys(item).length !== 1) continue;
    const kind = ALLOW_KINDS.find((name) => Object.hasOwn(item, name));
    if (kind === undefined) continue;
    const values = strings(item[kind], []);
    if (kind === 'groups') allow.push({ groups: values });
    else if (kind === 'emails') allow.push({ emails: values });
    else allow.push({ users: values });
  }
  return allow;
}

function resolveRequire(ctx: Context, at: Segment[], raw: unknown): PolicyRequirementsConfig {
  const require: PolicyRequirementsConfig = {};
  const mfa = entry(raw, 'mfa');
  if (typeof mfa === 'boolean') require.mfa = mfa;
  const maxAuthAge = policyDuration(ctx, [...at, 'maxAuthAge'], entry(raw, 'maxAuthAge'), 'maxAuthAge');
  if (maxAuthAge !== undefined) require.maxAuthAgeMs = maxAuthAge;
  const posture = entry(raw, 'posture');
  if (isFields(posture)) require.posture = resolvePosture(ctx, [...at, 'posture'], posture);
  const cidrs = entry(raw, 'sourceCidrs');
  if (Array.isArray(cidrs)) {
    const blocks: CidrBlock[] = [];
    const seen = new Map<string, number>();
    for (const [index, item] of cidrs.entries()) {
      if (typeof item !== 'string') continue;
      const segments = [...at, 'sourceCidrs', index];
      const parsed = parseCidr(item);
      if (!parsed.ok) {
        ctx.issues.add({ segments, expected: parsed.expected, found: describeValue(item) });
        continue;
      }
      const first = seen.get(parsed.value.cidr);
      if (first !== undefined) {
        ctx.issues.add({ segments, expected: `a network not already listed (same as sourceCidrs[${first}])`, found: describeValue(item) });
        continue;
      }
      seen.set(parsed.value.cidr, index);
      blocks.push(parsed.value);
    }
    require.sourceCidrs = blocks;
  }
  return require;
}

function resolvePosture(ctx: Context, at: Segment[], raw: Fields): PostureRequirementsConfig {
  const fallback = tryParseDuration(POLICY_DEFAULTS.postureMaxAge) ?? 0;
  const posture: PostureRequirementsConfig = {
    maxAgeMs: policyDuration(ctx, [...at, 'maxAge'], entry(raw, 'maxAge'), 'postureMaxAge') ?? fallback,
  };
  const os = entry(raw, 'osMinVersion');
  if (isFields(os)) {
    const versions: OsMinVersionConfig = {};
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const version = entry(os, platform);
      if (typeof version === 'string') versions[platform] = version;
    }
    posture.osMinVersion = versions;
  }
  const patch = entry(raw, 'maxPatchAgeDays');
  if (Number.isSafeInteger(patch)) posture.maxPatchAgeDays = patch as number;
  for (const key of ['diskEncryption', 'firewall'] as const) {
    const flag = entry(raw, key);
    if (typeof flag === 'boolean') posture[key] = flag;
  }
  const edr = entry(raw, 'edr');
  if (Array.isArray(edr)) posture.edr = [...new Set(strings(edr, []))];
  const screenLock = entry(raw, 'screenLock');
  if (typeof screenLock === 'boolean') posture.screenLock = screenLock;
  else if (isFields(screenLock)) {
    const maxTimeoutMs = policyDuration(ctx, [...at, 'screenLock', 'maxTimeout'], entry(screenLock, 'maxTimeout'), 'screenLockMaxTimeout');
    // Without a valid timeout (reported above) the lock itself is still required.
    posture.screenLock = maxTimeoutMs === undefined ? true : { maxTimeoutMs };
  }
  return posture;
}

/** A policy duration in ms, `undefined` when absent or invalid (the schema or this reports it). */
function policyDuration(ctx: Context, segments: Segment[], raw: unknown, name: keyof typeof POLICY_DURATION_BOUNDS): number | undefined {
  if (typeof raw !== 'string') return undefined;
  const ms = tryParseDuration(raw);
  if (ms === undefined) return undefined; // the schema's pattern reports it
  const { min, max } = POLICY_DURATION_BOUNDS[name];
  if (ms < min || ms > max) {
    ctx.issues.add({ segments, expected: `a duration from ${formatDuration(min)} to ${formatDuration(max)}`, found: describeValue(raw) });
    return undefined;
  }
  return ms;
}

function resolveApps(ctx: Context, raw: unknown, policies: Record<string, PolicyConfig>): AppConfig[] {
  if (!Array.isArray(raw)) return [];
  const apps: AppConfig[] = [];
  const ids = new Map<string, number>();
  const policyNames = Object.keys(policies);
  for (const [index, item] of raw.entries()) {
    if (!isFields(item)) continue;
    const id = text(entry(item, 'id'), '');
    if (id !== '') {
      const first = ids.get(id);
      if (first === undefined) ids.set(id, index);
      else {
        ctx.issues.add({
          segments: ['apps', index, 'id'],
          expected: `a unique app id (apps[${first}] already uses it)`,
          found: describeValue(id),
        });
      }
    }

    const upstreamRaw = entry(item, 'upstream');
    let upstream: AppConfig['upstream'] = { protocol: 'tcp', host: '', port: 0, url: '' };
    if (typeof upstreamRaw === 'string') {
      const parsed = parseUpstream(upstreamRaw);
      if (parsed.ok) upstream = parsed.value;
      else ctx.issues.add({ segments: ['apps', index, 'upstream'], expected: parsed.expected, found: describeValue(upstreamRaw) });
    }

    const policy = entry(item, 'policy');
    if (typeof policy === 'string' && !Object.hasOwn(policies, policy)) {
      const defined = policyNames.length === 0 ? 'none defined' : `defined: ${policyNames.join(', ')}`;
      const hint = suggest(policy, policyNames);
      ctx.issues.add({
        segments: ['apps', index, 'policy'],
        expected: `the name of a policy under policies (${defined})`,
        found: describeValue(policy) + (hint === undefined ? '' : `; did you mean "${hint}"?`),
      });
    }

    const users = entry(item, 'users');
    const app: AppConfig = {
      id,
      name: text(entry(item, 'name'), id),
      upstream,
      users: Array.isArray(users) ? users.filter((user): user is string => typeof user === 'string') : [],
    };
    if (typeof policy === 'string') app.policy = policy;
    const http = upstream.url === '' ? undefined : resolveHttp(ctx, index, upstream, entry(item, 'http'));
    if (http !== undefined) app.http = http;
    apps.push(app);
  }
  return apps;
}

function strings(value: unknown, fallback: readonly string[]): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [...fallback];
}

function resolveIdentity(ctx: Context, raw: unknown): IdentityConfig {
  const users: IdpUserConfig[] = [];
  const names = new Map<string, number>();
  const rawUsers = entry(raw, 'users');
  for (const [index, item] of (Array.isArray(rawUsers) ? rawUsers : []).entries()) {
    if (!isFields(item)) continue;
    const username = text(entry(item, 'username'), '');
    const first = names.get(username);
    if (first !== undefined) {
      ctx.issues.add({ segments: ['identity', 'users', index, 'username'], expected: `a unique username (identity.users[${first}] already uses it)`, found: describeValue(username) });
    } else names.set(username, index);
    const user: IdpUserConfig = {
      username,
      email: text(entry(item, 'email'), ''),
      groups: strings(entry(item, 'groups'), []),
      passwordHash: text(entry(item, 'passwordHash'), ''),
    };
    const name = entry(item, 'name');
    if (typeof name === 'string') user.name = name;
    const totp = entry(item, 'totpSecret');
    if (typeof totp === 'string') user.totpSecret = totp;
    users.push(user);
  }

  const oidcRaw = entry(raw, 'oidc');
  let oidc: IdentityConfig['oidc'];
  if (isFields(oidcRaw)) {
    const issuerRaw = entry(oidcRaw, 'issuer');
    const issuer = text(issuerRaw, '');
    let parsed: URL | undefined;
    try {
      parsed = new URL(issuer);
    } catch {
      parsed = undefined;
    }
    if (typeof issuerRaw === 'string' && (parsed === undefined || parsed.protocol !== 'https:' || parsed.search !== '' || parsed.hash !== '')) {
      ctx.issues.add({ segments: ['identity', 'oidc', 'issuer'], expected: 'an https:// issuer URL without query or fragment', found: describeValue(issuerRaw) });
    }
    const scopes = strings(entry(oidcRaw, 'scopes'), CONFIG_DEFAULTS.oidcScopes);
    if (!scopes.includes('openid')) {
      ctx.issues.add({ segments: ['identity', 'oidc', 'scopes'], expected: 'a list that includes openid', found: describeValue(entry(oidcRaw, 'scopes')) });
    }
    const mfa = entry(oidcRaw, 'mfa');
    oidc = {
      issuer,
      clientId: text(entry(oidcRaw, 'clientId'), ''),
      scopes,
      groupsClaim: text(entry(oidcRaw, 'groupsClaim'), CONFIG_DEFAULTS.groupsClaim),
      userClaim: text(entry(oidcRaw, 'userClaim'), CONFIG_DEFAULTS.userClaim),
      mfa: { amr: strings(entry(mfa, 'amr'), CONFIG_DEFAULTS.mfaAmr), acr: strings(entry(mfa, 'acr'), []), enforcedByIdp: entry(mfa, 'enforcedByIdp') === true },
      acrValues: strings(entry(oidcRaw, 'acrValues'), []),
    };
    const secret = entry(oidcRaw, 'clientSecret');
    if (typeof secret === 'string') oidc.clientSecret = secret;
    const agentSecret = entry(oidcRaw, 'agentClientSecret');
    if (typeof agentSecret === 'string') oidc.agentClientSecret = agentSecret;
  }

  const session = entry(raw, 'session');
  const seg = (key: string): Segment[] => ['identity', 'session', key];
  return {
    provider: oidc === undefined ? 'embedded' : 'oidc',
    embedded: { users },
    oidc,
    session: {
      tokenTtlMs: duration(ctx, seg('tokenTtl'), entry(session, 'tokenTtl'), 'sessionTokenTtl'),
      maxAgeMs: duration(ctx, seg('maxAge'), entry(session, 'maxAge'), 'sessionMaxAge'),
      mfaMaxAgeMs: duration(ctx, seg('mfaMaxAge'), entry(session, 'mfaMaxAge'), 'mfaMaxAge'),
    },
  };
}

/** The console's roles (the schema checks each group name) and session lifetime. */
function resolveConsole(ctx: Context, raw: unknown): ProxyConfig['console'] {
  const roles = entry(raw, 'roles');
  return {
    roles: {
      admin: [...new Set(strings(entry(roles, 'admin'), CONFIG_DEFAULTS.consoleAdminGroups))],
      helpdesk: [...new Set(strings(entry(roles, 'helpdesk'), CONFIG_DEFAULTS.consoleHelpdeskGroups))],
    },
    sessionTtlMs: duration(ctx, ['console', 'sessionTtl'], entry(raw, 'sessionTtl'), 'consoleSessionTtl'),
  };
}

function duration(ctx: Context, segments: Segment[], raw: unknown, name: keyof typeof DURATION_BOUNDS): number {
  const fallback = tryParseDuration(CONFIG_DEFAULTS[name]) ?? 0;
  if (typeof raw !== 'string') return fallback;
  const ms = tryParseDuration(raw);
  const { min, max } = DURATION_BOUNDS[name];
  if (ms === undefined || ms < min || ms > max) {
    const expected =
      ms === undefined
        ? 'a duration such as 90s, 10m, 1h30m or 7d'
        : `a duration from ${formatDuration(min)} to ${formatDuration(max)}`;
    ctx.issues.add({ segments, expected, found: describeValue(raw) });
    return fallback;
  }
  return ms;
}

/** Integer limits are fully checked by the schema; this only picks the value or the default. */
function integer(raw: unknown, name: keyof typeof LIMIT_BOUNDS): number {
  return Number.isSafeInteger(raw) ? (raw as number) : CONFIG_DEFAULTS[name];
}

/** A path relative to the config file's folder, made absolute. `~` is a shell feature: refused. */
function filePath(ctx: Context, segments: Segment[], raw: unknown, fallback: string): string {
  const value = text(raw, fallback);
  if (value.startsWith('~')) {
    ctx.issues.add({
      segments,
      expected: 'an absolute path or one relative to the config file ("~" is not expanded)',
      found: describeValue(value),
    });
  }
  if (value.includes('\0')) {
    ctx.issues.add({ segments, expected: 'a file path without NUL characters', found: describeValue(value) });
  }
  return isAbsolute(value) ? resolvePath(value) : resolvePath(ctx.baseDir, value);
}

function auditFile(ctx: Context, raw: unknown): string {
  const value = text(raw, CONFIG_DEFAULTS.auditFile);
  if (value === 'stdout' || value === 'none') return value;
  return filePath(ctx, ['audit', 'file'], value, CONFIG_DEFAULTS.auditFile);
}

/** `store.url`: a PostgreSQL URL; a bad one is shown with its password masked, never as written. */
function storeUrl(ctx: Context, raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw === '') return undefined; // absent, or the schema reported it
  if (isPostgresUrl(raw)) return raw;
  ctx.issues.add({ segments: ['store', 'url'], expected: 'a postgres:// or postgresql:// URL with a host', found: truncate(JSON.stringify(redactStoreUrl(raw))) });
  return undefined;
}
