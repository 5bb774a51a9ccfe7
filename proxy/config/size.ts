/**
 * Byte sizes as people write them in the config: `1MiB`, `512KiB`, `100MiB`, `2GiB`, or a plain
 * number of bytes. Binary units only (KiB = 1024): `1MB` is refused rather than guessed, so a
 * limit never means 1,000,000 in one place and 1,048,576 in another.
 */

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

/** The size grammar as a JSON Schema `pattern` (documents and pre-checks {@link tryParseSize}). */
export const SIZE_PATTERN = '^[0-9]{1,15}(B|KiB|MiB|GiB|TiB)?$';

const SIZE_RE = /^([0-9]{1,15})(B|KiB|MiB|GiB|TiB)?$/;

export const SIZE_EXPECTED = 'a size such as 512KiB, 1MiB or 100MiB (or a number of bytes)';

/** Bytes, or undefined when `text` is not a size or not a safe integer number of bytes. */
export function tryParseSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) && text >= 0 ? text : undefined;
  if (typeof text !== 'string') return undefined;
  const match = SIZE_RE.exec(text);
  if (match === null) return undefined;
  const bytes = Number(match[1]) * (UNITS[match[2] ?? 'B'] ?? 1);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** The largest binary unit that divides `bytes` exactly: 1048576 -> `1MiB`, 1000 -> `1000B`. */
export function formatSize(bytes: number): string {
  for (const unit of ['TiB', 'GiB', 'MiB', 'KiB'] as const) {
    const factor = UNITS[unit] as number;
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}
