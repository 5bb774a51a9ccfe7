import Database from 'better-sqlite3';
import { ZerogateError } from '../../shared/errors.ts';
import { ChangeListeners } from './changes.ts';
import type {
  ApiTokenRecord,
  BrowserSessionRecord,
  DecisionQuery,
  DeviceSearch,
  TokenRefusal,
  AuditEvent,
  AuditQuery,
  CatalogKind,
  CatalogRecord,
  Device,
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
} from './types.ts';

/** Ordered schema migrations; index + 1 is the schema version. Never edit a released entry. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE devices (
     id TEXT PRIMARY KEY,
     user TEXT NOT NULL,
     hostname TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('active','revoked')),
     created_at INTEGER NOT NULL,
     last_seen_at INTEGER,
     revoked_at INTEGER,
     cert_serial TEXT NOT NULL,
     cert_not_after INTEGER NOT NULL,
     cert_fingerprint TEXT NOT NULL
   );
   CREATE INDEX devices_user ON devices(user);
   CREATE TABLE certificates (
     serial TEXT PRIMARY KEY,
     device_id TEXT NOT NULL REFERENCES devices(id),
     not_after INTEGER NOT NULL,
     revoked_at INTEGER,
     revoke_reason TEXT
   );
   CREATE INDEX certificates_device ON certificates(device_id);
   CREATE TABLE enrollment_tokens (
     id TEXT PRIMARY KEY,
     secret_hash TEXT NOT NULL,
     user TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     used_at INTEGER,
     used_by_device TEXT
   );
   CREATE TABLE audit (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     time INTEGER NOT NULL,
     type TEXT NOT NULL,
     user TEXT,
     device TEXT,
     app TEXT,
     source TEXT,
     decision TEXT,
     reasons TEXT,
     detail TEXT
   );
   CREATE INDEX audit_type ON audit(type, id);
   CREATE INDEX audit_device ON audit(device, id);`,
  // 2: revocations get a sequence number, so watchers never miss one (clock-independent).
  `CREATE TABLE revocations (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     device_id TEXT NOT NULL,
     revoked_at INTEGER NOT NULL
   );`,
  // 3: identity. Sessions (revocable, one per sign-in per device), embedded-IdP users and TOTP
  // secrets, the IdP's own models; a revocation may name one session instead of the device.
  `CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     user TEXT NOT NULL,
     device_id TEXT NOT NULL,
     method TEXT NOT NULL CHECK (method IN ('idp','token')),
     groups TEXT NOT NULL,
     amr TEXT NOT NULL,
     acr TEXT,
     auth_time INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     max_expires_at INTEGER NOT NULL,
     token_expires_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE INDEX sessions_user ON sessions(user);
   CREATE INDEX sessions_device ON sessions(device_id);
   ALTER TABLE revocations ADD COLUMN session_id TEXT;
   CREATE TABLE idp_users (
     username TEXT PRIMARY KEY,
     email TEXT NOT NULL,
     name TEXT,
     groups TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     disabled INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE idp_totp (
     username TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE idp_payloads (
     model TEXT NOT NULL,
     id TEXT NOT NULL,
     payload TEXT NOT NULL,
     expires_at INTEGER,
     grant_id TEXT,
     user_code TEXT,
     uid TEXT,
     consumed_at INTEGER,
     PRIMARY KEY (model, id)
   );
   CREATE INDEX idp_payloads_grant ON idp_payloads(grant_id);
   CREATE INDEX idp_payloads_user_code ON idp_payloads(model, user_code);
   CREATE INDEX idp_payloads_uid ON idp_payloads(model, uid);
   CREATE INDEX idp_payloads_expiry ON idp_payloads(expires_at);`,
  // 4: device posture reports, the latest and a bounded history per device.
  `CREATE TABLE posture_reports (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     device_id TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     report TEXT NOT NULL
   );
   CREATE INDEX posture_reports_device ON posture_reports(device_id, id);`,
  // 5: API tokens for automation (admin and helpdesk API); decisions searched by user and app.
  `CREATE TABLE api_tokens (
     id TEXT PRIMARY KEY,
     secret_hash TEXT NOT NULL,
     name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('admin','helpdesk')),
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE INDEX devices_created ON devices(created_at, id);
   CREATE INDEX audit_user ON audit(user, id);`,
  // 6: apps and policies written through the admin API, overlaying the config file's
  // (definitions as the admin wrote them; a tombstone hides a config entry).
  `CREATE TABLE catalog_apps (
     id TEXT PRIMARY KEY,
     definition TEXT,
     deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
     updated_at INTEGER NOT NULL,
     updated_by TEXT NOT NULL
   );
   CREATE TABLE catalog_policies (
     name TEXT PRIMARY KEY,
     definition TEXT,
     deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
     updated_at INTEGER NOT NULL,
     updated_by TEXT NOT NULL
   );`,
  // 7: console sign-ins in browsers, checked on every console and clientless request, so that
  // signing out or an admin's revocation ends them (and the apps cookies handed over from them).
  `CREATE TABLE browser_sessions (
     id TEXT PRIMARY KEY,
     user TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     revoked_at INTEGER
   );
   CREATE INDEX browser_sessions_user ON browser_sessions(user);
   CREATE INDEX browser_sessions_expires ON browser_sessions(expires_at);`,
];

/** The table of each catalogue kind (a fixed map: never SQL from input). */
const CATALOG_TABLES = {
  app: { table: 'catalog_apps', key: 'id' },
  policy: { table: 'catalog_policies', key: 'name' },
} as const;

