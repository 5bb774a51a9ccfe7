/**
 * Every route of the admin and helpdesk API with its JSON schemas, in one table: the plugin
 * registers routes from it (fastify validates requests and serializes responses with these
 * schemas, so an undocumented field never leaves the proxy), and the OpenAPI document is built
 * from it, so the document and the server cannot drift apart (OWASP API9:2023, inventory).
 */
import type { ApiRole } from '../store/index.ts';
import { DURATION_PATTERN } from '../../shared/duration.ts';
import { ID_PATTERN } from '../config/index.ts';
import { REQUIRE_CRITERIA } from '../policy/types.ts';
import { API_TOKEN_NAME_PATTERN } from './tokens.ts';
import { APP_USERS_MAX, ME_PAGE_MAX, PAGE_MAX, UPSTREAM_URL_MAX, POLICY_BODY_LIMIT, REASON_MAX, SIMULATE_MAX_AMR, SIMULATE_MAX_AUTH_AGE_SECONDS, SIMULATE_MAX_GROUPS } from './limits.ts';

type Schema = Record<string, unknown>;

const DEVICE_ID = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' } as const;
const USER = { type: 'string', minLength: 1, maxLength: 320, pattern: '^[^\\s]+$' } as const;
const APP_ID = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' } as const;
const LIMIT = { type: 'integer', minimum: 1, maximum: PAGE_MAX } as const;
const CURSOR_ID = { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } as const;
const TIME = { type: 'string', format: 'date-time' } as const;
const STATUS = { type: 'string', enum: ['pass', 'fail', 'unknown'] } as const;
const REASONS = { type: 'array', items: { type: 'string' } } as const;

const strict = (properties: Schema, required: string[] = []): Schema => ({ type: 'object', additionalProperties: false, required, properties });

export const errorSchema = strict(
  {
    statusCode: { type: 'integer' },
    code: { type: 'string', description: 'a stable code of docs/errors.md' },
    error: { type: 'string' },
    reasons: REASONS,
    message: { type: 'string' },
  },
  ['statusCode', 'code', 'error', 'message'],
);

export const deviceSchema = strict(
  {
    id: { type: 'string' },
    user: { type: 'string' },
    hostname: { type: 'string' },
    status: { type: 'string', enum: ['active', 'revoked'] },
    createdAt: TIME,
    lastSeenAt: TIME,
    revokedAt: TIME,
    certSerial: { type: 'string' },
    certNotAfter: TIME,
    certFingerprint: { type: 'string' },
  },
  ['id', 'user', 'hostname', 'status', 'createdAt', 'certNotAfter'],
);

const checkSchema = strict({ check: { type: 'string' }, status: STATUS, detail: { type: 'string' } }, ['check', 'status']);

const postureSchema = strict(
  {
    receivedAt: TIME,
    collectedAt: { type: 'string' },
    agentVersion: { type: 'string' },
    platform: { type: 'string' },
    osVersion: { type: 'string' },
    checks: { type: 'array', items: checkSchema },
  },
  ['receivedAt', 'checks'],
);

const postureSummarySchema = strict(
  {
    receivedAt: TIME,
    collectedAt: { type: 'string' },
    checks: { type: 'object', additionalProperties: false, properties: Object.fromEntries(['os', 'patch', 'diskEncryption', 'edr', 'firewall', 'screenLock'].map((c) => [c, STATUS])) },
  },
  ['receivedAt', 'checks'],
);

const verdictSchema = strict(
  {
    app: { type: 'string' },
    name: { type: 'string' },
    allowed: { type: 'boolean' },
    reportOnly: { type: 'boolean' },
    reasons: REASONS,
    remediation: { type: 'array', items: { type: 'string' } },
  },
  ['app', 'allowed', 'reasons', 'remediation'],
);

