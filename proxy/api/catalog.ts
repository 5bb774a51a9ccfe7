/**
 * The effective catalogue of apps and policies (DESIGN.md §3: "config is the source at start;
 * API changes persist in the store"): the config file's apps and policies, overlaid by the rows
 * written through the admin API. A row replaces the config entry of the same app id or policy
 * name; a tombstone hides it. The same overlay is computed at start, after every API change
 * and on a config reload (SIGHUP), so a restart or a reload never loses an API change.
 */
import { formatDuration } from '../../shared/duration.ts';
import { isZerogateError } from '../../shared/errors.ts';
import { defaultConfig, type AppConfig, type ConfigIssue, type PolicyConfig, type PolicyInput } from '../config/index.ts';
import type { CatalogKind, CatalogRecord, Store } from '../store/index.ts';
import { validatePolicy } from './policies.ts';

export type CatalogSource = 'config' | 'api';

/** An app as the admin API writes it (and stores it, as written). */
export interface AppDefinition {
  id: string;
  name?: string;
  upstream: string;
  policy?: string;
  users?: string[];
  allowRestrictedUpstream?: boolean;
  /** HTTP gateway settings (docs/http-apps.md); an OpenAPI document only inline, never a file path. */
  http?: Record<string, unknown>;
}

export interface CatalogApp {
  app: AppConfig;
  source: CatalogSource;
  /** API apps only: the admin lifted the upstream SSRF check for it. */
  allowRestrictedUpstream: boolean;
  updatedAt?: number;
  updatedBy?: string;
}

export interface CatalogPolicy {
  name: string;
  policy: PolicyConfig;
  /** The editable form (config file shape, durations as strings). */
  written: Record<string, unknown>;
  source: CatalogSource;
  updatedAt?: number;
  updatedBy?: string;
}

export interface Catalog {
  /** In config order, then API-only apps by id. */
  apps: ReadonlyMap<string, CatalogApp>;
  policies: ReadonlyMap<string, CatalogPolicy>;
  /** Store rows that could not be applied (the entry is left out: fail closed). */
  warnings: string[];
}

/** What the config file publishes. */
export interface CatalogBase {
  apps: readonly AppConfig[];
  policies: Readonly<Record<string, PolicyConfig>>;
  /** Whether `server.appsUrl` is set: only then may an app be reachable clientless (docs/clientless.md). */
  clientlessAllowed?: boolean;
}

export interface CatalogRows {
  apps: readonly CatalogRecord[];
  policies: readonly CatalogRecord[];
}

/** A policy in the config file's shape, from its typed form: what GET shows for a config policy. */
export function policyInputOf(policy: PolicyConfig): PolicyInput {
  const require: NonNullable<PolicyInput['require']> = {};
  const r = policy.require;
  if (r.mfa !== undefined) require.mfa = r.mfa;
  if (r.maxAuthAgeMs !== undefined) require.maxAuthAge = formatDuration(r.maxAuthAgeMs);
  if (r.posture !== undefined) {
    const p = r.posture;
    require.posture = {
      maxAge: formatDuration(p.maxAgeMs),
      ...(p.osMinVersion === undefined ? {} : { osMinVersion: { ...p.osMinVersion } }),
      ...(p.maxPatchAgeDays === undefined ? {} : { maxPatchAgeDays: p.maxPatchAgeDays }),
      ...(p.diskEncryption === undefined ? {} : { diskEncryption: p.diskEncryption }),
      ...(p.edr === undefined ? {} : { edr: [...p.edr] }),
      ...(p.firewall === undefined ? {} : { firewall: p.firewall }),
      ...(p.screenLock === undefined ? {} : { screenLock: typeof p.screenLock === 'boolean' ? p.screenLock : { maxTimeout: formatDuration(p.screenLock.maxTimeoutMs) } }),
    };
  }
  if (r.sourceCidrs !== undefined) require.sourceCidrs = r.sourceCidrs.map((c) => c.cidr);
  return { mode: policy.mode, allow: structuredClone(policy.allow), require };
}

export type AppParse = { ok: true; app: AppConfig } | { ok: false; message: string };

