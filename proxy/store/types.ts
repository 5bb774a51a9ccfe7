/**
 * The store holds everything that must survive a restart and be shared between proxy nodes:
 * devices, certificate serials and revocations, enrolment tokens and the audit trail.
 * SQLite is the embedded default; the interface is asynchronous so that a networked store
 * (PostgreSQL) implements the same contract.
 */

export type DeviceStatus = 'active' | 'revoked';

export interface Device {
  id: string;
  user: string;
  hostname: string;
  status: DeviceStatus;
  createdAt: number;
  lastSeenAt: number | undefined;
  revokedAt: number | undefined;
  /** The serial of the newest certificate issued to this device. */
  certSerial: string;
  certNotAfter: number;
  certFingerprint: string;
}

export interface EnrollmentTokenRecord {
  id: string;
  /** SHA-256 of the token's secret part, hex. The secret itself is never stored. */
  secretHash: string;
  user: string;
  createdAt: number;
  expiresAt: number;
}

export type TokenRefusal = 'token-unknown' | 'token-expired' | 'token-used';

export interface EnrollInput {
  tokenId: string;
  secretHash: string;
  now: number;
  device: Omit<Device, 'user' | 'status' | 'lastSeenAt' | 'revokedAt'>;
  /** The device's first session, recorded in the same transaction; its user is the token's. */
  session?: Omit<SessionRecord, 'user'>;
}

export type EnrollResult = { ok: true; device: Device } | { ok: false; refusal: TokenRefusal; user: string | undefined };

export interface AuditEvent {
  /** Assigned by the store. */
  id?: number;
  time: number;
  type: string;
  user?: string | undefined;
  device?: string | undefined;
  app?: string | undefined;
  source?: string | undefined;
  decision?: 'allow' | 'deny' | undefined;
  reasons?: string[] | undefined;
  /** Secret-free structured detail: codes, byte counts, stream ids. */
  detail?: Record<string, unknown> | undefined;
}

export interface AuditQuery {
  type?: string;
  device?: string;
  user?: string;
  limit?: number;
  /** Return events with id below this (pagination, newest first). */
  before?: number;
}

/** A user of the embedded IdP kept in the store (config users are not copied here). */
export interface IdpUserRecord {
  username: string;
  email: string;
  name: string | undefined;
  groups: string[];
  /** `scrypt$...` (see proxy/identity/idp); never a plain password. */
  passwordHash: string;
  disabled: boolean;
  createdAt: number;
}

/**
 * One oidc-provider model instance (session, grant, code, refresh token, device code, ...),
 * stored for the embedded IdP's adapter so that sign-ins and refresh tokens survive a restart.
 */
export interface IdpPayloadRecord {
  model: string;
  id: string;
  /** The model's JSON payload, as oidc-provider hands it over. */
  payload: Record<string, unknown>;
  /** ms since the epoch; undefined: no expiry. */
  expiresAt: number | undefined;
}

/** A signed-in session of one user on one device (DESIGN.md §3: the proxy's session token). */
export interface SessionRecord {
  id: string;
  user: string;
  deviceId: string;
  /** `idp` for an OIDC sign-in; `token` for a device enrolled with a one-time token (no IdP). */
  method: 'idp' | 'token';
  groups: string[];
  amr: string[];
  acr: string | undefined;
  /** When the user last authenticated at the IdP (ID token `auth_time`), ms. */
  authTime: number;
  createdAt: number;
  /** The hard end of the session (`identity.session.maxAge` after sign-in), ms. */
  maxExpiresAt: number;
  /** Expiry of the newest session token issued, ms. */
  tokenExpiresAt: number;
  revokedAt: number | undefined;
}

/**
 * A console sign-in in a browser. The console's cookie and every clientless apps cookie handed
 * over from it name it by `id`; it is checked on every request, so signing out, or an admin
 * ending the user's sessions, ends all of them at once on every node.
 */
export interface BrowserSessionRecord {
  /** Random, 32 bytes base64url: a credential's handle, never shown. */
  id: string;
  user: string;
  createdAt: number;
  /** The console cookie's expiry, ms: the hard end of the session and its apps cookies. */
  expiresAt: number;
}

/** A revocation, in store order: a device (all its sessions) or one session. */
export interface RevocationEntry {
  seq: number;
  deviceId: string;
  /** Set when one session, not the whole device, was revoked. */
  sessionId?: string | undefined;
}

/** A posture report as stored: the report (already validated) and when the proxy got it. */
export interface PostureRecord {
  deviceId: string;
  /** ms since the epoch, the proxy's clock. */
  receivedAt: number;
  report: Record<string, unknown>;
}

/** Roles an admin API token can carry (DESIGN.md §3: admin and helpdesk). */
export type ApiRole = 'admin' | 'helpdesk';

/** An API token for automation (`zga_<id>_<secret>`); only the SHA-256 of its secret is kept. */
export interface ApiTokenRecord {
  id: string;
  /** SHA-256 of the token's secret part, hex. */
  secretHash: string;
  name: string;
  role: ApiRole;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | undefined;
}

