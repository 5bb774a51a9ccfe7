/** The policy decision point (DESIGN.md §1, §6): a pure evaluator and its one responder. */

export { evaluate } from './evaluate.ts';
export { toProblem, type PolicyProblem } from './problem.ts';
export { benchEvaluate, type BenchResult } from './bench.ts';
export { compareVersions, isAtLeast, parseVersion } from './version.ts';
export { cidrContains, formatIp, parseCidr, parseIp, type IpAddress, type ParsedCidr } from './cidr.ts';
export { EDR_VENDORS, MFA_AMR_VALUES, POLICY_DEFAULTS, POLICY_DURATION_BOUNDS, POLICY_LIMITS } from './limits.ts';
export { REQUIRE_CRITERIA } from './types.ts';
export type {
  Admission,
  AllowCriterionName,
  CriterionData,
  CriterionResult,
  DataValue,
  Decision,
  DecisionApp,
  DecisionContext,
  DecisionData,
  DecisionDevice,
  DecisionIdentity,
  DecisionInput,
  DecisionPosture,
  RequireCriterionName,
} from './types.ts';
