/**
 * The PostgreSQL schema, as ordered migrations: index + 1 is the schema version. Never edit a
 * released entry; add one. Tables live in the first schema of the connection's search_path
 * (`public` unless the URL says otherwise). Times are BIGINT milliseconds; JSON values are TEXT
 * (exactly as written, like the SQLite store; parsed by the proxy), never jsonb. Keys that are
 * sorted or paged on use the "C" collation, so the order is the byte order SQLite uses.
 */
export const PG_MIGRATIONS: readonly string[] = [
  // 1: everything SQLite's migrations 1 to 6 hold.
  `CREATE TABLE devices (
     id TEXT COLLATE "C" PRIMARY KEY,
     user_id TEXT NOT NULL,
     hostname TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('active','revoked')),
     created_at BIGINT NOT NULL,
     last_seen_at BIGINT,
     revoked_at BIGINT,
     cert_serial TEXT NOT NULL,
     cert_not_after BIGINT NOT NULL,
     cert_fingerprint TEXT NOT NULL
   );
   CREATE INDEX devices_user ON devices(user_id);
   CREATE INDEX devices_created ON devices(created_at, id);
   CREATE TABLE certificates (
     serial TEXT PRIMARY KEY,
     device_id TEXT NOT NULL REFERENCES devices(id),
     not_after BIGINT NOT NULL,
     revoked_at BIGINT,
     revoke_reason TEXT
   );
   CREATE INDEX certificates_device ON certificates(device_id);
   CREATE TABLE enrollment_tokens (
     id TEXT PRIMARY KEY,
     secret_hash TEXT NOT NULL,
     user_id TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL,
     used_at BIGINT,
     used_by_device TEXT
   );
   CREATE TABLE audit (
     id BIGSERIAL PRIMARY KEY,
     time BIGINT NOT NULL,
     type TEXT NOT NULL,
     user_id TEXT,
     device TEXT,
     app TEXT,
     source TEXT,
     decision TEXT,
     reasons TEXT,
     detail TEXT
   );
   CREATE INDEX audit_type ON audit(type, id);
   CREATE INDEX audit_device ON audit(device, id);
   CREATE INDEX audit_user ON audit(user_id, id);
   CREATE TABLE revocations (
     seq BIGSERIAL PRIMARY KEY,
     device_id TEXT NOT NULL,
     session_id TEXT,
     revoked_at BIGINT NOT NULL
   );
   CREATE TABLE sessions (
     id TEXT PRIMARY KEY,
     seq BIGSERIAL NOT NULL UNIQUE,
     user_id TEXT NOT NULL,
     device_id TEXT NOT NULL,
     method TEXT NOT NULL CHECK (method IN ('idp','token')),
     groups TEXT NOT NULL,
     amr TEXT NOT NULL,
     acr TEXT,
     auth_time BIGINT NOT NULL,
     created_at BIGINT NOT NULL,
     max_expires_at BIGINT NOT NULL,
     token_expires_at BIGINT NOT NULL,
     revoked_at BIGINT
   );
   CREATE INDEX sessions_user ON sessions(user_id);
   CREATE INDEX sessions_device ON sessions(device_id);
   CREATE TABLE idp_users (
     username TEXT COLLATE "C" PRIMARY KEY,
     email TEXT NOT NULL,
     name TEXT,
     groups TEXT NOT NULL,
     password_hash TEXT NOT NULL,
     disabled BOOLEAN NOT NULL DEFAULT false,
     created_at BIGINT NOT NULL
   );
   CREATE TABLE idp_totp (
     username TEXT PRIMARY KEY,
     secret TEXT NOT NULL,
     created_at BIGINT NOT NULL
   );
   CREATE TABLE idp_payloads (
     model TEXT NOT NULL,
     id TEXT NOT NULL,
     payload TEXT NOT NULL,
     expires_at BIGINT,
     grant_id TEXT,
     user_code TEXT,
     uid TEXT,
     consumed_at BIGINT,
     PRIMARY KEY (model, id)
   );
   CREATE INDEX idp_payloads_grant ON idp_payloads(grant_id);
   CREATE INDEX idp_payloads_user_code ON idp_payloads(model, user_code);
   CREATE INDEX idp_payloads_uid ON idp_payloads(model, uid);
   CREATE INDEX idp_payloads_expiry ON idp_payloads(expires_at);
   CREATE TABLE posture_reports (
     id BIGSERIAL PRIMARY KEY,
     device_id TEXT NOT NULL,
     received_at BIGINT NOT NULL,
     report TEXT NOT NULL
   );
   CREATE INDEX posture_reports_device ON posture_reports(device_id, id);
   CREATE TABLE api_tokens (
     id TEXT COLLATE "C" PRIMARY KEY,
     secret_hash TEXT NOT NULL,
     name TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('admin','helpdesk')),
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL,
     revoked_at BIGINT
   );
   CREATE TABLE catalog_apps (
     id TEXT COLLATE "C" PRIMARY KEY,
     definition TEXT,
     deleted BOOLEAN NOT NULL DEFAULT false,
     updated_at BIGINT NOT NULL,
     updated_by TEXT NOT NULL,
     CHECK (deleted OR definition IS NOT NULL)
   );
   CREATE TABLE catalog_policies (
     name TEXT COLLATE "C" PRIMARY KEY,
     definition TEXT,
     deleted BOOLEAN NOT NULL DEFAULT false,
     updated_at BIGINT NOT NULL,
     updated_by TEXT NOT NULL,
     CHECK (deleted OR definition IS NOT NULL)
   );`,
  // 2: console sign-ins in browsers (SQLite's migration 7).
  `CREATE TABLE browser_sessions (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     expires_at BIGINT NOT NULL,
     revoked_at BIGINT
   );
   CREATE INDEX browser_sessions_user ON browser_sessions(user_id);
   CREATE INDEX browser_sessions_expires ON browser_sessions(expires_at);`,
];