/** A device search: every filter optional; newest first; `before` is the last device id seen. */
export interface DeviceSearch {
  user?: string | undefined;
  /** Case-insensitive substring of the hostname. */
  hostname?: string | undefined;
  status?: DeviceStatus | undefined;
  limit: number;
  before?: string | undefined;
}

/** Access decisions (`stream.deny`, `stream.reset`) from the audit trail, newest first. */
export interface DecisionQuery {
  user?: string | undefined;
  device?: string | undefined;
  app?: string | undefined;
  limit: number;
  before?: number | undefined;
}

/** What the catalogue of the admin API holds: published apps and policies (DESIGN.md §3). */
export type CatalogKind = 'app' | 'policy';

/**
 * An app or policy written through the admin API. It overlays the config file's entry of the
 * same id (app) or name (policy): a live row replaces it, a tombstone (`deleted`) hides it.
 */
export interface CatalogRecord {
  /** The app id or the policy name. */
  id: string;
  /** The definition as the admin wrote it (JSON); undefined for a tombstone. */
  definition: Record<string, unknown> | undefined;
  /** Unpublished (app) or deleted (policy). */
  deleted: boolean;
  updatedAt: number;
  /** Who made the change, as audit events name them (`api-token:<name>`, `user:<user>`). */
  updatedBy: string;
}

/** Live sessions (not revoked, not past their hard end), newest first. */
export interface SessionQuery {
  user?: string | undefined;
  /** Sessions that ended before this time are not live. */
  now: number;
  limit: number;
  /** The cursor of the previous page (a {@link LiveSession.cursor}). */
  before?: number | undefined;
}

/** A live session with its device's hostname, for the helpdesk. */
export interface LiveSession {
  session: SessionRecord;
  hostname: string | undefined;
  /** An opaque, increasing position for paging (never the session id, which is a credential's handle). */
  cursor: number;
}

/**
 * A change another part of the system (this node or another one sharing the store) made, so
 * that caches and live sessions can follow at once instead of waiting for the next poll. A
 * change is delivered only after its data is committed. Delivery is best effort: after
 * `resync`, notifications may have been missed, so a listener re-reads whatever it caches.
 */
export type StoreChange =
  /** A device or session was revoked: read {@link Store.revocationsAfter} from your cursor. */
  | { kind: 'revocation' }
  /** An app or policy of the catalogue was written: reload the catalogue. */
  | { kind: 'catalog'; catalog: CatalogKind; id: string }
  /** An API token was revoked. */
  | { kind: 'api-token'; id: string }
  /** An embedded-IdP user was disabled or enabled, got a new password or lost their TOTP secret. */
  | { kind: 'idp-user'; username: string }
  /** The feed was interrupted and is back (or may have missed changes): re-read everything cached. */
  | { kind: 'resync' };

export type StoreChangeListener = (change: StoreChange) => void;

export interface Store {
  createEnrollmentToken(token: EnrollmentTokenRecord): Promise<void>;
  /** Read-only check of a token, so the expensive work of enrolment is done only for a valid one. */
  checkEnrollmentToken(tokenId: string, secretHash: string, now: number): Promise<{ ok: true } | { ok: false; refusal: TokenRefusal; user: string | undefined }>;
  /** Consumes the token and records the device in one transaction: both or neither. */
  enrollDevice(input: EnrollInput): Promise<EnrollResult>;
  getDevice(id: string): Promise<Device | undefined>;
  listDevices(filter?: { user?: string }): Promise<Device[]>;
  /** Marks the device revoked and every certificate serial issued to it. False if no such device. */
  revokeDevice(id: string, now: number, reason: string): Promise<boolean>;
  isSerialRevoked(serial: string): Promise<boolean>;
  /**
   * Revocations recorded after sequence number `seq`, oldest first (a page at a time), so live
   * sessions anywhere can be cut. Sequence numbers only grow, whatever the clocks say.
   */
  revocationsAfter(seq: number): Promise<RevocationEntry[]>;
  touchDevice(id: string, now: number): Promise<void>;
  /** Appends events in order, all or none (one transaction). */
  appendAudit(events: readonly AuditEvent[]): Promise<void>;
  queryAudit(query: AuditQuery): Promise<AuditEvent[]>;
  /**
   * Records a device enrolled by an OIDC sign-in (no enrolment token) and its first session,
   * in one transaction.
   */
  enrollDeviceForUser(device: Omit<Device, 'status' | 'lastSeenAt' | 'revokedAt'>, session: SessionRecord): Promise<Device>;

