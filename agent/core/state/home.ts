import { chmodSync, existsSync, fsyncSync, mkdirSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ZerogateError } from '../../../shared/errors.ts';
import { isSealed, openText, sealedElsewhere, sealText, type SecretBox } from './secret-box.ts';

/**
 * The agent's state in `$ZEROGATE_HOME` (default `~/.zerogate`, mode 0700): the enrolment
 * record, the device key and certificate (0600) and the pinned proxy CA.
 */
export interface Enrollment {
  /** The first proxy origin (records written before failover have only this one). */
  proxyUrl: string;
  /**
   * Every proxy origin of the deployment, in order of preference, the first being `proxyUrl`
   * (docs/failover.md). Absent in older records: {@link proxyUrlsOf} reads both.
   */
  proxyUrls?: string[];
  deviceId: string;
  user: string;
  caFingerprint: string;
  certNotAfter: string;
  enrolledAt: string;
}

/** The session the proxy issued (DESIGN.md §3 step 4); `token` is a secret. */
export interface SessionState {
  sessionId: string;
  user: string;
  token: string;
  /** ISO 8601: when this token expires (the agent renews it before). */
  expiresAt: string;
  /** ISO 8601: the session's hard end, when the user must sign in again. */
  sessionExpiresAt: string;
}

/** How this agent signs in, and its IdP refresh token (a secret). */
export interface OidcState {
  issuer: string;
  clientId: string;
  scopes: string[];
  acrValues: string[];
  /** The issuer is the proxy's embedded IdP: trust only the pinned proxy CA for it. */
  embedded: boolean;
  /** A desktop-app client secret the proxy publishes (Google); not confidential. */
  clientSecret?: string | undefined;
  refreshToken: string | undefined;
}

export const FILES = {
  enrollment: 'enrollment.json',
  key: 'device.key',
  cert: 'device.pem',
  ca: 'ca.pem',
  ports: 'ports.json',
  session: 'session.json',
  oidc: 'oidc.json',
  /** Which proxy endpoint the running agent uses (for `zerogate status`); not a secret. */
  endpoint: 'endpoint.json',
} as const;

/** An enrolment's proxy origins, in order: `proxyUrls`, or the one `proxyUrl` of an older record. */
export function proxyUrlsOf(enrollment: Pick<Enrollment, 'proxyUrl' | 'proxyUrls'>): string[] {
  const list = Array.isArray(enrollment.proxyUrls) ? enrollment.proxyUrls.filter((u): u is string => typeof u === 'string' && u !== '') : [];
  return list.length > 0 ? list : [enrollment.proxyUrl];
}

/** What the running agent last wrote about its connection (`FILES.endpoint`). */
export interface EndpointInUse {
  /** The proxy origin, and the address it resolved to. */
  origin: string;
  address: string;
  /** ISO 8601: when the tunnel connected to it. */
  since: string;
  /** The agent process that wrote it: `status` checks it still runs. */
  pid: number;
}

/** The files that hold secrets (the device key, the session token, the IdP refresh token): sealed when the home has a box. */
export const SECRET_FILES: ReadonlySet<string> = new Set([FILES.key, FILES.session, FILES.oidc]);

export function resolveHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.ZEROGATE_HOME !== undefined && env.ZEROGATE_HOME !== '' ? env.ZEROGATE_HOME : join(homedir(), '.zerogate');
}

export interface DeviceCredentials {
  enrollment: Enrollment;
  keyPem: string;
  certPem: string;
  caPem: string;
  /** The session stored beside the credentials, when there is one. */
  session?: SessionState | undefined;
}

export interface AgentHomeOptions {
  /**
   * Seals the secret files (device key, session, IdP sign-in) when given: the desktop app's
   * safeStorage. Without it (the CLI) they are plain files of mode 0600.
   */
  secrets?: SecretBox;
}

export class AgentHome {
  readonly dir: string;
  readonly #box: SecretBox | undefined;

  constructor(dir: string = resolveHome(), options: AgentHomeOptions = {}) {
    this.dir = dir;
    this.#box = options.secrets;
  }

