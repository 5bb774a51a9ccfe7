/**
 * `allow: [{ emails: [...] }]`: admits listed email addresses. Compared case-insensitively:
 * IdPs do not preserve the case people type, and no mail system tells `Bob@` from `bob@`.
 */

import type { CriterionResult, DecisionIdentity } from '../types.ts';

/**
 * The address to match: the verified `email` when the session carries one, else the user id
 * when it is an email address (OIDC's default `userClaim: email`); `undefined` otherwise.
 */
export function emailOf(identity: DecisionIdentity): string | undefined {
  if (typeof identity.email === 'string' && identity.email.includes('@')) return identity.email;
  return identity.user.includes('@') ? identity.user : undefined;
}

/** Passes when the identity's email address is one of `emails`. */
export function checkEmails(identity: DecisionIdentity, emails: readonly string[]): CriterionResult {
  const email = emailOf(identity);
  const wanted = email?.toLowerCase();
  const matched = wanted === undefined ? undefined : emails.find((entry) => entry.toLowerCase() === wanted);
  if (matched !== undefined) return { pass: true, reasons: [], data: { email: email ?? null, matched } };
  return { pass: false, reasons: ['user-not-allowed'], data: { email: email ?? null, matched: null } };
}