export const decisionSchema = strict(
  {
    id: { type: 'integer' },
    time: TIME,
    type: { type: 'string', enum: ['stream.deny', 'stream.reset'] },
    user: { type: 'string' },
    device: { type: 'string' },
    app: { type: 'string' },
    code: { type: 'string' },
    trigger: { type: 'string' },
    reasons: REASONS,
    remediation: { type: 'array', items: { type: 'string' } },
  },
  ['id', 'time', 'type', 'reasons', 'remediation'],
);

const sessionSummarySchema = strict(
  {
    user: { type: 'string' },
    method: { type: 'string', enum: ['idp', 'token'] },
    groups: { type: 'array', items: { type: 'string' } },
    amr: { type: 'array', items: { type: 'string' } },
    authTime: TIME,
    createdAt: TIME,
    expiresAt: TIME,
  },
  ['user', 'method', 'groups', 'amr', 'authTime', 'createdAt', 'expiresAt'],
);

const auditEventSchema = strict(
  {
    id: { type: 'integer' },
    time: TIME,
    type: { type: 'string' },
    user: { type: 'string' },
    device: { type: 'string' },
    app: { type: 'string' },
    source: { type: 'string' },
    decision: { type: 'string', enum: ['allow', 'deny'] },
    reasons: REASONS,
    // Secret-free by the audit contract (DESIGN.md §8): codes, ids, counts.
    detail: { type: 'object', additionalProperties: true },
  },
  ['id', 'time', 'type'],
);

/** A page of items, newest first, with the cursor for the next page when there may be one. */
const page = (items: Schema, cursor: Schema): Schema => strict({ items: { type: 'array', items }, next: cursor }, ['items']);

export interface RouteSchema {
  params?: Schema;
  querystring?: Schema;
  body?: Schema;
  /** 200 (or 201 for a route that creates), and 400 where the route answers a body of its own besides the error shape. */
  response: { 200: Schema; 400?: Schema } | { 201: Schema; 400?: Schema };
}

export interface ApiRouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  operationId: string;
  summary: string;
  /** Roles that may call it. */
  roles: readonly ApiRole[];
  schema: RouteSchema;
  /** HTTP statuses the route answers besides 200 (for the OpenAPI document). */
  errors: readonly number[];
  /** Largest request body, when below the server's 64 KiB. */
  bodyLimit?: number;
  /** The body may be left out (it is then `{}`). */
  bodyOptional?: boolean;
}

/** A route of `/v1/me/*`: called by an employee's agent with its device certificate and session token. */
export interface MeRouteSpec {
  method: 'GET';
  url: string;
  operationId: string;
  summary: string;
  schema: RouteSchema;
  errors: readonly number[];
}

const READ: readonly ApiRole[] = ['helpdesk', 'admin'];
const ADMIN: readonly ApiRole[] = ['admin'];
const AUTH_ERRORS = [400, 401, 403, 429] as const;

