/**
 * Time-boxed fuzz of the wire codec (DESIGN.md §4, §11): random bytes and mutated golden frames
 * go through `decodeFrame` whole and through `FrameDecoder` in random pieces.
 *
 * Invariants: nothing but a ZerogateError with a ZG_ERR_WIRE_* code and close code 1002 is ever
 * thrown; both decoders agree on every input; the FrameDecoder never holds more than its limit
 * plus the header; a frame the decoder accepts (other than CONTROL, whose JSON numbers may not
 * survive a round trip) re-encodes to an equal frame.
 *
 * ZG_FUZZ_MS sets the budget (default 2000 ms), ZG_FUZZ_SEED replays a run; a failure prints
 * both, with the input in hex.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  decodeFrame,
  encodeFrame,
  FrameDecoder,
  FrameType,
  HEADER_SIZE,
  validateLimits,
  type WireLimits,
} from '../../shared/wire/index.ts';
import {
  decodeOutcome,
  fromHex,
  GOLDEN_FRAMES,
  INVALID_FRAMES,
  type Outcome,
  outcome,
  toHex,
} from '../../shared/wire/golden-frames.fixture.ts';

const BUDGET_MS = Number(process.env['ZG_FUZZ_MS'] ?? 2000);
const SEED = Number(process.env['ZG_FUZZ_SEED'] ?? Math.floor(Math.random() * 0x7fff_ffff));

/** mulberry32: small, fast, seedable; good enough to pick mutations. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b_79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const random = prng(SEED);
const int = (below: number): number => Math.floor(random() * below);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

const SEEDS = [...GOLDEN_FRAMES, ...INVALID_FRAMES].map((entry) => fromHex(entry.hex));
const JSON_TOKENS = [
  '{', '}', '[', ']', ',', ':', '"', '"app"', '"target"', '"type"', '"code"', '"reasons"', '"message"',
  '"wiki"', '"db:5432"', '"[::1]:22"', '"notice"', '"mfa-required"', '"__proto__"', '"constructor"',
  '\\u0000', '\\ud800', 'é', '\u{1f600}', '1e400', '-0', 'null', 'true', '[]', '{}', ' ', '\uFEFF',
];
const encoder = new TextEncoder();

function randomBytes(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = int(256);
  return out;
}

function jsonish(): Uint8Array {
  let text = '';
  const count = 1 + int(24);
  for (let i = 0; i < count; i++) text += pick(JSON_TOKENS);
  return encoder.encode(text);
}

function withHeader(type: number, stream: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_SIZE + payload.length);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, stream);
  out.set(payload, HEADER_SIZE);
  return out;
}

function mutate(input: Uint8Array): Uint8Array {
  let bytes = Array.from(input);
  const edits = 1 + int(4);
  for (let e = 0; e < edits; e++) {
    const at = int(bytes.length + 1);
    switch (int(9)) {
      case 0:
        if (at < bytes.length) bytes[at] = bytes[at]! ^ (1 << int(8));
        break;
      case 1:
        if (at < bytes.length) bytes[at] = int(256);
        break;
      case 2:
        bytes.splice(at, 0, ...randomBytes(1 + int(8)));
        break;
      case 3:
        bytes.splice(at, 1 + int(8));
        break;
      case 4:
        bytes = bytes.slice(0, at);
        break;
      case 5:
        bytes.splice(at, 0, ...bytes.slice(int(bytes.length), int(bytes.length + 1)));
        break;
      case 6:
        bytes.splice(at, 0, ...jsonish());
        break;
      case 7:
        if (bytes.length > 0) bytes[0] = pick([...Object.values(FrameType), int(256)]);
        break;
      default:
        bytes.splice(1, 4, ...pick([[0, 0, 0, 0], [0, 0, 0, 1], [255, 255, 255, 255]]));
    }
  }
  return Uint8Array.from(bytes);
}

function nextInput(): Uint8Array {
  switch (int(6)) {
    case 0:
      return randomBytes(int(int(2) === 0 ? 12 : 200));
    case 1:
      return withHeader(pick(Object.values(FrameType)), pick([0, 1, int(2 ** 32)]), jsonish());
    case 2: {
      // Sometimes larger than the default limits: mostly zeros, filling 70 KB costs too much time.
      const payload = int(8) === 0 ? new Uint8Array(65_530 + int(12)) : randomBytes(int(64));
      payload[int(payload.length)] = int(256);
      return withHeader(pick(Object.values(FrameType)), int(3), payload);
    }
    default:
      return mutate(pick(SEEDS));
  }
}

function randomPieces(message: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let offset = 0;
  while (offset < message.length) {
    const size = int(3) === 0 ? 1 : 1 + int(Math.max(1, message.length - offset));
    out.push(message.subarray(offset, offset + size));
    offset += size;
  }
  return out;
}

/** Runs `fn`; anything it throws (outcome() rethrows all but wire errors) is a fuzz failure. */
function guard(fn: () => Outcome, what: string, fail: (message: string) => never): Outcome {
  try {
    return fn();
  } catch (error) {
    if (error instanceof Error && error.message.includes('ZG_FUZZ_SEED')) throw error;
    return fail(`${what} threw something other than a wire error: ${String(error)}`);
  }
}

function largestPayload(limits: WireLimits): number {
  return Math.max(limits.maxFramePayload, limits.maxJsonPayload, limits.maxControlPayload, 4);
}

describe('wire codec fuzz', () => {
  it(`holds its invariants for ${BUDGET_MS} ms (seed ${SEED})`, { timeout: BUDGET_MS + 20_000 }, () => {
    const small = validateLimits({ maxFramePayload: 32, maxJsonPayload: 48, maxControlPayload: 40 });
    const limitSets = [DEFAULT_LIMITS, small];
    const decoders = limitSets.map((limits) => new FrameDecoder(limits));
    const deadline = performance.now() + BUDGET_MS;
    const counts = { inputs: 0, frames: 0, errors: 0 };

    while (performance.now() < deadline) {
      const input = nextInput();
      counts.inputs++;
      const fail = (what: string): never => {
        throw new Error(`${what} (ZG_FUZZ_SEED=${SEED}, input ${counts.inputs}: ${toHex(input).slice(0, 2000)})`);
      };
      for (let l = 0; l < limitSets.length; l++) {
        const limits = limitSets[l]!;
        const decoder = decoders[l]!;
        const whole = guard(() => decodeOutcome(input, limits), 'decodeFrame', fail);
        const split = guard(
          () =>
            outcome(() => {
              for (const piece of randomPieces(input)) {
                decoder.push(piece);
                if (decoder.buffered > HEADER_SIZE + largestPayload(limits)) {
                  fail('FrameDecoder buffered over its limit');
                }
              }
              return decoder.end();
            }),
          'FrameDecoder',
          fail,
        );
        decoder.reset();
        if (!isDeepStrictEqual(whole, split)) fail('decodeFrame and FrameDecoder disagree');
        if ('code' in whole) {
          counts.errors++;
          continue;
        }
        counts.frames++;
        if (whole.frame.type !== FrameType.CONTROL) {
          const again = decodeFrame(encodeFrame(whole.frame, limits), limits);
          if (!isDeepStrictEqual(again, whole.frame)) fail('re-encoding an accepted frame changed it');
        }
      }
    }

    console.info(`wire fuzz: seed ${SEED}, ${counts.inputs} inputs, ${counts.frames} frames, ${counts.errors} errors`);
    expect(counts.inputs).toBeGreaterThan(1000);
    expect(counts.frames).toBeGreaterThan(0);
    expect(counts.errors).toBeGreaterThan(0);
  });
});
