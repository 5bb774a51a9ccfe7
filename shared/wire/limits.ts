/**
 * Per-connection limits of the wire protocol: named, validated defaults (DESIGN.md §4).
 *
 * The decoder enforces the size limits inside the parser; `maxStreams`, `initialWindow` and
 * `maxWindow` are enforced by the stream multiplexer and are exported here so that both sides
 * read them from one place.
 */

/** Limits of one tunnel connection. Build with {@link validateLimits}. */
export interface WireLimits {
  /** Largest DATA payload in bytes (default 64 KiB). */
  readonly maxFramePayload: number;
  /** Largest OPEN / OPEN_FAIL / RST payload in bytes (default 16 KiB). */
  readonly maxJsonPayload: number;
  /** Largest CONTROL payload in bytes (default 64 KiB). */
  readonly maxControlPayload: number;
  /** Concurrent streams per connection (default 1024). */
  readonly maxStreams: number;
  /** Credit each side starts with, per stream and direction, in bytes (default 256 KiB). */
  readonly initialWindow: number;
  /** Credit that a WINDOW may never push a stream above, in bytes (default 16 MiB). */
  readonly maxWindow: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The default values; see each field of {@link WireLimits}. */
const DEFAULT_VALUES = {
  maxFramePayload: 64 * KiB,
  maxJsonPayload: 16 * KiB,
  maxControlPayload: 64 * KiB,
  maxStreams: 1024,
  initialWindow: 256 * KiB,
  maxWindow: 16 * MiB,
} as const satisfies WireLimits;

/** Inclusive bounds that {@link validateLimits} accepts for each limit. */
export const LIMIT_BOUNDS: Readonly<Record<keyof WireLimits, readonly [min: number, max: number]>> =
  Object.freeze({
    maxFramePayload: [1, 16 * MiB],
    maxJsonPayload: [1, 1 * MiB],
    maxControlPayload: [1, 16 * MiB],
    maxStreams: [1, 1_048_576],
    initialWindow: [1, 1024 * MiB],
    maxWindow: [1, 1024 * MiB],
  } as const);

const LIMIT_KEYS = Object.freeze(Object.keys(LIMIT_BOUNDS)) as readonly (keyof WireLimits)[];

/** Objects known to be valid and frozen, so the hot path checks them with one lookup. */
const validated = new WeakSet<WireLimits>();

function checkKeys(limits: object): void {
  for (const key of Object.keys(limits)) {
    if (!Object.hasOwn(LIMIT_BOUNDS, key)) throw new TypeError(`unknown wire limit "${key}"`);
  }
}

function checkValues(limits: Readonly<Record<string, unknown>>): void {
  for (const key of LIMIT_KEYS) {
    const value = limits[key];
    const [min, max] = LIMIT_BOUNDS[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new TypeError(`wire limit "${key}" must be an integer from ${min} to ${max}`);
    }
  }
  if ((limits['initialWindow'] as number) > (limits['maxWindow'] as number)) {
    throw new TypeError('wire limit "initialWindow" must not exceed "maxWindow"');
  }
}

/**
 * Returns a complete, frozen set of limits: the defaults overridden by `partial`.
 *
 * @throws TypeError when a value is not an integer within {@link LIMIT_BOUNDS}, when a key is
 *   unknown (a typo would otherwise silently keep a default), or when `initialWindow` exceeds
 *   `maxWindow`.
 */
export function validateLimits(partial: Partial<WireLimits> = {}): WireLimits {
  if (typeof partial !== 'object' || partial === null) {
    throw new TypeError('wire limits must be an object');
  }
  if (validated.has(partial as WireLimits)) return partial as WireLimits;
  checkKeys(partial);
  const merged: Record<string, unknown> = { ...DEFAULT_VALUES };
  for (const key of LIMIT_KEYS) {
    const value = partial[key];
    if (value !== undefined) merged[key] = value;
  }
  checkValues(merged);
  const limits = Object.freeze(merged) as unknown as WireLimits;
  validated.add(limits);
  return limits;
}

/**
 * The limits to use for `limits`: itself when it came from {@link validateLimits}, otherwise it
 * is checked (without copying) on every call. Internal: keeps NaN or a typo from silently
 * disabling a check in the decoder.
 *
 * @throws TypeError when `limits` is not a complete, valid set.
 */
export function resolveLimits(limits: WireLimits): WireLimits {
  if (validated.has(limits)) return limits;
  if (typeof limits !== 'object' || limits === null) {
    throw new TypeError('wire limits must be an object');
  }
  checkKeys(limits);
  checkValues(limits as unknown as Readonly<Record<string, unknown>>);
  return limits;
}

/** The default limits (frozen). */
export const DEFAULT_LIMITS: WireLimits = validateLimits();
