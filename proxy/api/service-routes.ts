/**
 * The proxy's routes outside the admin, helpdesk and employee API tables (schemas.ts): health,
 * discovery, enrolment, sessions, the tunnel and the console's sign-in. They are listed in the
 * OpenAPI document too, so it names every route the server answers (OWASP API9:2023, inventory;
 * test/integration/owasp-api-top10.test.ts compares it with the router). Their request schemas
 * live with their handlers; here is what a reader of the document needs: what, who, answers.
 */
export interface ServiceRoute {
  method: 'GET' | 'POST';
  url: string;
  operationId: string;
  summary: string;
  tag: 'service' | 'agent' | 'console';
  /** Security schemes of the document's components, all required together; [] = none. */
  security: string[];
  /** Status codes besides 200 (or the redirect of a browser route). */
  statuses: number[];
  /** What a success returns, when it is not JSON. */
  content?: string;
}

export const SERVICE_ROUTES: readonly ServiceRoute[] = [
  { method: 'GET', url: '/healthz', operationId: 'healthz', summary: 'Liveness: the process answers', tag: 'service', security: [], statuses: [] },
  { method: 'GET', url: '/readyz', operationId: 'readyz', summary: 'Readiness: the store and the IdP are reachable (503 with the code of what is not)', tag: 'service', security: [], statuses: [503] },
  { method: 'GET', url: '/metrics', operationId: 'metrics', summary: 'Prometheus metrics (an API token unless metrics.public)', tag: 'service', security: ['apiToken'], statuses: [401, 429], content: 'text/plain' },
  { method: 'GET', url: '/.well-known/zerogate', operationId: 'discovery', summary: "What agents need to sign in: the proxy's URL, CA fingerprint, OIDC issuer, client id, scopes", tag: 'agent', security: [], statuses: [] },
  { method: 'GET', url: '/.well-known/zerogate/jwks.json', operationId: 'assertionJwks', summary: 'The public keys of X-Zerogate-Assertion, the identity assertion HTTP apps receive (docs/http-apps.md)', tag: 'service', security: [], statuses: [], content: 'application/jwk-set+json' },
  { method: 'GET', url: '/v1/ca.pem', operationId: 'caCertificate', summary: 'The device CA certificate (check its fingerprint out of band)', tag: 'agent', security: [], statuses: [], content: 'application/x-pem-file' },
  { method: 'POST', url: '/v1/enroll', operationId: 'enroll', summary: 'Enrols a device: a CSR with a one-time enrolment token or an ID token; returns its certificate and first session', tag: 'agent', security: [], statuses: [400, 401, 403, 429, 503] },
  { method: 'POST', url: '/v1/session', operationId: 'startSession', summary: 'Signs in again on an enrolled device with a fresh ID token', tag: 'agent', security: ['deviceCertificate'], statuses: [400, 401, 403, 429, 503] },
  { method: 'GET', url: '/v1/session', operationId: 'getSession', summary: 'Who is signed in on this device, and until when', tag: 'agent', security: ['deviceCertificate', 'sessionToken'], statuses: [401, 403] },
  { method: 'POST', url: '/v1/session/renew', operationId: 'renewSession', summary: 'A new session token (with a fresh ID token when the IdP requires it)', tag: 'agent', security: ['deviceCertificate', 'sessionToken'], statuses: [400, 401, 403, 429, 503] },
  { method: 'POST', url: '/v1/session/logout', operationId: 'logout', summary: "Ends the device's session; its tunnels are cut", tag: 'agent', security: ['deviceCertificate', 'sessionToken'], statuses: [401, 403, 429] },
  { method: 'GET', url: '/v1/me/apps', operationId: 'listMyApps', summary: "Each published app's verdict for this device now, with reasons and remediation", tag: 'agent', security: ['deviceCertificate', 'sessionToken'], statuses: [401, 403] },
  { method: 'GET', url: '/v1/tunnel', operationId: 'tunnel', summary: 'The WebSocket tunnel (upgrade): streams to apps, per-stream policy (docs/protocol.md)', tag: 'agent', security: ['deviceCertificate', 'sessionToken'], statuses: [101, 401, 403, 429] },
  { method: 'GET', url: '/console/login', operationId: 'consoleLogin', summary: "Starts the console's OIDC sign-in (redirect to the IdP)", tag: 'console', security: [], statuses: [302, 429], content: 'text/html' },
  { method: 'GET', url: '/console/callback', operationId: 'consoleCallback', summary: 'Completes the console sign-in and sets the session cookie', tag: 'console', security: [], statuses: [302, 401, 429], content: 'text/html' },
  { method: 'POST', url: '/console/logout', operationId: 'consoleLogout', summary: 'Signs out of the console (clears the cookie; needs the CSRF header)', tag: 'console', security: ['consoleSession'], statuses: [204, 401, 403] },
  { method: 'GET', url: '/console/api/session', operationId: 'consoleSession', summary: 'The signed-in console user: name, groups, role, CSRF token, expiry', tag: 'console', security: ['consoleSession'], statuses: [401] },
];
