import { createHash } from 'node:crypto';
import pg from 'pg';
import { ZerogateError, isZerogateError } from '../../shared/errors.ts';
import { ChangeListeners, parseChange } from './changes.ts';
import { PG_MIGRATIONS } from './postgres-migrations.ts';
import { API_TOKENS_LIST_MAX, AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, DEVICE_PAGE_MAX, POSTURE_HISTORY_PER_DEVICE, REVOCATIONS_PAGE, SESSIONS_PAGE_MAX } from './sqlite.ts';
import type {
  ApiTokenRecord,
  BrowserSessionRecord,
  AuditEvent,
  AuditQuery,
  CatalogKind,
  CatalogRecord,
  DecisionQuery,
  Device,
  DeviceSearch,
  EnrollInput,
  EnrollmentTokenRecord,
  EnrollResult,
  IdpPayloadRecord,
  IdpUserRecord,
  LiveSession,
  PostureRecord,
  RevocationEntry,
  SessionQuery,
  SessionRecord,
  Store,
  StoreChange,
  StoreChangeListener,
  TokenRefusal,
} from './types.ts';

/** Most connections one node holds to PostgreSQL (the IdP, the API and the tunnel share them). */
export const POOL_MAX = 10;
/** Longest wait to connect, or for a free connection of the pool: then the call fails closed. */
export const CONNECT_TIMEOUT_MS = 5_000;
/** Longest a statement runs on the server before PostgreSQL cancels it. */
export const STATEMENT_TIMEOUT_MS = 10_000;
/** Longest the client waits for any answer (a server or network that went silent). */
export const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 2_000;
/** The server ends a session left idle inside a transaction this long (a stuck node's locks). */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 30_000;
/** Idle pooled connections are closed after this long. */
export const IDLE_TIMEOUT_MS = 30_000;
/** Longest the migrations at start may take, waiting for another node's included. */
export const MIGRATION_TIMEOUT_MS = 5 * 60_000;
/** The change feed reconnects after a drop, waiting this long at first, doubling up to the max. */
export const FEED_RETRY_MIN_MS = 100;
export const FEED_RETRY_MAX_MS = 5_000;
/** How often the change feed's connection is checked (a silently dropped one is replaced). */
export const FEED_HEALTH_MS = 5_000;

/** First key of the advisory locks this store takes ("ZG"); the second is derived from the schema. */
const LOCK_CLASS = 0x5a47;

/** int8 columns (times, ids, sequence numbers) as numbers: every value we store is below 2^53. */
const INT8_OID = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** The table of each catalogue kind (a fixed map: never SQL from input). */
const CATALOG_TABLES = {
  app: { table: 'catalog_apps', key: 'id' },
  policy: { table: 'catalog_policies', key: 'name' },
} as const;

type Querier = Pick<pg.PoolClient, 'query'>;

export interface PostgresStoreOptions {
  /** Overrides of the pool's bounds (tests use small timeouts). */
  poolMax?: number;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
}

/**
 * The store on PostgreSQL (`store.url`), for production and for several proxy nodes sharing
 * devices, revocations, catalogue, posture and audit. Same semantics as {@link SqliteStore}:
 * the same contract suite runs against both. Every failure to reach the server is
 * `ZG_ERR_STORE_UNAVAILABLE`, so callers fail closed; the pool reconnects by itself.
 */