/** `apps[0].upstream` → `upstream`. */
function appPath(path: string): string {
  return path.replace(/^apps\[0\]\.?/, '') || 'app';
}

/**
 * Parses an app definition with the config loader's own rules (a one-app config), so the API
 * accepts exactly what a config file would; its policy must be one of `policies`.
 */
export function parseAppDefinition(
  definition: AppDefinition,
  policies: ReadonlyMap<string, unknown> | Readonly<Record<string, unknown>>,
  options: { clientlessAllowed?: boolean } = {},
): AppParse {
  const { id, name, upstream, users } = definition;
  // `clientless` depends on the server (server.appsUrl), which a one-app config does not have:
  // judged here against the running proxy's config instead.
  const { clientless, ...http } = (definition.http ?? {}) as Record<string, unknown>;
  if (clientless !== undefined && typeof clientless !== 'boolean') return { ok: false, message: `http.clientless: expected true or false, found ${JSON.stringify(clientless)}` };
  if (clientless === true && options.clientlessAllowed !== true) {
    return { ok: false, message: 'http.clientless: expected false while server.appsUrl is unset: clientless apps are served from their own origin (docs/clientless.md)' };
  }
  let app: AppConfig | undefined;
  try {
    // readFiles: false: an admin API caller must never make the proxy read a local file.
    const input = { id, upstream, ...(name === undefined ? {} : { name }), ...(users === undefined ? {} : { users }), ...(definition.http === undefined ? {} : { http }) };
    app = defaultConfig({ apps: [input] }, undefined, { readFiles: false }).apps[0];
  } catch (error) {
    if (!isZerogateError(error) || error.code !== 'ZG_ERR_CONFIG_INVALID') throw error;
    const [issue] = (error.detail?.errors ?? []) as ConfigIssue[];
    return { ok: false, message: issue === undefined ? 'the app is not valid' : `${appPath(issue.path)}: expected ${issue.expected}, found ${issue.found}` };
  }
  if (app === undefined) throw new TypeError('the config machinery dropped the app');
  if (clientless === true && app.http !== undefined) app.http.clientless = true;
  if (definition.policy !== undefined) {
    const known = policies instanceof Map ? [...policies.keys()] : Object.keys(policies);
    if (!known.includes(definition.policy)) {
      return { ok: false, message: `policy: expected the name of a policy (${known.length === 0 ? 'none defined' : `defined: ${known.join(', ')}`}), found "${definition.policy}"` };
    }
    app.policy = definition.policy;
  }
  return { ok: true, app };
}

/** The overlay of store rows on the config's apps and policies (pure). */
export function overlayCatalog(base: CatalogBase, rows: CatalogRows): Catalog {
  const warnings: string[] = [];
  const policies = new Map<string, CatalogPolicy>();
  for (const [name, policy] of Object.entries(base.policies)) policies.set(name, { name, policy, written: policyInputOf(policy) as Record<string, unknown>, source: 'config' });
  for (const row of rows.policies) {
    if (row.deleted || row.definition === undefined) {
      policies.delete(row.id);
      continue;
    }
    const checked = validatePolicy(row.definition);
    if (!checked.valid) {
      // Config machinery changed under a stored policy: leave it out (its apps go with it).
      policies.delete(row.id);
      warnings.push(`policy ${row.id} from the store is no longer valid and is left out: ${checked.errors[0]?.message ?? 'invalid'}`);
      continue;
    }
    policies.set(row.id, { name: row.id, policy: checked.policy, written: row.definition, source: 'api', updatedAt: row.updatedAt, updatedBy: row.updatedBy });
  }

  const apps = new Map<string, CatalogApp>();
  for (const app of base.apps) apps.set(app.id, { app, source: 'config', allowRestrictedUpstream: false });
  for (const row of rows.apps) {
    if (row.deleted || row.definition === undefined) {
      apps.delete(row.id);
      continue;
    }
    const definition = row.definition as unknown as AppDefinition;
    const parsed = parseAppDefinition({ ...definition, id: row.id }, policies, { clientlessAllowed: base.clientlessAllowed === true });
    if (!parsed.ok) {
      apps.delete(row.id);
      warnings.push(`app ${row.id} from the store is left out: ${parsed.message}`);
      continue;
    }
    apps.set(row.id, { app: parsed.app, source: 'api', allowRestrictedUpstream: definition.allowRestrictedUpstream === true, updatedAt: row.updatedAt, updatedBy: row.updatedBy });
  }
  // An app whose policy is gone (deleted through the API, then named again by a reloaded
  // config) would be judged without its policy: leave it out instead.
  for (const [id, entry] of apps) {
    const policy = entry.app.policy;
    if (policy !== undefined && !policies.has(policy)) {
      apps.delete(id);
      warnings.push(`app ${id} is left out: its policy ${policy} was deleted`);
    }
  }
  return { apps, policies, warnings };
}