/** The routes, keyed by operation id. */
export const API_ROUTES = {
  searchDevices: {
    method: 'GET',
    url: '/v1/helpdesk/devices',
    operationId: 'searchDevices',
    summary: 'Search devices by user, hostname (substring) and status, newest first',
    roles: READ,
    schema: {
      querystring: strict({
        user: USER,
        hostname: { type: 'string', minLength: 1, maxLength: 253 },
        status: { type: 'string', enum: ['active', 'revoked'] },
        limit: LIMIT,
        before: { ...DEVICE_ID, description: 'the last device id of the previous page' },
      }),
      response: { 200: page(deviceSchema, { type: 'string' }) },
    },
    errors: AUTH_ERRORS,
  },
  getDevice: {
    method: 'GET',
    url: '/v1/helpdesk/devices/:id',
    operationId: 'getDevice',
    summary: 'A device with its posture checklist, posture history, per-app verdicts now and recent decisions',
    roles: READ,
    schema: {
      params: strict({ id: DEVICE_ID }, ['id']),
      response: {
        200: strict(
          {
            device: deviceSchema,
            session: sessionSummarySchema,
            posture: postureSchema,
            postureHistory: { type: 'array', items: postureSummarySchema },
            verdicts: { type: 'array', items: verdictSchema },
            decisions: { type: 'array', items: decisionSchema },
          },
          ['device', 'postureHistory', 'verdicts', 'decisions'],
        ),
      },
    },
    errors: [...AUTH_ERRORS, 404],
  },
  searchDecisions: {
    method: 'GET',
    url: '/v1/helpdesk/decisions',
    operationId: 'searchDecisions',
    summary: 'Recent denials and resets with their reasons and the remediation to read out',
    roles: READ,
    schema: {
      querystring: strict({ user: USER, device: DEVICE_ID, app: APP_ID, limit: LIMIT, before: CURSOR_ID }),
      response: { 200: page(decisionSchema, { type: 'integer' }) },
    },
    errors: AUTH_ERRORS,
  },
  revokeDevice: {
    method: 'POST',
    url: '/v1/admin/devices/:id/revoke',
    operationId: 'revokeDevice',
    summary: 'Revoke a device: its certificates are refused and its live tunnels are cut',
    roles: ADMIN,
    schema: {
      params: strict({ id: DEVICE_ID }, ['id']),
      body: strict({ reason: { type: 'string', minLength: 1, maxLength: REASON_MAX } }, ['reason']),
      response: { 200: strict({ device: deviceSchema, revoked: { type: 'boolean' } }, ['device', 'revoked']) },
    },
    errors: [...AUTH_ERRORS, 404],
  },
  revokeUserSessions: {
    method: 'POST',
    url: '/v1/admin/users/:user/sessions/revoke',
    operationId: 'revokeUserSessions',
    summary: 'End every live session of a user: agent sessions (their tunnels are cut; devices stay enrolled) and console sign-ins with their clientless apps cookies',
    roles: ADMIN,
    schema: {
      params: strict({ user: USER }, ['user']),
      body: strict({ reason: { type: 'string', minLength: 1, maxLength: REASON_MAX } }, ['reason']),
      response: { 200: strict({ user: { type: 'string' }, revoked: { type: 'integer' }, browserSessions: { type: 'integer' } }, ['user', 'revoked', 'browserSessions']) },
    },
    errors: AUTH_ERRORS,
  },
  searchAudit: {
    method: 'GET',
    url: '/v1/admin/audit',
    operationId: 'searchAudit',
    summary: 'Search the audit trail by type, user and device, newest first, by pages',
    roles: ADMIN,
    schema: {
      querystring: strict({
        type: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[a-z][a-z0-9.-]*$' },
        user: USER,
        device: DEVICE_ID,
        limit: LIMIT,
        before: CURSOR_ID,
      }),
      response: { 200: page(auditEventSchema, { type: 'integer' }) },
    },
    errors: AUTH_ERRORS,
  },
} as const satisfies Record<string, ApiRouteSpec>;

export type ApiRouteName = keyof typeof API_ROUTES;

// ---- Policies (admin): validation and simulation ------------------------------------------

/**
 * A policy in the config file's shape (docs/policy.md). Only bounded here (a JSON object of the
 * body limit): its members are checked by the config machinery, which refuses unknown keys
 * with a path and a suggestion, like a config file.
 */
const POLICY_INPUT = { type: 'object', maxProperties: 8, description: 'a policy as under `policies.<name>` in the config file (docs/policy.md)' } as const;
const STRINGS = (maxItems: number, maxLength: number): Schema => ({ type: 'array', maxItems, items: { type: 'string', minLength: 1, maxLength } });

