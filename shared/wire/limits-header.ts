import { validateLimits, type WireLimits } from './limits.ts';

/**
 * The proxy announces its tunnel limits in the WebSocket upgrade response, so that both ends
 * use the same frame size and initial window (a mismatch would be a flow-control violation).
 * Format: `x-zerogate-limits: maxFramePayload=65536, initialWindow=262144, ...`.
 */
export const LIMITS_HEADER = 'x-zerogate-limits';

const MAX_HEADER_LENGTH = 512;

export function formatLimitsHeader(limits: WireLimits): string {
  const checked = validateLimits(limits);
  return (Object.keys(checked) as (keyof WireLimits)[]).map((k) => `${k}=${checked[k]}`).join(', ');
}

/**
 * Parses an announced limits header into validated limits (defaults for absent keys).
 *
 * @throws TypeError when the header is malformed, names an unknown limit or a value is out of
 *   bounds: the agent then refuses the connection rather than guess.
 */
export function parseLimitsHeader(value: string | undefined): WireLimits {
  if (value === undefined || value.trim() === '') return validateLimits();
  if (value.length > MAX_HEADER_LENGTH) throw new TypeError('limits header too long');
  const partial: Record<string, number> = {};
  for (const part of value.split(',')) {
    const match = /^\s*([A-Za-z]+)=(\d{1,10})\s*$/.exec(part);
    if (match === null) throw new TypeError('malformed limits header');
    const key = match[1] as string;
    if (Object.hasOwn(partial, key)) throw new TypeError(`limit "${key}" repeated`);
    partial[key] = Number(match[2]);
  }
  return validateLimits(partial as Partial<WireLimits>);
}
