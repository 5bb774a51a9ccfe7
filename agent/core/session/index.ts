/** Sign-in, session renewal and sign-out of the agent (DESIGN.md §3). */
export { clientFor, fetchDiscovery, signIn, type ProxyDiscovery, type SignInMethod, type SignInOptions, type SignInResult } from './sign-in.ts';
export { SessionKeeper, RENEW_MAX_LEAD_MS, RENEW_MIN_LEAD_MS, SIGN_IN_WARNING_MS, type ControlChannel, type SessionKeeperOptions } from './keeper.ts';
export { signOut, type SignOutResult } from './sign-out.ts';