const normalisedPolicySchema = strict(
  {
    mode: { type: 'string', enum: ['enforce', 'report-only'] },
    allow: {
      type: 'array',
      items: strict({ groups: { type: 'array', items: { type: 'string' } }, emails: { type: 'array', items: { type: 'string' } }, users: { type: 'array', items: { type: 'string' } } }),
    },
    require: strict({
      mfa: { type: 'boolean' },
      maxAuthAgeMs: { type: 'integer' },
      posture: strict({
        maxAgeMs: { type: 'integer' },
        osMinVersion: strict({ darwin: { type: 'string' }, win32: { type: 'string' }, linux: { type: 'string' } }),
        maxPatchAgeDays: { type: 'integer' },
        diskEncryption: { type: 'boolean' },
        edr: { type: 'array', items: { type: 'string' } },
        firewall: { type: 'boolean' },
        screenLock: { anyOf: [{ type: 'boolean' }, strict({ maxTimeoutMs: { type: 'integer' } }, ['maxTimeoutMs'])] },
      }),
      sourceCidrs: { type: 'array', items: strict({ cidr: { type: 'string' }, family: { type: 'integer', enum: [4, 6] }, network: { type: 'string' }, prefix: { type: 'integer' } }, ['cidr', 'family', 'network', 'prefix']) },
    }),
  },
  ['mode', 'allow', 'require'],
);

const policyIssueSchema = strict(
  { path: { type: 'string' }, expected: { type: 'string' }, found: { type: 'string' }, message: { type: 'string' } },
  ['path', 'expected', 'found', 'message'],
);

/** The error shape, plus `valid: false` and the problems found (a policy that does not validate). */
const policyInvalidSchema = strict(
  { ...(errorSchema.properties as Schema), valid: { type: 'boolean', enum: [false] }, errors: { type: 'array', items: policyIssueSchema } },
  ['statusCode', 'code', 'error', 'message'],
);

/** Per-criterion details of a decision (proxy/policy DecisionData): evaluator output, JSON, secret-free. */
const criterionDataSchema = { type: 'object', required: ['pass'], properties: { pass: { type: 'boolean' } }, additionalProperties: true } as const;
const decisionDataSchema = strict(
  {
    admittedBy: { type: ['string', 'null'] },
    allow: { type: 'array', items: criterionDataSchema },
    require: strict(Object.fromEntries(REQUIRE_CRITERIA.map((c) => [c, criterionDataSchema]))),
  },
  ['admittedBy', 'allow', 'require'],
);

export const POLICY_ROUTES = {
  validatePolicy: {
    method: 'POST',
    url: '/v1/admin/policies/validate',
    operationId: 'validatePolicy',
    summary: 'Validate a policy as the config loader would; answers it normalised, or every problem with its path',
    roles: ADMIN,
    bodyLimit: POLICY_BODY_LIMIT,
    schema: {
      body: strict({ policy: POLICY_INPUT }, ['policy']),
      response: { 200: strict({ valid: { type: 'boolean', enum: [true] }, policy: normalisedPolicySchema }, ['valid', 'policy']), 400: policyInvalidSchema },
    },
    errors: [...AUTH_ERRORS, 413],
  },
  simulatePolicy: {
    method: 'POST',
    url: '/v1/admin/policies/simulate',
    operationId: 'simulatePolicy',
    summary: 'Would this user on this device reach this app, and why not: the decision of the policy decision point, with reasons and remediation',
    roles: ADMIN,
    bodyLimit: POLICY_BODY_LIMIT,
    schema: {
      body: strict(
        {
          app: APP_ID,
          policy: { ...POLICY_INPUT, description: "a candidate policy (config file shape); absent: the app's current policy" },
          user: USER,
          groups: STRINGS(SIMULATE_MAX_GROUPS, 256),
          amr: STRINGS(SIMULATE_MAX_AMR, 32),
          authAgeSeconds: { type: 'integer', minimum: 0, maximum: SIMULATE_MAX_AUTH_AGE_SECONDS },
          device: { ...DEVICE_ID, description: "an enrolled device: its latest posture is used unless `posture` is given" },
          posture: { type: 'object', maxProperties: 32, description: 'a posture report (shared/posture), validated like an agent\'s' },
          source: { type: 'string', minLength: 2, maxLength: 45, description: 'the source IP address (IPv4 or IPv6); absent: 0.0.0.0' },
        },
        ['app', 'user'],
      ),
      response: {
        200: strict(
          {
            app: { type: 'string' },
            policy: { type: 'string', description: 'the policy judged: `candidate`, the app\'s policy name, or `none`' },
            allowed: { type: 'boolean' },
            enforced: { type: 'boolean' },
            wouldDeny: { type: 'boolean' },
            reasons: REASONS,
            remediation: { type: 'array', items: { type: 'string' } },
            data: decisionDataSchema,
          },
          ['app', 'policy', 'allowed', 'enforced', 'reasons', 'remediation', 'data'],
        ),
        400: policyInvalidSchema,
      },
    },
    errors: [...AUTH_ERRORS, 404, 413],
  },
} as const satisfies Record<string, ApiRouteSpec>;

