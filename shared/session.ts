/**
 * A session as the proxy issues it (DESIGN.md §3 step 4): the body of `POST /v1/session`,
 * `/v1/session/renew` and the `session` of `POST /v1/enroll`. `token` is a secret.
 */
export interface IssuedSession {
  sessionId: string;
  user: string;
  /** The session token (the proxy's JWT), sent as `Authorization: Bearer`. */
  token: string;
  /** ISO 8601: when this token expires. */
  expiresAt: string;
  /** ISO 8601: the session's hard end, when the user must sign in again. */
  sessionExpiresAt: string;
}