/** Apps that use `policy`, by id. */
export function appsUsing(catalog: Catalog, policy: string): string[] {
  return [...catalog.apps.values()].filter((a) => a.app.policy === policy).map((a) => a.app.id);
}

export interface CatalogServiceOptions {
  store: Store;
  base: CatalogBase;
  /** Makes the effective apps and policies live (new streams, and live streams decided again). */
  apply: (apps: AppConfig[], policies: Record<string, PolicyConfig>) => void;
  /** Tells the operator about store rows left out. */
  warn?: (line: string) => void;
}

/**
 * Holds the effective catalogue of one proxy node: loads it from the config and the store,
 * applies it, and serialises API changes so that a check ("does this id exist, is this policy
 * used") and the write it guards are not interleaved with another change.
 */
export class CatalogService {
  readonly #store: Store;
  readonly #apply: CatalogServiceOptions['apply'];
  readonly #warn: (line: string) => void;
  #base: CatalogBase;
  #current: Catalog = { apps: new Map(), policies: new Map(), warnings: [] };
  /**
   * App objects whose upstream was approved as it is: config apps, and API apps published with
   * `allowRestrictedUpstream`. Every other object is checked at dial time. Kept across loads (an
   * object's standing never changes): a live stream holding an app object from before a reload
   * must stay guarded, so what is not known to be approved is checked (fail closed).
   */
  readonly #approved = new WeakSet<AppConfig>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CatalogServiceOptions) {
    this.#store = options.store;
    this.#apply = options.apply;
    this.#warn = options.warn ?? (() => undefined);
    this.#base = options.base;
  }

  current(): Catalog {
    return this.#current;
  }

  /** Whether connecting to this app's upstream must pass the SSRF check (see upstream-guard.ts). */
  isGuarded(app: AppConfig): boolean {
    return !this.#approved.has(app);
  }

  /** Reads the store's rows, overlays them on the config and applies the result. */
  async load(): Promise<Catalog> {
    const [apps, policies] = await Promise.all([this.#store.listCatalog('app'), this.#store.listCatalog('policy')]);
    const catalog = overlayCatalog(this.#base, { apps, policies });
    for (const line of catalog.warnings) this.#warn(line);
    for (const entry of catalog.apps.values()) if (entry.source !== 'api' || entry.allowRestrictedUpstream) this.#approved.add(entry.app);
    this.#current = catalog;
    this.#apply(
      [...catalog.apps.values()].map((a) => a.app),
      Object.fromEntries([...catalog.policies].map(([name, p]) => [name, p.policy])),
    );
    return catalog;
  }

  /**
   * Reads the store again and applies what changed: another node (or the CLI) wrote a row this
   * node did not. Queued like an API change, so it never interleaves with one.
   */
  reload(): Promise<Catalog> {
    return this.exclusive(() => this.load());
  }

  /** A config reload: the new config under the same store overlay. */
  /** Whether apps may be published for clientless access (server.appsUrl is set). */
  get clientlessAllowed(): boolean {
    return this.#base.clientlessAllowed === true;
  }

  setBase(base: CatalogBase): Promise<Catalog> {
    return this.exclusive(() => {
      this.#base = base;
      return this.load();
    });
  }

  /** Runs `fn` after every change queued before it, and before any queued after. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Writes one row and makes the result live (call inside {@link exclusive}). */
  async write(kind: CatalogKind, record: CatalogRecord): Promise<Catalog> {
    await this.#store.putCatalog(kind, record);
    return this.load();
  }
}