export type PolicyRouteName = keyof typeof POLICY_ROUTES;

// ---- /v1/me: an employee's own devices ----------------------------------------------------

const myDeviceSchema = strict(
  {
    id: { type: 'string' },
    hostname: { type: 'string' },
    status: { type: 'string', enum: ['active', 'revoked'] },
    current: { type: 'boolean', description: 'whether this is the device making the request' },
    createdAt: TIME,
    lastSeenAt: TIME,
    revokedAt: TIME,
    certNotAfter: TIME,
  },
  ['id', 'hostname', 'status', 'current', 'createdAt', 'certNotAfter'],
);

const myDeviceItemSchema = strict(
  {
    device: myDeviceSchema,
    posture: postureSchema,
    postureHistory: { type: 'array', items: postureSummarySchema },
    verdicts: { type: 'array', items: verdictSchema },
  },
  ['device', 'verdicts'],
);

const ME_ERRORS = [400, 401, 403, 429] as const;

export const ME_ROUTES = {
  listMyDevices: {
    method: 'GET',
    url: '/v1/me/devices',
    operationId: 'listMyDevices',
    summary: "The caller's own devices, newest first, each with its posture checklist and per-app verdicts with remediation",
    schema: {
      querystring: strict({ limit: { type: 'integer', minimum: 1, maximum: ME_PAGE_MAX }, before: { ...DEVICE_ID, description: 'the last device id of the previous page' } }),
      response: { 200: page(myDeviceItemSchema, { type: 'string' }) },
    },
    errors: ME_ERRORS,
  },
  getMyDevice: {
    method: 'GET',
    url: '/v1/me/devices/:id',
    operationId: 'getMyDevice',
    summary: "One of the caller's own devices with its posture checklist and history and per-app verdicts (another user's device: 404)",
    schema: {
      params: strict({ id: DEVICE_ID }, ['id']),
      response: { 200: myDeviceItemSchema },
    },
    errors: [...ME_ERRORS, 404],
  },
} as const satisfies Record<string, MeRouteSpec>;

export type MeRouteName = keyof typeof ME_ROUTES;

// ---- Apps, policies, sessions and API tokens (admin writes, helpdesk reads) --------------

/** App ids and policy names, as in the config file (lowercase, DNS-label-safe). */
const CATALOG_ID = { type: 'string', minLength: 1, maxLength: 63, pattern: ID_PATTERN } as const;
const REASON = { type: 'string', minLength: 1, maxLength: REASON_MAX, description: 'why: kept in the audit trail' } as const;
const SOURCE = { type: 'string', enum: ['config', 'api'], description: '`config`: from the config file; `api`: written through this API (overrides the config entry of the same id)' } as const;

const appBodyProperties = {
  name: { type: 'string', minLength: 1, maxLength: 200, description: 'display name; default: the id' },
  upstream: { type: 'string', minLength: 1, maxLength: UPSTREAM_URL_MAX, description: 'tcp://host:port, http://host[:port] or https://host[:port]: where the proxy connects for this app' },
  policy: { ...CATALOG_ID, description: 'the name of a policy' },
  users: { type: 'array', maxItems: APP_USERS_MAX, items: { type: 'string', minLength: 1, maxLength: 254, pattern: '^\\S+$' }, description: "users admitted besides the policy's allow list" },
  allowRestrictedUpstream: {
    type: 'boolean',
    description: 'publish an upstream that is the proxy itself, link-local or a cloud metadata address anyway (audited; the dial-time check is off for this app)',
  },
  http: {
    type: 'object',
    description:
      'HTTP gateway settings of an http:// or https:// app, as `apps[].http` of the config file (docs/http-apps.md), checked by the config parser; `openapi` only as an inline document, never a file path',
  },
  reason: REASON,
} as const;