export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #channel: string;
  readonly #changes: ChangeListeners;
  readonly #feed: ChangeFeed;
  #closing: Promise<void> | undefined;

  private constructor(pool: pg.Pool, feed: ChangeFeed, channel: string, changes: ChangeListeners) {
    this.#pool = pool;
    this.#feed = feed;
    this.#channel = channel;
    this.#changes = changes;
  }

  /**
   * Connects, runs the migrations this node knows (one transaction, under an advisory lock, so
   * nodes starting together do not race) and starts the change feed.
   *
   * @throws ZerogateError `ZG_ERR_STORE_SCHEMA_NEWER` when the schema is newer than this node
   *   knows, `ZG_ERR_STORE_UNAVAILABLE` when the server cannot be reached. Messages never show
   *   the URL's password.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const config = clientConfig(url, options);
    const schema = await migrate(config);
    const channel = `zerogate_changes_${hashHex(schema).slice(0, 16)}`;
    const changes = new ChangeListeners();
    const feed = new ChangeFeed(config, channel, changes);
    try {
      await feed.start();
    } catch (cause) {
      await feed.stop();
      throw unavailable(cause, 'cannot listen for changes on PostgreSQL');
    }
    const pool = new pg.Pool({ ...config, max: options.poolMax ?? POOL_MAX, idleTimeoutMillis: IDLE_TIMEOUT_MS });
    // An idle connection that breaks (server restarted) is dropped by the pool; without a
    // listener the error would crash the process.
    pool.on('error', () => undefined);
    return new PostgresStore(pool, feed, channel, changes);
  }

  async createEnrollmentToken(token: EnrollmentTokenRecord): Promise<void> {
    await this.#query('INSERT INTO enrollment_tokens (id, secret_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      token.id,
      token.secretHash,
      token.user,
      token.createdAt,
      token.expiresAt,
    ]);
  }

  async checkEnrollmentToken(tokenId: string, secretHash: string, now: number) {
    const verdict = await this.#run(() => tokenVerdict(this.#pool, tokenId, secretHash, now, false));
    return verdict.ok ? { ok: true as const } : verdict;
  }

  async enrollDevice(input: EnrollInput): Promise<EnrollResult> {
    return this.#tx(async (c): Promise<EnrollResult> => {
      // FOR UPDATE: two enrolments with one token queue here; the second sees it used.
      const verdict = await tokenVerdict(c, input.tokenId, input.secretHash, input.now, true);
      if (!verdict.ok) return verdict;
      const d = input.device;
      await c.query('UPDATE enrollment_tokens SET used_at = $1, used_by_device = $2 WHERE id = $3', [input.now, d.id, input.tokenId]);
      await insertDevice(c, { ...d, user: verdict.user });
      if (input.session !== undefined) await insertSession(c, { ...input.session, user: verdict.user });
      return { ok: true, device: { ...d, user: verdict.user, status: 'active', lastSeenAt: undefined, revokedAt: undefined } };
    });
  }

  async getDevice(id: string): Promise<Device | undefined> {
    const [row] = await this.#query<DeviceRow>('SELECT * FROM devices WHERE id = $1', [id]);
    return row === undefined ? undefined : toDevice(row);
  }

  async listDevices(filter: { user?: string } = {}): Promise<Device[]> {
    const rows =
      filter.user === undefined
        ? await this.#query<DeviceRow>('SELECT * FROM devices ORDER BY created_at, id')
        : await this.#query<DeviceRow>('SELECT * FROM devices WHERE user_id = $1 ORDER BY created_at, id', [filter.user]);
    return rows.map(toDevice);
  }

  async revokeDevice(id: string, now: number, reason: string): Promise<boolean> {
    return this.#tx(async (c) => {
      const changed = await c.query("UPDATE devices SET status = 'revoked', revoked_at = $1 WHERE id = $2 AND status = 'active'", [now, id]);
      await c.query('UPDATE certificates SET revoked_at = $1, revoke_reason = $2 WHERE device_id = $3 AND revoked_at IS NULL', [now, reason, id]);
      if (changed.rowCount !== 1) return false;
      await this.#appendRevocations(c, [{ deviceId: id, sessionId: null }], now);
      return true;
    });
  }

  async isSerialRevoked(serial: string): Promise<boolean> {
    const [row] = await this.#query<{ revoked_at: number | null }>('SELECT revoked_at FROM certificates WHERE serial = $1', [serial]);
    // A serial we never issued is treated as revoked: fail closed.
    return row === undefined || row.revoked_at !== null;
  }

  async revocationsAfter(seq: number): Promise<RevocationEntry[]> {
    const rows = await this.#query<{ seq: number; device_id: string; session_id: string | null }>(
      'SELECT seq, device_id, session_id FROM revocations WHERE seq > $1 ORDER BY seq LIMIT $2',
      [seq, REVOCATIONS_PAGE],
    );
    return rows.map((r) => (r.session_id === null ? { seq: r.seq, deviceId: r.device_id } : { seq: r.seq, deviceId: r.device_id, sessionId: r.session_id }));
  }

  /**
   * Records revocations and tells every node. The table lock makes sequence numbers follow
   * commit order: otherwise a watcher could read seq 6, committed first, and never see seq 5.
   */
  async #appendRevocations(c: Querier, entries: readonly { deviceId: string; sessionId: string | null }[], now: number): Promise<void> {
    await c.query('LOCK TABLE revocations IN SHARE ROW EXCLUSIVE MODE');
    await c.query('INSERT INTO revocations (device_id, session_id, revoked_at) SELECT d, s, $3 FROM unnest($1::text[], $2::text[]) AS t(d, s)', [
      entries.map((e) => e.deviceId),
      entries.map((e) => e.sessionId),
      now,
    ]);
    await this.#notify(c, { kind: 'revocation' });
  }

  async enrollDeviceForUser(device: Omit<Device, 'status' | 'lastSeenAt' | 'revokedAt'>, session: SessionRecord): Promise<Device> {
    return this.#tx(async (c) => {
      await insertDevice(c, device);
      await insertSession(c, session);
      return { ...device, status: 'active' as const, lastSeenAt: undefined, revokedAt: undefined };
    });
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.#run(() => insertSession(this.#pool, session));
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const [row] = await this.#query<SessionRow>('SELECT * FROM sessions WHERE id = $1', [id]);
    return row === undefined ? undefined : toSession(row);
  }

  async renewSession(id: string, update: { authTime: number; groups: string[]; amr: string[]; acr: string | undefined; tokenExpiresAt: number }): Promise<boolean> {
    const result = await this.#exec('UPDATE sessions SET auth_time = $1, groups = $2, amr = $3, acr = $4, token_expires_at = $5 WHERE id = $6 AND revoked_at IS NULL', [
      update.authTime,
      JSON.stringify(update.groups),
      JSON.stringify(update.amr),
      update.acr ?? null,
      update.tokenExpiresAt,
      id,
    ]);
    return result === 1;
  }

  async revokeSession(id: string, now: number): Promise<boolean> {
    return this.#tx(async (c) => {
      const { rows } = await c.query<{ device_id: string }>('UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING device_id', [now, id]);
      const row = rows[0];
      if (row === undefined) return false;
      await this.#appendRevocations(c, [{ deviceId: row.device_id, sessionId: id }], now);
      return true;
    });
  }

  async revokeUserSessions(user: string, now: number): Promise<number> {
    return this.#tx(async (c) => {
      // Revocations in the order the sessions were created, as the SQLite store records them.
      const { rows } = await c.query<{ id: string; device_id: string }>(
        `WITH revoked AS (UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL RETURNING id, device_id, seq)
         SELECT id, device_id FROM revoked ORDER BY seq`,
        [now, user],
      );
      if (rows.length === 0) return 0;
      await this.#appendRevocations(c, rows.map((r) => ({ deviceId: r.device_id, sessionId: r.id })), now);
      return rows.length;
    });
  }

  async createBrowserSession(session: BrowserSessionRecord, now: number): Promise<void> {
    await this.#exec('INSERT INTO browser_sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [session.id, session.user, session.createdAt, session.expiresAt]);
    // Housekeeping, best effort and after the write: sessions past their end go.
    await this.#pool.query('DELETE FROM browser_sessions WHERE expires_at <= $1', [now]).catch(() => undefined);
  }

  async browserSessionLive(id: string, now: number): Promise<boolean> {
    const rows = await this.#query<{ one: number }>('SELECT 1 AS one FROM browser_sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2', [id, now]);
    return rows.length === 1;
  }

  async revokeBrowserSession(id: string, now: number): Promise<boolean> {
    return (await this.#exec('UPDATE browser_sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL AND expires_at > $1', [now, id])) === 1;
  }

  async revokeUserBrowserSessions(user: string, now: number): Promise<number> {
    return this.#exec('UPDATE browser_sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $1', [now, user]);
  }

  async getIdpUser(username: string): Promise<IdpUserRecord | undefined> {
    const [row] = await this.#query<IdpUserRow>('SELECT * FROM idp_users WHERE username = $1', [username]);
    return row === undefined ? undefined : toIdpUser(row);
  }

  async addIdpUser(user: IdpUserRecord): Promise<boolean> {
    const n = await this.#exec(
      `INSERT INTO idp_users (username, email, name, groups, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (username) DO NOTHING`,
      [user.username, user.email, user.name ?? null, JSON.stringify(user.groups), user.passwordHash, user.disabled, user.createdAt],
    );
    return n === 1;
  }

  async listIdpUsers(): Promise<IdpUserRecord[]> {
    return (await this.#query<IdpUserRow>('SELECT * FROM idp_users ORDER BY username')).map(toIdpUser);
  }

  async setIdpUserDisabled(username: string, disabled: boolean): Promise<boolean> {
    return this.#writeNotify('UPDATE idp_users SET disabled = $1 WHERE username = $2', [disabled, username], { kind: 'idp-user', username });
  }

  async setIdpUserPassword(username: string, passwordHash: string): Promise<boolean> {
    return this.#writeNotify('UPDATE idp_users SET password_hash = $1 WHERE username = $2', [passwordHash, username], { kind: 'idp-user', username });
  }

  async getTotpSecret(username: string): Promise<string | undefined> {
    const [row] = await this.#query<{ secret: string }>('SELECT secret FROM idp_totp WHERE username = $1', [username]);
    return row?.secret;
  }

  async setTotpSecret(username: string, secret: string, now: number): Promise<boolean> {
    const n = await this.#exec('INSERT INTO idp_totp (username, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (username) DO NOTHING', [username, secret, now]);
    return n === 1;
  }

  async clearTotpSecret(username: string): Promise<boolean> {
    return this.#writeNotify('DELETE FROM idp_totp WHERE username = $1', [username], { kind: 'idp-user', username });
  }

  async idpPayloadUpsert(record: IdpPayloadRecord, index: { grantId?: string | undefined; userCode?: string | undefined; uid?: string | undefined }): Promise<void> {
    await this.#query(
      `INSERT INTO idp_payloads (model, id, payload, expires_at, grant_id, user_code, uid) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at,
         grant_id = EXCLUDED.grant_id, user_code = EXCLUDED.user_code, uid = EXCLUDED.uid`,
      [record.model, record.id, JSON.stringify(record.payload), record.expiresAt ?? null, index.grantId ?? null, index.userCode ?? null, index.uid ?? null],
    );
  }

  async idpPayloadFind(model: string, id: string, now: number): Promise<IdpPayloadRecord | undefined> {
    const [row] = await this.#query<PayloadRow>('SELECT * FROM idp_payloads WHERE model = $1 AND id = $2', [model, id]);
    return toPayload(row, now);
  }

  async idpPayloadFindBy(model: string, key: 'userCode' | 'uid', value: string, now: number): Promise<IdpPayloadRecord | undefined> {
    const sql = key === 'userCode' ? 'SELECT * FROM idp_payloads WHERE model = $1 AND user_code = $2 LIMIT 1' : 'SELECT * FROM idp_payloads WHERE model = $1 AND uid = $2 LIMIT 1';
    const [row] = await this.#query<PayloadRow>(sql, [model, value]);
    return toPayload(row, now);
  }

  async idpPayloadConsume(model: string, id: string, now: number): Promise<void> {
    await this.#query('UPDATE idp_payloads SET consumed_at = $1 WHERE model = $2 AND id = $3', [Math.floor(now / 1000), model, id]);
  }

  async idpPayloadDestroy(model: string, id: string): Promise<void> {
    await this.#query('DELETE FROM idp_payloads WHERE model = $1 AND id = $2', [model, id]);
  }

  async idpPayloadRevokeByGrantId(grantId: string): Promise<void> {
    await this.#query('DELETE FROM idp_payloads WHERE grant_id = $1', [grantId]);
  }

  async idpPayloadAdvanceStep(model: string, id: string, step: number, expiresAt: number, now: number): Promise<boolean> {
    // One statement: ON CONFLICT locks the row, so of two nodes racing with one step, one wins.
    const n = await this.#exec(
      `INSERT INTO idp_payloads (model, id, payload, expires_at) VALUES ($1, $2, '{"step":' || $3::bigint || '}', $4)
       ON CONFLICT (model, id) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at
       WHERE (idp_payloads.payload::jsonb ->> 'step')::numeric < $3::bigint OR idp_payloads.expires_at <= $5`,
      [model, id, step, expiresAt, now],
    );
    return n === 1;
  }

  async markUsedOnce(scope: string, key: string, expiresAt: number, now: number): Promise<boolean> {
    const model = `used:${scope}`;
    // One statement decides (an expired record counts as absent), atomically across nodes.
    const n = await this.#exec(
      `INSERT INTO idp_payloads (model, id, payload, expires_at) VALUES ($1, $2, '{}', $3)
       ON CONFLICT (model, id) DO UPDATE SET expires_at = EXCLUDED.expires_at, payload = EXCLUDED.payload
       WHERE idp_payloads.expires_at <= $4`,
      [model, key, expiresAt, now],
    );
    // Housekeeping, best effort and outside the decision: expired records of the scope go.
    await this.#pool.query('DELETE FROM idp_payloads WHERE model = $1 AND expires_at <= $2', [model, now]).catch(() => undefined);
    return n === 1;
  }

  async idpPayloadSweep(now: number): Promise<number> {
    return this.#exec('DELETE FROM idp_payloads WHERE expires_at IS NOT NULL AND expires_at <= $1', [now]);
  }

  async touchDevice(id: string, now: number): Promise<void> {
    await this.#query('UPDATE devices SET last_seen_at = $1 WHERE id = $2', [now, id]);
  }

  async appendAudit(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    const column = <T>(pick: (e: AuditEvent) => T) => events.map(pick);
    // One statement for the batch: all or none, ids in the order given.
    await this.#query(
      `INSERT INTO audit (time, type, user_id, device, app, source, decision, reasons, detail)
       SELECT time, type, user_id, device, app, source, decision, reasons, detail
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) WITH ORDINALITY
         AS t(time, type, user_id, device, app, source, decision, reasons, detail, n)
       ORDER BY n`,
      [
        column((e) => e.time),
        column((e) => e.type),
        column((e) => e.user ?? null),
        column((e) => e.device ?? null),
        column((e) => e.app ?? null),
        column((e) => e.source ?? null),
        column((e) => e.decision ?? null),
        column((e) => (e.reasons === undefined ? null : JSON.stringify(e.reasons))),
        column((e) => (e.detail === undefined ? null : JSON.stringify(e.detail))),
      ],
    );
  }

  async queryAudit(query: AuditQuery): Promise<AuditEvent[]> {
    const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? AUDIT_PAGE_DEFAULT)), AUDIT_PAGE_MAX);
    const where = new Where();
    if (query.type !== undefined) where.add('type = ?', query.type);
    if (query.device !== undefined) where.add('device = ?', query.device);
    if (query.user !== undefined) where.add('user_id = ?', query.user);
    if (query.before !== undefined) where.add('id < ?', query.before);
    const rows = await this.#query<AuditRow>(`SELECT * FROM audit ${where.sql()} ORDER BY id DESC LIMIT ${where.param(limit)}`, where.args);
    return rows.map(toAuditEvent);
  }

  async savePosture(record: PostureRecord): Promise<void> {
    await this.#tx(async (c) => {
      await c.query('INSERT INTO posture_reports (device_id, received_at, report) VALUES ($1, $2, $3)', [record.deviceId, record.receivedAt, JSON.stringify(record.report)]);
      await c.query(
        `DELETE FROM posture_reports WHERE device_id = $1 AND id <= (
           SELECT id FROM posture_reports WHERE device_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
        [record.deviceId, POSTURE_HISTORY_PER_DEVICE],
      );
    });
  }

  async latestPosture(deviceId: string): Promise<PostureRecord | undefined> {
    const [row] = await this.#query<PostureRow>('SELECT * FROM posture_reports WHERE device_id = $1 ORDER BY id DESC LIMIT 1', [deviceId]);
    return row === undefined ? undefined : toPosture(row);
  }

  async postureHistory(deviceId: string, limit: number): Promise<PostureRecord[]> {
    const bounded = Math.min(Math.max(1, Math.trunc(limit)), POSTURE_HISTORY_PER_DEVICE);
    const rows = await this.#query<PostureRow>('SELECT * FROM posture_reports WHERE device_id = $1 ORDER BY id DESC LIMIT $2', [deviceId, bounded]);
    return rows.map(toPosture);
  }

  async createApiToken(token: ApiTokenRecord): Promise<void> {
    await this.#query('INSERT INTO api_tokens (id, secret_hash, name, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      token.id,
      token.secretHash,
      token.name,
      token.role,
      token.createdAt,
      token.expiresAt,
    ]);
  }

  async getApiToken(id: string): Promise<ApiTokenRecord | undefined> {
    const [row] = await this.#query<ApiTokenRow>('SELECT * FROM api_tokens WHERE id = $1', [id]);
    return row === undefined ? undefined : toApiToken(row);
  }

  async revokeApiToken(id: string, now: number): Promise<boolean> {
    return this.#writeNotify('UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now, id], { kind: 'api-token', id });
  }

  async listApiTokens(limit: number): Promise<ApiTokenRecord[]> {
    const bounded = Math.min(Math.max(1, Math.trunc(limit)), API_TOKENS_LIST_MAX);
    return (await this.#query<ApiTokenRow>('SELECT * FROM api_tokens ORDER BY created_at DESC, id DESC LIMIT $1', [bounded])).map(toApiToken);
  }

  async listLiveSessions(query: SessionQuery): Promise<LiveSession[]> {
    const where = new Where();
    where.add('s.revoked_at IS NULL');
    where.add('s.max_expires_at > ?', query.now);
    if (query.user !== undefined) where.add('s.user_id = ?', query.user);
    if (query.before !== undefined) where.add('s.seq < ?', query.before);
    const limit = Math.min(Math.max(1, Math.trunc(query.limit)), SESSIONS_PAGE_MAX);
    const rows = await this.#query<SessionRow & { hostname: string | null }>(
      `SELECT s.*, d.hostname AS hostname FROM sessions s LEFT JOIN devices d ON d.id = s.device_id
       ${where.sql()} ORDER BY s.seq DESC LIMIT ${where.param(limit)}`,
      where.args,
    );
    return rows.map((r) => ({ session: toSession(r), hostname: r.hostname ?? undefined, cursor: r.seq }));
  }

  async listCatalog(kind: CatalogKind): Promise<CatalogRecord[]> {
    const { table, key } = CATALOG_TABLES[kind];
    const rows = await this.#query<CatalogRow>(`SELECT ${key} AS id, definition, deleted, updated_at, updated_by FROM ${table} ORDER BY ${key}`);
    return rows.map((r) => ({
      id: r.id,
      definition: r.definition === null ? undefined : (JSON.parse(r.definition) as Record<string, unknown>),
      deleted: r.deleted,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    }));
  }

  async putCatalog(kind: CatalogKind, record: CatalogRecord): Promise<void> {
    const { table, key } = CATALOG_TABLES[kind];
    if (!record.deleted && record.definition === undefined) throw new TypeError('a live catalogue row needs a definition');
    await this.#writeNotify(
      `INSERT INTO ${table} (${key}, definition, deleted, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (${key}) DO UPDATE SET definition = EXCLUDED.definition, deleted = EXCLUDED.deleted,
         updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [record.id, record.deleted ? null : JSON.stringify(record.definition), record.deleted, record.updatedAt, record.updatedBy],
      { kind: 'catalog', catalog: kind, id: record.id },
    );
  }

  async searchDevices(query: DeviceSearch): Promise<Device[]> {
    const where = new Where();
    if (query.user !== undefined) where.add('user_id = ?', query.user);
    if (query.hostname !== undefined) where.add("hostname ILIKE ? ESCAPE '\\'", `%${query.hostname.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    if (query.status !== undefined) where.add('status = ?', query.status);
    if (query.before !== undefined) where.add('(created_at, id) < (SELECT created_at, id FROM devices WHERE id = ?)', query.before);
    const limit = Math.min(Math.max(1, Math.trunc(query.limit)), DEVICE_PAGE_MAX);
    const rows = await this.#query<DeviceRow>(`SELECT * FROM devices ${where.sql()} ORDER BY created_at DESC, id DESC LIMIT ${where.param(limit)}`, where.args);
    return rows.map(toDevice);
  }

  async latestSessionOfDevice(deviceId: string): Promise<SessionRecord | undefined> {
    const [row] = await this.#query<SessionRow>('SELECT * FROM sessions WHERE device_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, seq DESC LIMIT 1', [deviceId]);
    return row === undefined ? undefined : toSession(row);
  }

  async queryDecisions(query: DecisionQuery): Promise<AuditEvent[]> {
    const where = new Where();
    where.add("type IN ('stream.deny', 'stream.reset')");
    if (query.user !== undefined) where.add('user_id = ?', query.user);
    if (query.device !== undefined) where.add('device = ?', query.device);
    if (query.app !== undefined) where.add('app = ?', query.app);
    if (query.before !== undefined) where.add('id < ?', query.before);
    const limit = Math.min(Math.max(1, Math.trunc(query.limit)), AUDIT_PAGE_MAX);
    const rows = await this.#query<AuditRow>(`SELECT * FROM audit ${where.sql()} ORDER BY id DESC LIMIT ${where.param(limit)}`, where.args);
    return rows.map(toAuditEvent);
  }

  subscribe(listener: StoreChangeListener): () => void {
    return this.#changes.add(listener);
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#changes.clear();
      await this.#feed.stop();
      await this.#pool.end().catch(() => undefined);
    })();
    return this.#closing;
  }

  /** A write of one statement and its notification, in one transaction; true when a row changed. */
  async #writeNotify(sql: string, args: unknown[], change: StoreChange): Promise<boolean> {
    return this.#tx(async (c) => {
      const result = await c.query(sql, args);
      if (result.rowCount !== 1) return false;
      await this.#notify(c, change);
      return true;
    });
  }

  /** Queued with the transaction: PostgreSQL delivers it at commit, never before the data. */
  async #notify(c: Querier, change: StoreChange): Promise<void> {
    await c.query('SELECT pg_notify($1, $2)', [this.#channel, JSON.stringify(change)]);
  }

  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<R[]> {
    return this.#run(async () => (await this.#pool.query<R>(sql, args)).rows);
  }

  /** Runs a statement; returns how many rows it changed. */
  async #exec(sql: string, args: unknown[]): Promise<number> {
    return this.#run(async () => (await this.#pool.query(sql, args)).rowCount ?? 0);
  }

  async #tx<T>(fn: (c: Querier) => Promise<T>): Promise<T> {
    return this.#run(async () => {
      const client = await this.#pool.connect();
      let failure: Error | undefined;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        // The connection is discarded rather than rolled back: after a timeout it may still be
        // busy, and closing it makes the server roll back at once.
        failure = error instanceof Error ? error : new Error('transaction failed');
        throw error;
      } finally {
        client.release(failure);
      }
    });
  }

  async #run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw unavailable(cause, 'the store failed');
    }
  }
}

/** The configuration every connection of the store uses (pool, feed, migrations). */
function clientConfig(url: string, options: PostgresStoreOptions): pg.ClientConfig {
  return {
    connectionString: url,
    application_name: 'zerogate-proxy',
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    statement_timeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
    query_timeout: (options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS) + (QUERY_TIMEOUT_MS - STATEMENT_TIMEOUT_MS),
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    keepAlive: true,
    types: TYPES,
  };
}

function unavailable(cause: unknown, message: string): ZerogateError {
  if (isZerogateError(cause)) return cause;
  return new ZerogateError('ZG_ERR_STORE_UNAVAILABLE', message, { cause });
}

function hashHex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A signed 32-bit key for pg_advisory_xact_lock(int, int), per schema. */
function lockKey(schema: string, purpose: string): number {
  return Number.parseInt(hashHex(`${purpose}:${schema}`).slice(0, 8), 16) | 0;
}

/**
 * Runs the migrations this node knows, in one transaction under an advisory lock (two nodes
 * starting together: the second waits, then finds the schema current). Returns the schema the
 * tables live in.
 */
async function migrate(config: pg.ClientConfig): Promise<string> {
  const client = new pg.Client({ ...config, statement_timeout: MIGRATION_TIMEOUT_MS, query_timeout: MIGRATION_TIMEOUT_MS + 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    await client.end().catch(() => undefined);
    throw unavailable(cause, 'cannot connect to PostgreSQL (store.url)');
  }
  try {
    const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
    const schema = rows[0]?.schema ?? null;
    if (schema === null) throw new ZerogateError('ZG_ERR_STORE_UNAVAILABLE', 'no schema of the search_path exists in the PostgreSQL database: create it first');
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [LOCK_CLASS, lockKey(schema, 'migrate')]);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const current = (await client.query<{ version: number }>('SELECT version FROM schema_version')).rows[0]?.version ?? 0;
    if (current > PG_MIGRATIONS.length) {
      throw new ZerogateError(
        'ZG_ERR_STORE_SCHEMA_NEWER',
        `the store's schema is version ${current}, newer than this proxy knows (${PG_MIGRATIONS.length}): upgrade the proxy`,
      );
    }
    for (let v = current; v < PG_MIGRATIONS.length; v++) await client.query(PG_MIGRATIONS[v] as string);
    if (current < PG_MIGRATIONS.length) {
      await client.query('DELETE FROM schema_version');
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [PG_MIGRATIONS.length]);
    }
    await client.query('COMMIT');
    return schema;
  } catch (cause) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw unavailable(cause, 'the store could not be migrated');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The schema version this node knows (the number of PostgreSQL migrations). */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/**
 * The LISTEN side of the change feed: one dedicated connection (a pooled one would be handed
 * to queries). When it drops it reconnects with backoff and then emits `resync`, since
 * notifications sent meanwhile are lost.
 */
