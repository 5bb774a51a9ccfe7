/**
 * Shape rules of the JSON payloads (OPEN, OPEN_FAIL, RST, CONTROL), shared by the encoder and
 * the decoder so that what one side encodes the other accepts. Each check returns what is
 * wrong (secret-free: it names the field, never echoes the value) or `undefined` when valid.
 */
import { FIELD_LIMITS } from './constants.ts';
import { isValidTarget } from './target.ts';

const APP_ID_RE = /^[a-z0-9][a-z0-9_.-]*$/i;
const KEBAB_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const PROBLEM_CODE_RE = /^[A-Za-z0-9_.:-]+$/;

/**
 * Keys that must not appear at any depth of a JSON payload: harmless as JSON.parse output, but
 * a consumer that copies with assignment (`Object.assign`, a naive merge) would pollute
 * prototypes.
 */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` is a kebab-case string of at most `maxLength` characters. */
export function isKebab(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.length <= maxLength && KEBAB_RE.test(value);
}

/**
 * Checks nesting depth and forbidden keys of a parsed JSON value. `depth` is the depth of
 * `value` itself. Recursion is bounded by `FIELD_LIMITS.jsonMaxDepth`.
 */
export function checkJsonTree(value: unknown, depth = 1): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > FIELD_LIMITS.jsonMaxDepth) {
    return `JSON nests deeper than ${FIELD_LIMITS.jsonMaxDepth} levels`;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = checkJsonTree(value[i], depth + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) return 'JSON has a forbidden key (__proto__, constructor or prototype)';
    const problem = checkJsonTree((value as Record<string, unknown>)[key], depth + 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Checks an OPEN payload: `{app, target?}` and no other keys. */
export function checkOpen(value: unknown): string | undefined {
  if (!isJsonObject(value)) return 'OPEN payload must be a JSON object';
  for (const key of Object.keys(value)) {
    if (key !== 'app' && key !== 'target') return 'OPEN payload has an unknown key';
  }
  const { app, target } = value;
  if (
    typeof app !== 'string' ||
    app.length === 0 ||
    app.length > FIELD_LIMITS.appMaxLength ||
    !APP_ID_RE.test(app)
  ) {
    return `OPEN app must be an app id of 1 to ${FIELD_LIMITS.appMaxLength} characters [A-Za-z0-9_.-]`;
  }
  if (target !== undefined && (typeof target !== 'string' || !isValidTarget(target))) {
    return 'OPEN target must be host:port (DNS name, IPv4 or [IPv6]; port 1-65535)';
  }
  return undefined;
}

/** Checks an OPEN_FAIL / RST payload: exactly `{code, reasons, message}`. */
export function checkProblem(value: unknown): string | undefined {
  if (!isJsonObject(value)) return 'problem payload must be a JSON object';
  for (const key of Object.keys(value)) {
    if (key !== 'code' && key !== 'reasons' && key !== 'message') {
      return 'problem payload has an unknown key';
    }
  }
  const { code, reasons, message } = value;
  if (
    typeof code !== 'string' ||
    code.length === 0 ||
    code.length > FIELD_LIMITS.codeMaxLength ||
    !PROBLEM_CODE_RE.test(code)
  ) {
    return `problem code must be 1 to ${FIELD_LIMITS.codeMaxLength} characters [A-Za-z0-9_.:-]`;
  }
  if (!Array.isArray(reasons) || reasons.length > FIELD_LIMITS.maxReasons) {
    return `problem reasons must be an array of at most ${FIELD_LIMITS.maxReasons} items`;
  }
  for (let i = 0; i < reasons.length; i++) {
    if (!isKebab(reasons[i], FIELD_LIMITS.reasonMaxLength)) {
      return `problem reasons must be kebab-case strings of at most ${FIELD_LIMITS.reasonMaxLength} characters`;
    }
  }
  if (typeof message !== 'string' || message.length > FIELD_LIMITS.messageMaxLength) {
    return `problem message must be a string of at most ${FIELD_LIMITS.messageMaxLength} characters`;
  }
  return undefined;
}

/** Checks a CONTROL payload: an object with a kebab-case `type`, within the JSON rules. */
export function checkControl(value: unknown): string | undefined {
  if (!isJsonObject(value)) return 'CONTROL payload must be a JSON object';
  if (!isKebab(value['type'], FIELD_LIMITS.controlTypeMaxLength)) {
    return `CONTROL type must be kebab-case of 1 to ${FIELD_LIMITS.controlTypeMaxLength} characters`;
  }
  return checkJsonTree(value);
}
