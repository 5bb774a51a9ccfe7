/**
 * `require.mfa: true`: the sign-in used a second factor (DESIGN.md §6). The identity layer's own
 * verdict (`identity.mfa`, from the configured `amr`/`acr` values or `enforcedByIdp`) decides
 * when it is known; otherwise `amr` (RFC 8176) must hold one of the default MFA values. `acr`
 * alone never counts here: which `acr` values mean MFA is the IdP configuration's to say.
 */

import { MFA_AMR_VALUES } from '../limits.ts';
import type { CriterionResult, DecisionIdentity } from '../types.ts';

export function checkMfa(identity: DecisionIdentity): CriterionResult {
  const amr = [...identity.amr];
  const sessionMfa = typeof identity.mfa === 'boolean' ? identity.mfa : null;
  const pass = sessionMfa ?? amr.some((value) => MFA_AMR_VALUES.includes(value));
  const data = { amr, sessionMfa };
  return pass ? { pass: true, reasons: [], data } : { pass: false, reasons: ['mfa-required'], data };
}