  /** True when secrets are written sealed (the desktop app). */
  get sealsSecrets(): boolean {
    return this.#box !== undefined;
  }

  ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Writes a file atomically with `mode` (temp file, fsync, rename): never half-written. */
  write(name: string, content: string, mode = 0o600): void {
    this.ensure();
    const target = this.path(name);
    const temp = `${target}.tmp-${process.pid}`;
    const fd = openSync(temp, 'w', mode);
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temp, mode);
    renameSync(temp, target);
  }

  read(name: string): string | undefined {
    const file = this.path(name);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  /** Writes a secret file: sealed with the home's box when it has one (which refuses, rather than write plain text). */
  writeSecret(name: string, content: string): void {
    this.write(name, this.#box === undefined ? content : sealText(this.#box, content), 0o600);
  }

  /**
   * Reads a secret file. With a box, a sealed file is opened (undefined when it cannot be) and a
   * plain one, left by an earlier agent, is read and sealed in place. Without one, a sealed file
   * is unreadable: undefined.
   */
  readSecret(name: string): string | undefined {
    const raw = this.read(name);
    if (raw === undefined) return undefined;
    if (isSealed(raw)) return this.#box === undefined ? undefined : openText(this.#box, raw);
    if (this.#box !== undefined) this.writeSecret(name, raw);
    return raw;
  }

  /** Saves everything an enrolment produced; the enrolment record goes last, so it only exists when the rest does. */
  saveCredentials(credentials: DeviceCredentials): void {
    this.writeSecret(FILES.key, credentials.keyPem);
    this.write(FILES.cert, credentials.certPem, 0o600);
    this.write(FILES.ca, credentials.caPem, 0o644);
    this.saveEnrollment(credentials.enrollment);
  }

  loadCredentials(): DeviceCredentials {
    const raw = this.read(FILES.enrollment);
    const keyPem = this.readSecret(FILES.key);
    const certPem = this.read(FILES.cert);
    const caPem = this.read(FILES.ca);
    if (keyPem === undefined && this.#box === undefined && isSealed(this.read(FILES.key) ?? '')) throw sealedElsewhere(this.path(FILES.key));
    if (raw === undefined || keyPem === undefined || certPem === undefined || caPem === undefined) {
      throw new ZerogateError('ZG_ERR_AUTH_NOT_ENROLLED', `this device is not enrolled (no credentials in ${this.dir}): run \`zerogate login\``);
    }
    let enrollment: Enrollment;
    try {
      enrollment = JSON.parse(raw) as Enrollment;
      if (typeof enrollment?.proxyUrl !== 'string') throw new TypeError('no proxyUrl');
    } catch (cause) {
      throw new ZerogateError('ZG_ERR_AUTH_NOT_ENROLLED', `${this.path(FILES.enrollment)} is corrupt: run \`zerogate login\` again`, { cause });
    }
    return { enrollment, keyPem, certPem, caPem, session: this.loadSession() };
  }

  /** Rewrites the enrolment record (e.g. a new list of proxy URLs at sign-in). */
  saveEnrollment(enrollment: Enrollment): void {
    this.write(FILES.enrollment, `${JSON.stringify(enrollment, null, 2)}\n`, 0o600);
  }

  /** Records the endpoint the running agent's tunnel uses, or clears it. */
  saveEndpointInUse(endpoint: EndpointInUse | undefined): void {
    if (endpoint === undefined) rmSync(this.path(FILES.endpoint), { force: true });
    else this.write(FILES.endpoint, `${JSON.stringify(endpoint)}\n`, 0o644);
  }

  loadEndpointInUse(): EndpointInUse | undefined {
    return this.#readJson<EndpointInUse>(FILES.endpoint, (v) => typeof v.origin === 'string' && typeof v.address === 'string' && typeof v.since === 'string' && Number.isInteger(v.pid));
  }

  saveSession(session: SessionState): void {
    this.writeSecret(FILES.session, `${JSON.stringify(session, null, 2)}\n`);
  }

  /** The stored session, or undefined when there is none or it is unreadable. */
  loadSession(): SessionState | undefined {
    return this.#readJson<SessionState>(FILES.session, (v) => typeof v.token === 'string' && typeof v.sessionId === 'string' && typeof v.expiresAt === 'string');
  }

  saveOidc(state: OidcState): void {
    this.writeSecret(FILES.oidc, `${JSON.stringify(state, null, 2)}\n`);
  }

  loadOidc(): OidcState | undefined {
    return this.#readJson<OidcState>(FILES.oidc, (v) => typeof v.issuer === 'string' && typeof v.clientId === 'string' && Array.isArray(v.scopes));
  }

  #readJson<T>(name: string, valid: (value: Record<string, unknown>) => boolean): T | undefined {
    const raw = SECRET_FILES.has(name) ? this.readSecret(name) : this.read(name);
    if (raw === undefined) return undefined;
    try {
      const value = JSON.parse(raw) as unknown;
      return value !== null && typeof value === 'object' && valid(value as Record<string, unknown>) ? (value as T) : undefined;
    } catch {
      return undefined;
    }
  }

  isEnrolled(): boolean {
    return this.read(FILES.enrollment) !== undefined;
  }

  /** Deletes the local secrets and enrolment (session, refresh token, key, certificate). */
  clear(): void {
    for (const name of Object.values(FILES)) rmSync(this.path(name), { force: true });
  }
}