export const appSchema = strict(
  {
    id: { type: 'string' },
    name: { type: 'string' },
    upstream: { type: 'string', description: 'the normalised upstream URL' },
    policy: { type: 'string' },
    users: { type: 'array', items: { type: 'string' } },
    allowRestrictedUpstream: { type: 'boolean' },
    http: strict(
      {
        assertion: { type: 'boolean' },
        clientless: { type: 'boolean' },
        openapi: { type: 'boolean', description: 'whether the app declares an OpenAPI document' },
        requestValidation: { type: 'string', enum: ['enforce', 'report', 'off'] },
        responseValidation: { type: 'string', enum: ['enforce', 'report', 'off'] },
        rateLimit: strict({ perIdentityPerMinute: { type: 'integer' }, perAppPerMinute: { type: 'integer' } }, ['perIdentityPerMinute', 'perAppPerMinute']),
      },
      ['assertion', 'clientless', 'openapi', 'requestValidation', 'responseValidation', 'rateLimit'],
    ),
    source: SOURCE,
    updatedAt: TIME,
    updatedBy: { type: 'string', description: 'who wrote it through the API (`api-token:<name>`, `user:<user>`)' },
  },
  ['id', 'name', 'upstream', 'users', 'source'],
);

const writtenPolicySchema = {
  type: 'object',
  additionalProperties: true,
  description: 'the policy as written under `policies.<name>` of the config file (docs/policy.md); durations as strings like "5m"',
} as const;

const liveSessionSchema = strict(
  {
    user: { type: 'string' },
    device: { type: 'string' },
    hostname: { type: 'string' },
    method: { type: 'string', enum: ['idp', 'token'] },
    groups: { type: 'array', items: { type: 'string' } },
    startedAt: TIME,
    expiresAt: TIME,
  },
  ['user', 'device', 'method', 'groups', 'startedAt', 'expiresAt'],
);

const API_TOKEN_ID = { type: 'string', pattern: '^[0-9a-f]{16}$' } as const;
const apiTokenSchema = strict(
  {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'helpdesk'] },
    createdAt: TIME,
    expiresAt: TIME,
    revokedAt: TIME,
    status: { type: 'string', enum: ['active', 'expired', 'revoked'] },
  },
  ['id', 'name', 'role', 'createdAt', 'expiresAt', 'status'],
);