  createSession(session: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Records a renewal; false when the session is unknown or revoked. */
  renewSession(id: string, update: { authTime: number; groups: string[]; amr: string[]; acr: string | undefined; tokenExpiresAt: number }): Promise<boolean>;
  /** Revokes one session and queues it for every node's watcher. False if unknown or already revoked. */
  revokeSession(id: string, now: number): Promise<boolean>;
  /** Revokes every live session of a user (user disabled). Returns how many. */
  revokeUserSessions(user: string, now: number): Promise<number>;

  /** Records a console sign-in; sessions past their end are forgotten on the way. */
  createBrowserSession(session: BrowserSessionRecord, now: number): Promise<void>;
  /** True only for a recorded browser session that is neither revoked nor past its end. */
  browserSessionLive(id: string, now: number): Promise<boolean>;
  /** Ends one browser session (sign-out). False when unknown, ended or already revoked. */
  revokeBrowserSession(id: string, now: number): Promise<boolean>;
  /** Ends every live browser session of a user. Returns how many. */
  revokeUserBrowserSessions(user: string, now: number): Promise<number>;

  getIdpUser(username: string): Promise<IdpUserRecord | undefined>;
  /** Adds a user; false when the username is taken. */
  addIdpUser(user: IdpUserRecord): Promise<boolean>;
  listIdpUsers(): Promise<IdpUserRecord[]>;
  setIdpUserDisabled(username: string, disabled: boolean): Promise<boolean>;
  setIdpUserPassword(username: string, passwordHash: string): Promise<boolean>;
  /** The TOTP secret enrolled by a user (config or store user), base32. */
  getTotpSecret(username: string): Promise<string | undefined>;
  /** Stores a user's first TOTP secret; false when one is already enrolled (never overwritten). */
  setTotpSecret(username: string, secret: string, now: number): Promise<boolean>;
  /** Removes a user's TOTP secret (an admin reset), so the next sign-in enrols a new one. */
  clearTotpSecret(username: string): Promise<boolean>;

  /** The embedded IdP's adapter storage (oidc-provider models). */
  idpPayloadUpsert(record: IdpPayloadRecord, index: { grantId?: string | undefined; userCode?: string | undefined; uid?: string | undefined }): Promise<void>;
  idpPayloadFind(model: string, id: string, now: number): Promise<IdpPayloadRecord | undefined>;
  idpPayloadFindBy(model: string, key: 'userCode' | 'uid', value: string, now: number): Promise<IdpPayloadRecord | undefined>;
  idpPayloadConsume(model: string, id: string, now: number): Promise<void>;
  idpPayloadDestroy(model: string, id: string): Promise<void>;
  idpPayloadRevokeByGrantId(grantId: string): Promise<void>;
  /**
   * Stores `step` under (model, id) only when no live record exists or the stored step is
   * lower, atomically (every node sees one winner); true when it was written. TOTP replay
   * protection: "not written" means the code's step was already used.
   */
  idpPayloadAdvanceStep(model: string, id: string, step: number, expiresAt: number, now: number): Promise<boolean>;
  /**
   * Records that a one-time credential (e.g. the hash of an ID token) was used, until
   * `expiresAt`; false when it already was (a replay). Expired records are forgotten.
   */
  markUsedOnce(scope: string, key: string, expiresAt: number, now: number): Promise<boolean>;
  /** Deletes expired IdP payloads; returns how many. */
  idpPayloadSweep(now: number): Promise<number>;

  /** Stores a device's posture report as its latest and in its history (bounded per device). */
  savePosture(record: PostureRecord): Promise<void>;
  latestPosture(deviceId: string): Promise<PostureRecord | undefined>;
  /** Newest first. */
  postureHistory(deviceId: string, limit: number): Promise<PostureRecord[]>;

  createApiToken(token: ApiTokenRecord): Promise<void>;
  getApiToken(id: string): Promise<ApiTokenRecord | undefined>;
  /** Marks a token revoked; false when unknown or already revoked. */
  revokeApiToken(id: string, now: number): Promise<boolean>;
  /** API tokens, newest first, at most `limit` (revoked and expired ones included). */
  listApiTokens(limit: number): Promise<ApiTokenRecord[]>;
  /** Live sessions, newest first, filtered by user, a page at a time. */
  listLiveSessions(query: SessionQuery): Promise<LiveSession[]>;

  /** Every catalogue row of `kind` (live and tombstones), in id order. */
  listCatalog(kind: CatalogKind): Promise<CatalogRecord[]>;
  /** Writes (inserts or replaces) one catalogue row. */
  putCatalog(kind: CatalogKind, record: CatalogRecord): Promise<void>;
  /** Devices matching every given filter, newest first, at most `limit`. */
  searchDevices(query: DeviceSearch): Promise<Device[]>;
  /** The newest session of a device that is not revoked (it may have expired), if any. */
  latestSessionOfDevice(deviceId: string): Promise<SessionRecord | undefined>;
  /** Denials and resets from the audit trail (`stream.deny`, `stream.reset`), newest first. */
  queryDecisions(query: DecisionQuery): Promise<AuditEvent[]>;

  /**
   * Calls `listener` for every change committed to the store from now on, by this node or (on a
   * shared store) another one; returns the function that unsubscribes. A listener that throws
   * is ignored. SQLite: in-process only (several SQLite nodes are not supported); PostgreSQL:
   * LISTEN/NOTIFY, with `resync` after the feed's connection was lost and restored.
   */
  subscribe(listener: StoreChangeListener): () => void;

  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