/** Most API tokens one listing returns. */
export const API_TOKENS_LIST_MAX = 1000;
/** Most sessions one page of live sessions holds. */
export const SESSIONS_PAGE_MAX = 500;

/** Posture reports kept per device (the latest and its history). */
export const POSTURE_HISTORY_PER_DEVICE = 200;

/** Most revocations one watcher poll reads. */
export const REVOCATIONS_PAGE = 1000;

/** Default and maximum page size for audit queries. */
export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 1000;
/** Maximum page size for device searches. */
export const DEVICE_PAGE_MAX = 500;

interface DeviceRow {
  id: string;
  user: string;
  hostname: string;
  status: 'active' | 'revoked';
  created_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
  cert_serial: string;
  cert_not_after: number;
  cert_fingerprint: string;
}

interface AuditRow {
  id: number;
  time: number;
  type: string;
  user: string | null;
  device: string | null;
  app: string | null;
  source: string | null;
  decision: 'allow' | 'deny' | null;
  reasons: string | null;
  detail: string | null;
}

/**
 * The embedded store: one SQLite file in the data dir, WAL mode. Calls are synchronous inside
 * better-sqlite3 and exposed through the asynchronous {@link Store} contract. Its change feed is
 * in-process (emitted after the commit): several proxy nodes on one SQLite file are not
 * supported (they would not learn about each other's changes at once); use PostgreSQL.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #changes = new ChangeListeners();

  private constructor(db: Database.Database) {
    this.#db = db;
  }

  /** Opens (creating if needed) and migrates the database at `file` (`:memory:` for tests). */
  static open(file: string): SqliteStore {
    let db: Database.Database;
    try {
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    } catch (cause) {
      throw new ZerogateError('ZG_ERR_STORE_UNAVAILABLE', `cannot open the store at ${file}`, { cause });
    }
    migrate(db);
    return new SqliteStore(db);
  }

  async createEnrollmentToken(token: EnrollmentTokenRecord): Promise<void> {
    this.#run(() =>
      this.#stmt(
          'INSERT INTO enrollment_tokens (id, secret_hash, user, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(token.id, token.secretHash, token.user, token.createdAt, token.expiresAt),
    );
  }

  async checkEnrollmentToken(tokenId: string, secretHash: string, now: number) {
    return this.#run(() => this.#tokenVerdict(tokenId, secretHash, now));
  }

  #tokenVerdict(
    tokenId: string,
    secretHash: string,
    now: number,
  ): { ok: true; user: string } | { ok: false; refusal: TokenRefusal; user: string | undefined } {
    const row = this.#stmt('SELECT secret_hash, user, expires_at, used_at FROM enrollment_tokens WHERE id = ?').get(tokenId) as
      | { secret_hash: string; user: string; expires_at: number; used_at: number | null }
      | undefined;
    if (row === undefined || !sameHash(row.secret_hash, secretHash)) return { ok: false, refusal: 'token-unknown', user: undefined };
    if (row.used_at !== null) return { ok: false, refusal: 'token-used', user: row.user };
    if (row.expires_at <= now) return { ok: false, refusal: 'token-expired', user: row.user };
    return { ok: true, user: row.user };
  }

  async enrollDevice(input: EnrollInput): Promise<EnrollResult> {
    return this.#run(() =>
      this.#db.transaction((): EnrollResult => {
        const verdict = this.#tokenVerdict(input.tokenId, input.secretHash, input.now);
        if (!verdict.ok) return verdict;
        const row = { user: verdict.user };
        const d = input.device;
        this.#stmt('UPDATE enrollment_tokens SET used_at = ?, used_by_device = ? WHERE id = ? AND used_at IS NULL')
          .run(input.now, d.id, input.tokenId);
        this.#stmt(
            `INSERT INTO devices (id, user, hostname, status, created_at, cert_serial, cert_not_after, cert_fingerprint)
             VALUES (?, ?, ?, 'active', ?, ?, ?, ?)`,
          )
          .run(d.id, row.user, d.hostname, d.createdAt, d.certSerial, d.certNotAfter, d.certFingerprint);
        this.#stmt('INSERT INTO certificates (serial, device_id, not_after) VALUES (?, ?, ?)')
          .run(d.certSerial, d.id, d.certNotAfter);
        if (input.session !== undefined) this.#insertSession({ ...input.session, user: row.user });
        return {
          ok: true,
          device: { ...d, user: row.user, status: 'active', lastSeenAt: undefined, revokedAt: undefined },
        };
      })(),
    );
  }

  async getDevice(id: string): Promise<Device | undefined> {
    const row = this.#run(() => this.#stmt('SELECT * FROM devices WHERE id = ?').get(id)) as
      | DeviceRow
      | undefined;
    return row === undefined ? undefined : toDevice(row);
  }

  async listDevices(filter: { user?: string } = {}): Promise<Device[]> {
    const rows = this.#run(() =>
      filter.user === undefined
        ? this.#stmt('SELECT * FROM devices ORDER BY created_at').all()
        : this.#stmt('SELECT * FROM devices WHERE user = ? ORDER BY created_at').all(filter.user),
    ) as DeviceRow[];
    return rows.map(toDevice);
  }

  async revokeDevice(id: string, now: number, reason: string): Promise<boolean> {
    return this.#run(() =>
      this.#db.transaction(() => {
        const changed = this.#stmt("UPDATE devices SET status = 'revoked', revoked_at = ? WHERE id = ? AND status = 'active'")
          .run(now, id).changes;
        this.#stmt('UPDATE certificates SET revoked_at = ?, revoke_reason = ? WHERE device_id = ? AND revoked_at IS NULL')
          .run(now, reason, id);
        if (changed === 1) this.#stmt('INSERT INTO revocations (device_id, revoked_at) VALUES (?, ?)').run(id, now);
        return changed === 1;
      })(),
      (revoked) => (revoked ? { kind: 'revocation' } : undefined),
    );
  }

  async isSerialRevoked(serial: string): Promise<boolean> {
    const row = this.#run(() =>
      this.#stmt('SELECT revoked_at FROM certificates WHERE serial = ?').get(serial),
    ) as { revoked_at: number | null } | undefined;
    // A serial we never issued is treated as revoked: fail closed.
    return row === undefined || row.revoked_at !== null;
  }

  async revocationsAfter(seq: number): Promise<RevocationEntry[]> {
    const rows = this.#run(() =>
      this.#stmt('SELECT seq, device_id, session_id FROM revocations WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, REVOCATIONS_PAGE),
    ) as { seq: number; device_id: string; session_id: string | null }[];
    return rows.map((r) => (r.session_id === null ? { seq: r.seq, deviceId: r.device_id } : { seq: r.seq, deviceId: r.device_id, sessionId: r.session_id }));
  }

  async enrollDeviceForUser(device: Omit<Device, 'status' | 'lastSeenAt' | 'revokedAt'>, session: SessionRecord): Promise<Device> {
    return this.#run(() =>
      this.#db.transaction((): Device => {
        this.#stmt(
            `INSERT INTO devices (id, user, hostname, status, created_at, cert_serial, cert_not_after, cert_fingerprint)
             VALUES (?, ?, ?, 'active', ?, ?, ?, ?)`,
          )
          .run(device.id, device.user, device.hostname, device.createdAt, device.certSerial, device.certNotAfter, device.certFingerprint);
        this.#stmt('INSERT INTO certificates (serial, device_id, not_after) VALUES (?, ?, ?)').run(device.certSerial, device.id, device.certNotAfter);
        this.#insertSession(session);
        return { ...device, status: 'active', lastSeenAt: undefined, revokedAt: undefined };
      })(),
    );
  }

  async createSession(session: SessionRecord): Promise<void> {
    this.#run(() => this.#insertSession(session));
  }

  #insertSession(s: SessionRecord): void {
    this.#stmt(
        `INSERT INTO sessions (id, user, device_id, method, groups, amr, acr, auth_time, created_at, max_expires_at, token_expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.id, s.user, s.deviceId, s.method, JSON.stringify(s.groups), JSON.stringify(s.amr), s.acr ?? null, s.authTime, s.createdAt, s.maxExpiresAt, s.tokenExpiresAt);
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const row = this.#run(() => this.#stmt('SELECT * FROM sessions WHERE id = ?').get(id)) as SessionRow | undefined;
    return row === undefined ? undefined : toSession(row);
  }

  async renewSession(id: string, update: { authTime: number; groups: string[]; amr: string[]; acr: string | undefined; tokenExpiresAt: number }): Promise<boolean> {
    return this.#run(
      () =>
        this.#stmt('UPDATE sessions SET auth_time = ?, groups = ?, amr = ?, acr = ?, token_expires_at = ? WHERE id = ? AND revoked_at IS NULL')
          .run(update.authTime, JSON.stringify(update.groups), JSON.stringify(update.amr), update.acr ?? null, update.tokenExpiresAt, id).changes === 1,
    );
  }

  async revokeSession(id: string, now: number): Promise<boolean> {
    return this.#run(() =>
      this.#db.transaction(() => {
        const row = this.#stmt('SELECT device_id FROM sessions WHERE id = ? AND revoked_at IS NULL').get(id) as { device_id: string } | undefined;
        if (row === undefined) return false;
        this.#stmt('UPDATE sessions SET revoked_at = ? WHERE id = ?').run(now, id);
        this.#stmt('INSERT INTO revocations (device_id, revoked_at, session_id) VALUES (?, ?, ?)').run(row.device_id, now, id);
        return true;
      })(),
      (revoked) => (revoked ? { kind: 'revocation' } : undefined),
    );
  }

  async revokeUserSessions(user: string, now: number): Promise<number> {
    return this.#run(() =>
      this.#db.transaction(() => {
        const rows = this.#stmt('SELECT id, device_id FROM sessions WHERE user = ? AND revoked_at IS NULL').all(user) as { id: string; device_id: string }[];
        for (const row of rows) {
          this.#stmt('UPDATE sessions SET revoked_at = ? WHERE id = ?').run(now, row.id);
          this.#stmt('INSERT INTO revocations (device_id, revoked_at, session_id) VALUES (?, ?, ?)').run(row.device_id, now, row.id);
        }
        return rows.length;
      })(),
      (n) => (n > 0 ? { kind: 'revocation' } : undefined),
    );
  }

  async createBrowserSession(session: BrowserSessionRecord, now: number): Promise<void> {
    this.#run(() =>
      this.#db.transaction(() => {
        this.#stmt('DELETE FROM browser_sessions WHERE expires_at <= ?').run(now);
        this.#stmt('INSERT INTO browser_sessions (id, user, created_at, expires_at) VALUES (?, ?, ?, ?)').run(session.id, session.user, session.createdAt, session.expiresAt);
      })(),
    );
  }

  async browserSessionLive(id: string, now: number): Promise<boolean> {
    return this.#run(() => this.#stmt('SELECT 1 FROM browser_sessions WHERE id = ? AND revoked_at IS NULL AND expires_at > ?').get(id, now)) !== undefined;
  }

  async revokeBrowserSession(id: string, now: number): Promise<boolean> {
    return this.#run(() => this.#stmt('UPDATE browser_sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND expires_at > ?').run(now, id, now).changes === 1);
  }

  async revokeUserBrowserSessions(user: string, now: number): Promise<number> {
    return this.#run(() => this.#stmt('UPDATE browser_sessions SET revoked_at = ? WHERE user = ? AND revoked_at IS NULL AND expires_at > ?').run(now, user, now).changes);
  }

  async getIdpUser(username: string): Promise<IdpUserRecord | undefined> {
    const row = this.#run(() => this.#stmt('SELECT * FROM idp_users WHERE username = ?').get(username)) as IdpUserRow | undefined;
    return row === undefined ? undefined : toIdpUser(row);
  }

  async addIdpUser(user: IdpUserRecord): Promise<boolean> {
    return this.#run(
      () =>
        this.#stmt(
            `INSERT INTO idp_users (username, email, name, groups, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (username) DO NOTHING`,
          )
          .run(user.username, user.email, user.name ?? null, JSON.stringify(user.groups), user.passwordHash, user.disabled ? 1 : 0, user.createdAt).changes === 1,
    );
  }

  async listIdpUsers(): Promise<IdpUserRecord[]> {
    const rows = this.#run(() => this.#stmt('SELECT * FROM idp_users ORDER BY username').all()) as IdpUserRow[];
    return rows.map(toIdpUser);
  }

  async setIdpUserDisabled(username: string, disabled: boolean): Promise<boolean> {
    return this.#run(
      () => this.#stmt('UPDATE idp_users SET disabled = ? WHERE username = ?').run(disabled ? 1 : 0, username).changes === 1,
      (changed) => (changed ? { kind: 'idp-user', username } : undefined),
    );
  }

  async setIdpUserPassword(username: string, passwordHash: string): Promise<boolean> {
    return this.#run(
      () => this.#stmt('UPDATE idp_users SET password_hash = ? WHERE username = ?').run(passwordHash, username).changes === 1,
      (changed) => (changed ? { kind: 'idp-user', username } : undefined),
    );
  }

  async getTotpSecret(username: string): Promise<string | undefined> {
    const row = this.#run(() => this.#stmt('SELECT secret FROM idp_totp WHERE username = ?').get(username)) as { secret: string } | undefined;
    return row?.secret;
  }

  async setTotpSecret(username: string, secret: string, now: number): Promise<boolean> {
    return this.#run(
      () => this.#stmt('INSERT INTO idp_totp (username, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (username) DO NOTHING').run(username, secret, now).changes === 1,
    );
  }

  async clearTotpSecret(username: string): Promise<boolean> {
    return this.#run(
      () => this.#stmt('DELETE FROM idp_totp WHERE username = ?').run(username).changes === 1,
      (changed) => (changed ? { kind: 'idp-user', username } : undefined),
    );
  }

  async idpPayloadUpsert(record: IdpPayloadRecord, index: { grantId?: string | undefined; userCode?: string | undefined; uid?: string | undefined }): Promise<void> {
    this.#run(() =>
      this.#stmt(
          `INSERT INTO idp_payloads (model, id, payload, expires_at, grant_id, user_code, uid) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, expires_at = excluded.expires_at,
             grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid`,
        )
        .run(record.model, record.id, JSON.stringify(record.payload), record.expiresAt ?? null, index.grantId ?? null, index.userCode ?? null, index.uid ?? null),
    );
  }

  async idpPayloadFind(model: string, id: string, now: number): Promise<IdpPayloadRecord | undefined> {
    const row = this.#run(() => this.#stmt('SELECT * FROM idp_payloads WHERE model = ? AND id = ?').get(model, id)) as PayloadRow | undefined;
    return toPayload(row, now);
  }

  async idpPayloadFindBy(model: string, key: 'userCode' | 'uid', value: string, now: number): Promise<IdpPayloadRecord | undefined> {
    const sql = key === 'userCode' ? 'SELECT * FROM idp_payloads WHERE model = ? AND user_code = ?' : 'SELECT * FROM idp_payloads WHERE model = ? AND uid = ?';
    const row = this.#run(() => this.#stmt(sql).get(model, value)) as PayloadRow | undefined;
    return toPayload(row, now);
  }

  async idpPayloadConsume(model: string, id: string, now: number): Promise<void> {
    this.#run(() => this.#stmt('UPDATE idp_payloads SET consumed_at = ? WHERE model = ? AND id = ?').run(Math.floor(now / 1000), model, id));
  }

  async idpPayloadDestroy(model: string, id: string): Promise<void> {
    this.#run(() => this.#stmt('DELETE FROM idp_payloads WHERE model = ? AND id = ?').run(model, id));
  }

  async idpPayloadRevokeByGrantId(grantId: string): Promise<void> {
    this.#run(() => this.#stmt('DELETE FROM idp_payloads WHERE grant_id = ?').run(grantId));
  }

  async idpPayloadAdvanceStep(model: string, id: string, step: number, expiresAt: number, now: number): Promise<boolean> {
    return this.#run(
      () =>
        this.#stmt(
            `INSERT INTO idp_payloads (model, id, payload, expires_at) VALUES (?, ?, json_object('step', ?), ?)
             ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, expires_at = excluded.expires_at
             WHERE json_extract(idp_payloads.payload, '$.step') < ? OR idp_payloads.expires_at <= ?`,
          )
          .run(model, id, step, expiresAt, step, now).changes === 1,
    );
  }

  async markUsedOnce(scope: string, key: string, expiresAt: number, now: number): Promise<boolean> {
    const model = `used:${scope}`;
    return this.#run(() =>
      this.#db.transaction(() => {
        this.#stmt('DELETE FROM idp_payloads WHERE model = ? AND expires_at <= ?').run(model, now);
        return (
          this.#stmt("INSERT INTO idp_payloads (model, id, payload, expires_at) VALUES (?, ?, '{}', ?) ON CONFLICT (model, id) DO NOTHING").run(model, key, expiresAt)
            .changes === 1
        );
      })(),
    );
  }

  async idpPayloadSweep(now: number): Promise<number> {
    return this.#run(() => this.#stmt('DELETE FROM idp_payloads WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now).changes);
  }

  async touchDevice(id: string, now: number): Promise<void> {
    this.#run(() => this.#stmt('UPDATE devices SET last_seen_at = ? WHERE id = ?').run(now, id));
  }

  async appendAudit(events: readonly AuditEvent[]): Promise<void> {
    if (events.length === 0) return;
    this.#run(() =>
      this.#db.transaction(() => {
        const insert = this.#stmt(
          `INSERT INTO audit (time, type, user, device, app, source, decision, reasons, detail)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        for (const event of events) {
          insert.run(
            event.time,
            event.type,
            event.user ?? null,
            event.device ?? null,
            event.app ?? null,
            event.source ?? null,
            event.decision ?? null,
            event.reasons === undefined ? null : JSON.stringify(event.reasons),
            event.detail === undefined ? null : JSON.stringify(event.detail),
          );
        }
      })(),
    );
  }

  async queryAudit(query: AuditQuery): Promise<AuditEvent[]> {
    const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? AUDIT_PAGE_DEFAULT)), AUDIT_PAGE_MAX);
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.type !== undefined) (where.push('type = ?'), args.push(query.type));
    if (query.device !== undefined) (where.push('device = ?'), args.push(query.device));
    if (query.user !== undefined) (where.push('user = ?'), args.push(query.user));
    if (query.before !== undefined) (where.push('id < ?'), args.push(query.before));
    const sql = `SELECT * FROM audit ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.#run(() => this.#stmt(sql).all(...args, limit)) as AuditRow[];
    return rows.map(toAuditEvent);
  }

  async savePosture(record: PostureRecord): Promise<void> {
    this.#run(() =>
      this.#db.transaction(() => {
        this.#stmt('INSERT INTO posture_reports (device_id, received_at, report) VALUES (?, ?, ?)').run(record.deviceId, record.receivedAt, JSON.stringify(record.report));
        this.#stmt(
            `DELETE FROM posture_reports WHERE device_id = ? AND id <= (
               SELECT id FROM posture_reports WHERE device_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
          )
          .run(record.deviceId, record.deviceId, POSTURE_HISTORY_PER_DEVICE);
      })(),
    );
  }

  async latestPosture(deviceId: string): Promise<PostureRecord | undefined> {
    const row = this.#run(() => this.#stmt('SELECT * FROM posture_reports WHERE device_id = ? ORDER BY id DESC LIMIT 1').get(deviceId)) as PostureRow | undefined;
    return row === undefined ? undefined : toPosture(row);
  }

  async postureHistory(deviceId: string, limit: number): Promise<PostureRecord[]> {
    const rows = this.#run(() =>
      this.#stmt('SELECT * FROM posture_reports WHERE device_id = ? ORDER BY id DESC LIMIT ?').all(deviceId, Math.min(Math.max(1, Math.trunc(limit)), POSTURE_HISTORY_PER_DEVICE)),
    ) as PostureRow[];
    return rows.map(toPosture);
  }

  async createApiToken(token: ApiTokenRecord): Promise<void> {
    this.#run(() =>
      this.#stmt('INSERT INTO api_tokens (id, secret_hash, name, role, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(token.id, token.secretHash, token.name, token.role, token.createdAt, token.expiresAt),
    );
  }

  async getApiToken(id: string): Promise<ApiTokenRecord | undefined> {
    const row = this.#run(() => this.#stmt('SELECT * FROM api_tokens WHERE id = ?').get(id)) as ApiTokenRow | undefined;
    return row === undefined ? undefined : toApiToken(row);
  }

  async revokeApiToken(id: string, now: number): Promise<boolean> {
    return this.#run(
      () => this.#stmt('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes === 1,
      (changed) => (changed ? { kind: 'api-token', id } : undefined),
    );
  }

  async listApiTokens(limit: number): Promise<ApiTokenRecord[]> {
    const bounded = Math.min(Math.max(1, Math.trunc(limit)), API_TOKENS_LIST_MAX);
    const rows = this.#run(() => this.#stmt('SELECT * FROM api_tokens ORDER BY created_at DESC, id DESC LIMIT ?').all(bounded)) as ApiTokenRow[];
    return rows.map(toApiToken);
  }

  async listLiveSessions(query: SessionQuery): Promise<LiveSession[]> {
    const where = ['s.revoked_at IS NULL', 's.max_expires_at > ?'];
    const args: (string | number)[] = [query.now];
    if (query.user !== undefined) (where.push('s.user = ?'), args.push(query.user));
    if (query.before !== undefined) (where.push('s.rowid < ?'), args.push(query.before));
    const limit = Math.min(Math.max(1, Math.trunc(query.limit)), SESSIONS_PAGE_MAX);
    const sql = `SELECT s.rowid AS cursor, s.*, d.hostname AS hostname FROM sessions s LEFT JOIN devices d ON d.id = s.device_id
                 WHERE ${where.join(' AND ')} ORDER BY s.rowid DESC LIMIT ?`;
    const rows = this.#run(() => this.#stmt(sql).all(...args, limit)) as (SessionRow & { cursor: number; hostname: string | null })[];
    return rows.map((r) => ({ session: toSession(r), hostname: r.hostname ?? undefined, cursor: r.cursor }));
  }

  async listCatalog(kind: CatalogKind): Promise<CatalogRecord[]> {
    const { table, key } = CATALOG_TABLES[kind];
    const rows = this.#run(() => this.#stmt(`SELECT ${key} AS id, definition, deleted, updated_at, updated_by FROM ${table} ORDER BY ${key}`).all()) as CatalogRow[];
    return rows.map((r) => ({
      id: r.id,
      definition: r.definition === null ? undefined : (JSON.parse(r.definition) as Record<string, unknown>),
      deleted: r.deleted === 1,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    }));
  }

  async putCatalog(kind: CatalogKind, record: CatalogRecord): Promise<void> {
    const { table, key } = CATALOG_TABLES[kind];
    if (!record.deleted && record.definition === undefined) throw new TypeError('a live catalogue row needs a definition');
    this.#run(() =>
      this.#stmt(
          `INSERT INTO ${table} (${key}, definition, deleted, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (${key}) DO UPDATE SET definition = excluded.definition, deleted = excluded.deleted,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
        )
        .run(record.id, record.deleted ? null : JSON.stringify(record.definition), record.deleted ? 1 : 0, record.updatedAt, record.updatedBy),
      () => ({ kind: 'catalog', catalog: kind, id: record.id }),
    );
  }

  async searchDevices(query: DeviceSearch): Promise<Device[]> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (query.user !== undefined) (where.push('user = ?'), args.push(query.user));
    if (query.hostname !== undefined) (where.push("hostname LIKE ? ESCAPE '\\'"), args.push(`%${query.hostname.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    if (query.status !== undefined) (where.push('status = ?'), args.push(query.status));
    if (query.before !== undefined) {
      where.push('(created_at, id) < (SELECT created_at, id FROM devices WHERE id = ?)');
      args.push(query.before);
    }
    const limit = Math.min(Math.max(1, Math.trunc(query.limit)), DEVICE_PAGE_MAX);
    const sql = `SELECT * FROM devices ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    const rows = this.#run(() => this.#stmt(sql).all(...args, limit)) as DeviceRow[];
    return rows.map(toDevice);
  }

  async latestSessionOfDevice(deviceId: string): Promise<SessionRecord | undefined> {
    const row = this.#run(() =>
      this.#stmt('SELECT * FROM sessions WHERE device_id = ? AND revoked_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1').get(deviceId),
    ) as SessionRow | undefined;
    return row === undefined ? undefined : toSession(row);
  }

  async queryDecisions(query: DecisionQuery): Promise<AuditEvent[]> {
    const where = ["type IN ('stream.deny', 'stream.reset')"];
    const args: (string | number)[] = [];
    if (query.user !== undefined) (where.push('user = ?'), args.push(query.user));
    if (query.device !== undefined) (where.push('device = ?'), args.push(query.device));
    if (query.app !== undefined) (where.push('app = ?'), args.push(query.app));
    if (query.before !== undefined) (where.push('id < ?'), args.push(query.before));
    const limit = Math.min(Math.max(1, Math.trunc(query.limit)), AUDIT_PAGE_MAX);
    const rows = this.#run(() => this.#stmt(`SELECT * FROM audit WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...args, limit)) as AuditRow[];
    return rows.map(toAuditEvent);
  }

  async ping(): Promise<void> {
    this.#run(() => this.#stmt('SELECT 1').get());
  }

  subscribe(listener: StoreChangeListener): () => void {
    return this.#changes.add(listener);
  }

  async close(): Promise<void> {
    this.#changes.clear();
    if (this.#db.open) this.#db.close();
  }

  /** Prepared statements, compiled once per SQL text (the set is small and fixed). */
  #stmt(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) this.#statements.set(sql, (statement = this.#db.prepare(sql)));
    return statement;
  }

  /** Runs `fn`; after it committed, emits the change `change` derives from its result, if any. */
  #run<T>(fn: () => T, change?: (result: T) => StoreChange | undefined): T {
    let result: T;
    try {
      result = fn();
    } catch (cause) {
      throw new ZerogateError('ZG_ERR_STORE_UNAVAILABLE', 'the store failed', { cause });
    }
    const happened = change?.(result);
    if (happened !== undefined) this.#changes.emit(happened);
    return result;
  }
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
  deleted: number;
  updated_at: number;
  updated_by: string;
}

