/** Identity (DESIGN.md §3, §6): ID token verification, sessions and session tokens. */
export { ID_TOKEN_ALGORITHMS, verifyIdToken, type IdTokenCheck, type IdTokenPolicy, type VerifiedIdentity } from './id-token.ts';
export { IssuerKeys, type FetchLike } from './issuer-keys.ts';
export { certificateThumbprint, SessionTokens, SESSION_TOKEN_AUDIENCE, SESSION_TOKEN_TYP, type SessionClaims } from './session-token.ts';
export { SessionService, type IssuedSession, type PresentedDevice, type SessionIdentity, type SessionLifetimes, type SessionServiceDeps } from './sessions.ts';
