/**
 * The one place a policy decision becomes a refusal (STYLE.md §4, as pomerium maps a decision
 * to a response): the `{code, reasons, message}` that an OPEN_FAIL or RST frame carries
 * (DESIGN.md §4) and a 403 body is built from (`ZG_ERR_POLICY_DENIED`, docs/errors.md).
 */

import { FIELD_LIMITS } from '../../shared/wire/index.ts';
import { REASONS, type Reason } from '../../shared/reasons.ts';
import type { Decision } from './types.ts';

/** A policy refusal, ready for the wire (`Problem`) or an HTTP 403 body. */
export interface PolicyProblem {
  code: 'ZG_ERR_POLICY_DENIED';
  reasons: Reason[];
  message: string;
}

/**
 * The refusal for a denying decision: its reasons, and a message made of each reason's summary
 * (shared/reasons.ts), within the wire's message limit. `appId`, when given, names the app.
 *
 * @throws TypeError when `decision` allows (a programming error: nothing to refuse).
 */
export function toProblem(decision: Decision, appId?: string): PolicyProblem {
  if (decision.allow) throw new TypeError('toProblem: the decision allows access');
  const reasons = decision.reasons.slice(0, FIELD_LIMITS.maxReasons);
  const head = appId === undefined ? 'access denied by policy' : `access to ${appId} denied by policy`;
  const summaries = reasons.map((reason) => REASONS[reason].summary);
  const text = summaries.length === 0 ? head : `${head}: ${summaries.join('; ')}`;
  const max = FIELD_LIMITS.messageMaxLength;
  const message = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return { code: 'ZG_ERR_POLICY_DENIED', reasons, message };
}