function toAuditEvent(r: AuditRow): AuditEvent {
  return {
    id: r.id,
    time: r.time,
    type: r.type,
    user: r.user ?? undefined,
    device: r.device ?? undefined,
    app: r.app ?? undefined,
    source: r.source ?? undefined,
    decision: r.decision ?? undefined,
    reasons: r.reasons === null ? undefined : (JSON.parse(r.reasons) as string[]),
    detail: r.detail === null ? undefined : (JSON.parse(r.detail) as Record<string, unknown>),
  };
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > MIGRATIONS.length) {
    db.close();
    throw new ZerogateError(
      'ZG_ERR_STORE_SCHEMA_NEWER',
      `the store's schema is version ${current}, newer than this proxy knows (${MIGRATIONS.length}): upgrade the proxy`,
    );
  }
  db.transaction(() => {
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
    db.prepare('DELETE FROM schema_version').run();
    db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(MIGRATIONS.length);
  })();
}

interface PostureRow {
  device_id: string;
  received_at: number;
  report: string;
}

function toPosture(r: PostureRow): PostureRecord {
  return { deviceId: r.device_id, receivedAt: r.received_at, report: JSON.parse(r.report) as Record<string, unknown> };
}

interface SessionRow {
  id: string;
  user: string;
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
    user: r.user,
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
  disabled: number;
  created_at: number;
}

function toIdpUser(r: IdpUserRow): IdpUserRecord {
  return {
    username: r.username,
    email: r.email,
    name: r.name ?? undefined,
    groups: JSON.parse(r.groups) as string[],
    passwordHash: r.password_hash,
    disabled: r.disabled === 1,
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

function toDevice(r: DeviceRow): Device {
  return {
    id: r.id,
    user: r.user,
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

/** Compares two hex digests without an early exit. */
function sameHash(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