class ChangeFeed {
  readonly #config: pg.ClientConfig;
  readonly #channel: string;
  readonly #listeners: ChangeListeners;
  #client: pg.Client | undefined;
  #retryMs = FEED_RETRY_MIN_MS;
  #retryTimer: NodeJS.Timeout | undefined;
  #healthTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(config: pg.ClientConfig, channel: string, listeners: ChangeListeners) {
    this.#config = config;
    this.#channel = channel;
    this.#listeners = listeners;
  }

  async start(): Promise<void> {
    await this.#connect(false);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#healthTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(resync: boolean): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('error', () => this.#lost(client));
    client.on('end', () => this.#lost(client));
    client.on('notification', (message) => {
      if (message.channel !== this.#channel || message.payload === undefined) return;
      const change = parseChange(message.payload);
      if (change !== undefined) this.#listeners.emit(change);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.#channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#retryMs = FEED_RETRY_MIN_MS;
    this.#healthTimer = setInterval(() => void client.query('SELECT 1').catch(() => this.#lost(client)), FEED_HEALTH_MS);
    this.#healthTimer.unref();
    if (resync) this.#listeners.emit({ kind: 'resync' });
  }

  #lost(client: pg.Client): void {
    if (client !== this.#client) return;
    this.#client = undefined;
    clearInterval(this.#healthTimer);
    void client.end().catch(() => undefined);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopped || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect(true).catch(() => {
        this.#retryMs = Math.min(this.#retryMs * 2, FEED_RETRY_MAX_MS);
        this.#schedule();
      });
    }, this.#retryMs);
    this.#retryTimer.unref();
  }
}

/** `?` placeholders numbered as PostgreSQL wants them, with their arguments in order. */
class Where {
  readonly #clauses: string[] = [];
  readonly args: unknown[] = [];

  add(clause: string, ...values: unknown[]): void {
    let i = 0;
    this.#clauses.push(clause.replace(/\?/g, () => this.param(values[i++])));
  }

  /** Adds one argument; returns its placeholder. */
  param(value: unknown): string {
    this.args.push(value);
    return `$${this.args.length}`;
  }

  sql(): string {
    return this.#clauses.length === 0 ? '' : `WHERE ${this.#clauses.join(' AND ')}`;
  }
}

async function tokenVerdict(
  c: Querier,
  tokenId: string,
  secretHash: string,
  now: number,
  lock: boolean,
): Promise<{ ok: true; user: string } | { ok: false; refusal: TokenRefusal; user: string | undefined }> {
  const sql = `SELECT secret_hash, user_id, expires_at, used_at FROM enrollment_tokens WHERE id = $1${lock ? ' FOR UPDATE' : ''}`;
  const row = (await c.query<{ secret_hash: string; user_id: string; expires_at: number; used_at: number | null }>(sql, [tokenId])).rows[0];
  if (row === undefined || !sameHash(row.secret_hash, secretHash)) return { ok: false, refusal: 'token-unknown', user: undefined };
  if (row.used_at !== null) return { ok: false, refusal: 'token-used', user: row.user_id };
  if (row.expires_at <= now) return { ok: false, refusal: 'token-expired', user: row.user_id };
  return { ok: true, user: row.user_id };
}

async function insertDevice(c: Querier, d: Omit<Device, 'status' | 'lastSeenAt' | 'revokedAt'>): Promise<void> {
  await c.query(
    `INSERT INTO devices (id, user_id, hostname, status, created_at, cert_serial, cert_not_after, cert_fingerprint)
     VALUES ($1, $2, $3, 'active', $4, $5, $6, $7)`,
    [d.id, d.user, d.hostname, d.createdAt, d.certSerial, d.certNotAfter, d.certFingerprint],
  );
  await c.query('INSERT INTO certificates (serial, device_id, not_after) VALUES ($1, $2, $3)', [d.certSerial, d.id, d.certNotAfter]);
}

async function insertSession(c: Querier, s: SessionRecord): Promise<void> {
  await c.query(
    `INSERT INTO sessions (id, user_id, device_id, method, groups, amr, acr, auth_time, created_at, max_expires_at, token_expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [s.id, s.user, s.deviceId, s.method, JSON.stringify(s.groups), JSON.stringify(s.amr), s.acr ?? null, s.authTime, s.createdAt, s.maxExpiresAt, s.tokenExpiresAt],
  );
}

interface DeviceRow {
  id: string;
  user_id: string;
  hostname: string;
  status: 'active' | 'revoked';
  created_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
  cert_serial: string;
  cert_not_after: number;
  cert_fingerprint: string;
}

function toDevice(r: DeviceRow): Device {
  return {
    id: r.id,
    user: r.user_id,
    hostname: r.hostname,
    status: r.status,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at ?? undefined,
    revokedAt: r.revoked_at ?? undefined,
    certSerial: r.cert_serial,
    certNotAfter: r.cert_not_after,
    certFingerprint: r.cert_fingerprint,
  };
}

interface AuditRow {
  id: number;
  time: number;
  type: string;
  user_id: string | null;
  device: string | null;
  app: string | null;
  source: string | null;
  decision: 'allow' | 'deny' | null;
  reasons: string | null;
  detail: string | null;
}

function toAuditEvent(r: AuditRow): AuditEvent {
  return {
    id: r.id,
    time: r.time,
    type: r.type,
    user: r.user_id ?? undefined,
    device: r.device ?? undefined,
    app: r.app ?? undefined,
    source: r.source ?? undefined,
    decision: r.decision ?? undefined,
    reasons: r.reasons === null ? undefined : (JSON.parse(r.reasons) as string[]),
    detail: r.detail === null ? undefined : (JSON.parse(r.detail) as Record<string, unknown>),
  };
}

interface SessionRow {
  id: string;
  seq: number;
  user_id: string;
  device_id: string;
  method: 'idp' | 'token';
  groups: string;
  amr: string;
  acr: string | null;
  auth_time: number;
  created_at: number;
  max_expires_at: number;
  token_expires_at: number;
  revoked_at: number | null;
}

function toSession(r: SessionRow): SessionRecord {
  return {
    id: r.id,
    user: r.user_id,
    deviceId: r.device_id,
    method: r.method,
    groups: JSON.parse(r.groups) as string[],
    amr: JSON.parse(r.amr) as string[],
    acr: r.acr ?? undefined,
    authTime: r.auth_time,
    createdAt: r.created_at,
    maxExpiresAt: r.max_expires_at,
    tokenExpiresAt: r.token_expires_at,
    revokedAt: r.revoked_at ?? undefined,
  };
}

interface IdpUserRow {
  username: string;
  email: string;
  name: string | null;
  groups: string;
  password_hash: string;
  disabled: boolean;
  created_at: number;
}

function toIdpUser(r: IdpUserRow): IdpUserRecord {
  return {
    username: r.username,
    email: r.email,
    name: r.name ?? undefined,
    groups: JSON.parse(r.groups) as string[],
    passwordHash: r.password_hash,
    disabled: r.disabled,
    createdAt: r.created_at,
  };
}

interface PayloadRow {
  model: string;
  id: string;
  payload: string;
  expires_at: number | null;
  consumed_at: number | null;
}

/** An expired payload reads as absent; a consumed one carries `consumed` (seconds), as oidc-provider expects. */
function toPayload(row: PayloadRow | undefined, now: number): IdpPayloadRecord | undefined {
  if (row === undefined) return undefined;
  if (row.expires_at !== null && row.expires_at <= now) return undefined;
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  if (row.consumed_at !== null) payload.consumed = row.consumed_at;
  return { model: row.model, id: row.id, payload, expiresAt: row.expires_at ?? undefined };
}

interface PostureRow {
  device_id: string;
  received_at: number;
  report: string;
}

function toPosture(r: PostureRow): PostureRecord {
  return { deviceId: r.device_id, receivedAt: r.received_at, report: JSON.parse(r.report) as Record<string, unknown> };
}

interface ApiTokenRow {
  id: string;
  secret_hash: string;
  name: string;
  role: 'admin' | 'helpdesk';
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

function toApiToken(row: ApiTokenRow): ApiTokenRecord {
  return { id: row.id, secretHash: row.secret_hash, name: row.name, role: row.role, createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at ?? undefined };
}

interface CatalogRow {
  id: string;
  definition: string | null;
  deleted: boolean;
  updated_at: number;
  updated_by: string;
}

/** Compares two hex digests without an early exit. */
function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