export const MANAGE_ROUTES = {
  listApps: {
    method: 'GET',
    url: '/v1/helpdesk/apps',
    operationId: 'listApps',
    summary: 'The published apps (config file and API), each with its source',
    roles: READ,
    schema: { response: { 200: strict({ items: { type: 'array', items: appSchema } }, ['items']) } },
    errors: AUTH_ERRORS,
  },
  publishApp: {
    method: 'POST',
    url: '/v1/admin/apps',
    operationId: 'publishApp',
    summary: 'Publish an app (persisted in the store; new streams can reach it at once)',
    roles: ADMIN,
    schema: {
      body: strict({ id: CATALOG_ID, ...appBodyProperties }, ['id', 'upstream']),
      response: { 201: appSchema },
    },
    errors: [...AUTH_ERRORS, 409],
  },
  editApp: {
    method: 'PUT',
    url: '/v1/admin/apps/:id',
    operationId: 'editApp',
    summary: 'Replace an app\'s definition (a config app is overridden by the API\'s); live streams are decided again at once, and those opened under another upstream or HTTP handling are reset (app-changed)',
    roles: ADMIN,
    schema: {
      params: strict({ id: CATALOG_ID }, ['id']),
      body: strict(appBodyProperties, ['upstream']),
      response: { 200: appSchema },
    },
    errors: [...AUTH_ERRORS, 404],
  },
  unpublishApp: {
    method: 'DELETE',
    url: '/v1/admin/apps/:id',
    operationId: 'unpublishApp',
    summary: 'Unpublish an app: new streams are refused and live streams to it are reset (app-not-found)',
    roles: ADMIN,
    bodyOptional: true,
    schema: {
      params: strict({ id: CATALOG_ID }, ['id']),
      body: strict({ reason: REASON }),
      response: { 200: strict({ id: { type: 'string' }, unpublished: { type: 'boolean', enum: [true] } }, ['id', 'unpublished']) },
    },
    errors: [...AUTH_ERRORS, 404],
  },
  listPolicies: {
    method: 'GET',
    url: '/v1/helpdesk/policies',
    operationId: 'listPolicies',
    summary: 'The policies (config file and API) as written, each with its source and the apps using it',
    roles: READ,
    schema: {
      response: {
        200: strict(
          {
            items: {
              type: 'array',
              items: strict(
                { name: { type: 'string' }, policy: writtenPolicySchema, source: SOURCE, usedBy: { type: 'array', items: { type: 'string' } }, updatedAt: TIME, updatedBy: { type: 'string' } },
                ['name', 'policy', 'source', 'usedBy'],
              ),
            },
          },
          ['items'],
        ),
      },
    },
    errors: AUTH_ERRORS,
  },
  putPolicy: {
    method: 'PUT',
    url: '/v1/admin/policies/:name',
    operationId: 'putPolicy',
    summary: 'Create or replace a policy (validated like the config file\'s); live streams of its apps are decided again at once',
    roles: ADMIN,
    bodyLimit: POLICY_BODY_LIMIT,
    schema: {
      params: strict({ name: CATALOG_ID }, ['name']),
      body: strict({ policy: POLICY_INPUT, reason: REASON }, ['policy']),
      response: { 200: strict({ name: { type: 'string' }, policy: writtenPolicySchema, created: { type: 'boolean' } }, ['name', 'policy', 'created']), 400: policyInvalidSchema },
    },
    errors: [...AUTH_ERRORS, 413],
  },
  deletePolicy: {
    method: 'DELETE',
    url: '/v1/admin/policies/:name',
    operationId: 'deletePolicy',
    summary: 'Delete a policy no app uses (else 409 naming the apps)',
    roles: ADMIN,
    bodyOptional: true,
    schema: {
      params: strict({ name: CATALOG_ID }, ['name']),
      body: strict({ reason: REASON }),
      response: { 200: strict({ name: { type: 'string' }, deleted: { type: 'boolean', enum: [true] } }, ['name', 'deleted']) },
    },
    errors: [...AUTH_ERRORS, 404, 409],
  },
  listSessions: {
    method: 'GET',
    url: '/v1/helpdesk/sessions',
    operationId: 'listSessions',
    summary: 'Live sessions (signed in, not revoked, not past their end), newest first',
    roles: READ,
    schema: {
      querystring: strict({ user: USER, limit: LIMIT, before: { ...CURSOR_ID, description: 'the `next` of the previous page' } }),
      response: { 200: page(liveSessionSchema, { type: 'integer' }) },
    },
    errors: AUTH_ERRORS,
  },
  listApiTokens: {
    method: 'GET',
    url: '/v1/admin/api-tokens',
    operationId: 'listApiTokens',
    summary: 'API tokens, newest first (never their secret or its hash)',
    roles: ADMIN,
    schema: { response: { 200: strict({ items: { type: 'array', items: apiTokenSchema } }, ['items']) } },
    errors: AUTH_ERRORS,
  },
  createApiToken: {
    method: 'POST',
    url: '/v1/admin/api-tokens',
    operationId: 'createApiToken',
    summary: 'Create an API token; the token is in this answer only',
    roles: ADMIN,
    schema: {
      body: strict(
        {
          name: { type: 'string', pattern: API_TOKEN_NAME_PATTERN, description: 'who or what uses it (named in audit events)' },
          role: { type: 'string', enum: ['admin', 'helpdesk'] },
          ttl: { type: 'string', maxLength: 32, pattern: DURATION_PATTERN, description: 'lifetime, a duration like "30d" (1 minute to 90 days)' },
          reason: REASON,
        },
        ['name', 'role', 'ttl'],
      ),
      response: {
        201: strict(
          { token: { type: 'string', description: 'zga_<id>_<secret>: shown once, never again' }, id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', enum: ['admin', 'helpdesk'] }, expiresAt: TIME },
          ['token', 'id', 'name', 'role', 'expiresAt'],
        ),
      },
    },
    errors: AUTH_ERRORS,
  },
  revokeApiToken: {
    method: 'POST',
    url: '/v1/admin/api-tokens/:id/revoke',
    operationId: 'revokeApiToken',
    summary: 'Revoke an API token at once (its next request is refused)',
    roles: ADMIN,
    bodyOptional: true,
    schema: {
      params: strict({ id: API_TOKEN_ID }, ['id']),
      body: strict({ reason: REASON }),
      response: { 200: strict({ id: { type: 'string' }, revoked: { type: 'boolean' } }, ['id', 'revoked']) },
    },
    errors: [...AUTH_ERRORS, 404],
  },
} as const satisfies Record<string, ApiRouteSpec>;

export type ManageRouteName = keyof typeof MANAGE_ROUTES;

// ---- Shadow-API discovery (issue 8): the endpoints HTTP apps are actually called on ------

const endpointSchema = strict(
  {
    method: { type: 'string' },
    path: { type: 'string', description: 'the path template, e.g. /users/{id} (the OpenAPI document\'s, or inferred from the paths seen)' },
    firstSeen: TIME,
    lastSeen: TIME,
    requests: { type: 'integer' },
    callers: { type: 'integer', description: 'distinct users who called it (counted up to 1000)' },
    statuses: { type: 'object', additionalProperties: { type: 'integer' }, propertyNames: { pattern: '^[1-5][0-9][0-9]$' }, description: 'responses by status code' },
    declared: { type: 'boolean', description: 'in the app\'s OpenAPI document' },
    flag: { type: 'string', enum: ['undeclared', 'unused'], description: '`undeclared`: called, not in the document (shadow API); `unused`: in the document, never called' },
  },
  ['method', 'path', 'requests', 'callers', 'statuses', 'declared'],
);

export const DISCOVERY_ROUTES = {
  listAppEndpoints: {
    method: 'GET',
    url: '/v1/helpdesk/apps/:id/endpoints',
    operationId: 'listAppEndpoints',
    summary: "An HTTP app's API inventory on this node: the endpoints called (method and path template), with first and last seen, requests, callers and status codes, flagged against its OpenAPI document",
    roles: READ,
    schema: {
      params: strict({ id: CATALOG_ID }, ['id']),
      response: {
        200: strict({ app: { type: 'string' }, declared: { type: 'boolean', description: 'whether the app has an OpenAPI document' }, items: { type: 'array', items: endpointSchema } }, ['app', 'declared', 'items']),
      },
    },
    errors: [...AUTH_ERRORS, 404],
  },
  exportAppEndpoints: {
    method: 'GET',
    url: '/v1/helpdesk/apps/:id/endpoints/openapi',
    operationId: 'exportAppEndpoints',
    summary: "What was observed of an HTTP app's API on this node, as an OpenAPI 3.1 document",
    roles: READ,
    schema: {
      params: strict({ id: CATALOG_ID }, ['id']),
      response: {
        200: {
          type: 'object',
          additionalProperties: false,
          required: ['openapi', 'info', 'paths'],
          properties: { openapi: { type: 'string' }, info: { type: 'object', additionalProperties: true }, paths: { type: 'object', additionalProperties: true } },
          description: 'an OpenAPI 3.1 document',
        },
      },
    },
    errors: [...AUTH_ERRORS, 404],
  },
} as const satisfies Record<string, ApiRouteSpec>;

export type DiscoveryRouteName = keyof typeof DISCOVERY_ROUTES;
