/**
 * Response shapes of the API the console calls (docs/api.md, /work contract of issue 5), as the
 * proxy's response schemas (proxy/api/schemas.ts) define them. Parsed once in api.ts.
 */
import type { CheckStatus, PostureCheckName } from '../../../shared/posture/report.ts';

export type Role = 'admin' | 'helpdesk' | 'employee';

export interface Session {
  user: string;
  name?: string;
  email?: string;
  groups: string[];
  role: Role;
  csrf: string;
  expiresAt: string;
}

export interface Page<T> {
  items: T[];
  next?: string | number;
}

export interface App {
  id: string;
  name: string;
  upstream: string;
  policy?: string;
  users: string[];
  allowRestrictedUpstream?: boolean;
  source: 'config' | 'api';
  updatedAt?: string;
  updatedBy?: string;
}

export interface PolicyItem {
  name: string;
  policy: Record<string, unknown>;
  source: 'config' | 'api';
  usedBy: string[];
  updatedAt?: string;
  updatedBy?: string;
}

export interface PolicyIssue {
  path: string;
  expected: string;
  found: string;
  message: string;
}

export interface Device {
  id: string;
  user: string;
  hostname: string;
  status: 'active' | 'revoked';
  createdAt: string;
  lastSeenAt?: string;
  revokedAt?: string;
  certSerial?: string;
  certNotAfter: string;
  certFingerprint?: string;
}

export interface Check {
  check: PostureCheckName | string;
  status: CheckStatus;
  detail?: string;
}

export interface Posture {
  receivedAt: string;
  collectedAt?: string;
  agentVersion?: string;
  platform?: string;
  osVersion?: string;
  checks: Check[];
}

export interface PostureSummary {
  receivedAt: string;
  collectedAt?: string;
  checks: Partial<Record<string, CheckStatus>>;
}

export interface Verdict {
  app: string;
  name?: string;
  allowed: boolean;
  reportOnly?: boolean;
  reasons: string[];
  remediation: string[];
}

export interface Decision {
  id: number;
  time: string;
  type: 'stream.deny' | 'stream.reset';
  user?: string;
  device?: string;
  app?: string;
  code?: string;
  trigger?: string;
  reasons: string[];
  remediation: string[];
}

export interface SessionSummary {
  user: string;
  method: 'idp' | 'token';
  groups: string[];
  amr: string[];
  authTime: string;
  createdAt: string;
  expiresAt: string;
}

export interface DeviceDetail {
  device: Device;
  session?: SessionSummary;
  posture?: Posture;
  postureHistory: PostureSummary[];
  verdicts: Verdict[];
  decisions: Decision[];
}

export interface LiveSession {
  user: string;
  device: string;
  hostname?: string;
  method: 'idp' | 'token';
  groups: string[];
  startedAt: string;
  expiresAt: string;
}

export interface AuditEvent {
  id: number;
  time: string;
  type: string;
  user?: string;
  device?: string;
  app?: string;
  source?: string;
  decision?: 'allow' | 'deny';
  reasons?: string[];
  detail?: Record<string, unknown>;
}

export interface ApiToken {
  id: string;
  name: string;
  role: 'admin' | 'helpdesk';
  createdAt: string;
  expiresAt: string;
  revokedAt?: string;
  status: 'active' | 'expired' | 'revoked';
}

export interface CreatedToken {
  token: string;
  id: string;
  name: string;
  role: string;
  expiresAt: string;
}

export interface MyDevice {
  device: { id: string; hostname: string; status: 'active' | 'revoked'; current: boolean; createdAt: string; lastSeenAt?: string; revokedAt?: string; certNotAfter: string };
  posture?: Posture;
  verdicts: Verdict[];
}

export interface SimulateResult {
  app: string;
  policy: string;
  allowed: boolean;
  enforced: boolean;
  wouldDeny?: boolean;
  reasons: string[];
  remediation: string[];
  data: Record<string, unknown>;
}

/** One endpoint of an HTTP app's API inventory (GET /v1/helpdesk/apps/:id/endpoints). */
export interface InventoryEndpoint {
  method: string;
  /** The path template, e.g. `/users/{id}`. */
  path: string;
  firstSeen?: string;
  lastSeen?: string;
  requests: number;
  /** Distinct users who called it. */
  callers: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  declared: boolean;
  flag?: 'undeclared' | 'unused';
}

export interface Inventory {
  app: string;
  /** Whether the app has an OpenAPI document (else nothing can be undeclared or unused). */
  declared: boolean;
  items: InventoryEndpoint[];
}
